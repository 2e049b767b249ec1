//! Generated CloudTrail input of realistic shape, for the streaming test and
//! the ingest benchmark.

#![allow(
    dead_code,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    reason = "test and benchmark data generation over fixed tables"
)]

use std::io::{self, Write};

const USERS: [&str; 4] = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::111122223333:user/ci/dave",
    "arn:aws:iam::444455556666:user/frank",
];

const EVENTS: [(&str, &str, &str); 6] = [
    ("s3.amazonaws.com", "GetObject", "s3:GetObject"),
    ("s3.amazonaws.com", "ListObjects", "s3:ListBucket"),
    ("kms.amazonaws.com", "Decrypt", "kms:Decrypt"),
    ("sts.amazonaws.com", "AssumeRole", "sts:AssumeRole"),
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        "ec2:DescribeInstances",
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        "lambda:UpdateFunctionCode",
    ),
];

/// The action the `i`th generated record maps to.
pub fn expected_action(i: usize) -> &'static str {
    EVENTS[i % EVENTS.len()].2
}

/// One CloudTrail record (about 1.4 KB), the `i`th of a generated trail:
/// every third a role session, the rest IAM users.
pub fn cloudtrail_record(i: usize) -> String {
    let (source, name, _) = EVENTS[i % EVENTS.len()];
    let identity = if i.is_multiple_of(3) {
        format!(
            r#"{{"type":"AssumedRole","principalId":"AROAEXAMPLEID:session-{i}","arn":"arn:aws:sts::111122223333:assumed-role/app-lambda-role/session-{i}","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEKEY{i:06}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/app-lambda-role","accountId":"111122223333","userName":"app-lambda-role"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"2026-03-02T09:00:00Z","mfaAuthenticated":"false"}}}}}}"#
        )
    } else {
        let user = USERS[i % USERS.len()];
        format!(
            r#"{{"type":"IAMUser","principalId":"AIDAEXAMPLE{i:06}","arn":"{user}","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE{i:06}","userName":"{}"}}"#,
            user.rsplit('/').next().unwrap()
        )
    };
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"2026-03-02T10:{:02}:{:02}Z","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{}","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/s3api.get-object","requestParameters":{{"bucketName":"examplecorp-payments-prod","Host":"examplecorp-payments-prod.s3.us-east-1.amazonaws.com","key":"reports/q{}.csv","x-id":"GetObject"}},"responseElements":null,"additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"EXAMPLEid2/abcdefghijklmnopqrstuvwxyz0123456789=","bytesTransferredOut":1024}},"requestID":"EXAMPLE{i:010}","eventID":"00000000-0000-4000-8000-{i:012}","readOnly":true,"resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::examplecorp-payments-prod/reports/q{}.csv"}},{{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::examplecorp-payments-prod"}}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"examplecorp-payments-prod.s3.us-east-1.amazonaws.com"}}}}"#,
        (i / 60) % 60,
        i % 60,
        i % 250 + 1,
        i % 4 + 1,
        i % 4 + 1,
    )
}

/// Writes a `{"Records": [...]}` file of at least `min_bytes`; returns the
/// number of records written.
pub fn write_cloudtrail(w: &mut impl Write, min_bytes: usize) -> io::Result<usize> {
    w.write_all(b"{\"Records\":[")?;
    let mut written = 12;
    let mut i = 0;
    while written < min_bytes {
        if i > 0 {
            w.write_all(b",")?;
            written += 1;
        }
        let r = cloudtrail_record(i);
        w.write_all(r.as_bytes())?;
        written += r.len();
        i += 1;
    }
    w.write_all(b"]}")?;
    Ok(i)
}

/// One line per usage, unmappable and malformed record, then the counts: the
/// text the fixture snapshots hold.
pub fn render(records: &[iamx_usage::UsageRecord], stats: &iamx_usage::Stats) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for r in records {
        let l = &r.location;
        write!(
            out,
            "{}:{} #{} {} {}",
            l.line, l.column, l.record, r.outcome, r.principal
        )
        .unwrap();
        if let Some(via) = &r.via {
            write!(out, " (via {via})").unwrap();
        }
        write!(out, " {} on {}", r.action, r.resource_or_star()).unwrap();
        if let Some(t) = r.time {
            write!(out, " at {}", iamx_model::value::format_date(t)).unwrap();
        }
        for (k, v) in &r.context {
            write!(out, " {k}={v}").unwrap();
        }
        out.push('\n');
    }
    for u in &stats.unmappable_records {
        let l = &u.location;
        writeln!(
            out,
            "{}:{} #{} unmappable: {}",
            l.line, l.column, l.record, u.reason
        )
        .unwrap();
    }
    for m in &stats.malformed_records {
        let l = &m.location;
        writeln!(
            out,
            "{}:{} #{} malformed: {}",
            l.line, l.column, l.record, m.message
        )
        .unwrap();
    }
    write!(
        out,
        "records {}, mapped {}, usages {}, unmappable {}, malformed {}, skipped by date {}, bytes {}",
        stats.records,
        stats.mapped,
        stats.usages,
        stats.unmappable,
        stats.malformed,
        stats.skipped_by_date,
        stats.bytes
    )
    .unwrap();
    out
}
