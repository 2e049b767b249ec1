//! The assertions file (`iamx.toml`): reading, validating, locating errors.
//!
//! The file is TOML; `schemas/iamx-assertions.schema.json` documents it.
//! Every error names the file, line and column of the offending key or
//! value (the `toml` crate's spans), so a CI log points at the line to fix.

use super::{Assertion, AssertionKind, AssertionsFile, Baseline, Waiver};
use crate::Provider as Cloud;
use crate::{Diagnostic, Severity};
use iamx_model::json::LineIndex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    inputs: Option<RawInputs>,
    #[serde(default)]
    timeout: Option<Spanned<u64>>,
    #[serde(default, rename = "assertion")]
    assertions: Vec<Spanned<RawAssertion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssertion {
    name: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    cloud: Option<Spanned<String>>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    principals: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    except: Vec<String>,
    #[serde(default)]
    actions: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    resources: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    context: BTreeMap<String, String>,
    #[serde(default)]
    conditional: bool,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    baseline: Option<Spanned<String>>,
    #[serde(default)]
    baseline_rev: Option<Spanned<String>>,
    #[serde(default)]
    allowed: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    max_len: Option<usize>,
    #[serde(default)]
    waiver: Option<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    reason: String,
    expires: Spanned<String>,
}

/// 1-based line and column of byte offset `at` in `text`, through `index`
/// (built once per file: locating every assertion stays linear).
fn line_col(index: &LineIndex, text: &str, at: usize) -> (u32, u32) {
    let (l, c) = index.line_col(text, at);
    (
        u32::try_from(l).unwrap_or(u32::MAX),
        u32::try_from(c).unwrap_or(u32::MAX),
    )
}

struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
    index: LineIndex,
}

impl Ctx<'_> {
    fn error(&self, span: Range<usize>, message: String, help: Option<String>) -> Diagnostic {
        let (line, column) = line_col(&self.index, self.text, span.start);
        Diagnostic {
            severity: Severity::Error,
            message,
            file: Some(Arc::from(self.name)),
            line,
            column,
            path: String::new(),
            help,
        }
    }
}

const KINDS: [&str; 7] = [
    "never",
    "only",
    "always",
    "no-new-access",
    "no-public-access",
    "no-escalation-path",
    "max-permissions",
];

/// A valid calendar date `YYYY-MM-DD`, as days since 1970-01-01.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn suggest(word: &str, options: &[&str]) -> Option<String> {
    let w = word.to_ascii_lowercase();
    options
        .iter()
        .map(|o| (distance(&w, o), *o))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, o)| format!("did you mean `{o}`?"))
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The cloud a principal or resource is written for, if it says.
fn cloud_of(s: &str) -> Option<Cloud> {
    if s.starts_with("arn:") || s == "anonymous" || s == "external" || s.starts_with("policy:") {
        Some(Cloud::Aws)
    } else if s.starts_with("//")
        || s.starts_with("projects/")
        || s.starts_with("folders/")
        || s.starts_with("organizations/")
        || ["user:", "group:", "serviceAccount:", "domain:", "principal"]
            .iter()
            .any(|p| s.starts_with(p))
        || s == "allUsers"
        || s == "allAuthenticatedUsers"
    {
        Some(Cloud::Gcp)
    } else if s.starts_with("/subscriptions/") || s.starts_with("/providers/") || s == "/" {
        Some(Cloud::Azure)
    } else {
        None
    }
}

/// Reads an assertions file. `name` is used in errors; `text` is its
/// content. Returns the first error as a located diagnostic.
pub fn parse(name: &str, text: &str) -> Result<AssertionsFile, Diagnostic> {
    let cx = Ctx {
        name,
        text,
        index: LineIndex::new(text),
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        // the crate's message spans several lines (a snippet of the file):
        // keep its first line, the location is ours
        let msg = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        cx.error(span, msg, None)
    })?;
    let mut out = AssertionsFile {
        paths: Vec::new(),
        exclude: Vec::new(),
        timeout_seconds: 10,
        assertions: Vec::new(),
    };
    if let Some(i) = raw.inputs {
        out.paths = i.paths;
        out.exclude = i.exclude;
    }
    if let Some(t) = raw.timeout {
        if *t.get_ref() == 0 {
            return Err(cx.error(t.span(), "`timeout` must be at least 1 second".into(), None));
        }
        out.timeout_seconds = *t.get_ref();
    }
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for sa in raw.assertions {
        let span = sa.span();
        let a = sa.into_inner();
        let name = a.name.get_ref().clone();
        if name.trim().is_empty() {
            return Err(cx.error(a.name.span(), "an assertion's `name` is empty".into(), None));
        }
        if seen.insert(name.clone(), ()).is_some() {
            return Err(cx.error(
                a.name.span(),
                format!("two assertions are named `{name}`"),
                Some(
                    "names identify assertions in reports and SARIF rules: make them unique".into(),
                ),
            ));
        }
        let kind_text = a.kind.get_ref().as_str();
        if !KINDS.contains(&kind_text) {
            return Err(cx.error(
                a.kind.span(),
                format!("unknown assertion kind `{kind_text}`"),
                suggest(kind_text, &KINDS)
                    .or_else(|| Some(format!("one of: {}", KINDS.join(", ")))),
            ));
        }
        let severity = match &a.severity {
            None => Severity::Error,
            Some(s) => match s.get_ref().as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                other => {
                    return Err(cx.error(
                        s.span(),
                        format!("unknown severity `{other}`"),
                        Some(
                            "`error` (a failure fails the check) or `warning` (reported only)"
                                .into(),
                        ),
                    ));
                }
            },
        };
        let waiver = match a.waiver {
            None => None,
            Some(w) => {
                let w = w.into_inner();
                let Some(days) = parse_date(w.expires.get_ref()) else {
                    return Err(cx.error(
                        w.expires.span(),
                        format!("invalid waiver expiry `{}`", w.expires.get_ref()),
                        Some("write the date as YYYY-MM-DD".into()),
                    ));
                };
                Some(Waiver {
                    reason: w.reason,
                    expires: w.expires.get_ref().clone(),
                    expires_days: days,
                })
            }
        };
        let need =
            |field: &Option<Spanned<Vec<String>>>, what: &str| -> Result<Vec<String>, Diagnostic> {
                match field {
                    Some(v) if !v.get_ref().is_empty() => Ok(v.get_ref().clone()),
                    Some(v) => Err(cx.error(
                        v.span(),
                        format!("`{what}` is empty in a `{kind_text}` assertion"),
                        None,
                    )),
                    None => Err(cx.error(
                        a.kind.span(),
                        format!("a `{kind_text}` assertion needs `{what}`"),
                        None,
                    )),
                }
            };
        let list = |field: &Option<Spanned<Vec<String>>>| -> Vec<String> {
            field
                .as_ref()
                .map(|v| v.get_ref().clone())
                .unwrap_or_default()
        };
        let kind = match kind_text {
            "never" => AssertionKind::Never {
                principals: field_or(&a.principals, vec!["*".to_owned()]),
                except: a.except.clone(),
                actions: need(&a.actions, "actions")?,
                resources: need(&a.resources, "resources")?,
            },
            "only" => AssertionKind::Only {
                principals: need(&a.principals, "principals")?,
                actions: need(&a.actions, "actions")?,
                resources: need(&a.resources, "resources")?,
            },
            "always" => AssertionKind::Always {
                principals: need(&a.principals, "principals")?,
                actions: need(&a.actions, "actions")?,
                resources: need(&a.resources, "resources")?,
                conditional: a.conditional,
            },
            "no-new-access" => {
                let Some(path) = &a.path else {
                    return Err(cx.error(
                        a.kind.span(),
                        "a `no-new-access` assertion needs `path` (the policy file or folder to guard)".into(),
                        None,
                    ));
                };
                let baseline = match (&a.baseline, &a.baseline_rev) {
                    (Some(f), None) => Baseline::File(f.get_ref().clone()),
                    (None, Some(r)) => Baseline::GitRevision(r.get_ref().clone()),
                    (Some(f), Some(_)) => {
                        return Err(cx.error(
                            f.span(),
                            "give `baseline` (a file) or `baseline_rev` (a git revision), not both"
                                .into(),
                            None,
                        ));
                    }
                    (None, None) => {
                        return Err(cx.error(
                            a.kind.span(),
                            "a `no-new-access` assertion needs `baseline` (a file or folder) or `baseline_rev` (a git revision such as `origin/main`)".into(),
                            None,
                        ));
                    }
                };
                AssertionKind::NoNewAccess {
                    path: path.get_ref().clone(),
                    baseline,
                }
            }
            "no-public-access" => AssertionKind::NoPublicAccess {
                resources: list(&a.resources),
            },
            "no-escalation-path" => AssertionKind::NoEscalationPath {
                principals: need(&a.principals, "principals")?,
                except: a.except.clone(),
                max_len: a.max_len.unwrap_or(6),
            },
            _ => AssertionKind::MaxPermissions {
                principals: need(&a.principals, "principals")?,
                allowed: need(&a.allowed, "allowed")?,
            },
        };
        let cloud = match &a.cloud {
            Some(c) => match c.get_ref().as_str() {
                "aws" => Cloud::Aws,
                "gcp" => Cloud::Gcp,
                "azure" => Cloud::Azure,
                other => {
                    return Err(cx.error(
                        c.span(),
                        format!("unknown cloud `{other}`"),
                        Some("one of: aws, gcp, azure".into()),
                    ));
                }
            },
            None => {
                let words = kind.words();
                match words.iter().find_map(|w| cloud_of(w)) {
                    Some(c) => c,
                    None => {
                        return Err(cx.error(
                            a.kind.span(),
                            format!("cannot tell which cloud assertion `{name}` is about"),
                            Some("add `cloud = \"aws\"` (or \"gcp\", \"azure\")".into()),
                        ));
                    }
                }
            }
        };
        let (line, column) = line_col(&cx.index, text, span.start);
        out.assertions.push(Assertion {
            name,
            description: a.description,
            cloud,
            severity,
            kind,
            context: a.context,
            account: a.account,
            waiver,
            line,
            column,
        });
    }
    Ok(out)
}

fn field_or(f: &Option<Spanned<Vec<String>>>, default: Vec<String>) -> Vec<String> {
    match f {
        Some(v) if !v.get_ref().is_empty() => v.get_ref().clone(),
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("23-01-01"), None);
    }

    #[test]
    fn errors_are_located() {
        let e = parse("x.toml", "[[assertion]]\nname = \"a\"\nkind = \"nevr\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(e.message, "unknown assertion kind `nevr`");
        assert_eq!(e.help.as_deref(), Some("did you mean `never`?"));
        let e = parse(
            "x.toml",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nactions = [\"s3:*\"\n",
        )
        .unwrap_err();
        // the array never closes: the error is at the end of the file
        assert_eq!((e.line, e.column), (5, 1), "{e}");
        assert!(e.message.starts_with("invalid array"), "{e}");
        let e = parse("x.toml", "[[assertion]]\nname = 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        let e = parse(
            "x.toml",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nactions = [\"s3:*\"]\nresources = [\"arn:aws:s3:::b\"]\nwaiver = { reason = \"r\", expires = \"2026-02-30\" }\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (6, 36), "{e}");
        let e = parse(
            "x.toml",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nresorces = []\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (4, 1), "{e}");
        assert!(e.message.contains("resorces"), "{e}");
    }

    #[test]
    fn cloud_is_inferred() {
        let f = parse(
            "x.toml",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nactions = [\"storage.objects.get\"]\nresources = [\"//storage.googleapis.com/projects/_/buckets/b\"]\n",
        )
        .unwrap();
        assert_eq!(f.assertions[0].cloud, Cloud::Gcp);
        assert_eq!((f.assertions[0].line, f.assertions[0].column), (1, 1));
    }
}
