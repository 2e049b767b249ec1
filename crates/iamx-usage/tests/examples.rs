//! The example organisation's logs (`examples/logs/{aws,gcp,azure}`): every
//! file is read with zero malformed records, the mappings the examples rely
//! on are asserted, and each file's usages are snapshotted (reviewed) in a
//! one-line-per-record rendering.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a failed test"
)]

use iamx_model::PrincipalKind;
mod common;
use common::render;
use iamx_usage::{Cloud, Format, Options, Outcome, Stats, UsageRecord, read_path, read_reader};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a file of the repository, naming it by its path from the root.
fn read(rel: &str) -> (Vec<UsageRecord>, Stats) {
    let file = File::open(root().join(rel)).unwrap();
    let mut out = Vec::new();
    let stats = read_reader(file, rel, &Options::default(), &mut |r| out.push(r));
    assert_eq!(
        stats.records,
        stats.mapped + stats.unmappable + stats.malformed + stats.skipped_by_date,
        "every record is counted once"
    );
    (out, stats)
}

fn find<'a>(records: &'a [UsageRecord], principal: &str, action: &str) -> &'a UsageRecord {
    records
        .iter()
        .find(|r| r.principal == principal && r.action == action)
        .unwrap_or_else(|| panic!("no usage of {action} by {principal}"))
}

const PROD_TRAIL: &str =
    "examples/logs/aws/111122223333_CloudTrail_us-east-1_20260302T0900Z_prod.json";

#[test]
fn cloudtrail_s3_file() {
    let (records, stats) = read(PROD_TRAIL);
    assert_eq!(stats.malformed, 0);
    assert_eq!((stats.records, stats.mapped, stats.unmappable), (17, 15, 2));
    assert!(
        records
            .iter()
            .all(|r| r.cloud == Cloud::Aws && r.format == Format::CloudTrail)
    );
    let alice = "arn:aws:iam::111122223333:user/alice";
    // the exception table: ListObjects and HeadObject
    let list = find(&records, alice, "s3:ListBucket");
    assert_eq!(
        list.resource.as_deref(),
        Some("arn:aws:s3:::examplecorp-payments-prod")
    );
    assert_eq!(list.resource_account.as_deref(), Some("111122223333"));
    let heads: Vec<_> = records
        .iter()
        .filter(|r| r.principal == alice && r.action == "s3:GetObject")
        .collect();
    assert_eq!(heads.len(), 2, "GetObject and HeadObject");
    let get = heads[0];
    assert_eq!(get.location.line, 3);
    assert_eq!(get.outcome, Outcome::Allowed);
    assert!(
        get.context
            .contains(&("aws:SecureTransport", "true".into()))
    );
    assert!(
        get.context
            .contains(&("aws:RequestedRegion", "us-east-1".into()))
    );
    // denied calls
    let del = find(&records, alice, "s3:DeleteBucket");
    assert_eq!(del.outcome, Outcome::Denied("AccessDenied".into()));
    let bob = "arn:aws:iam::111122223333:user/bob";
    let run = find(&records, bob, "ec2:RunInstances");
    assert_eq!(
        run.outcome,
        Outcome::Denied("Client.UnauthorizedOperation".into())
    );
    assert_eq!(run.resource, None);
    assert_eq!(run.resource_or_star(), "*");
    assert!(
        run.context
            .contains(&("aws:RequestedRegion", "ap-southeast-2".into()))
    );
    assert!(
        run.context
            .contains(&("aws:MultiFactorAuthPresent", "true".into()))
    );
    // a role session is its role, the session kept in `via`
    let decrypt = find(
        &records,
        "arn:aws:iam::111122223333:role/payments-admin",
        "kms:Decrypt",
    );
    assert_eq!(decrypt.principal_kind, PrincipalKind::Role);
    assert_eq!(
        decrypt.via.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/payments-admin/bob")
    );
    // Lambda's versioned event names
    let dave = "arn:aws:iam::111122223333:user/ci/dave";
    find(&records, dave, "lambda:CreateFunction");
    find(&records, dave, "lambda:UpdateFunctionCode");
    find(
        &records,
        "arn:aws:iam::111122223333:user/erin",
        "cloudwatch:GetMetricData",
    );
    // the console sign-in and the service event are listed, with locations
    let reasons: Vec<String> = stats
        .unmappable_records
        .iter()
        .map(|u| {
            format!(
                "{}:{} {}",
                u.location.line,
                u.location.column,
                u.reason.summary()
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            "180:5 not authorised by an IAM policy: signin.amazonaws.com/ConsoleLogin",
            "687:5 not a call: AWS service event",
        ]
    );
    insta::assert_snapshot!("aws_prod_trail", render(&records, &stats));
}

#[test]
fn cloudtrail_compact_file_and_lookup_events() {
    let (records, stats) =
        read("examples/logs/aws/777788889999_CloudTrail_us-east-1_20260302T1100Z_security.json");
    assert_eq!((stats.records, stats.mapped, stats.malformed), (3, 3, 0));
    assert!(records.iter().all(|r| r.location.line == 1));
    let assume = find(
        &records,
        "arn:aws:iam::777788889999:user/grace",
        "sts:AssumeRole",
    );
    assert_eq!(
        assume.resource.as_deref(),
        Some("arn:aws:iam::111122223333:role/cross-account-auditor")
    );
    assert_eq!(assume.resource_account.as_deref(), Some("111122223333"));
    insta::assert_snapshot!("aws_security_trail", render(&records, &stats));

    let (records, stats) = read("examples/logs/aws/lookup-events-dev.json");
    assert_eq!((stats.records, stats.mapped, stats.unmappable), (5, 4, 1));
    assert!(records.iter().all(|r| r.format == Format::CloudTrailLookup));
    let frank = "arn:aws:iam::444455556666:user/frank";
    find(&records, frank, "lambda:ListFunctions");
    assert!(
        find(&records, frank, "ec2:TerminateInstances")
            .outcome
            .is_denied()
    );
    assert!(matches!(
        &stats.unmappable_records[0].reason,
        iamx_usage::UnmappableReason::NotAuthorisedByIam { event, .. } if event == "sts.amazonaws.com/GetCallerIdentity"
    ));
    insta::assert_snapshot!("aws_lookup_events", render(&records, &stats));
}

#[test]
fn cloudtrail_gzip_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("trail.json.gz");
    let plain = std::fs::read(root().join(PROD_TRAIL)).unwrap();
    let mut enc = flate2_writer(File::create(&gz).unwrap());
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    let mut zipped = Vec::new();
    let stats = read_path(&gz, &Options::default(), &mut |r| zipped.push(r)).unwrap();
    let (plain_records, plain_stats) = read(PROD_TRAIL);
    assert_eq!(
        stats.bytes, plain_stats.bytes,
        "offsets count decompressed bytes"
    );
    assert_eq!(stats.mapped, plain_stats.mapped);
    let strip = |v: &[UsageRecord]| -> Vec<(String, String, u64, u64)> {
        v.iter()
            .map(|r| {
                (
                    r.principal.clone(),
                    r.action.clone(),
                    r.location.line,
                    r.location.offset,
                )
            })
            .collect()
    };
    assert_eq!(strip(&zipped), strip(&plain_records));
}

fn flate2_writer(f: File) -> flate2::write::GzEncoder<File> {
    flate2::write::GzEncoder::new(f, flate2::Compression::default())
}

#[test]
fn gcp_audit_logs() {
    let (records, stats) = read("examples/logs/gcp/gcloud-logging-read.json");
    assert_eq!((stats.records, stats.mapped, stats.malformed), (7, 7, 0));
    assert!(records.iter().all(|r| r.cloud == Cloud::Gcp));
    let ava = "user:ava@example.com";
    let get = find(&records, ava, "resourcemanager.projects.getIamPolicy");
    assert_eq!(
        get.resource.as_deref(),
        Some("//cloudresourcemanager.googleapis.com/projects/payments-prod")
    );
    assert_eq!(get.outcome, Outcome::Allowed);
    // `granted` left out (proto3 JSON) is a denial
    let set = find(&records, ava, "resourcemanager.projects.setIamPolicy");
    assert_eq!(set.outcome, Outcome::Denied("PERMISSION_DENIED".into()));
    let ana: Vec<_> = records
        .iter()
        .filter(|r| r.principal == "user:ana@example.com")
        .map(|r| (r.resource.as_deref().unwrap(), r.outcome.is_allowed()))
        .collect();
    assert_eq!(
        ana,
        vec![
            (
                "//storage.googleapis.com/projects/_/buckets/analytics-dev-reports/objects/shared/q1.csv",
                true
            ),
            (
                "//storage.googleapis.com/projects/_/buckets/analytics-dev-reports/objects/raw/events.json",
                false
            ),
        ]
    );
    // token minting is named under iam.googleapis.com
    let token = find(
        &records,
        "user:dev@example.com",
        "iam.serviceAccounts.getAccessToken",
    );
    assert_eq!(
        token.resource.as_deref(),
        Some("//iam.googleapis.com/projects/-/serviceAccounts/100000000000000000001")
    );
    // impersonation: the service account acts, dev is `via`
    let sa = "serviceAccount:ci-runner@analytics-dev.iam.gserviceaccount.com";
    let owner = find(&records, sa, "resourcemanager.projects.setIamPolicy");
    assert_eq!(owner.via.as_deref(), Some("user:dev@example.com"));
    assert_eq!(owner.principal_kind, PrincipalKind::Service);
    insta::assert_snapshot!("gcp_logging_read", render(&records, &stats));

    let (records, stats) =
        read("examples/logs/gcp/cloudaudit.googleapis.com_activity_20260302.ndjson");
    assert_eq!(
        (stats.records, stats.mapped, stats.usages, stats.unmappable),
        (5, 4, 6, 1)
    );
    // one entry, three permission checks
    assert_eq!(records.iter().filter(|r| r.location.line == 3).count(), 3);
    let u = &stats.unmappable_records[0];
    assert_eq!((u.location.line, u.location.column), (4, 1));
    assert_eq!(u.reason, iamx_usage::UnmappableReason::NoPermission);
    assert!(
        find(
            &records,
            "user:pat@example.com",
            "iam.serviceAccountKeys.create"
        )
        .outcome
        .is_denied()
    );
    insta::assert_snapshot!("gcp_sink_ndjson", render(&records, &stats));
}

#[test]
fn azure_activity_log() {
    let (records, stats) = read("examples/logs/azure/activity-log-prod.json");
    assert_eq!((stats.records, stats.mapped, stats.unmappable), (10, 9, 1));
    let bob = "22222222-bbbb-4bbb-8bbb-222222222222";
    let restart: Vec<_> = records
        .iter()
        .filter(|r| r.principal == bob && r.action.ends_with("restart/action"))
        .collect();
    assert_eq!(restart.len(), 2, "Started and Succeeded");
    assert!(restart.iter().all(|r| r.outcome.is_allowed()));
    assert_eq!(restart[0].via.as_deref(), Some("bob@example.com"));
    assert_eq!(restart[0].principal_kind, PrincipalKind::User);
    assert_eq!(
        restart[0].resource_account.as_deref(),
        Some("a1b2c3d4-0001-4000-8000-00000000a001")
    );
    let delete = find(&records, bob, "Microsoft.Compute/virtualMachines/delete");
    assert_eq!(
        delete.outcome,
        Outcome::Denied("AuthorizationFailed".into())
    );
    let frank = "99999999-9999-4999-8999-999999999999";
    assert_eq!(
        find(&records, frank, "Microsoft.Storage/storageAccounts/delete").outcome,
        Outcome::Denied("DenyAssignmentAuthorizationFailed".into())
    );
    assert_eq!(
        find(&records, frank, "Microsoft.Compute/virtualMachines/write").outcome,
        Outcome::Failed("Conflict".into())
    );
    assert_eq!(
        stats.unmappable_records[0].reason.summary(),
        "not a call: an Azure `Policy` event"
    );
    insta::assert_snapshot!("azure_activity_log", render(&records, &stats));
}

#[test]
fn whole_directory() {
    let mut records = Vec::new();
    let stats = read_path(
        &root().join("examples/logs"),
        &Options::default(),
        &mut |r| records.push(r),
    )
    .unwrap();
    assert_eq!(stats.files, 6);
    assert_eq!(stats.malformed, 0);
    assert_eq!(stats.records, 47);
    assert_eq!(stats.usages as usize, records.len());
    let per = |f: Format| stats.by_format.get(&f).copied().unwrap_or(0);
    assert_eq!(
        (
            per(Format::CloudTrail),
            per(Format::CloudTrailLookup),
            per(Format::GcpAuditLog),
            per(Format::AzureActivityLog)
        ),
        (20, 5, 12, 10)
    );
    // --since drops records before a time, counted
    let since = iamx_usage::parse_time_bound("2026-03-02T12:00:00Z", 0).unwrap();
    let opts = Options {
        since: Some(since),
        ..Options::default()
    };
    let mut late = Vec::new();
    let s = read_path(&root().join("examples/logs"), &opts, &mut |r| late.push(r)).unwrap();
    assert!(late.iter().all(|r| r.time.unwrap() >= since));
    assert_eq!(s.records, stats.records);
    assert_eq!(s.skipped_by_date, 31);
    assert_eq!(
        s.records,
        s.mapped + s.unmappable + s.malformed + s.skipped_by_date
    );
}

#[test]
fn requests_carry_what_the_log_tells() {
    let (records, _) = read(PROD_TRAIL);
    let r = find(
        &records,
        "arn:aws:iam::111122223333:role/app-lambda-role",
        "s3:GetObject",
    );
    let req = r.to_request();
    assert_eq!(req.principal.kind, PrincipalKind::Role);
    assert_eq!(req.principal.account.as_deref(), Some("111122223333"));
    assert_eq!(
        req.principal.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/app-lambda-role")
    );
    assert_eq!(
        req.resource,
        "arn:aws:s3:::examplecorp-payments-prod/reports/q3.csv"
    );
    assert_eq!(
        req.context
            .get("aws:CurrentTime")
            .map(|v| v.values()[0].as_string().into_owned()),
        Some("2026-03-02T10:07:44Z".to_owned())
    );
    assert!(req.context.get("aws:SourceIp").is_some());
    let (records, _) = read("examples/logs/gcp/gcloud-logging-read.json");
    let req = records[0].to_request();
    assert_eq!(req.principal.id, "user:ava@example.com");
    assert_eq!(req.principal.name.as_deref(), Some("ava@example.com"));
    assert!(req.context.get("request.time").is_some());
}

#[test]
fn sniff_tells_logs_from_policy_inputs() {
    let logs = [
        (PROD_TRAIL, Format::CloudTrail),
        (
            "examples/logs/aws/lookup-events-dev.json",
            Format::CloudTrailLookup,
        ),
        (
            "examples/logs/gcp/gcloud-logging-read.json",
            Format::GcpAuditLog,
        ),
        (
            "examples/logs/gcp/cloudaudit.googleapis.com_activity_20260302.ndjson",
            Format::GcpAuditLog,
        ),
        (
            "examples/logs/azure/activity-log-prod.json",
            Format::AzureActivityLog,
        ),
    ];
    for (file, format) in logs {
        assert_eq!(
            iamx_usage::sniff_path(&root().join(file)),
            Some(format),
            "{file}"
        );
    }
    for dir in [
        "examples/aws",
        "examples/gcp",
        "examples/azure",
        "examples/gcp/roles",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                assert_eq!(iamx_usage::sniff_path(&p), None, "{}", p.display());
            }
        }
    }
}
