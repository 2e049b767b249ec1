//! Concrete evaluation throughput: one decision of `iamx_model::evaluate` for
//! a caller with 10 attached identity policies of 10 statements each.
//!
//! The statements are the kind real accounts hold: literal actions,
//! `service:Get*` wildcards, ARNs with wildcards and policy variables,
//! conditions on `aws:PrincipalTag/team`, `aws:SourceIp`, `aws:RequestedRegion`,
//! `aws:MultiFactorAuthPresent`, `aws:CurrentTime`, and a `Deny` with
//! `NotAction`. Two programs: identity policies alone, and the same with a
//! three-level SCP path, a permissions boundary and a bucket policy. Each
//! iteration decides the same 64 varied requests (hits and misses, same- and
//! cross-account, several principals), so throughput is in decisions.
//!
//! Target: at least 500,000 decisions per second on one core.
//!
//! Before measuring, the outcome counts under each program are printed; with
//! `IAMX_BENCH_VERBOSE=1` every request's outcome is listed too
//! (`cargo bench -p iamx-benches --bench eval -- nomatch` prints them without
//! running the measurements).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text};
use iamx_model::{AwsProgram, Context, OrgLevel, Outcome, Policy, Request, Value, evaluate};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const ACCOUNT: &str = "111122223333";
const OTHER_ACCOUNT: &str = "444455556666";

/// A service, a resource ARN prefix (up to the resource part), and four of
/// its actions.
struct Service {
    prefix: &'static str,
    arn: &'static str,
    actions: [&'static str; 4],
}

const SERVICES: [Service; 10] = [
    Service {
        prefix: "s3",
        arn: "arn:aws:s3:::",
        actions: ["GetObject", "PutObject", "DeleteObject", "ListBucket"],
    },
    Service {
        prefix: "dynamodb",
        arn: "arn:aws:dynamodb:us-east-1:111122223333:table/",
        actions: ["GetItem", "PutItem", "DeleteItem", "Query"],
    },
    Service {
        prefix: "ec2",
        arn: "arn:aws:ec2:us-east-1:111122223333:instance/",
        actions: [
            "DescribeInstances",
            "StartInstances",
            "StopInstances",
            "TerminateInstances",
        ],
    },
    Service {
        prefix: "lambda",
        arn: "arn:aws:lambda:us-east-1:111122223333:function:",
        actions: [
            "GetFunction",
            "InvokeFunction",
            "UpdateFunctionCode",
            "DeleteFunction",
        ],
    },
    Service {
        prefix: "sqs",
        arn: "arn:aws:sqs:us-east-1:111122223333:",
        actions: [
            "GetQueueAttributes",
            "SendMessage",
            "ReceiveMessage",
            "DeleteQueue",
        ],
    },
    Service {
        prefix: "sns",
        arn: "arn:aws:sns:us-east-1:111122223333:",
        actions: ["GetTopicAttributes", "Publish", "Subscribe", "DeleteTopic"],
    },
    Service {
        prefix: "kms",
        arn: "arn:aws:kms:us-east-1:111122223333:key/",
        actions: ["DescribeKey", "Decrypt", "Encrypt", "ScheduleKeyDeletion"],
    },
    Service {
        prefix: "logs",
        arn: "arn:aws:logs:us-east-1:111122223333:log-group:",
        actions: [
            "GetLogEvents",
            "PutLogEvents",
            "CreateLogStream",
            "DeleteLogGroup",
        ],
    },
    Service {
        prefix: "secretsmanager",
        arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:",
        actions: [
            "GetSecretValue",
            "PutSecretValue",
            "DescribeSecret",
            "DeleteSecret",
        ],
    },
    Service {
        prefix: "cloudwatch",
        arn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:",
        actions: [
            "GetMetricData",
            "PutMetricAlarm",
            "DescribeAlarms",
            "DeleteAlarms",
        ],
    },
];

/// The service at `i` modulo the table's length.
fn service(i: usize) -> &'static Service {
    SERVICES.get(i % SERVICES.len()).unwrap_or(&SERVICES[0])
}

/// The `j`th action of `s` (modulo 4), as `prefix:Name`.
fn action(s: &Service, j: usize) -> String {
    let name = s.actions.get(j % s.actions.len()).copied().unwrap_or("Get");
    format!("{}:{name}", s.prefix)
}

/// One identity policy of 10 statements, varied by `i`.
fn identity_policy_text(i: usize) -> String {
    let s = service(i);
    let o = service(i + 3);
    let (p, arn) = (s.prefix, s.arn);
    let (op, oarn) = (o.prefix, o.arn);
    let (a0, a1, a2, a3) = (action(s, 0), action(s, 1), action(s, 2), action(s, 3));
    let (oa0, oa1) = (action(o, 0), action(o, 1));
    let team = i % 3;
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{"Sid": "Literal", "Effect": "Allow", "Action": ["{a0}", "{a1}"],
      "Resource": ["{arn}app-{i}-*", "{arn}app-{i}-*/*", "{arn}shared-{i}"]}},
    {{"Sid": "ReadWildcards", "Effect": "Allow", "Action": ["{p}:Get*", "{p}:List*", "{p}:Describe*"],
      "Resource": "*"}},
    {{"Sid": "TeamTag", "Effect": "Allow", "Action": "{a2}", "Resource": "{arn}*",
      "Condition": {{"StringEquals": {{"aws:PrincipalTag/team": "team-{team}"}}}}}},
    {{"Sid": "OfficeIp", "Effect": "Allow", "Action": ["{p}:Put*", "{p}:Create*", "{p}:Update*"],
      "Resource": "{arn}*",
      "Condition": {{"IpAddress": {{"aws:SourceIp": ["10.0.0.0/8", "192.168.{i}.0/24", "2001:db8::/32"]}}}}}},
    {{"Sid": "DenyOutsideRegions", "Effect": "Deny",
      "NotAction": ["iam:*", "sts:*", "support:*", "cloudfront:*", "route53:*", "organizations:*"],
      "Resource": "*",
      "Condition": {{"StringNotEquals": {{"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}}}},
    {{"Sid": "HomePrefix", "Effect": "Allow", "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::home-bucket-{i}",
      "Condition": {{"StringLike": {{"s3:prefix": ["home/${{aws:username}}/*", "shared/*"]}}}}}},
    {{"Sid": "HomeObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::home-bucket-{i}/home/${{aws:username}}/*"}},
    {{"Sid": "DenyDeleteWithoutMfa", "Effect": "Deny", "Action": ["{p}:Delete*", "{a3}"],
      "Resource": "*",
      "Condition": {{"BoolIfExists": {{"aws:MultiFactorAuthPresent": "false"}}}}}},
    {{"Sid": "OtherServiceRead", "Effect": "Allow", "Action": ["{op}:Get*", "{op}:Describe*", "{oa0}"],
      "Resource": ["{oarn}*"],
      "Condition": {{"DateGreaterThan": {{"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
                    "DateLessThan": {{"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}}}},
    {{"Sid": "ResourceTagMatch", "Effect": "Allow", "Action": ["{a1}", "{a2}", "{oa1}"],
      "Resource": "*",
      "Condition": {{"StringEquals": {{"aws:ResourceTag/team": "${{aws:PrincipalTag/team}}"}}}}}}
  ]
}}"#
    )
}

const SCP_ROOT: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

const SCP_OU: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
  {"Sid": "RegionLock", "Effect": "Deny",
   "NotAction": ["iam:*", "sts:*", "support:*", "cloudfront:*", "route53:*", "organizations:*"],
   "Resource": "*",
   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
  {"Sid": "Guardrails", "Effect": "Deny",
   "Action": ["organizations:LeaveOrganization", "iam:CreateUser", "ec2:TerminateInstances", "kms:ScheduleKeyDeletion"],
   "Resource": "*",
   "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}}}]}"#;

const SCP_ACCOUNT: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Workloads", "Effect": "Allow",
   "Action": ["s3:*", "dynamodb:*", "ec2:*", "lambda:*", "sqs:*", "sns:*", "kms:*", "logs:*",
              "secretsmanager:*", "cloudwatch:Get*", "cloudwatch:Describe*", "cloudwatch:Put*",
              "iam:Get*", "iam:List*", "sts:*"],
   "Resource": "*"}]}"#;

const BOUNDARY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Ceiling", "Effect": "Allow",
   "Action": ["s3:*", "dynamodb:*", "ec2:Describe*", "ec2:Start*", "ec2:Stop*", "lambda:*", "sqs:*",
              "sns:*", "kms:Decrypt", "kms:Describe*", "kms:Encrypt", "logs:*",
              "secretsmanager:Get*", "secretsmanager:Describe*", "cloudwatch:*"],
   "Resource": "*"},
  {"Sid": "NoIam", "Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"}]}"#;

const BUCKET_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-0-data/*"},
  {"Sid": "AppRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
   "Action": "s3:*", "Resource": ["arn:aws:s3:::app-0-data", "arn:aws:s3:::app-0-data/*"]},
  {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::app-0-data/public/*",
   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}},
  {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
   "Resource": ["arn:aws:s3:::app-0-data", "arn:aws:s3:::app-0-data/*"],
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#;

/// Parses one policy text; any diagnostic is printed (the figures would not
/// mean much if a statement were dropped) and an unreadable policy is `None`.
fn parse(name: &str, text: &str, ptype: PolicyType) -> Option<Arc<Policy>> {
    let (p, diags) = parse_policy_text(
        name,
        text,
        PolicyOptions {
            ptype,
            actions: None,
        },
    );
    for d in &diags {
        eprintln!("{name}: {}", d.message);
    }
    p.map(Arc::new)
}

/// The 10 identity policies, or `None` (after a notice) if any does not parse.
fn identity_policies() -> Option<Vec<Arc<Policy>>> {
    (0..10)
        .map(|i| {
            parse(
                &format!("policy-{i}"),
                &identity_policy_text(i),
                PolicyType::Identity,
            )
        })
        .collect()
}

fn level(name: &str, text: &str) -> Option<OrgLevel> {
    Some(OrgLevel {
        name: name.to_owned(),
        policies: vec![parse(name, text, PolicyType::Scp)?],
    })
}

fn full(identity: Vec<Arc<Policy>>) -> Option<AwsProgram> {
    Some(AwsProgram {
        boundaries: vec![parse("boundary", BOUNDARY, PolicyType::Boundary)?],
        scps: Some(vec![
            level("r-root", SCP_ROOT)?,
            level("ou-workloads", SCP_OU)?,
            level(ACCOUNT, SCP_ACCOUNT)?,
        ]),
        resource_policy: Some(parse("bucket-policy", BUCKET_POLICY, PolicyType::Resource)?),
        ..AwsProgram::identity_only(identity)
    })
}

/// 64 varied requests: several principals, actions that hit and miss,
/// resources in and out of the policies' ARNs, contexts that satisfy some
/// conditions and not others, same- and cross-account, one with no account.
fn requests() -> Vec<Request> {
    const PRINCIPALS: [&str; 4] = [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:assumed-role/app/session-1",
        "arn:aws:iam::111122223333:role/AdminOps",
        "arn:aws:iam::444455556666:user/bob",
    ];
    const IPS: [&str; 4] = ["10.1.2.3", "203.0.113.9", "192.168.3.20", "2001:db8::5"];
    const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
    const MISSES: [&str; 4] = [
        "iam:CreateUser",
        "rds:DeleteDBInstance",
        "ec2:RunInstances",
        "sts:GetCallerIdentity",
    ];
    let pick = |xs: &[&'static str], k: u64| {
        let i = usize::try_from(k % 64).unwrap_or(0);
        xs.get(i % xs.len()).copied().unwrap_or("")
    };
    // xorshift64: deterministic, and its bits are not correlated as a
    // multiplicative hash's are
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rng = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(64);
    for k in 0..64usize {
        let principal = match iamx_aws::parse_principal(pick(&PRINCIPALS, rng())) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("notice: {e}");
                continue;
            }
        };
        let si = usize::try_from(rng() % 10).unwrap_or(0);
        let s = service(si);
        let act = match k % 8 {
            // one in four asks for something no identity policy is about
            0 | 5 => pick(&MISSES, rng()).to_owned(),
            _ => action(s, usize::try_from(rng() % 4).unwrap_or(0)),
        };
        // mostly the resources of the policy about that service
        let n = if rng() % 4 == 0 {
            rng() % 10
        } else {
            si as u64
        };
        let resource = match (s.prefix, rng() % 4) {
            ("s3", 0) => format!("arn:aws:s3:::home-bucket-{n}/home/alice/notes.txt"),
            ("s3", 1) => format!("arn:aws:s3:::app-{n}-data/reports/q1.csv"),
            (_, 0 | 1) => format!("{}app-{n}-data", s.arn),
            (_, 2) => format!("{}shared-{n}", s.arn),
            _ => format!("{}unrelated-{k}", s.arn),
        };
        let mut ctx = Context::new();
        let team = rng() % 3;
        ctx.insert("aws:PrincipalTag/team", Value::str(format!("team-{team}")));
        ctx.insert("aws:SourceIp", Value::str(pick(&IPS, rng())));
        // one request in eight outside the allowed regions
        let region = if rng() % 8 == 0 {
            "ap-southeast-2"
        } else {
            pick(&REGIONS, rng())
        };
        ctx.insert("aws:RequestedRegion", Value::str(region));
        ctx.insert(
            "aws:SecureTransport",
            Value::str(if k % 9 == 4 { "false" } else { "true" }),
        );
        ctx.insert("aws:CurrentTime", Value::str("2026-03-01T12:00:00Z"));
        if k % 2 == 0 {
            ctx.insert("aws:MultiFactorAuthPresent", Value::str("true"));
        }
        if k % 4 == 1 {
            ctx.insert(
                "aws:ResourceTag/team",
                Value::str(format!("team-{}", k % 3)),
            );
        }
        if act == "s3:ListBucket" {
            ctx.insert("s3:prefix", Value::str("home/alice/"));
        }
        let resource_account = match k {
            _ if k % 13 == 5 => None,
            _ if k % 11 == 3 => Some(OTHER_ACCOUNT.to_owned()),
            _ => Some(ACCOUNT.to_owned()),
        };
        out.push(Request {
            principal,
            action: act,
            resource,
            resource_account,
            context: ctx,
        });
    }
    out
}

/// How the requests come out under `prog`, printed once so the benchmark is
/// known to exercise every outcome.
fn outcomes(name: &str, prog: &AwsProgram, reqs: &[Request]) {
    let (mut allowed, mut denied, mut not_allowed, mut unknown, mut hits) = (0, 0, 0, 0, 0);
    let verbose = std::env::var_os("IAMX_BENCH_VERBOSE").is_some();
    for r in reqs {
        let d = evaluate(prog, r);
        if verbose {
            eprintln!(
                "  {:<18} {:<60} {:<40} {}",
                d.outcome.as_str(),
                r.principal.id,
                r.action,
                r.resource
            );
        }
        hits += d.explanation.statements.len();
        match d.outcome {
            Outcome::Allowed => allowed += 1,
            Outcome::ExplicitlyDenied => denied += 1,
            Outcome::NotAllowed => not_allowed += 1,
            Outcome::Unknown(_) => unknown += 1,
        }
    }
    eprintln!(
        "{name}: {} requests: {allowed} allowed, {denied} explicitly denied, {not_allowed} not allowed, {unknown} unknown; {hits} statement hits",
        reqs.len()
    );
}

fn eval(c: &mut Criterion) {
    let Some(identity) = identity_policies() else {
        eprintln!("notice: an identity policy does not parse: skipping");
        return;
    };
    let reqs = requests();
    let n = u64::try_from(reqs.len()).unwrap_or(u64::MAX);
    let mut programs = vec![("identity_only", AwsProgram::identity_only(identity.clone()))];
    match full(identity) {
        Some(p) => programs.push(("scp_boundary_resource", p)),
        None => eprintln!("notice: an SCP, boundary or bucket policy does not parse: skipping"),
    }
    let mut g = c.benchmark_group("eval");
    g.throughput(Throughput::Elements(n));
    for (name, prog) in &programs {
        outcomes(name, prog, &reqs);
        g.bench_function(*name, |b| {
            b.iter(|| {
                for r in &reqs {
                    black_box(evaluate(black_box(prog), black_box(r)));
                }
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = eval
}
criterion_main!(benches);
