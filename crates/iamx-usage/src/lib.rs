//! # iamx-usage
//!
//! Usage ingestion: reads cloud audit logs and turns each logged call into a
//! [`UsageRecord`], the concrete request it stands for (principal, action,
//! resource, time, outcome) with the file, line and column it was read at.
//! Formats, detected per record:
//!
//! - AWS CloudTrail, as CloudTrail writes it to S3 (`{"Records": [...]}`,
//!   also gzip-compressed) and as `aws cloudtrail lookup-events` prints it
//!   (`{"Events": [{"CloudTrailEvent": "…"}]}`); the IAM action comes from
//!   `eventSource` + `eventName` with the exception table of
//!   `data/cloudtrail-actions.txt` ([`aws::iam_action`]);
//! - GCP Cloud Audit Logs (`gcloud logging read --format=json`, a JSON array,
//!   or a logging sink's NDJSON): one usage per permission check;
//! - Azure Activity Log (`az monitor activity-log list`, the REST API's
//!   `{"value": [...]}`, a diagnostic export's `{"records": [...]}` or NDJSON).
//!
//! Key decision: **the input is streamed, never loaded whole.** A hand-made
//! splitter finds where each record starts and ends (strings, escapes and
//! bracket depth only) in a read buffer that holds one record plus one read
//! chunk; each record is then parsed on its own into a struct of borrowed
//! strings that names only the fields iamx reads. A 1 GB file costs the
//! memory of its largest record, and a malformed record costs that record
//! only: it is reported with its location and reading goes on. Records that
//! are well formed but carry no usage (a console sign-in, a service event, an
//! unknown caller) are counted and listed with their location and reason,
//! never dropped silently ([`Stats`]).
//!
//! This crate reads the files it is handed (and the files under a directory
//! it is handed); it depends on `iamx-model` only, and
//! [`UsageRecord::to_request`] gives the model's [`iamx_model::Request`].
//!
//! ```
//! let log = br#"{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com",
//!   "eventName":"ListObjects","eventTime":"2026-03-02T10:00:00Z",
//!   "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"},
//!   "resources":[{"ARN":"arn:aws:s3:::examplecorp-payments-prod","accountId":"111122223333"}]}]}"#;
//! let mut seen = Vec::new();
//! let stats = iamx_usage::read_reader(&log[..], "trail.json", &Default::default(), &mut |r| seen.push(r));
//! assert_eq!(stats.mapped, 1);
//! assert_eq!(seen[0].action, "s3:ListBucket");
//! assert_eq!(seen[0].principal, "arn:aws:iam::111122223333:user/alice");
//! ```

pub mod aws;
pub mod azure;
pub mod gcp;
mod raw;
mod record;
mod split;
mod stats;

pub use record::{Cloud, Format, Location, Outcome, UsageRecord};
pub use stats::{Malformed, Stats, Unmappable, UnmappableReason};

use iamx_model::value::parse_date;
use raw::Record;
use split::{Item, Pos, Splitter};
use std::fs::{self, File};
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Skip records before this time (epoch milliseconds); see
    /// [`parse_time_bound`]. Records without a time are kept.
    pub since: Option<i64>,
    /// Skip records at or after this time (epoch milliseconds).
    pub until: Option<i64>,
    /// A record longer than this is reported as malformed and skipped
    /// (default 16 MiB; CloudTrail and Cloud Logging records are far smaller).
    pub max_record_bytes: usize,
    /// How many unmappable and malformed records [`Stats`] lists (each);
    /// all are counted.
    pub max_listed: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            since: None,
            until: None,
            max_record_bytes: 16 << 20,
            max_listed: 1000,
        }
    }
}

/// Why a read could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path could not be opened or listed.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A `--since`/`--until` value is not a date.
    #[error(
        "`{text}` is not a date: give `YYYY-MM-DD`, an RFC 3339 time such as `2026-03-01T00:00:00Z`, or a time back from now such as `90d` or `12h`"
    )]
    BadDate {
        /// The text given.
        text: String,
    },
}

/// Reads a time bound for [`Options::since`]/[`Options::until`]: a date
/// (`2026-03-01`), an RFC 3339 time (`2026-03-01T10:00:00Z`), or a span back
/// from `now_ms` (`90d`, `12h`, `30m`). Returns epoch milliseconds.
pub fn parse_time_bound(text: &str, now_ms: i64) -> Result<i64, Error> {
    let t = text.trim();
    let bad = || Error::BadDate {
        text: text.to_owned(),
    };
    let unit = t.chars().last().ok_or_else(bad)?;
    let per = match unit {
        'd' => Some(86_400_000),
        'h' => Some(3_600_000),
        'm' => Some(60_000),
        _ => None,
    };
    if let Some(per) = per {
        let n: i64 = t
            .get(..t.len() - 1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(bad)?;
        return n
            .checked_mul(per)
            .and_then(|back| now_ms.checked_sub(back))
            .ok_or_else(bad);
    }
    // plain numbers are not dates here (parse_date would take epoch seconds)
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    parse_date(t).ok_or_else(bad)
}

/// Reads a file, or every log file under a directory (recursively, in name
/// order: `*.json`, `*.jsonl`, `*.ndjson`, each optionally `.gz`), calling
/// `on_record` for each usage. Gzip input is recognised by its magic bytes,
/// whatever the name.
pub fn read_path(
    path: &Path,
    opts: &Options,
    on_record: &mut impl FnMut(UsageRecord),
) -> Result<Stats, Error> {
    read_paths([path], opts, on_record)
}

/// [`read_path`] over several paths; the stats are summed.
pub fn read_paths<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    opts: &Options,
    on_record: &mut impl FnMut(UsageRecord),
) -> Result<Stats, Error> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        collect_files(p.as_ref(), true, &mut seen, &mut files)?;
    }
    let mut stats = Stats::default();
    for f in files {
        let file = File::open(&f).map_err(|source| Error::Io {
            path: f.clone(),
            source,
        })?;
        let s = read_dyn(file, &f.display().to_string(), opts, on_record);
        stats.merge(s, opts.max_listed);
    }
    Ok(stats)
}

/// Reads everything under `paths` into memory: the usages and the stats.
pub fn collect<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    opts: &Options,
) -> Result<(Vec<UsageRecord>, Stats), Error> {
    let mut out = Vec::new();
    let stats = read_paths(paths, opts, &mut |r| out.push(r))?;
    Ok((out, stats))
}

fn is_log_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    !name.starts_with('.')
        && [".json", ".jsonl", ".ndjson"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// The identity of a file or folder (device and inode on Unix, else the
/// canonical path's hash): a folder reached twice through a symbolic link
/// is walked once, and a link cycle ends.
fn file_id(meta: &fs::Metadata, path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        use std::hash::{Hash, Hasher};
        let _ = meta;
        let c = fs::canonicalize(path).ok()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        c.hash(&mut h);
        Some((0, h.finish()))
    }
}

fn collect_files(
    path: &Path,
    given: bool,
    seen: &mut std::collections::HashSet<(u64, u64)>,
    out: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let meta = fs::metadata(path).map_err(io_err)?;
    if file_id(&meta, path).is_some_and(|id| !seen.insert(id)) {
        return Ok(());
    }
    if !meta.is_dir() {
        // a device or a pipe never ends (`/dev/zero`): only regular files
        // are read
        if given && !meta.is_file() {
            return Err(Error::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a regular file or a folder (logs are read from files)",
                ),
            });
        }
        if meta.is_file() && (given || is_log_file(path)) {
            out.push(path.to_owned());
        }
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path)
        .map_err(io_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for e in entries {
        collect_files(&e, false, seen, out)?;
    }
    Ok(())
}

/// Reads one stream (plain or gzip, told by its first bytes); `name` is the
/// file name locations carry. Problems inside the stream are reported in the
/// stats, never as an error.
pub fn read_reader<R: Read>(
    reader: R,
    name: &str,
    opts: &Options,
    on_record: &mut impl FnMut(UsageRecord),
) -> Stats {
    read_dyn(reader, name, opts, on_record)
}

fn read_dyn<R: Read>(
    mut reader: R,
    name: &str,
    opts: &Options,
    on_record: &mut dyn FnMut(UsageRecord),
) -> Stats {
    let mut ingest = Ingest {
        opts,
        file: Arc::from(name),
        stats: Stats {
            files: 1,
            ..Stats::default()
        },
        emit: on_record,
    };
    // the first two bytes tell gzip
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match head.get_mut(got..).map(|h| reader.read(h)) {
            Some(Ok(0)) | None => break,
            Some(Ok(n)) => got += n,
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Some(Err(e)) => {
                ingest.read_error(Pos::START, 0, &e);
                return ingest.stats;
            }
        }
    }
    let head = Cursor::new(head.get(..got).unwrap_or_default().to_vec());
    if got == 2 && head.get_ref().as_slice() == [0x1f, 0x8b] {
        ingest.run(flate2::read::MultiGzDecoder::new(head.chain(reader)));
    } else {
        ingest.run(head.chain(reader));
    }
    ingest.stats
}

/// The format a parsed record is in.
fn format_of(raw: &Record<'_>) -> Format {
    if raw.cloudtrail_event.get().is_some() {
        Format::CloudTrailLookup
    } else if raw.event_source.get().is_some() || raw.event_version.get().is_some() {
        // not `eventName`: Azure events carry one too (`BeginRequest`)
        Format::CloudTrail
    } else if raw.proto_payload.is_some() {
        Format::GcpAuditLog
    } else if raw.operation_name.is_some() {
        Format::AzureActivityLog
    } else {
        Format::Unknown
    }
}

/// How much [`sniff`] reads.
const SNIFF_BYTES: usize = 64 * 1024;

/// Whether a stream is an audit log iamx reads, and which: the format of its
/// first record, reading at most its first 64 KiB (decompressed). `None`
/// when the first record is not a log record, is malformed, or is longer
/// than that. Loaders of policy inputs use it to leave logs out of a
/// directory walk.
pub fn sniff(reader: impl Read) -> Option<Format> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    // a read error ends the prefix; what was read is still looked at
    let _ = reader.take(SNIFF_BYTES as u64).read_to_end(&mut head);
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::with_capacity(SNIFF_BYTES);
        let gz = flate2::read::MultiGzDecoder::new(head.as_slice());
        let _ = gz.take(SNIFF_BYTES as u64).read_to_end(&mut plain);
        head = plain;
    }
    let mut split = Splitter::new(head.as_slice(), SNIFF_BYTES);
    let Item::Record { bytes, .. } = split.next_item() else {
        return None;
    };
    let raw: Record<'_> = serde_json::from_slice(bytes).ok()?;
    Some(format_of(&raw)).filter(|f| *f != Format::Unknown)
}

/// [`sniff`] on a file; `None` when it cannot be opened.
pub fn sniff_path(path: &Path) -> Option<Format> {
    sniff(File::open(path).ok()?)
}

/// One file's read in progress.
struct Ingest<'o, 'f> {
    opts: &'o Options,
    file: Arc<str>,
    stats: Stats,
    emit: &'f mut dyn FnMut(UsageRecord),
}

impl Ingest<'_, '_> {
    fn run<R: Read>(&mut self, src: R) {
        let mut split = Splitter::new(src, self.opts.max_record_bytes);
        let mut index = 0u64;
        loop {
            match split.next_item() {
                Item::Record { bytes, pos } => {
                    self.record(bytes, pos, index);
                    index += 1;
                }
                Item::Malformed { pos, message } => {
                    self.stats.records += 1;
                    self.malformed(self.location(pos, index), message);
                    index += 1;
                }
                Item::ReadError { pos, error } => {
                    self.read_error(pos, index, &error);
                    break;
                }
                Item::End => break,
            }
        }
        self.stats.bytes = split.bytes_read();
        self.stats.max_buffer = split.high_water();
    }

    fn location(&self, pos: Pos, index: u64) -> Location {
        Location {
            file: self.file.clone(),
            record: index,
            offset: pos.offset,
            line: pos.line,
            column: pos.column,
        }
    }

    fn read_error(&mut self, pos: Pos, index: u64, error: &io::Error) {
        self.stats.records += 1;
        let loc = self.location(pos, index);
        self.malformed(loc, format!("read error (reading stopped): {error}"));
    }

    fn malformed(&mut self, location: Location, message: String) {
        self.stats.malformed += 1;
        if self.stats.malformed_records.len() < self.opts.max_listed {
            self.stats
                .malformed_records
                .push(Malformed { location, message });
        }
    }

    fn unmappable(&mut self, location: Location, format: Format, reason: UnmappableReason) {
        self.stats.unmappable += 1;
        *self
            .stats
            .unmappable_by_reason
            .entry(reason.summary())
            .or_default() += 1;
        if self.stats.unmappable_records.len() < self.opts.max_listed {
            self.stats.unmappable_records.push(Unmappable {
                location,
                format,
                reason,
            });
        }
    }

    /// A JSON error inside a record, located in the file.
    fn json_error(&mut self, pos: Pos, index: u64, e: &serde_json::Error, what: &str) {
        let mut loc = self.location(pos, index);
        let (line, column) = (e.line() as u64, e.column() as u64);
        if line > 1 {
            loc.line = pos.line + line - 1;
            loc.column = column;
        } else if column > 0 {
            loc.column = pos.column + column - 1;
        }
        let text = e.to_string();
        let text = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m);
        self.malformed(loc, format!("{what}{text}"));
    }

    /// Whether a record's time lies outside the window (and counts it).
    fn outside_window(&mut self, time: Option<i64>) -> bool {
        let Some(t) = time else {
            return false;
        };
        let out = self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t >= u);
        if out {
            self.stats.skipped_by_date += 1;
        }
        out
    }

    fn record(&mut self, bytes: &[u8], pos: Pos, index: u64) {
        self.stats.records += 1;
        let raw: Record<'_> = match serde_json::from_slice(bytes) {
            Ok(r) => r,
            Err(e) => return self.json_error(pos, index, &e, "malformed record: "),
        };
        match format_of(&raw) {
            Format::CloudTrailLookup => {
                let inner_text = raw.cloudtrail_event.get().unwrap_or_default();
                let inner: Record<'_> = match serde_json::from_str(inner_text) {
                    Ok(r) => r,
                    Err(e) => {
                        let loc = self.location(pos, index);
                        let text = e.to_string();
                        return self.malformed(
                            loc,
                            format!("`CloudTrailEvent` does not hold a CloudTrail event: {text}"),
                        );
                    }
                };
                self.cloudtrail(&inner, Format::CloudTrailLookup, pos, index);
            }
            Format::CloudTrail => self.cloudtrail(&raw, Format::CloudTrail, pos, index),
            Format::GcpAuditLog => self.gcp(&raw, pos, index),
            Format::AzureActivityLog => self.azure(&raw, pos, index),
            Format::Unknown => {
                *self.stats.by_format.entry(Format::Unknown).or_default() += 1;
                let loc = self.location(pos, index);
                self.unmappable(loc, Format::Unknown, UnmappableReason::UnknownFormat);
            }
        }
    }

    fn emit(&mut self, r: UsageRecord) {
        self.stats.usages += 1;
        (self.emit)(r);
    }

    fn cloudtrail(&mut self, r: &Record<'_>, format: Format, pos: Pos, index: u64) {
        *self.stats.by_format.entry(format).or_default() += 1;
        let time = r.event_time.get().and_then(parse_date);
        if self.outside_window(time) {
            return;
        }
        let location = self.location(pos, index);
        match aws::map(r) {
            Ok(m) => {
                self.stats.mapped += 1;
                self.emit(UsageRecord {
                    cloud: Cloud::Aws,
                    format,
                    principal: m.principal,
                    principal_kind: m.kind,
                    via: m.via,
                    action: m.action,
                    resource: m.resource,
                    resource_account: m.resource_account,
                    time,
                    outcome: m.outcome,
                    context: m.context,
                    location,
                });
            }
            Err(reason) => self.unmappable(location, format, reason),
        }
    }

    fn gcp(&mut self, r: &Record<'_>, pos: Pos, index: u64) {
        let format = Format::GcpAuditLog;
        *self.stats.by_format.entry(format).or_default() += 1;
        let time = r.timestamp.get().and_then(parse_date);
        if self.outside_window(time) {
            return;
        }
        let location = self.location(pos, index);
        let Some(payload) = &r.proto_payload else {
            return;
        };
        // the project whose log holds the entry (`projects/P/logs/…`)
        let project = r.log_name.get().and_then(|l| {
            let p = l.strip_prefix("projects/")?.split('/').next()?;
            (!p.is_empty()).then(|| format!("projects/{p}"))
        });
        match gcp::map(payload) {
            Ok(m) => {
                self.stats.mapped += 1;
                for check in m.checks {
                    self.emit(UsageRecord {
                        cloud: Cloud::Gcp,
                        format,
                        principal: m.principal.clone(),
                        principal_kind: m.kind,
                        via: m.via.clone(),
                        action: check.action,
                        resource: check.resource,
                        resource_account: project.clone(),
                        time,
                        outcome: check.outcome,
                        context: Vec::new(),
                        location: location.clone(),
                    });
                }
            }
            Err(reason) => self.unmappable(location, format, reason),
        }
    }

    fn azure(&mut self, r: &Record<'_>, pos: Pos, index: u64) {
        let format = Format::AzureActivityLog;
        *self.stats.by_format.entry(format).or_default() += 1;
        let time = r
            .event_timestamp
            .get()
            .or_else(|| r.time.get())
            .and_then(parse_date);
        if self.outside_window(time) {
            return;
        }
        let location = self.location(pos, index);
        match azure::map(r) {
            Ok(m) => {
                self.stats.mapped += 1;
                self.emit(UsageRecord {
                    cloud: Cloud::Azure,
                    format,
                    principal: m.principal,
                    principal_kind: m.kind,
                    via: m.via,
                    action: m.action,
                    resource: m.resource,
                    resource_account: m.resource_account,
                    time,
                    outcome: m.outcome,
                    context: Vec::new(),
                    location,
                });
            }
            Err(reason) => self.unmappable(location, format, reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds() {
        let now = parse_date("2026-03-10T00:00:00Z").unwrap();
        assert_eq!(
            parse_time_bound("2026-03-01", now).unwrap(),
            parse_date("2026-03-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse_time_bound("9d", now).unwrap(),
            parse_date("2026-03-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse_time_bound("12h", now).unwrap(),
            parse_date("2026-03-09T12:00:00Z").unwrap()
        );
        assert!(parse_time_bound("yesterday", now).is_err());
        assert!(parse_time_bound("20260301", now).is_err());
        assert!(parse_time_bound("", now).is_err());
    }
}
