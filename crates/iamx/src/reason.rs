//! The reasoner's questions on loaded inputs: *can* (in any context),
//! *compare*, and the Access-Analyzer-style checks.
//!
//! Every question goes through the SMT encoding of the provider's program
//! (`iamx-smt`), and every witness is replayed through the concrete
//! evaluator before it is reported.

mod access;
mod load;
pub mod rbac;

pub use access::{EnvComparison, PrincipalComparison, compare_environments, compare_principals};
pub use load::{detect_provider, load_grants, load_grants_text};
pub use rbac::{AzureGrants, GcpGrants, GrantRow, Grants};

use crate::{Provider, Query, Workspace};
use iamx_model::{Context, Policy, Principal, Request, Value};
use iamx_smt::aws::Can;
use iamx_smt::compare::{Direction, Prepared, more_permissive};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// A request's answer over every context.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum AnyContext {
    /// Allowed in every context.
    Always,
    /// Allowed in some contexts.
    Sometimes {
        /// A context where it is allowed.
        witness: Vec<(String, String)>,
        /// A context where it is not.
        counterexample: Vec<(String, String)>,
        /// The context keys or attributes the answer depends on.
        depends_on: Vec<String>,
    },
    /// Allowed in no context.
    Never,
    /// Not decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

pub(crate) fn pairs(c: &Context) -> Vec<(String, String)> {
    c.iter()
        .map(|(k, v)| {
            let text = match v {
                Value::One(s) => s.as_string().into_owned(),
                Value::Set(xs) => format!(
                    "[{}]",
                    xs.iter()
                        .map(|x| x.as_string().into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Value::Null => "null".to_owned(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// The entries of `c` for `keys` (the keys an answer depends on).
fn only(c: &Context, keys: &[String]) -> Vec<(String, String)> {
    pairs(c)
        .into_iter()
        .filter(|(k, _)| keys.contains(k))
        .collect()
}

impl Workspace {
    /// The SMT-LIB text of the question `--any-context` asks for `q`: the
    /// assertion "the request is allowed" over the context it leaves open.
    pub fn emit_smt(&self, provider: Provider, q: Query) -> Result<String, String> {
        let term = match provider {
            Provider::Aws => {
                let (req, _) = self.request(&q.principal, &q.action, &q.resource, q.context)?;
                let mut prog = self.aws.program_for(&req);
                prog.session = q.session_policy;
                iamx_smt::aws::allowed_term(&prog, &req)
            }
            Provider::Gcp => {
                let (req, prog) = iamx_gcp::build_request(
                    &self.gcp,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.context,
                )?;
                iamx_smt::expr::gcp_allowed_term(&prog, &req)
            }
            Provider::Azure => {
                let (req, prog) = iamx_azure::build_request(
                    &self.azure,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.data_action,
                    q.context,
                )?;
                iamx_smt::expr::azure_allowed_term(&prog, &req)
            }
        };
        Ok(iamx_smt::to_smtlib(&[term]))
    }

    /// Is `q` allowed in every, some or no context? `q.context` fixes keys.
    pub fn any_context(
        &self,
        provider: Provider,
        q: Query,
        timeout: Duration,
    ) -> Result<(Request, AnyContext), String> {
        match provider {
            Provider::Aws => {
                let (req, _) = self.request(&q.principal, &q.action, &q.resource, q.context)?;
                let mut prog = self.aws.program_for(&req);
                prog.session = q.session_policy;
                let answer = from_can(iamx_smt::aws::can(&prog, &req, timeout));
                Ok((req, answer))
            }
            Provider::Gcp => {
                let (req, prog) = iamx_gcp::build_request(
                    &self.gcp,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.context,
                )?;
                Ok((
                    req.clone(),
                    from_can(iamx_smt::expr::can_gcp(&prog, &req, timeout)),
                ))
            }
            Provider::Azure => {
                let (req, prog) = iamx_azure::build_request(
                    &self.azure,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.data_action,
                    q.context,
                )?;
                Ok((
                    req.clone(),
                    from_can(iamx_smt::expr::can_azure(&prog, &req, timeout)),
                ))
            }
        }
    }
}

pub(crate) fn from_can(c: Can) -> AnyContext {
    match c {
        Can::Always => AnyContext::Always,
        Can::Never => AnyContext::Never,
        Can::Unknown(r) => AnyContext::Unknown {
            reason: r.to_string(),
        },
        Can::Sometimes {
            witness,
            counterexample,
            keys,
        } => AnyContext::Sometimes {
            witness: only(&witness, &keys),
            counterexample: only(&counterexample, &keys),
            depends_on: keys,
        },
    }
}

/// A difference between two policies, for reports.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DirectionReport {
    /// Nothing more.
    Contained,
    /// A request allowed by the first and not by the second.
    Witness {
        /// The caller, where the question varies it.
        #[serde(skip_serializing_if = "Option::is_none")]
        principal: Option<String>,
        /// Azure: whether the operation is a data action.
        #[serde(skip_serializing_if = "Option::is_none")]
        data_action: Option<bool>,
        /// Action.
        action: String,
        /// Resource.
        resource: String,
        /// Context.
        context: Vec<(String, String)>,
    },
    /// Not decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl DirectionReport {
    /// The report of a direction; `show_principal` keeps the witness's
    /// caller (not for roles, whose holder is a stand-in).
    pub fn plain(d: Direction, show_principal: bool) -> DirectionReport {
        match d {
            Direction::Contained => DirectionReport::Contained,
            Direction::Witness(w) => DirectionReport::Witness {
                principal: w.principal.filter(|_| show_principal),
                data_action: w.data_action,
                action: w.action,
                resource: w.resource,
                context: pairs(&w.context),
            },
            Direction::Unknown(r) => DirectionReport::Unknown {
                reason: r.to_string(),
            },
        }
    }

    fn from(d: Direction, catalog: &iamx_catalog::Catalog) -> DirectionReport {
        match d {
            Direction::Contained => DirectionReport::Contained,
            Direction::Witness(w) => DirectionReport::Witness {
                principal: w.principal,
                data_action: None,
                action: catalog
                    .get(&w.action)
                    .map_or(w.action.clone(), |a| a.action().to_owned()),
                resource: w.resource,
                context: pairs(&w.context),
            },
            Direction::Unknown(r) => DirectionReport::Unknown {
                reason: r.to_string(),
            },
        }
    }
}

/// The verdict of comparing A with B.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// `equivalent`, `a_more_permissive`, `b_more_permissive`, `incomparable`, `unknown`.
    pub verdict: &'static str,
    /// Does A allow something B does not?
    pub a_not_in_b: DirectionReport,
    /// Does B allow something A does not?
    pub b_not_in_a: DirectionReport,
}

/// Compares two AWS identity policies for `principal` (in its own account).
pub fn compare_aws(
    a: &Arc<Policy>,
    b: &Arc<Policy>,
    principal: &Principal,
    catalog: &iamx_catalog::Catalog,
    timeout: Duration,
) -> Comparison {
    let actions = catalog.lowercase_actions();
    let pa = Prepared::new(a.clone(), &actions);
    let pb = Prepared::new(b.clone(), &actions);
    let ab = more_permissive(a, &pb, &actions, principal, timeout);
    let ba = more_permissive(b, &pa, &actions, principal, timeout);
    Comparison {
        verdict: verdict(&ab, &ba),
        a_not_in_b: DirectionReport::from(ab, catalog),
        b_not_in_a: DirectionReport::from(ba, catalog),
    }
}

/// The verdict of two directions: a witness in one direction and an
/// unknown in the other is `unknown`, never a one-sided verdict.
pub fn verdict(ab: &Direction, ba: &Direction) -> &'static str {
    match (ab, ba) {
        (Direction::Contained, Direction::Contained) => "equivalent",
        (Direction::Witness(_), Direction::Contained) => "a_more_permissive",
        (Direction::Contained, Direction::Witness(_)) => "b_more_permissive",
        (Direction::Witness(_), Direction::Witness(_)) => "incomparable",
        _ => "unknown",
    }
}

/// Does `a` allow something `b` does not? For AWS policies `principal` is
/// the caller they are attached to. The two sides must be of one dialect.
pub fn more_permissive_grants(
    a: &Grants,
    b: &Grants,
    principal: &Principal,
    catalog: &iamx_catalog::Catalog,
    timeout: Duration,
) -> Result<DirectionReport, String> {
    // the caller of a role or of Azure assignments is a stand-in
    let show = matches!(a, Grants::Gcp(g) if !g.role);
    Ok(match (a, b) {
        (Grants::Aws(a), Grants::Aws(b)) => {
            let actions = catalog.lowercase_actions();
            let pb = Prepared::new(b.clone(), &actions);
            DirectionReport::from(
                more_permissive(a, &pb, &actions, principal, timeout),
                catalog,
            )
        }
        (Grants::Gcp(a), Grants::Gcp(b)) => {
            DirectionReport::plain(rbac::gcp_more_permissive(a, b, timeout), show)
        }
        (Grants::Azure(a), Grants::Azure(b)) => {
            DirectionReport::plain(rbac::azure_more_permissive(a, b, timeout), show)
        }
        _ => return Err(mismatch(a, b)),
    })
}

fn mismatch(a: &Grants, b: &Grants) -> String {
    format!(
        "the two sides are in different dialects ({} and {}): compare policies of one cloud",
        a.cloud(),
        b.cloud()
    )
}

fn direction_of(r: &DirectionReport) -> Direction {
    match r {
        DirectionReport::Contained => Direction::Contained,
        DirectionReport::Witness { .. } => Direction::Witness(iamx_smt::compare::Difference {
            principal: None,
            data_action: None,
            action: String::new(),
            resource: String::new(),
            context: Context::new(),
        }),
        DirectionReport::Unknown { reason } => {
            Direction::Unknown(iamx_model::Reason::new(reason.clone()))
        }
    }
}

/// Compares two policies, roles or assignment sets of one dialect.
pub fn compare_grants(
    a: &Grants,
    b: &Grants,
    principal: &Principal,
    catalog: &iamx_catalog::Catalog,
    timeout: Duration,
) -> Result<Comparison, String> {
    if let (Grants::Aws(a), Grants::Aws(b)) = (a, b) {
        return Ok(compare_aws(a, b, principal, catalog, timeout));
    }
    let ab = more_permissive_grants(a, b, principal, catalog, timeout)?;
    let ba = more_permissive_grants(b, a, principal, catalog, timeout)?;
    Ok(Comparison {
        verdict: verdict(&direction_of(&ab), &direction_of(&ba)),
        a_not_in_b: ab,
        b_not_in_a: ba,
    })
}

/// `check-no-new-access`: `new` grants nothing `base` does not.
pub fn check_no_new_access(
    new: &Arc<Policy>,
    base: &Arc<Policy>,
    principal: &Principal,
    catalog: &iamx_catalog::Catalog,
    timeout: Duration,
) -> DirectionReport {
    let actions = catalog.lowercase_actions();
    let pb = Prepared::new(base.clone(), &actions);
    DirectionReport::from(
        more_permissive(new, &pb, &actions, principal, timeout),
        catalog,
    )
}

/// `check-access-not-granted`: `policy` allows none of `actions` on any of
/// `resources` (every resource when empty), in any context. Returns, per
/// action and resource, the answer.
pub fn check_access_not_granted(
    policy: &Arc<Policy>,
    actions: &[String],
    resources: &[String],
    principal: &Principal,
    timeout: Duration,
) -> Vec<(String, String, AnyContext)> {
    let prog = iamx_model::AwsProgram::identity_only(vec![policy.clone()]);
    let resources: Vec<String> = if resources.is_empty() {
        vec![String::new()]
    } else {
        resources.to_vec()
    };
    let mut out = Vec::new();
    for a in actions {
        for r in &resources {
            let answer = if r.is_empty() {
                // any resource: compare with a policy that allows nothing
                let empty = Arc::new(Policy::new(Arc::from("nothing"), Vec::new()));
                let single = Arc::new(Policy::new(
                    policy.name.clone(),
                    policy
                        .statements
                        .iter()
                        .filter(|st| {
                            st.effect == iamx_model::Effect::Deny
                                || st.action.matches_lc(&a.to_ascii_lowercase())
                        })
                        .cloned()
                        .collect(),
                ));
                let actions = vec![a.to_ascii_lowercase()];
                let pe = Prepared::new(empty, &actions);
                match more_permissive(&single, &pe, &actions, principal, timeout) {
                    Direction::Contained => AnyContext::Never,
                    Direction::Witness(w) => AnyContext::Sometimes {
                        witness: vec![("resource".into(), w.resource.clone())]
                            .into_iter()
                            .chain(pairs(&w.context))
                            .collect(),
                        counterexample: Vec::new(),
                        depends_on: Vec::new(),
                    },
                    Direction::Unknown(r) => AnyContext::Unknown {
                        reason: r.to_string(),
                    },
                }
            } else {
                let req = Request {
                    principal: principal.clone(),
                    action: a.clone(),
                    resource: r.clone(),
                    resource_account: principal.account.clone(),
                    context: Context::new(),
                };
                from_can(iamx_smt::aws::can(&prog, &req, timeout))
            };
            out.push((
                a.clone(),
                if r.is_empty() {
                    "*".to_owned()
                } else {
                    r.clone()
                },
                answer,
            ));
        }
    }
    out
}

/// `check-no-public-access` for an AWS resource policy on `resource`: may an
/// anonymous caller, or a caller of an account outside the organisation, do
/// anything the policy names, in some context?
pub fn check_no_public_access_aws(
    policy: &Arc<Policy>,
    resource: &str,
    resource_account: &str,
    catalog: &iamx_catalog::Catalog,
    timeout: Duration,
) -> Vec<(String, String, AnyContext)> {
    let kind = iamx_aws::request::infer_resource_policy_kind("", resource);
    let prog = iamx_model::AwsProgram {
        identity: vec![],
        boundaries: vec![],
        session: None,
        scps: None,
        management_account: false,
        rcps: None,
        resource_policy: Some(policy.clone()),
        resource_policy_kind: kind,
    };
    let mut actions = std::collections::BTreeSet::new();
    for st in policy
        .statements
        .iter()
        .filter(|s| s.effect == iamx_model::Effect::Allow && !s.action.negated)
    {
        for p in &st.action.patterns {
            let e = catalog.expand(p.raw());
            if e.is_empty() {
                actions.insert(p.raw().to_owned());
            } else {
                actions.extend(e.iter().map(|a| a.action().to_owned()));
            }
        }
    }
    let outsiders = [
        Principal::anonymous(),
        iamx_aws::parse_principal("arn:aws:iam::000000000000:root")
            .unwrap_or_else(|_| Principal::anonymous()),
    ];
    let mut out = Vec::new();
    for p in &outsiders {
        for a in &actions {
            let req = Request {
                principal: p.clone(),
                action: a.clone(),
                resource: resource.to_owned(),
                resource_account: Some(resource_account.to_owned()),
                context: Context::new(),
            };
            let ans = from_can(iamx_smt::aws::can(&prog, &req, timeout));
            if matches!(ans, AnyContext::Never) {
                continue;
            }
            out.push((p.id.clone(), a.clone(), ans));
        }
    }
    out
}
