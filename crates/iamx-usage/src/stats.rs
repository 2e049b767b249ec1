//! What a read saw: counts, and the records that gave no usage, with where
//! and why.

use crate::record::{Format, Location};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Why a well-formed record gives no usage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum UnmappableReason {
    /// Not a CloudTrail event, GCP audit log entry or Azure activity log
    /// event.
    UnknownFormat,
    /// The event is not a call an IAM policy authorises (console sign-in,
    /// `AssumeRoleWithSAML`, `GetCallerIdentity`, …); from the exception
    /// table.
    NotAuthorisedByIam {
        /// `eventSource` / `eventName`.
        event: String,
        /// Why, from the table.
        why: String,
    },
    /// Not a call at all: an AWS service or Insights event, an Azure event of
    /// another category than `Administrative` (Policy, ServiceHealth, …), a
    /// GCP log entry that is not an audit log.
    NotACall {
        /// What it is.
        kind: String,
    },
    /// The record names no caller.
    NoCaller,
    /// The caller has no identity iamx can hold permissions against: AWS
    /// `AWSAccount` (a caller in another account whose identity is not
    /// logged), `Unknown`, an Identity Center user; an ARN that does not
    /// parse.
    UnknownCaller {
        /// The identity type or text as logged.
        caller: String,
    },
    /// A field the mapping needs is absent.
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// An AWS `eventSource` that is not `SERVICE.amazonaws.com` and is not in
    /// the exception table.
    UnknownEventSource {
        /// The event source.
        source: String,
    },
    /// A GCP entry whose `authorizationInfo` carries no permission.
    NoPermission,
}

impl UnmappableReason {
    /// A short text without the record's particulars, to count reasons by.
    pub fn summary(&self) -> String {
        match self {
            UnmappableReason::NotAuthorisedByIam { event, .. } => {
                format!("not authorised by an IAM policy: {event}")
            }
            UnmappableReason::NotACall { kind } => format!("not a call: {kind}"),
            UnmappableReason::UnknownCaller { .. } => "caller without an IAM identity".into(),
            UnmappableReason::UnknownEventSource { .. } => "unknown event source".into(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for UnmappableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnmappableReason::UnknownFormat => f.write_str(
                "not a CloudTrail event, GCP audit log entry or Azure activity log event",
            ),
            UnmappableReason::NotAuthorisedByIam { event, why } => {
                write!(f, "`{event}` is not authorised by an IAM policy: {why}")
            }
            UnmappableReason::NotACall { kind } => write!(f, "not a call: {kind}"),
            UnmappableReason::NoCaller => f.write_str("the record names no caller"),
            UnmappableReason::UnknownCaller { caller } => {
                write!(f, "caller `{caller}` has no identity iamx can map")
            }
            UnmappableReason::MissingField { field } => write!(f, "no `{field}`"),
            UnmappableReason::UnknownEventSource { source } => write!(
                f,
                "event source `{source}` is not `SERVICE.amazonaws.com` and not in the exception table"
            ),
            UnmappableReason::NoPermission => {
                f.write_str("`authorizationInfo` names no permission")
            }
        }
    }
}

/// A well-formed record that gives no usage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unmappable {
    /// Where.
    pub location: Location,
    /// The format it was read as.
    pub format: Format,
    /// Why.
    pub reason: UnmappableReason,
}

/// A record (or stretch of input) that is not valid JSON of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// Where: the error's line and column, the record's index and start
    /// offset.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl fmt::Display for Unmappable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// The summary of a read.
///
/// Every record is counted once:
/// `records == mapped + unmappable + malformed + skipped_by_date`.
/// A mapped record gives one usage (AWS, Azure) or one
/// per permission check it logs (GCP `authorizationInfo`), so `usages >=
/// mapped`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Files read.
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Records seen, malformed ones included.
    pub records: u64,
    /// Records that gave usage.
    pub mapped: u64,
    /// Usage records handed to the callback.
    pub usages: u64,
    /// Well-formed records that gave no usage.
    pub unmappable: u64,
    /// Records that are not valid JSON of a record.
    pub malformed: u64,
    /// Records outside the `since`/`until` window.
    pub skipped_by_date: u64,
    /// Well-formed records per detected format.
    pub by_format: BTreeMap<Format, u64>,
    /// Unmappable records per [`UnmappableReason::summary`].
    pub unmappable_by_reason: BTreeMap<String, u64>,
    /// The first unmappable records (up to [`crate::Options::max_listed`]).
    pub unmappable_records: Vec<Unmappable>,
    /// The first malformed records (up to [`crate::Options::max_listed`]).
    pub malformed_records: Vec<Malformed>,
    /// The largest read buffer held at once, in bytes: one record plus a
    /// read chunk, however large the input.
    pub max_buffer: usize,
}

impl Stats {
    /// Adds another read's counts to these; lists stay capped at `max_listed`.
    pub fn merge(&mut self, other: Stats, max_listed: usize) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.records += other.records;
        self.mapped += other.mapped;
        self.usages += other.usages;
        self.unmappable += other.unmappable;
        self.malformed += other.malformed;
        self.skipped_by_date += other.skipped_by_date;
        for (k, v) in other.by_format {
            *self.by_format.entry(k).or_default() += v;
        }
        for (k, v) in other.unmappable_by_reason {
            *self.unmappable_by_reason.entry(k).or_default() += v;
        }
        let room = max_listed.saturating_sub(self.unmappable_records.len());
        self.unmappable_records
            .extend(other.unmappable_records.into_iter().take(room));
        let room = max_listed.saturating_sub(self.malformed_records.len());
        self.malformed_records
            .extend(other.malformed_records.into_iter().take(room));
        self.max_buffer = self.max_buffer.max(other.max_buffer);
    }

    /// Whether every record was read and mapped.
    pub fn is_clean(&self) -> bool {
        self.unmappable == 0 && self.malformed == 0
    }
}
