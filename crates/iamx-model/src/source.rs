//! Input text with its name, and the diagnostics sink parsers report into.

use crate::json::{self, Json, LineIndex, Span};
use crate::{Diagnostic, JsonPath, Severity};
use std::sync::Arc;

/// One input: its name (a file path, usually) and text.
#[derive(Debug)]
pub struct Source {
    /// The name shown in diagnostics.
    pub name: Arc<str>,
    /// The text.
    pub text: String,
    index: LineIndex,
}

impl Source {
    /// Wraps a text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> Source {
        let text = text.into();
        let index = LineIndex::new(&text);
        Source {
            name: name.into(),
            text,
            index,
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let (l, c) = self.index.line_col(&self.text, offset);
        (
            u32::try_from(l).unwrap_or(u32::MAX),
            u32::try_from(c).unwrap_or(u32::MAX),
        )
    }

    /// Parses the text as JSON, or gives the located syntax error.
    pub fn parse_json(&self) -> Result<Json, Diagnostic> {
        json::parse(&self.text).map_err(|e| {
            let (line, column) = self.line_col(e.offset);
            Diagnostic {
                severity: Severity::Error,
                message: format!("invalid JSON: {}", e.message),
                file: Some(self.name.clone()),
                line,
                column,
                path: e.path,
                help: None,
            }
        })
    }
}

/// Where diagnostics go while a source is read.
///
/// When a policy arrives as a JSON *string* inside another document (as
/// `get-bucket-policy` returns it), the inner text is parsed on its own and
/// every location is reported at the outer string, with the inner JSON path
/// appended to the outer one.
pub struct Sink<'a> {
    /// The source being read.
    pub src: &'a Source,
    /// Collected diagnostics.
    pub diags: &'a mut Vec<Diagnostic>,
    /// For an embedded document: the outer string's span and path.
    pub embedded: Option<(Span, String)>,
}

impl Sink<'_> {
    fn locate(&self, span: Span) -> (u32, u32) {
        let at = match &self.embedded {
            Some((outer, _)) => outer.start,
            None => span.start,
        };
        self.src.line_col(at as usize)
    }

    fn path_text(&self, path: &JsonPath) -> String {
        match &self.embedded {
            Some((_, outer)) => {
                let inner = path.as_str().strip_prefix('$').unwrap_or(path.as_str());
                format!("{outer}<json>{inner}")
            }
            None => path.to_string(),
        }
    }

    /// Reports a diagnostic at `span`.
    pub fn report(
        &mut self,
        severity: Severity,
        span: Span,
        path: &JsonPath,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (line, column) = self.locate(span);
        let path = self.path_text(path);
        self.diags.push(Diagnostic {
            severity,
            message: message.into(),
            file: Some(self.src.name.clone()),
            line,
            column,
            path,
            help,
        });
    }

    /// Reports an error.
    pub fn error(&mut self, span: Span, path: &JsonPath, message: impl Into<String>) {
        self.report(Severity::Error, span, path, message, None);
    }

    /// Reports an error with advice.
    pub fn error_help(
        &mut self,
        span: Span,
        path: &JsonPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.report(Severity::Error, span, path, message, Some(help.into()));
    }

    /// Reports a warning.
    pub fn warn(&mut self, span: Span, path: &JsonPath, message: impl Into<String>) {
        self.report(Severity::Warning, span, path, message, None);
    }

    /// Reports a warning with advice.
    pub fn warn_help(
        &mut self,
        span: Span,
        path: &JsonPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.report(Severity::Warning, span, path, message, Some(help.into()));
    }

    /// 1-based line and column of `span` as diagnostics would report it.
    pub fn position(&self, span: Span) -> (u32, u32) {
        self.locate(span)
    }

    /// Warns about every member of `obj` whose key is not in `known`.
    pub fn unknown_keys(&mut self, obj: &Json, path: &JsonPath, known: &[&str], what: &str) {
        if let Some(members) = obj.as_object() {
            for (k, _) in members {
                if !known.contains(&k.name.as_str()) {
                    let help = known
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(&k.name) || edit_distance(c, &k.name) <= 2)
                        .map(|c| format!("did you mean `{c}`?"));
                    self.report(
                        Severity::Warning,
                        k.span,
                        &path.key(&k.name),
                        format!("unknown {what} field `{}` is ignored", k.name),
                        help,
                    );
                }
            }
        }
    }
}

/// Levenshtein distance (for "did you mean" advice).
pub fn edit_distance(a: &str, b: &str) -> usize {
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
