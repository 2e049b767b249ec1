//! The streaming splitter: cuts a byte stream into the raw bytes of one log
//! record at a time, without ever holding more than one record (plus one read
//! chunk) in memory.
//!
//! Shapes it understands, in any sequence (so concatenated exports work too):
//!
//! - a top-level array of records (`gcloud logging read --format=json`,
//!   `az monitor activity-log list`);
//! - an object holding the records in an array under a *container key*
//!   (`{"Records": [...]}` as CloudTrail writes to S3, `{"Events": [...]}` from
//!   `aws cloudtrail lookup-events`, `{"value": [...]}` from the Azure REST API,
//!   `{"records": [...]}` from Azure diagnostic exports); the other members of
//!   the object (`NextToken`, `nextLink`) are skipped;
//! - records one after the other (NDJSON, or pretty-printed objects back to
//!   back). Once the first record of such a stream fits on one line, the rest is
//!   split by lines, so a truncated line costs one record, not the rest of the
//!   file.
//!
//! The splitter only finds where a value starts and ends (strings, escapes and
//! bracket depth); checking the record is well formed is left to the record
//! parser. It tracks the byte offset, line and column (in bytes) of every
//! record it hands out.

use memchr::{memchr, memchr2};
use std::io::{self, Read};

/// How much is asked of the source per read.
const CHUNK: usize = 256 * 1024;

/// Keys whose array value holds the records.
const CONTAINER_KEYS: [&[u8]; 4] = [b"Records", b"Events", b"value", b"records"];

/// Where something starts: byte offset (0-based), line and column (1-based,
/// the column counted in bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub offset: u64,
    pub line: u64,
    pub column: u64,
}

impl Pos {
    /// The start of the input.
    pub(crate) const START: Pos = Pos {
        offset: 0,
        line: 1,
        column: 1,
    };
}

/// What the splitter hands out.
pub(crate) enum Item<'s> {
    /// The bytes of one record (not checked to be well formed).
    Record { bytes: &'s [u8], pos: Pos },
    /// Something that cannot be a record; reading goes on after it.
    Malformed { pos: Pos, message: String },
    /// The source failed; nothing more will be read.
    ReadError { pos: Pos, error: io::Error },
    /// End of input.
    End,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    TopLevel,
    /// Inside an array of records; `container` when the array is a member of
    /// an object whose remaining members must be skipped after it.
    InArray { container: bool, first: bool },
    /// Nothing more to read.
    Done,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TopKind {
    /// No top-level object seen yet.
    Unknown,
    /// Top-level objects are containers: walk each one's keys.
    Containers,
    /// Top-level objects are records; `lines` when they are one per line.
    Records { lines: bool },
}

/// Resumable scanner of one JSON value: finds its end without parsing it.
#[derive(Clone, Copy)]
struct ValueScan {
    kind: ScanKind,
    depth: u32,
    in_str: bool,
    /// Bytes still to skip (the escaped byte after a `\` at a chunk's end).
    skip: usize,
    /// Bytes of the value already scanned.
    scanned: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScanKind {
    /// An object or array: ends when the depth returns to zero.
    Composite,
    /// A string: ends at its closing quote.
    Str,
    /// A number or literal: ends before a delimiter or whitespace.
    Bare,
}

impl ValueScan {
    fn new(first: u8) -> ValueScan {
        let kind = match first {
            b'{' | b'[' => ScanKind::Composite,
            b'"' => ScanKind::Str,
            _ => ScanKind::Bare,
        };
        ValueScan {
            kind,
            depth: 0,
            in_str: false,
            skip: 0,
            scanned: 0,
        }
    }

    /// A scanner already inside an object (to skip the rest of one).
    fn inside_object() -> ValueScan {
        ValueScan {
            kind: ScanKind::Composite,
            depth: 1,
            in_str: false,
            skip: 0,
            scanned: 0,
        }
    }

    /// Feeds the bytes that follow what was scanned so far; returns the
    /// length of the whole value once its end is in sight.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = self.skip.min(bytes.len());
        self.skip -= i;
        let found = match self.kind {
            ScanKind::Composite => self.feed_composite(bytes, &mut i),
            ScanKind::Str => {
                if self.scanned == 0 && i == 0 {
                    // the opening quote
                    self.in_str = true;
                    i = 1;
                }
                self.feed_composite(bytes, &mut i)
            }
            ScanKind::Bare => bytes
                .get(i..)
                .and_then(|rest| {
                    rest.iter().position(|b| {
                        matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                    })
                })
                .map(|k| i + k),
        };
        match found {
            Some(end) => Some(self.scanned + end),
            None => {
                self.scanned += bytes.len();
                None
            }
        }
    }

    fn feed_composite(&mut self, bytes: &[u8], i: &mut usize) -> Option<usize> {
        loop {
            let rest = bytes.get(*i..)?;
            if rest.is_empty() {
                return None;
            }
            if self.in_str {
                let k = memchr2(b'"', b'\\', rest)?;
                if rest.get(k) == Some(&b'\\') {
                    let after = *i + k + 2;
                    if after > bytes.len() {
                        self.skip = after - bytes.len();
                        *i = bytes.len();
                        return None;
                    }
                    *i = after;
                } else {
                    self.in_str = false;
                    *i += k + 1;
                    if self.kind == ScanKind::Str {
                        return Some(*i);
                    }
                }
            } else {
                let k = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))?;
                *i += k + 1;
                match rest.get(k) {
                    Some(b'"') => self.in_str = true,
                    Some(b'{' | b'[') => self.depth += 1,
                    _ => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Some(*i);
                        }
                    }
                }
            }
        }
    }
}

/// How a scan ended.
enum Scan {
    /// The value is `len` bytes long from the scan's start.
    Complete(usize),
    /// The input ended inside the value.
    Truncated,
    /// The value outgrew the record limit; it has been skipped (consumed).
    TooLarge,
}

/// How a walk over a top-level object's members ended.
enum Walk {
    /// A container: its array starts after `header` bytes (the `[` included).
    Container {
        header: usize,
    },
    /// A record of `len` bytes (no container key among its members).
    Record {
        len: usize,
    },
    /// Not valid enough to walk: scan it as one value and let the parser say.
    Opaque,
    Truncated,
    TooLarge,
}

/// The splitter over a source.
pub(crate) struct Splitter<R> {
    src: R,
    buf: Vec<u8>,
    /// Everything before `start` is consumed.
    start: usize,
    /// Valid bytes end here.
    end: usize,
    eof: bool,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Line of `start` (1-based).
    line: u64,
    /// Absolute offset of the first byte of that line.
    line_begin: u64,
    /// Bytes of the record handed out last, consumed on the next call.
    pending: usize,
    max_record: usize,
    mode: Mode,
    top: TopKind,
    /// The largest the buffer has been.
    high_water: usize,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `src` that refuses records longer than `max_record`
    /// bytes.
    pub(crate) fn new(src: R, max_record: usize) -> Splitter<R> {
        Splitter {
            src,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            base: 0,
            line: 1,
            line_begin: 0,
            pending: 0,
            max_record: max_record.max(1),
            mode: Mode::TopLevel,
            top: TopKind::Unknown,
            high_water: 0,
        }
    }

    /// Bytes consumed so far (after the last record: the whole input).
    pub(crate) fn bytes_read(&self) -> u64 {
        self.base + self.start as u64 + self.pending as u64
    }

    /// The largest the read buffer has been, in bytes.
    pub(crate) fn high_water(&self) -> usize {
        self.high_water
    }

    fn pos(&self) -> Pos {
        let offset = self.base + self.start as u64;
        Pos {
            offset,
            line: self.line,
            column: offset - self.line_begin + 1,
        }
    }

    /// Unconsumed bytes in the buffer.
    fn avail(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Reads more; false at the end of input. May move the unconsumed bytes
    /// to the front of the buffer (positions relative to `start` stay valid).
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.end < CHUNK / 2 && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < CHUNK / 2 {
            let grown = (self.buf.len() * 2).max(self.end + CHUNK);
            self.buf.resize(grown, 0);
            self.high_water = self.high_water.max(grown);
        }
        loop {
            let Some(space) = self.buf.get_mut(self.end..) else {
                return Ok(false);
            };
            match self.src.read(space) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Consumes `n` bytes, keeping the line count.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        if let Some(bytes) = self.buf.get(self.start..self.start + n) {
            let mut last = None;
            for i in memchr::memchr_iter(b'\n', bytes) {
                self.line += 1;
                last = Some(i);
            }
            if let Some(i) = last {
                self.line_begin = self.base + (self.start + i + 1) as u64;
            }
        }
        self.start += n;
    }

    /// The byte `rel` bytes after `start`, reading as needed.
    fn byte_at(&mut self, rel: usize) -> io::Result<Option<u8>> {
        while self.start + rel >= self.end {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(self.buf.get(self.start + rel).copied())
    }

    /// Skips whitespace (and a byte-order mark at the very start); returns
    /// the next byte without consuming it.
    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            if self.base == 0 && self.start == 0 {
                while self.end < 3 && self.fill()? {}
                if self.avail().starts_with(&[0xEF, 0xBB, 0xBF]) {
                    self.consume(3);
                }
            }
            let avail = self.avail();
            match avail
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                Some(k) => {
                    let b = avail.get(k).copied();
                    self.consume(k);
                    return Ok(b);
                }
                None => {
                    let n = avail.len();
                    self.consume(n);
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Skips whitespace `rel` bytes after `start` without consuming; returns
    /// the offset of the next byte and the byte.
    fn peek_past_ws(&mut self, mut rel: usize) -> io::Result<Option<(usize, u8)>> {
        loop {
            match self.byte_at(rel)? {
                None => return Ok(None),
                Some(b' ' | b'\t' | b'\r' | b'\n') => rel += 1,
                Some(b) => return Ok(Some((rel, b))),
            }
        }
    }

    /// Scans the value starting `rel` bytes after `start`. Nothing is
    /// consumed, except a value that outgrows the record limit when `discard`
    /// is set: then all of it is.
    fn scan(&mut self, rel: usize, mut scan: ValueScan, discard: bool) -> io::Result<Scan> {
        loop {
            let from = self.start + rel + scan.scanned;
            let bytes = self.buf.get(from..self.end).unwrap_or_default();
            if let Some(len) = scan.feed(bytes) {
                return Ok(Scan::Complete(len));
            }
            if rel + scan.scanned > self.max_record {
                return if discard {
                    self.discard(rel, scan)
                } else {
                    Ok(Scan::TooLarge)
                };
            }
            if !self.fill()? {
                if scan.kind == ScanKind::Bare && scan.scanned > 0 {
                    return Ok(Scan::Complete(scan.scanned));
                }
                return Ok(Scan::Truncated);
            }
        }
    }

    /// Consumes a too-large value through its end, holding at most a chunk.
    fn discard(&mut self, rel: usize, mut scan: ValueScan) -> io::Result<Scan> {
        // everything up to where the scanner is has been seen
        let seen = rel + scan.scanned;
        self.consume(seen);
        scan.scanned = 0;
        loop {
            let bytes = self.avail();
            if let Some(len) = scan.feed(bytes) {
                self.consume(len);
                return Ok(Scan::TooLarge);
            }
            let n = bytes.len();
            self.consume(n);
            scan.scanned = 0;
            if !self.fill()? {
                return Ok(Scan::TooLarge);
            }
        }
    }

    /// Walks the members of the object at `start`, looking for a container
    /// key whose value is an array. Nothing is consumed.
    fn walk_object(&mut self) -> io::Result<Walk> {
        let mut rel = 1;
        loop {
            let Some((at, b)) = self.peek_past_ws(rel)? else {
                return Ok(Walk::Truncated);
            };
            match b {
                b'}' => return Ok(Walk::Record { len: at + 1 }),
                b'"' => {}
                _ => return Ok(Walk::Opaque),
            }
            // the key
            let key_scan = match self.scan(at, ValueScan::new(b'"'), false)? {
                Scan::Complete(len) => len,
                Scan::Truncated => return Ok(Walk::Truncated),
                Scan::TooLarge => return self.discard_object(),
            };
            let key = self
                .buf
                .get(self.start + at + 1..self.start + at + key_scan - 1)
                .unwrap_or_default();
            let is_container = CONTAINER_KEYS.contains(&key);
            let Some((colon, b)) = self.peek_past_ws(at + key_scan)? else {
                return Ok(Walk::Truncated);
            };
            if b != b':' {
                return Ok(Walk::Opaque);
            }
            let Some((vat, first)) = self.peek_past_ws(colon + 1)? else {
                return Ok(Walk::Truncated);
            };
            if is_container && first == b'[' {
                return Ok(Walk::Container { header: vat + 1 });
            }
            let len = match self.scan(vat, ValueScan::new(first), false)? {
                Scan::Complete(len) => len,
                Scan::Truncated => return Ok(Walk::Truncated),
                Scan::TooLarge => return self.discard_object(),
            };
            let Some((next, b)) = self.peek_past_ws(vat + len)? else {
                return Ok(Walk::Truncated);
            };
            match b {
                b',' => rel = next + 1,
                b'}' => return Ok(Walk::Record { len: next + 1 }),
                _ => return Ok(Walk::Opaque),
            }
        }
    }

    /// Skips the too-large object at `start`.
    fn discard_object(&mut self) -> io::Result<Walk> {
        self.discard(0, ValueScan::new(b'{'))?;
        Ok(Walk::TooLarge)
    }

    /// Consumes the `]` at `start`; for a container, skips the rest of the
    /// object holding the array.
    fn close_array(&mut self, container: bool) -> io::Result<Option<Step>> {
        self.consume(1);
        self.mode = Mode::TopLevel;
        if !container {
            return Ok(None);
        }
        let pos = self.pos();
        match self.scan(0, ValueScan::inside_object(), true)? {
            Scan::Complete(len) => {
                self.consume(len);
                Ok(None)
            }
            Scan::Truncated => {
                let n = self.end - self.start;
                self.consume(n);
                Ok(Some(Step::Malformed(
                    pos,
                    "unexpected end of input: the object holding the records is not closed".into(),
                )))
            }
            Scan::TooLarge => Ok(None),
        }
    }

    /// The next record, malformed stretch or the end.
    pub(crate) fn next_item(&mut self) -> Item<'_> {
        let pending = std::mem::take(&mut self.pending);
        self.consume(pending);
        match self.step() {
            Ok(Step::Record(len)) => {
                self.pending = len;
                let pos = self.pos();
                let bytes = self
                    .buf
                    .get(self.start..self.start + len)
                    .unwrap_or_default();
                Item::Record { bytes, pos }
            }
            Ok(Step::Malformed(pos, message)) => Item::Malformed { pos, message },
            Ok(Step::End) => {
                self.mode = Mode::Done;
                Item::End
            }
            Err(error) => {
                self.mode = Mode::Done;
                Item::ReadError {
                    pos: self.pos(),
                    error,
                }
            }
        }
    }

    fn too_large(&self, pos: Pos) -> Step {
        Step::Malformed(
            pos,
            format!(
                "record longer than the {}-byte limit; skipped",
                self.max_record
            ),
        )
    }

    fn step(&mut self) -> io::Result<Step> {
        loop {
            match self.mode {
                Mode::Done => return Ok(Step::End),
                Mode::TopLevel => return self.step_top(),
                Mode::InArray { container, first } => {
                    let Some(b) = self.skip_ws()? else {
                        self.mode = Mode::Done;
                        return Ok(Step::Malformed(
                            self.pos(),
                            "unexpected end of input: the array of records is not closed".into(),
                        ));
                    };
                    if b == b']' {
                        if let Some(step) = self.close_array(container)? {
                            return Ok(step);
                        }
                        continue;
                    }
                    self.mode = Mode::InArray {
                        container,
                        first: false,
                    };
                    if !first {
                        if b != b',' {
                            // report, then read on from here as if a record started
                            let pos = self.pos();
                            let found = char::from(b);
                            if let Step::Record(len) = self.element(b)? {
                                self.consume(len.max(1));
                            }
                            return Ok(Step::Malformed(
                                pos,
                                format!("expected `,` or `]` between records, found `{found}`"),
                            ));
                        }
                        self.consume(1);
                        let Some(b) = self.skip_ws()? else {
                            continue;
                        };
                        if b == b']' {
                            let pos = self.pos();
                            let closing = self.close_array(container)?;
                            return Ok(closing.unwrap_or(Step::Malformed(
                                pos,
                                "trailing `,` before `]`".into(),
                            )));
                        }
                        return self.element(b);
                    }
                    return self.element(b);
                }
            }
        }
    }

    /// Scans one element of an array starting with byte `b`.
    fn element(&mut self, b: u8) -> io::Result<Step> {
        let pos = self.pos();
        match self.scan(0, ValueScan::new(b), true)? {
            Scan::Complete(len) => Ok(Step::Record(len.max(1))),
            Scan::Truncated => {
                let n = self.end - self.start;
                self.consume(n);
                self.mode = Mode::Done;
                Ok(Step::Malformed(
                    pos,
                    "unexpected end of input inside a record".into(),
                ))
            }
            Scan::TooLarge => Ok(self.too_large(pos)),
        }
    }

    fn step_top(&mut self) -> io::Result<Step> {
        let Some(b) = self.skip_ws()? else {
            return Ok(Step::End);
        };
        let pos = self.pos();
        match b {
            b'[' => {
                self.consume(1);
                self.mode = Mode::InArray {
                    container: false,
                    first: true,
                };
                self.step()
            }
            b'{' => match self.top {
                TopKind::Records { lines: true } => self.line_record(pos),
                TopKind::Records { lines: false } => self.element(b),
                TopKind::Unknown | TopKind::Containers => match self.walk_object()? {
                    Walk::Container { header } => {
                        self.top = TopKind::Containers;
                        self.consume(header);
                        self.mode = Mode::InArray {
                            container: true,
                            first: true,
                        };
                        self.step()
                    }
                    Walk::Record { len } => {
                        if self.top == TopKind::Unknown {
                            let bytes = self.avail().get(..len).unwrap_or_default();
                            self.top = TopKind::Records {
                                lines: memchr(b'\n', bytes).is_none(),
                            };
                        }
                        Ok(Step::Record(len))
                    }
                    Walk::Opaque => self.element(b),
                    Walk::Truncated => {
                        let n = self.end - self.start;
                        self.consume(n);
                        Ok(Step::Malformed(
                            pos,
                            "unexpected end of input inside a record".into(),
                        ))
                    }
                    Walk::TooLarge => Ok(self.too_large(pos)),
                },
            },
            _ => {
                // not JSON we can read: skip the line
                let found = char::from(b);
                self.skip_line();
                Ok(Step::Malformed(
                    pos,
                    format!(
                        "expected a record object, an array of records or an object with `Records`/`Events`/`value`, found `{found}`; skipped to the next line"
                    ),
                ))
            }
        }
    }

    /// One record per line: the record is the rest of the current line.
    fn line_record(&mut self, pos: Pos) -> io::Result<Step> {
        let mut seen = 0;
        loop {
            let avail = self.avail();
            if let Some(k) = avail.get(seen..).and_then(|rest| memchr(b'\n', rest)) {
                return Ok(Step::Record(seen + k));
            }
            seen = avail.len();
            if seen > self.max_record {
                self.skip_line();
                return Ok(self.too_large(pos));
            }
            if !self.fill()? {
                return Ok(Step::Record(self.avail().len()));
            }
        }
    }

    /// Consumes through the next newline (or the end of input).
    fn skip_line(&mut self) {
        loop {
            let avail = self.avail();
            if let Some(k) = memchr(b'\n', avail) {
                self.consume(k + 1);
                return;
            }
            let n = avail.len();
            self.consume(n);
            match self.fill() {
                Ok(true) => {}
                Ok(false) | Err(_) => return,
            }
        }
    }
}

enum Step {
    Record(usize),
    Malformed(Pos, String),
    End,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out at most `n` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn split(text: &str, trickle: usize) -> Vec<String> {
        let mut s = Splitter::new(Trickle(text.as_bytes(), trickle), 1 << 20);
        let mut out = Vec::new();
        loop {
            match s.next_item() {
                Item::Record { bytes, pos } => out.push(format!(
                    "{}:{}@{} {}",
                    pos.line,
                    pos.column,
                    pos.offset,
                    String::from_utf8_lossy(bytes)
                )),
                Item::Malformed { pos, message } => {
                    out.push(format!("{}:{} ERR {message}", pos.line, pos.column))
                }
                Item::ReadError { error, .. } => out.push(format!("IO {error}")),
                Item::End => return out,
            }
        }
    }

    fn same_all_chunkings(text: &str) -> Vec<String> {
        let whole = split(text, usize::MAX);
        for n in [1, 2, 3, 7] {
            assert_eq!(split(text, n), whole, "chunk size {n}");
        }
        whole
    }

    #[test]
    fn records_container() {
        let out = same_all_chunkings(r#"{"Records":[{"a":"x]"},{"b":[1,{"c":"\"}"}]}]}"#);
        assert_eq!(
            out,
            vec![r#"1:13@12 {"a":"x]"}"#, r#"1:24@23 {"b":[1,{"c":"\"}"}]}"#,]
        );
    }

    #[test]
    fn container_key_after_other_members_and_trailing_members() {
        let out = same_all_chunkings(
            "{\"NextToken\": {\"x\": [1]},\n \"Events\" : [ {\"e\":1} ,\n{\"e\":2} ], \"More\": \"}\" }\n{\"Records\":[]}",
        );
        assert_eq!(out, vec![r#"2:15@40 {"e":1}"#, r#"3:1@50 {"e":2}"#]);
    }

    #[test]
    fn top_level_array_and_ndjson() {
        let out = same_all_chunkings("\u{feff}[ {\"a\":1},\n  {\"a\":2} ]");
        assert_eq!(out, vec![r#"1:6@5 {"a":1}"#, r#"2:3@16 {"a":2}"#]);
        let out = same_all_chunkings("{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}");
        assert_eq!(
            out,
            vec![r#"1:1@0 {"a":1}"#, "2:1@8 {\"a\":2}\r", r#"4:1@18 {"a":3}"#]
        );
    }

    #[test]
    fn ndjson_truncated_line_costs_one_record() {
        let out = same_all_chunkings("{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
        assert_eq!(out.len(), 3);
        assert_eq!(out[1], "2:1@8 {\"a\":");
        assert_eq!(out[2], r#"3:1@14 {"a":3}"#);
    }

    #[test]
    fn pretty_printed_records_back_to_back() {
        let out = same_all_chunkings("{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n");
        assert_eq!(out, vec!["1:1@0 {\n \"a\": 1\n}", "4:1@12 {\n \"a\": 2\n}"]);
    }

    #[test]
    fn malformed_structure_is_located_and_reading_goes_on() {
        let out = same_all_chunkings("[{\"a\":1} {\"a\":2}, {\"a\":3}]");
        assert_eq!(
            out,
            vec![
                r#"1:2@1 {"a":1}"#,
                "1:10 ERR expected `,` or `]` between records, found `{`",
                r#"1:19@18 {"a":3}"#
            ]
        );
        let out = same_all_chunkings("garbage\n{\"a\":1}\n");
        assert_eq!(out.len(), 2);
        assert!(out[0].starts_with("1:1 ERR expected a record object"));
        assert_eq!(out[1], r#"2:1@8 {"a":1}"#);
        let out = same_all_chunkings("{\"Records\":[{\"a\":1},{\"a\":");
        assert_eq!(
            out,
            vec![
                r#"1:13@12 {"a":1}"#,
                "1:21 ERR unexpected end of input inside a record"
            ]
        );
        let out = same_all_chunkings("[{\"a\":1},]");
        assert_eq!(
            out,
            vec![r#"1:2@1 {"a":1}"#, "1:10 ERR trailing `,` before `]`"]
        );
    }

    #[test]
    fn too_large_records_are_skipped_with_bounded_memory() {
        let big = "x".repeat(10_000);
        let text = format!("[{{\"a\":1}},{{\"big\":\"{big}\"}},{{\"a\":2}}]");
        let mut s = Splitter::new(Trickle(text.as_bytes(), 100), 1000);
        let mut out = Vec::new();
        loop {
            match s.next_item() {
                Item::Record { bytes, .. } => out.push(String::from_utf8_lossy(bytes).into_owned()),
                Item::Malformed { message, .. } => out.push(message),
                Item::ReadError { .. } => unreachable!(),
                Item::End => break,
            }
        }
        assert_eq!(
            out,
            vec![
                r#"{"a":1}"#,
                "record longer than the 1000-byte limit; skipped",
                r#"{"a":2}"#
            ]
        );
        assert!(s.high_water() < 4 * CHUNK);
    }
}
