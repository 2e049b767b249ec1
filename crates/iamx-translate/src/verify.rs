//! Verification by the reasoner (`iamx-smt`'s policy comparison, z3-backed,
//! every witness replayed through the concrete evaluator).
//!
//! Capabilities on scopes become a **canonical AWS identity policy**: one
//! statement per grant, its action `iamxcap:<capability>` (one action per
//! capability, so the comparison is exactly capability by capability, also
//! for capabilities with no AWS side), its resources canonical names of the
//! scope (`arn:iamx:map:::<account>/*` for an account,
//! `…/<account>/<resource>` and what is below it for a resource,
//! `…/<resource>/objects/*` and `…/objects/<rule>/*` for objects), so
//! that glob inclusion is exactly the map's scope inclusion; a time window
//! is an `aws:CurrentTime` condition. Two questions are asked of every
//! translation:
//!
//! 1. the output's canonical policy (its capabilities as read back) allows
//!    nothing the source's does not: **never more permissive**;
//! 2. the source's canonical policy without the grants the loss report
//!    drops allows nothing the output's does not: **what it grants less is at
//!    most the loss report** (the set comparison names each one).
//!
//! For an AWS source one more question per AWS account of the map: the
//! output as an AWS policy (itself for AWS → AWS, otherwise its capabilities
//! lowered back to AWS: the round trip) allows nothing the **source policy
//! itself** does not, with its wildcards, conditions and denies. A witness
//! fails verification; so does `unknown` (never a pass).

use crate::lower;
use crate::map::{ResourceMap, Scope};
use crate::vocab::{Cloud, Vocabulary};
use crate::window::Window;
use crate::{Grant, Lifted};
use iamx_model::{Context, Policy, Principal, PrincipalKind};
use iamx_smt::compare::{Difference, Direction, Prepared, more_permissive};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How long one question may take, by default.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The account of the caller of canonical policies.
const CANONICAL_ACCOUNT: &str = "000000000000";

/// The answer to one claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ProofResult {
    /// Proven.
    Holds,
    /// A request that refutes it (replayed through the evaluator).
    Fails {
        /// The request.
        witness: String,
    },
    /// Not decided (a failure: never a pass).
    Unknown {
        /// Why.
        reason: String,
    },
}

/// A claim the reasoner was asked to prove.
#[derive(Clone, Debug, Serialize)]
pub struct Proof {
    /// What it claims.
    pub claim: String,
    /// How many comparisons the reasoner answered for it.
    pub questions: usize,
    /// The answer.
    #[serde(flatten)]
    pub result: ProofResult,
}

impl Proof {
    /// Whether it holds.
    pub fn holds(&self) -> bool {
        self.result == ProofResult::Holds
    }
}

/// A caller in `account` for the comparisons.
pub fn caller(account: &str) -> Principal {
    Principal {
        id: format!("arn:aws:iam::{account}:user/iamx-translate"),
        kind: PrincipalKind::User,
        account: Some(account.to_owned()),
        role_arn: None,
        name: Some("iamx-translate".to_owned()),
        unique_id: None,
    }
}

/// The canonical action of a capability.
pub fn cap_action(id: &str) -> String {
    format!("iamxcap:{}", id.replace(['/', ':'], "."))
}

fn esc(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') {
            out.push(ch);
        } else {
            out.push_str(&format!("%{:02X}", u32::from(ch)));
        }
    }
    out
}

/// The canonical resource names of a scope.
pub fn canonical_resources(map: &ResourceMap, scope: &Scope) -> Vec<String> {
    let acct = map
        .account_of(scope)
        .map(|a| esc(&a.name))
        .unwrap_or_else(|| "%3F".to_owned());
    let base = format!("arn:iamx:map:::{acct}");
    match scope {
        Scope::Account { .. } => vec![format!("{base}/*")],
        Scope::Resource { resource } => {
            let r = esc(resource);
            vec![format!("{base}/{r}"), format!("{base}/{r}/*")]
        }
        Scope::Objects { resource, prefix } => {
            let r = esc(resource);
            match prefix {
                None => vec![format!("{base}/{r}/objects/*")],
                Some(i) => vec![format!("{base}/{r}/objects/{i}/*")],
            }
        }
    }
}

/// Reads a policy document written by iamx.
pub fn parse(doc: &serde_json::Value, name: &str) -> Result<Arc<Policy>, String> {
    let (p, diags) = iamx_aws::parse_policy_text(
        name,
        &doc.to_string(),
        iamx_aws::PolicyOptions {
            ptype: iamx_aws::PolicyType::Identity,
            actions: None,
        },
    );
    match p {
        Some(p) if !diags.iter().any(|d| d.is_error()) => Ok(Arc::new(p)),
        _ => Err(format!(
            "{name} does not read: {}",
            diags
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The canonical policy of capabilities on scopes (see the module doc):
/// one statement per scope and window, with the actions of every
/// capability granted there, so that capabilities granted alike fall in one
/// action class of the comparison (one question for all of them).
pub fn canonical(
    vocab: &Vocabulary,
    map: &ResourceMap,
    grants: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
) -> Result<Arc<Policy>, String> {
    let mut by_scope: BTreeMap<(&Scope, Option<Window>), Vec<String>> = BTreeMap::new();
    for g in grants {
        by_scope
            .entry((&g.1, windows.get(g).copied()))
            .or_default()
            .push(cap_action(vocab.id(g.0)));
    }
    let statements: Vec<serde_json::Value> = by_scope
        .into_iter()
        .map(|((scope, window), actions)| {
            let mut s = serde_json::json!({
                "Effect": "Allow",
                "Action": actions,
                "Resource": canonical_resources(map, scope),
            });
            let clauses = window.map(|w| w.aws_clauses()).unwrap_or_default();
            if let (false, Some(obj)) = (clauses.is_empty(), s.as_object_mut()) {
                let mut c = serde_json::Map::new();
                for (op, at) in clauses {
                    c.insert(op.into(), serde_json::json!({ "aws:CurrentTime": at }));
                }
                obj.insert("Condition".into(), serde_json::Value::Object(c));
            }
            s
        })
        .collect();
    parse(
        &serde_json::json!({"Version": "2012-10-17", "Statement": statements}),
        "canonical policy",
    )
}

fn context_text(c: &Context) -> String {
    let pairs: Vec<String> = c
        .iter()
        .map(|(k, v)| {
            let vals: Vec<String> = v
                .values()
                .iter()
                .map(|s| s.as_string().into_owned())
                .collect();
            format!("{k}={}", vals.join(","))
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!(" with {}", pairs.join(", "))
    }
}

/// A witness in words; canonical actions name their capability.
pub fn witness_text(vocab: &Vocabulary, d: &Difference) -> String {
    let cap = vocab
        .capabilities()
        .iter()
        .find(|c| cap_action(&c.id).eq_ignore_ascii_case(&d.action))
        .map(|c| format!(" (capability {})", c.id))
        .unwrap_or_default();
    format!(
        "{} on {}{}{cap}",
        d.action,
        d.resource,
        context_text(&d.context)
    )
}

fn result_of(vocab: &Vocabulary, d: Direction) -> (ProofResult, Option<Difference>) {
    match d {
        Direction::Contained => (ProofResult::Holds, None),
        Direction::Witness(w) => (
            ProofResult::Fails {
                witness: witness_text(vocab, &w),
            },
            Some(w),
        ),
        Direction::Unknown(r) => (
            ProofResult::Unknown {
                reason: r.to_string(),
            },
            None,
        ),
    }
}

/// Questions 1 and 2 of the module doc. `dropped` are the capability-scope
/// pairs the loss report drops.
pub fn canonical_proofs(
    vocab: &Vocabulary,
    map: &ResourceMap,
    source: &Lifted,
    output: &Lifted,
    dropped: &BTreeSet<(String, Scope)>,
    timeout: Duration,
) -> Vec<Proof> {
    let principal = caller(CANONICAL_ACCOUNT);
    let ask = |claim: &str, a: &Lifted, b: &Lifted, skip: &BTreeSet<(String, Scope)>| {
        let keep: BTreeSet<Grant> = a
            .grants
            .iter()
            .filter(|(c, s)| !skip.contains(&(vocab.id(*c).to_owned(), s.clone())))
            .cloned()
            .collect();
        let result = match (
            canonical(vocab, map, &keep, &a.windows),
            canonical(vocab, map, &b.grants, &b.windows),
        ) {
            (Ok(pa), Ok(pb)) => {
                let prepared = Prepared::new(pb, &[]);
                result_of(
                    vocab,
                    more_permissive(&pa, &prepared, &[], &principal, timeout),
                )
                .0
            }
            (Err(e), _) | (_, Err(e)) => ProofResult::Unknown { reason: e },
        };
        Proof {
            claim: claim.to_owned(),
            questions: 1,
            result,
        }
    };
    vec![
        ask(
            "the output grants no capability on any scope the source does not",
            output,
            source,
            &BTreeSet::new(),
        ),
        ask(
            "the source grants no capability on any scope the output does not, but those the loss report drops",
            source,
            output,
            dropped,
        ),
    ]
}

/// The AWS accounts of the map.
pub fn aws_accounts(map: &ResourceMap) -> Vec<String> {
    let mut v: Vec<String> = map.accounts.iter().filter_map(|a| a.aws.clone()).collect();
    v.sort();
    v.dedup();
    v
}

/// The answer to the round-trip question.
#[derive(Clone, Debug)]
pub struct RoundTrip {
    /// The claim and its answer.
    pub proof: Proof,
    /// A refuting request, with the account of its caller.
    pub witness: Option<(String, Difference)>,
    /// Statements of the output, one action each, the reasoner could not
    /// decide (each asked alone), with why: an unknown answer names them.
    pub unproven: Vec<(iamx_model::Statement, String)>,
}

/// The round-trip question for an AWS source: `out` (the output as an AWS
/// policy) allows nothing `source` does not, for a caller of each AWS
/// account of the map on that account's resources. When the whole policy
/// is not decided, each statement is asked alone, so that the unknown
/// answer names the statements it is about.
pub fn aws_round_trip(
    vocab: &Vocabulary,
    map: &ResourceMap,
    source: &Arc<Policy>,
    out: &Arc<Policy>,
    actions: &[String],
    to: Cloud,
    timeout: Duration,
) -> RoundTrip {
    let claim = if to == Cloud::Aws {
        "the translated policy allows no request the source policy does not".to_owned()
    } else {
        format!(
            "the output translated back to AWS (the round trip through {to}) allows no request the source policy does not"
        )
    };
    // statements the source covers by glob inclusion need no solver (its
    // string solving can time out on inclusions such as
    // `arn:aws:lambda:*:1…:function:*` ⊆ `arn:aws:lambda:*:*:function:*`)
    let rest: Vec<iamx_model::Statement> = out
        .statements
        .iter()
        .filter(|st| !covered_by_inclusion(source, st))
        .cloned()
        .collect();
    let by_inclusion = out.statements.len() - rest.len();
    let claim = if by_inclusion > 0 {
        format!(
            "{claim} ({by_inclusion} of its {} statement(s) by glob inclusion in an unconditional allow the source holds, with no deny on their actions)",
            out.statements.len()
        )
    } else {
        claim
    };
    if rest.is_empty() {
        return RoundTrip {
            proof: Proof {
                claim,
                questions: 0,
                result: ProofResult::Holds,
            },
            witness: None,
            unproven: vec![],
        };
    }
    let out = &Arc::new(Policy::new(out.name.clone(), rest));
    let prepared = Prepared::new(source.clone(), actions);
    let accounts = aws_accounts(map);
    let mut questions = 0;
    let mut unknown = None;
    let mut unproven: Vec<(iamx_model::Statement, String)> = Vec::new();
    let refuted =
        |claim: String, questions, result, w: Option<Difference>, acct: &String| RoundTrip {
            proof: Proof {
                claim,
                questions,
                result,
            },
            witness: w.map(|w| (acct.clone(), w)),
            unproven: vec![],
        };
    for acct in &accounts {
        questions += 1;
        match result_of(
            vocab,
            more_permissive(out, &prepared, actions, &caller(acct), timeout),
        ) {
            (ProofResult::Holds, _) => {}
            (r @ ProofResult::Fails { .. }, w) => return refuted(claim, questions, r, w, acct),
            (r, _) => {
                // which statements: each action of each alone
                let singles = out.statements.iter().flat_map(|st| {
                    st.action.patterns.iter().map(|a| iamx_model::Statement {
                        action: iamx_model::ActionSpec {
                            negated: st.action.negated,
                            patterns: vec![a.clone()],
                        },
                        ..st.clone()
                    })
                });
                for st in singles {
                    if unproven.iter().any(|(u, _)| *u == st) {
                        continue;
                    }
                    let one = Arc::new(Policy::new(out.name.clone(), vec![st.clone()]));
                    questions += 1;
                    match result_of(
                        vocab,
                        more_permissive(&one, &prepared, actions, &caller(acct), timeout),
                    ) {
                        (ProofResult::Holds, _) => {}
                        (r @ ProofResult::Fails { .. }, w) => {
                            return refuted(claim, questions, r, w, acct);
                        }
                        (ProofResult::Unknown { reason }, _) => {
                            unproven.push((st.clone(), reason));
                        }
                    }
                }
                unknown = unknown.or(Some(r));
            }
        }
    }
    RoundTrip {
        proof: Proof {
            claim,
            questions,
            result: unknown.unwrap_or(ProofResult::Holds),
        },
        witness: None,
        unproven,
    }
}

/// The grants of `kept` whose AWS lowering alone writes one of the
/// `statements`' action-resource pairs (what an unknown answer about those
/// statements is about).
pub fn lowered_into(
    vocab: &Vocabulary,
    map: &ResourceMap,
    kept: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
    statements: &[iamx_model::Statement],
) -> Vec<Grant> {
    let pairs = |st: &iamx_model::Statement| -> Vec<(String, String)> {
        let res: Vec<&str> = st
            .resource
            .iter()
            .flat_map(|r| r.patterns.iter().map(|p| p.raw()))
            .collect();
        st.action
            .patterns
            .iter()
            .flat_map(|a| {
                res.iter()
                    .map(move |r| (a.raw().to_ascii_lowercase(), (*r).to_owned()))
            })
            .collect()
    };
    let wanted: BTreeSet<(String, String)> = statements.iter().flat_map(pairs).collect();
    kept.iter()
        .filter(|g| {
            let one: BTreeSet<Grant> = [(*g).clone()].into();
            let doc = lower::lower(vocab, map, &one, windows, Cloud::Aws, "");
            parse(&doc, "one grant").is_ok_and(|p| {
                p.statements
                    .iter()
                    .flat_map(pairs)
                    .any(|x| wanted.contains(&x))
            })
        })
        .cloned()
        .collect()
}

/// Whether every request `st` (an allow with literal actions) allows, an
/// unconditional allow statement of `source` allows too, by glob inclusion
/// of the resources, and no deny of `source` names its actions (a sound,
/// incomplete shortcut of the comparison).
fn covered_by_inclusion(source: &Policy, st: &iamx_model::Statement) -> bool {
    use iamx_model::Effect;
    let Some(res) = st.resource.as_ref().filter(|r| !r.negated) else {
        return false;
    };
    if st.effect != Effect::Allow || st.action.negated {
        return false;
    }
    let actions: Vec<String> = st
        .action
        .patterns
        .iter()
        .filter_map(|p| p.as_literal().map(str::to_ascii_lowercase))
        .collect();
    if actions.len() != st.action.patterns.len() {
        return false;
    }
    if source
        .statements
        .iter()
        .any(|t| t.effect == Effect::Deny && actions.iter().any(|a| t.action.matches_lc(a)))
    {
        return false;
    }
    actions.iter().all(|a| {
        res.patterns.iter().all(|r| {
            source.statements.iter().any(|t| {
                t.effect == Effect::Allow
                    && t.principal.is_none()
                    && t.condition == iamx_model::Condition::True
                    && t.action.matches_lc(a)
                    && t.resource
                        .as_ref()
                        .is_some_and(|tr| !tr.negated && tr.patterns.iter().any(|q| q.includes(r)))
            })
        })
    })
}

/// The grants of `kept` whose AWS lowering alone allows the witness (in
/// `account`): the ones the source does not grant on their whole scope.
pub fn responsible(
    vocab: &Vocabulary,
    map: &ResourceMap,
    kept: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
    account: &str,
    w: &Difference,
) -> Vec<Grant> {
    kept.iter()
        .filter(|g| {
            let one: BTreeSet<Grant> = [(*g).clone()].into();
            let doc = lower::lower(vocab, map, &one, windows, Cloud::Aws, "");
            let Ok(p) = parse(&doc, "one grant") else {
                return false;
            };
            let prog = iamx_model::AwsProgram::identity_only(vec![p]);
            let req = iamx_model::Request {
                principal: caller(account),
                action: w.action.clone(),
                resource: w.resource.clone(),
                resource_account: Some(account.to_owned()),
                context: w.context.clone(),
            };
            iamx_model::evaluate(&prog, &req).outcome == iamx_model::Outcome::Allowed
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn map() -> ResourceMap {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../corpus/translate/map.json");
        ResourceMap::parse(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    fn lifted(grants: &[Grant]) -> Lifted {
        Lifted {
            grants: grants.iter().cloned().collect(),
            ..Lifted::default()
        }
    }

    /// A deliberately broken lowering: the output read back grants one
    /// capability more than the source. The reasoner refutes the claim
    /// with a witness naming it; the other direction holds.
    #[test]
    fn an_extra_capability_fails_with_a_witness() {
        let v = Vocabulary::builtin().unwrap();
        let m = map();
        let read = v.index("object-storage/object:read").unwrap();
        let decrypt = v.index("key-management/key:decrypt").unwrap();
        let logs = Scope::Objects {
            resource: "reports".into(),
            prefix: Some(0),
        };
        let key = Scope::Resource {
            resource: "orders-key".into(),
        };
        let source = lifted(&[(read, logs.clone())]);
        let output = lifted(&[(read, logs.clone()), (decrypt, key)]);
        let proofs = canonical_proofs(&v, &m, &source, &output, &BTreeSet::new(), TIMEOUT);
        let ProofResult::Fails { witness } = &proofs[0].result else {
            panic!("{proofs:?}")
        };
        assert!(
            witness.contains("capability key-management/key:decrypt")
                && witness.contains("arn:iamx:map:::prod/orders-key"),
            "{witness}"
        );
        assert!(proofs[1].holds(), "{proofs:?}");
        // a wider scope is more too: all objects instead of one prefix
        let all = Scope::Objects {
            resource: "reports".into(),
            prefix: None,
        };
        let proofs = canonical_proofs(
            &v,
            &m,
            &source,
            &lifted(&[(read, all)]),
            &BTreeSet::new(),
            TIMEOUT,
        );
        assert!(
            matches!(proofs[0].result, ProofResult::Fails { .. }),
            "{proofs:?}"
        );
        // and a wider time window
        let mut windowed = source.clone();
        let w = Window::ALL
            .with_cel_part("request.time < timestamp(\"2026-01-01T00:00:00Z\")")
            .unwrap();
        windowed.windows.insert((read, logs.clone()), w);
        let proofs = canonical_proofs(&v, &m, &windowed, &source, &BTreeSet::new(), TIMEOUT);
        let ProofResult::Fails { witness } = &proofs[0].result else {
            panic!("{proofs:?}")
        };
        assert!(
            witness.contains("aws:CurrentTime") || witness.contains("aws:currenttime"),
            "{witness}"
        );
        assert!(proofs[1].holds(), "{proofs:?}");
        // a grant the source has and the output lacks fails the second
        // claim unless the loss report drops it
        let proofs = canonical_proofs(&v, &m, &output, &source, &BTreeSet::new(), TIMEOUT);
        assert!(proofs[0].holds() && !proofs[1].holds(), "{proofs:?}");
        let dropped: BTreeSet<(String, Scope)> = [(
            "key-management/key:decrypt".to_owned(),
            Scope::Resource {
                resource: "orders-key".into(),
            },
        )]
        .into();
        let proofs = canonical_proofs(&v, &m, &output, &source, &dropped, TIMEOUT);
        assert!(proofs.iter().all(Proof::holds), "{proofs:?}");
    }

    /// The round-trip question refutes an AWS output that allows more than
    /// the source policy, with the request.
    #[test]
    fn a_wider_aws_output_fails_the_round_trip() {
        let v = Vocabulary::builtin().unwrap();
        let m = map();
        let src = parse(
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/logs/*"}
            ]}),
            "source",
        )
        .unwrap();
        let out = parse(
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}
            ]}),
            "output",
        )
        .unwrap();
        let RoundTrip {
            proof, witness: w, ..
        } = aws_round_trip(&v, &m, &src, &out, &[], Cloud::Gcp, TIMEOUT);
        assert!(
            matches!(proof.result, ProofResult::Fails { .. }),
            "{proof:?}"
        );
        let (_, w) = w.unwrap();
        assert!(
            w.resource.starts_with("arn:aws:s3:::acme-reports/")
                && !w.resource.starts_with("arn:aws:s3:::acme-reports/logs/"),
            "{w:?}"
        );
        assert_eq!(proof.questions, 1);
        // the narrower one is contained by glob inclusion, without the solver
        let proof = aws_round_trip(&v, &m, &out, &src, &[], Cloud::Gcp, TIMEOUT).proof;
        assert!(proof.holds(), "{proof:?}");
        assert_eq!(proof.questions, 0);
        assert!(
            proof
                .claim
                .contains("1 of its 1 statement(s) by glob inclusion"),
            "{proof:?}"
        );
    }
}
