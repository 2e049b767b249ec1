//! Conditional grants described by the reasoner.
//!
//! who-can and what-can decide every candidate with the concrete evaluator
//! on an open context: `conditional` then means "the evaluator could not
//! decide without context", and its reason names the first condition it met.
//! Here each such (principal, action, resource) is asked again with `can`
//! (is there a context that allows it, and one that does not?), and the
//! grant is described by what the answer depends on, with a context that
//! allows it: `sometimes, depends on aws:SourceIp (e.g. aws:SourceIp=10.0.0.1)`.
//! A grant the reasoner finds allowed in every context is no longer
//! conditional; one it finds allowed in none says so. A timeout or an
//! unsupported construct leaves the evaluator's description, with the
//! reason. At most `limit` questions are asked; the rest keep the
//! evaluator's description and the count is returned.

use crate::analysis::Access;
use crate::reason::AnyContext;
use crate::{Provider, Query, Workspace};
use iamx_model::Context;
use std::time::Duration;

/// What [`describe`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Described {
    /// Questions asked.
    pub asked: usize,
    /// Conditional grants left with the evaluator's description (over the limit).
    pub skipped: usize,
}

fn provider(cloud: &str) -> Option<Provider> {
    match cloud {
        "aws" => Some(Provider::Aws),
        "gcp" => Some(Provider::Gcp),
        "azure" => Some(Provider::Azure),
        _ => None,
    }
}

/// Rewrites the description of every conditional action of `accesses` from
/// the reasoner's answer (see the module doc).
pub fn describe(
    ws: &Workspace,
    accesses: &mut [Access],
    limit: usize,
    timeout: Duration,
) -> Described {
    let mut out = Described::default();
    for a in accesses.iter_mut() {
        let Some(p) = provider(a.cloud) else {
            continue;
        };
        // an Azure principal may carry its display name after the id
        let principal = a
            .principal
            .split(" (")
            .next()
            .unwrap_or(&a.principal)
            .to_owned();
        // access through an assumed role or an impersonated account is the
        // role's or account's grant: ask about the principal itself only
        // when the access is its own
        let own = a.via.is_empty()
            || a.via.iter().any(|v| {
                !(v.starts_with("assumed role") || v.starts_with("impersonated service account"))
            });
        if !own {
            continue;
        }
        for x in a.actions.iter_mut().filter(|x| x.conditional) {
            if x.action.contains('*') || x.action.contains('?') {
                continue;
            }
            if out.asked >= limit {
                out.skipped += 1;
                continue;
            }
            out.asked += 1;
            let q = Query {
                principal: principal.clone(),
                action: x.action.clone(),
                resource: a.resource.clone(),
                context: Context::new(),
                data_action: None,
                session_policy: None,
            };
            let Ok((_, answer)) = ws.any_context(p, q, timeout) else {
                continue;
            };
            match answer {
                AnyContext::Always => {
                    x.conditional = false;
                    x.condition = None;
                }
                AnyContext::Never => {
                    x.condition =
                        Some("never: no context meets the conditions (reasoner)".to_owned());
                }
                AnyContext::Sometimes {
                    witness,
                    depends_on,
                    ..
                } => {
                    let eg: Vec<String> = witness.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    x.condition = Some(format!(
                        "depends on {} (allowed e.g. with {})",
                        depends_on.join(", "),
                        if eg.is_empty() {
                            "the key absent".to_owned()
                        } else {
                            eg.join(", ")
                        }
                    ));
                }
                AnyContext::Unknown { reason } => {
                    let before = x.condition.take().unwrap_or_default();
                    x.condition = Some(format!("{before} (reasoner: unknown, {reason})"));
                }
            }
        }
    }
    out
}
