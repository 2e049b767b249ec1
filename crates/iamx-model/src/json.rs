//! A JSON reader that keeps the byte span of every value and key.
//!
//! `serde_json::Value` forgets where a value came from, but every iamx
//! diagnostic names the line, column and JSON path of the offending value. This
//! reader is small, allocation-light and strict (RFC 8259; a leading UTF-8 BOM is
//! skipped). Spans are byte offsets into the text; [`LineIndex`] turns them into
//! 1-based line and column numbers.

use std::fmt;

/// A half-open byte range `start..end` in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// A JSON value with its span.
#[derive(Clone, Debug)]
pub struct Json {
    /// The value.
    pub value: JsonValue,
    /// Where it stands in the text.
    pub span: Span,
}

/// An object member's key with its span.
#[derive(Clone, Debug)]
pub struct JsonKey {
    /// The unescaped key.
    pub name: String,
    /// Where the key (with its quotes) stands.
    pub span: Span,
}

/// The JSON value kinds.
#[derive(Clone, Debug)]
pub enum JsonValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, kept as its source text so no precision is lost.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object; members in source order (duplicates are kept).
    Object(Vec<(JsonKey, Json)>),
}

impl Json {
    /// The kind's name as used in messages (`string`, `object`, …).
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "boolean",
            JsonValue::Number(_) => "number",
            JsonValue::String(_) => "string",
            JsonValue::Array(_) => "array",
            JsonValue::Object(_) => "object",
        }
    }

    /// The members when this is an object.
    pub fn as_object(&self) -> Option<&[(JsonKey, Json)]> {
        match &self.value {
            JsonValue::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The string when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements when this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match &self.value {
            JsonValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The first member named `key` (exact match) when this is an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The first member whose name equals `key` ignoring ASCII case.
    pub fn get_ci(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.name.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// Converts to a `serde_json::Value` (spans are dropped).
    pub fn to_serde(&self) -> serde_json::Value {
        match &self.value {
            JsonValue::Null => serde_json::Value::Null,
            JsonValue::Bool(b) => serde_json::Value::Bool(*b),
            JsonValue::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|_| serde_json::Value::String(n.clone())),
            JsonValue::String(s) => serde_json::Value::String(s.clone()),
            JsonValue::Array(a) => serde_json::Value::Array(a.iter().map(Json::to_serde).collect()),
            JsonValue::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

/// A syntax error: what and where (byte offset and JSON path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonSyntaxError {
    /// Lowercase one-line message.
    pub message: String,
    /// Byte offset of the error.
    pub offset: usize,
    /// JSON path of the innermost value being read (`$.Statement[0]`).
    pub path: String,
}

impl fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonSyntaxError {}

/// Nesting deeper than this is rejected (protects the stack on hostile input).
const MAX_DEPTH: usize = 256;

/// Parses a whole JSON text.
pub fn parse(text: &str) -> Result<Json, JsonSyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        path: Vec::new(),
    };
    if p.s.starts_with(&[0xEF, 0xBB, 0xBF]) {
        p.pos = 3;
    }
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

/// Parses a stream of JSON values separated by whitespace (NDJSON and friends).
pub fn parse_stream(text: &str) -> Result<Vec<Json>, JsonSyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        path: Vec::new(),
    };
    if p.s.starts_with(&[0xEF, 0xBB, 0xBF]) {
        p.pos = 3;
    }
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.pos >= p.s.len() {
            return Ok(out);
        }
        out.push(p.value(0)?);
    }
}

/// One step of the path to the value being read: a key (its byte span,
/// rendered only on error) or an index.
enum Step {
    Key(usize, usize),
    Index(usize),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    path: Vec<Step>,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> JsonSyntaxError {
        self.err_at(message, self.pos)
    }

    fn err_at(&self, message: impl Into<String>, offset: usize) -> JsonSyntaxError {
        let mut path = String::from("$");
        for step in &self.path {
            match step {
                Step::Index(i) => path.push_str(&format!("[{i}]")),
                Step::Key(a, b) => {
                    let k = self
                        .s
                        .get(*a..*b)
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    if !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        path.push('.');
                        path.push_str(&k);
                    } else {
                        path.push_str(&format!("[\"{k}\"]"));
                    }
                }
            }
        }
        JsonSyntaxError {
            message: message.into(),
            offset: offset.min(self.s.len()),
            path,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonSyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.pos;
        let value = match self.peek() {
            None => return Err(self.err("unexpected end of input, expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonValue::String(self.string()?),
            Some(b't') => self.literal("true", JsonValue::Bool(true))?,
            Some(b'f') => self.literal("false", JsonValue::Bool(false))?,
            Some(b'n') => self.literal("null", JsonValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(c) => {
                return Err(self.err(format!(
                    "expected a value, found `{}`",
                    char::from(c).escape_default()
                )));
            }
        };
        Ok(Json {
            value,
            span: Span::new(start, self.pos),
        })
    }

    fn literal(&mut self, word: &str, v: JsonValue) -> Result<JsonValue, JsonSyntaxError> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a value (`true`, `false`, `null`, a number, a string, an array or an object)"))
        }
    }

    fn number(&mut self) -> Result<JsonValue, JsonSyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let d = self.pos;
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
            if self.pos == d {
                return Err(self.err("invalid number: expected digits after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let d = self.pos;
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
            if self.pos == d {
                return Err(self.err("invalid number: expected digits in the exponent"));
            }
        }
        let text = std::str::from_utf8(self.s.get(start..self.pos).unwrap_or_default())
            .map_err(|_| self.err("invalid number"))?;
        Ok(JsonValue::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonSyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            let d = char::from(c)
                .to_digit(16)
                .ok_or_else(|| self.err("invalid `\\u` escape: expected 4 hex digits"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonSyntaxError> {
        let open = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            // fast path: copy a run of plain bytes
            let run_start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if self.pos > run_start {
                let run = self.s.get(run_start..self.pos).unwrap_or_default();
                let run = std::str::from_utf8(run).map_err(|e| {
                    self.err_at("invalid UTF-8 in string", run_start + e.valid_up_to())
                })?;
                out.push_str(run);
            }
            match self.peek() {
                None => return Err(self.err_at("unterminated string", open)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("unpaired surrogate in `\\u` escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate in `\\u` escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(cp)
                                .ok_or_else(|| self.err("invalid `\\u` escape"))?;
                            out.push(ch);
                        }
                        other => {
                            self.pos -= 1;
                            return Err(self.err(format!(
                                "invalid escape `\\{}` in string",
                                char::from(other).escape_default()
                            )));
                        }
                    }
                }
                Some(b'\n') => {
                    return Err(
                        self.err_at("unterminated string (a string cannot span lines)", open)
                    );
                }
                Some(_) => return Err(self.err("control character in string (escape it)")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonValue, JsonSyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonValue::Array(items));
        }
        loop {
            self.ws();
            self.path.push(Step::Index(items.len()));
            items.push(self.value(depth + 1)?);
            self.path.pop();
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        return Err(self.err("trailing comma before `]`"));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonValue::Array(items));
                }
                None => return Err(self.err("unexpected end of input inside an array")),
                Some(_) => return Err(self.err("expected `,` or `]` in array")),
            }
        }
    }

    /// A key given twice with different values: which one a reader keeps
    /// changes the meaning (`"Effect": "Deny", "Effect": "Allow"`), and
    /// readers disagree (most keep the last, iamx the first), so the input
    /// is refused, as AWS's policy validation refuses it. The same value
    /// twice means one thing and is kept once.
    fn no_conflicting_keys(&self, members: &[(JsonKey, Json)]) -> Result<(), JsonSyntaxError> {
        if members.len() < 2 {
            return Ok(());
        }
        let mut first: std::collections::HashMap<&str, &Json> =
            std::collections::HashMap::with_capacity(members.len());
        for (k, v) in members {
            match first.get(k.name.as_str()) {
                None => {
                    first.insert(k.name.as_str(), v);
                }
                Some(prev) if prev.to_serde() == v.to_serde() => {}
                Some(_) => {
                    let mut e = self.err_at(
                        format!(
                            "key `{}` is given twice with different values; which one counts is ambiguous",
                            k.name
                        ),
                        k.span.start as usize,
                    );
                    e.path = format!("{}.{}", e.path, k.name);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, JsonSyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonValue::Object(members));
        }
        loop {
            self.ws();
            let kstart = self.pos;
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.err("unexpected end of input inside an object")),
                Some(_) => return Err(self.err("expected a string key in object")),
            }
            let name = self.string()?;
            let key = JsonKey {
                name,
                span: Span::new(kstart, self.pos),
            };
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected `:` after object key"));
            }
            self.pos += 1;
            self.ws();
            self.path.push(Step::Key(
                key.span.start as usize + 1,
                (key.span.end as usize).saturating_sub(1),
            ));
            let v = self.value(depth + 1)?;
            self.path.pop();
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        return Err(self.err("trailing comma before `}`"));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.no_conflicting_keys(&members)?;
                    return Ok(JsonValue::Object(members));
                }
                None => return Err(self.err("unexpected end of input inside an object")),
                Some(_) => return Err(self.err("expected `,` or `}` in object")),
            }
        }
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters).
///
/// Built in one pass over the text; a location costs a binary search and a
/// count of at most [`CHECKPOINT`] bytes, however long the line (one-line
/// exports of many megabytes are common), so locating every span of an
/// input is linear in its size.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// On lines longer than [`CHECKPOINT`]: (byte offset of a character
    /// boundary, characters from its line's start to it), every
    /// [`CHECKPOINT`] bytes or so, in order.
    checkpoints: Vec<(usize, usize)>,
}

/// Bytes between two column checkpoints of a long line.
const CHECKPOINT: usize = 4096;

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut checkpoints = Vec::new();
        let mut chars = 0usize;
        let mut next = CHECKPOINT;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
                chars = 0;
                next = i + 1 + CHECKPOINT;
                continue;
            }
            // a character starts at every byte that is not a continuation
            if b & 0xC0 != 0x80 {
                if i >= next {
                    checkpoints.push((i, chars));
                    next = i + CHECKPOINT;
                }
                chars += 1;
            }
        }
        LineIndex {
            starts,
            checkpoints,
        }
    }

    /// The 1-based (line, column) of `offset` in `text` (the text indexed).
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let end = offset.min(text.len());
        // the nearest checkpoint of this line at or before the offset
        let k = self.checkpoints.partition_point(|(at, _)| *at <= end);
        let (from, before) = match k.checked_sub(1).and_then(|k| self.checkpoints.get(k)) {
            Some(&(at, n)) if at >= start => (at, n),
            _ => (start, 0),
        };
        let col = text
            .get(from..end)
            .map(|s| s.chars().count())
            .unwrap_or(end.saturating_sub(from));
        (line + 1, before + col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The index agrees with counting from the start of the line, on
        /// long lines and multi-byte characters alike.
        #[test]
        fn line_index_agrees_with_counting(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("a".to_owned()),
                    proptest::strategy::Just("é".to_owned()),
                    proptest::strategy::Just("日本".to_owned()),
                    proptest::strategy::Just("\n".to_owned()),
                    proptest::strategy::Just("x".repeat(3000)),
                    proptest::strategy::Just("ü".repeat(2500)),
                ],
                0..40,
            ),
            picks in proptest::collection::vec(0usize..200_000, 1..20),
        ) {
            let text: String = parts.concat();
            let idx = LineIndex::new(&text);
            for p in picks {
                let mut off = p % (text.len() + 1);
                while !text.is_char_boundary(off) {
                    off -= 1;
                }
                let before = &text[..off];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |i| i + 1);
                let col = text[start..off].chars().count() + 1;
                proptest::prop_assert_eq!(idx.line_col(&text, off), (line, col));
            }
        }
    }

    #[test]
    fn parses_and_spans() {
        let t = "{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\n\"\n}";
        let v = parse(t).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(
            &t[a.span.start as usize..a.span.end as usize],
            "[1, -2.5e3, true, null]"
        );
        assert_eq!(v.get("b").unwrap().as_str(), Some("xé\n"));
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_col(t, a.span.start as usize), (2, 8));
        assert_eq!(
            v.to_serde(),
            serde_json::from_str::<serde_json::Value>(t).unwrap()
        );
    }

    #[test]
    fn errors_have_offsets() {
        let e = parse("{\"a\": [1,]}").unwrap_err();
        assert_eq!(e.message, "trailing comma before `]`");
        assert_eq!(e.offset, 9);
        let e = parse("{\"a\": \"abc").unwrap_err();
        assert_eq!(e.message, "unterminated string");
        assert_eq!(e.offset, 6);
        assert!(parse("[1] 2").is_err());
        assert!(parse("01").is_err());
        assert!(parse(&"[".repeat(1000)).is_err());
    }

    #[test]
    fn stream() {
        let v = parse_stream("{\"a\":1}\n{\"a\":2}\n").unwrap();
        assert_eq!(v.len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_json(s in "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,24}") {
            let ours = parse(&s).ok().map(|j| j.to_serde());
            let theirs = serde_json::from_str::<serde_json::Value>(&s).ok();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
