//! A check's report as text for people, JSON, SARIF 2.1.0 (GitHub code
//! scanning: one rule per assertion, results located at the granting
//! statement) and JUnit XML (one test case per assertion).

use super::{AssertionResult, Finding, Location, Report, Status};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A path as a relative URI (forward slashes, no leading `./`).
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.trim_start_matches("./").to_owned()
}

fn place(l: &Location) -> String {
    if l.line > 0 {
        format!("{}:{}:{}", l.file, l.line, l.column)
    } else {
        l.file.clone()
    }
}

fn witness_line(f: &Finding) -> Option<String> {
    let w = f.witness.as_ref()?;
    let mut s = format!("request: {} {} on {}", w.principal, w.action, w.resource);
    if !w.context.is_empty() {
        let ctx: Vec<String> = w.context.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = write!(s, " with {}", ctx.join(", "));
    }
    Some(s)
}

/// The report for people.
pub fn human(r: &Report) -> String {
    let mut out = String::new();
    for a in &r.results {
        let tag = match a.status {
            Status::Passed => "PASS  ",
            Status::Failed if a.severity == "error" => "FAIL  ",
            Status::Failed => "WARN  ",
            Status::Waived => "WAIVED",
        };
        let _ = writeln!(out, "{tag} {} ({} {})", a.name, a.cloud, a.kind);
        if a.status == Status::Passed {
            continue;
        }
        if let Some(d) = &a.description {
            let _ = writeln!(out, "       {d}");
        }
        for f in &a.findings {
            let _ = writeln!(out, "  - {}", f.message);
            if let Some(w) = witness_line(f) {
                let _ = writeln!(out, "      {w}");
            }
            for l in &f.locations {
                let _ = writeln!(out, "      at {}: {}", place(l), l.what);
            }
        }
        for n in a
            .notes
            .iter()
            .filter(|n| n.starts_with("waived") || n.contains("expired"))
        {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    let (p, f, w) = r.counts();
    let _ = writeln!(out, "assertions: {p} passed, {f} failed, {w} waived");
    out
}

/// The report as JSON.
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

fn level(a: &AssertionResult) -> &'static str {
    if a.severity == "error" {
        "error"
    } else {
        "warning"
    }
}

/// Sets `key` of a JSON object.
fn set(v: &mut Value, key: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(key.to_owned(), x);
    }
}

fn sarif_location(file: &str, line: u32, column: u32, what: Option<&str>) -> Value {
    let mut phys = json!({"artifactLocation": {"uri": uri(file)}});
    if line > 0 {
        set(
            &mut phys,
            "region",
            json!({"startLine": line, "startColumn": column.max(1)}),
        );
    }
    let mut loc = json!({"physicalLocation": phys});
    if let Some(w) = what {
        set(&mut loc, "message", json!({"text": w}));
    }
    loc
}

/// The report as SARIF 2.1.0: a rule per assertion, a result per finding,
/// located at the statements that grant it (at the assertion in the
/// assertions file when nothing in the inputs does, e.g. for an
/// undecided question).
pub fn sarif(r: &Report) -> String {
    let rules: Vec<Value> = r
        .results
        .iter()
        .map(|a| {
            let text = a
                .description
                .clone()
                .unwrap_or_else(|| format!("{} {} assertion `{}`", a.cloud, a.kind, a.name));
            json!({
                "id": a.name,
                "name": a.name,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": level(a)},
                "properties": {"kind": a.kind, "cloud": a.cloud}
            })
        })
        .collect();
    let mut results: Vec<Value> = Vec::new();
    for (i, a) in r.results.iter().enumerate() {
        if a.status == Status::Passed {
            continue;
        }
        for f in &a.findings {
            let mut text = f.message.clone();
            if let Some(w) = witness_line(f) {
                text.push_str("; ");
                text.push_str(&w);
            }
            let mut locations: Vec<Value> = f
                .locations
                .iter()
                .filter(|l| !l.file.is_empty())
                .map(|l| sarif_location(&l.file, l.line, l.column, Some(&l.what)))
                .collect();
            if locations.is_empty() {
                locations.push(sarif_location(
                    &r.assertions_file,
                    a.line,
                    a.column,
                    Some("the assertion"),
                ));
            }
            let mut res = json!({
                "ruleId": a.name,
                "ruleIndex": i,
                "level": level(a),
                "message": {"text": text},
                "locations": locations,
            });
            if let Some(w) = &f.witness {
                set(&mut res, "properties", json!({"witness": w}));
            }
            if a.status == Status::Waived {
                let why = a
                    .notes
                    .iter()
                    .find(|n| n.starts_with("waived"))
                    .cloned()
                    .unwrap_or_default();
                set(
                    &mut res,
                    "suppressions",
                    json!([{"kind": "external", "justification": why}]),
                );
            }
            results.push(res);
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamx",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/iamx",
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Escapes text for XML attributes and content.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // characters XML 1.0 does not allow
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML: a test suite of one test case per assertion;
/// failing assertions carry a `<failure>` with every finding, waived ones
/// are `<skipped>`.
pub fn junit(r: &Report) -> String {
    let (_, failed, waived) = r.counts();
    let n = r.results.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"iamx check\" tests=\"{n}\" failures=\"{failed}\" errors=\"0\" skipped=\"{waived}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failed}\" errors=\"0\" skipped=\"{waived}\">",
        xml(&r.assertions_file)
    );
    for a in &r.results {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"iamx.{}.{}\"",
            xml(&a.name),
            a.cloud,
            a.kind
        );
        let body: String = a
            .findings
            .iter()
            .map(|f| {
                let mut s = f.message.clone();
                if let Some(w) = witness_line(f) {
                    s.push_str("\n  ");
                    s.push_str(&w);
                }
                for l in &f.locations {
                    let _ = write!(s, "\n  at {}: {}", place(l), l.what);
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n");
        match a.status {
            Status::Passed => out.push_str("/>\n"),
            Status::Failed => {
                let first = a.findings.first().map_or("", |f| f.message.as_str());
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    a.kind,
                    xml(first),
                    xml(&body)
                );
            }
            Status::Waived => {
                let why = a
                    .notes
                    .iter()
                    .find(|n| n.starts_with("waived"))
                    .map_or("waived", String::as_str);
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(why),
                    xml(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn uris_are_relative() {
        assert_eq!(uri("./aws/x.json"), "aws/x.json");
    }
}
