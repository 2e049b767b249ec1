//! A synthetic organisation over the three clouds, written as the exports
//! iamx reads (`corpus/README.md`), for scaling benchmarks.
//!
//! [`generate`] builds, for `principals` principals split roughly in three,
//! about ten direct grants per principal:
//!
//! - **AWS**: an organisation (iamx organisation file: OUs, SCPs with a
//!   `NotAction` region lock and a conditional deny, RCPs), one
//!   `get-account-authorization-details` dump per account (users in groups,
//!   roles with trust policies naming roles, users, the account, other
//!   accounts and services, customer managed policies with several versions,
//!   the AWS managed policies they attach, boundaries, a few users with
//!   escalation permissions) and a resource-policy file (bucket policies,
//!   some public, some cross-account; KMS key, SQS queue and secret
//!   policies). A *grant* is a policy statement as attached: the statements
//!   of every inline or managed policy once per principal or group it is
//!   attached to, trust statements and resource-policy statements.
//! - **GCP**: Cloud Asset Inventory NDJSON (resources with `ancestors`, and
//!   IAM policies) for an organisation, folders, projects, buckets and
//!   service accounts; bindings of predefined and custom roles to users,
//!   groups and service accounts, about a tenth of them conditional; a role
//!   list (`gcloud iam roles list --view=FULL`), a groups file and deny
//!   policies. A grant is one member of one binding.
//! - **Azure**: a management-group tree (`az account management-group show
//!   --expand --recurse`), `az role definition list` (built-in roles and
//!   custom roles with `notActions`), `az role assignment list --all` at
//!   management-group, subscription, resource-group and resource scopes
//!   (a few with ABAC conditions), deny assignments (REST) and a groups file.
//!   A grant is one role assignment.
//!
//! Everything is deterministic from the seed.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Principals over the three clouds (users, roles, service accounts,
    /// service principals; groups are counted apart).
    pub principals: usize,
    /// The seed.
    pub seed: u64,
}

impl Config {
    /// `principals` principals with the default seed.
    pub fn new(principals: usize) -> Config {
        Config {
            principals,
            seed: 0x5eed_1a3c,
        }
    }
}

/// One request per cloud the benchmarks ask: a resource for who-can (with
/// an action) and a principal for what-can.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// A resource (ARN, full resource name, Azure scope).
    pub resource: String,
    /// An action on it.
    pub action: String,
    /// A principal (ARN, member, object id).
    pub principal: String,
}

/// AWS sizes.
#[derive(Clone, Debug, Default)]
pub struct AwsSummary {
    /// Accounts with a dump.
    pub accounts: usize,
    /// Users.
    pub users: usize,
    /// Roles.
    pub roles: usize,
    /// Groups.
    pub groups: usize,
    /// Distinct managed policies (customer and AWS managed).
    pub managed_policies: usize,
    /// Resource policies.
    pub resource_policies: usize,
    /// Users given escalation permissions.
    pub escalation_users: usize,
    /// Grants: statements as attached (see the module documentation).
    pub grants: usize,
}

/// GCP sizes.
#[derive(Clone, Debug, Default)]
pub struct GcpSummary {
    /// Users.
    pub users: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// Groups.
    pub groups: usize,
    /// Folders.
    pub folders: usize,
    /// Projects.
    pub projects: usize,
    /// Buckets.
    pub buckets: usize,
    /// Roles defined in the role list.
    pub roles: usize,
    /// Bindings.
    pub bindings: usize,
    /// Bindings with a condition.
    pub conditional_bindings: usize,
    /// Deny rules.
    pub deny_rules: usize,
    /// Grants: binding members.
    pub grants: usize,
}

/// Azure sizes.
#[derive(Clone, Debug, Default)]
pub struct AzureSummary {
    /// Users.
    pub users: usize,
    /// Service principals.
    pub service_principals: usize,
    /// Groups.
    pub groups: usize,
    /// Management groups.
    pub management_groups: usize,
    /// Subscriptions.
    pub subscriptions: usize,
    /// Role definitions.
    pub role_definitions: usize,
    /// Role assignments with an ABAC condition.
    pub conditional_assignments: usize,
    /// Deny assignments.
    pub deny_assignments: usize,
    /// Grants: role assignments.
    pub grants: usize,
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Principals asked for.
    pub requested: usize,
    /// AWS.
    pub aws: AwsSummary,
    /// GCP.
    pub gcp: GcpSummary,
    /// Azure.
    pub azure: AzureSummary,
    /// AWS probe.
    pub aws_probe: Probe,
    /// GCP probe.
    pub gcp_probe: Probe,
    /// Azure probe.
    pub azure_probe: Probe,
    /// Files written (relative paths) and their sizes in bytes.
    pub files: Vec<(String, usize)>,
}

impl Summary {
    /// Principals generated, over the three clouds.
    pub fn principals(&self) -> usize {
        self.aws.users
            + self.aws.roles
            + self.gcp.users
            + self.gcp.service_accounts
            + self.azure.users
            + self.azure.service_principals
    }

    /// Grants generated, over the three clouds.
    pub fn grants(&self) -> usize {
        self.aws.grants + self.gcp.grants + self.azure.grants
    }

    /// Bytes written.
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|(_, n)| n).sum()
    }

    /// A human-readable report.
    pub fn describe(&self) -> String {
        let a = &self.aws;
        let g = &self.gcp;
        let z = &self.azure;
        format!(
            "synthetic organisation: {} principals, {} grants, {} files, {:.1} MB\n\
             \x20 aws:   {} accounts, {} users, {} roles, {} groups, {} managed policies, {} resource policies, {} escalation users, {} grants (statements as attached)\n\
             \x20 gcp:   {} users, {} service accounts, {} groups, {} folders, {} projects, {} buckets, {} roles, {} bindings ({} conditional), {} deny rules, {} grants (binding members)\n\
             \x20 azure: {} users, {} service principals, {} groups, {} management groups, {} subscriptions, {} role definitions, {} assignments ({} conditional), {} deny assignments",
            self.principals(),
            self.grants(),
            self.files.len(),
            self.bytes() as f64 / 1e6,
            a.accounts,
            a.users,
            a.roles,
            a.groups,
            a.managed_policies,
            a.resource_policies,
            a.escalation_users,
            a.grants,
            g.users,
            g.service_accounts,
            g.groups,
            g.folders,
            g.projects,
            g.buckets,
            g.roles,
            g.bindings,
            g.conditional_bindings,
            g.deny_rules,
            g.grants,
            z.users,
            z.service_principals,
            z.groups,
            z.management_groups,
            z.subscriptions,
            z.role_definitions,
            z.grants,
            z.conditional_assignments,
            z.deny_assignments,
        )
    }
}

// ---- deterministic randomness ------------------------------------------

/// SplitMix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element, or `None` for an empty slice.
    pub fn pick<'a, T>(&mut self, s: &'a [T]) -> Option<&'a T> {
        let i = self.below(s.len());
        s.get(i)
    }

    /// One element of a non-empty list of strings (`""` for an empty one).
    pub fn pick_str<'a>(&mut self, s: &[&'a str]) -> &'a str {
        self.pick(s).copied().unwrap_or("")
    }

    /// A lowercase hexadecimal string of `n` digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(n);
        s
    }

    /// A random (version 4) GUID.
    pub fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + ((b >> 62) & 3),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// An IAM unique id: a prefix (`AIDA`, `AROA`, …) and 17 characters.
    pub fn iam_id(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut s = prefix.to_owned();
        let mut x = self.next_u64();
        for i in 0..17 {
            if i == 12 {
                x = self.next_u64();
            }
            let c = ALPHABET.get((x & 31) as usize).copied().unwrap_or(b'A');
            s.push(char::from(c));
            x >>= 5;
        }
        s
    }

    /// A timestamp in 2021–2025, as the CLIs print them.
    pub fn date(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
            self.range(2021, 2025),
            self.range(1, 12),
            self.range(1, 28),
            self.range(0, 23),
            self.range(0, 59),
            self.range(0, 59)
        )
    }
}

const TEAMS: [&str; 12] = [
    "payments",
    "platform",
    "data",
    "ml",
    "web",
    "mobile",
    "security",
    "sre",
    "analytics",
    "identity",
    "billing",
    "search",
];
const FIRST: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken",
    "laura", "mallory", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "uma",
    "victor", "wendy", "yusuf",
];
const LAST: [&str; 16] = [
    "kim", "smith", "garcia", "nguyen", "mueller", "rossi", "tanaka", "silva", "cohen", "okafor",
    "larsen", "dubois", "novak", "patel", "ivanova", "murphy",
];

fn person(i: usize) -> String {
    let f = FIRST.get(i % FIRST.len()).copied().unwrap_or("user");
    let l = LAST
        .get((i / FIRST.len()) % LAST.len())
        .copied()
        .unwrap_or("x");
    format!("{f}.{l}{i}")
}

fn team(i: usize) -> &'static str {
    TEAMS.get(i % TEAMS.len()).copied().unwrap_or("core")
}

fn pretty(v: &Value) -> io::Result<String> {
    serde_json::to_string_pretty(v).map_err(io::Error::other)
}

/// A JSON array written item by item (so a huge file never exists as one
/// `Value`): `[`, the items pretty-printed, `]`.
#[derive(Default)]
struct ArrayWriter {
    out: String,
    n: usize,
}

impl ArrayWriter {
    fn push(&mut self, v: &Value) -> io::Result<()> {
        self.out.push_str(if self.n == 0 { "[\n" } else { ",\n" });
        self.out.push_str(&pretty(v)?);
        self.n += 1;
        Ok(())
    }

    fn finish(mut self) -> String {
        if self.n == 0 {
            self.out.push('[');
        }
        self.out.push_str("\n]\n");
        self.out
    }
}

/// Where generated files go: (relative path, content).
pub type Sink<'a> = dyn FnMut(&str, String) -> io::Result<()> + 'a;

// ---- AWS ----------------------------------------------------------------

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const MGMT_ACCOUNT: &str = "999900000001";
const ORG_ID: &str = "o-synth12345";
const EXTERNAL_ACCOUNT: &str = "888877776666";

fn aws_account(i: usize) -> String {
    format!("{}", 210_000_000_000u64 + (i as u64) * 1_000_003)
}

/// One account's named resources, for statements to point at.
struct AwsAccount {
    id: String,
    name: String,
    ou: usize,
    buckets: Vec<String>,
    tables: Vec<String>,
    queues: Vec<String>,
    topics: Vec<String>,
    keys: Vec<String>,
    secrets: Vec<String>,
}

impl AwsAccount {
    fn new(i: usize, principals: usize, rng: &mut Rng) -> AwsAccount {
        let id = aws_account(i);
        let ou = if i == 0 { 0 } else { 1 + (i - 1) % 3 };
        let env = ["security", "prod", "dev", "sandbox"]
            .get(ou)
            .copied()
            .unwrap_or("dev");
        let name = if i == 0 {
            "security-audit".to_owned()
        } else {
            format!("{}-{env}-{i}", team(i))
        };
        let nb = (principals / 10).max(3);
        let buckets = (0..nb)
            .map(|k| format!("acme-{}-{env}-{i}-{}", team(k + i), rng.hex(4)))
            .collect();
        let tables = (0..(principals / 25).max(2))
            .map(|k| {
                format!(
                    "arn:aws:dynamodb:us-east-1:{id}:table/{}-{}",
                    team(k + i),
                    ["orders", "sessions", "ledger", "events", "profiles"]
                        .get(k % 5)
                        .copied()
                        .unwrap_or("t")
                )
            })
            .collect();
        let queues = (0..3)
            .map(|k| format!("arn:aws:sqs:us-east-1:{id}:{}-jobs", team(k + i)))
            .collect();
        let topics = (0..2)
            .map(|k| format!("arn:aws:sns:us-east-1:{id}:{}-alerts", team(k + i)))
            .collect();
        let keys = (0..2)
            .map(|_| {
                format!(
                    "arn:aws:kms:us-east-1:{id}:key/{}-{}-{}-{}-{}",
                    rng.hex(8),
                    rng.hex(4),
                    rng.hex(4),
                    rng.hex(4),
                    rng.hex(12)
                )
            })
            .collect();
        let secrets = (0..2)
            .map(|k| {
                format!(
                    "arn:aws:secretsmanager:us-east-1:{id}:secret:{}/db-credentials-{}",
                    team(k + i),
                    rng.hex(6)
                )
            })
            .collect();
        AwsAccount {
            id,
            name,
            ou,
            buckets,
            tables,
            queues,
            topics,
            keys,
            secrets,
        }
    }

    fn bucket(&self, rng: &mut Rng) -> String {
        rng.pick(&self.buckets)
            .cloned()
            .unwrap_or_else(|| "acme-none".to_owned())
    }
}

fn any_of<'a>(rng: &mut Rng, v: &'a [String]) -> &'a str {
    rng.pick(v).map_or("*", String::as_str)
}

/// One identity-policy statement of a realistic kind.
fn aws_statement(acct: &AwsAccount, rng: &mut Rng, sid: usize) -> Value {
    let id = &acct.id;
    let sid = format!("S{sid}");
    match rng.below(16) {
        0 | 1 => {
            let b = acct.bucket(rng);
            json!({"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                   "Resource": [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")]})
        }
        2 => {
            let b = acct.bucket(rng);
            json!({"Sid": sid, "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
                   "Resource": format!("arn:aws:s3:::{b}/teams/${{aws:PrincipalTag/team}}/*")})
        }
        3 => {
            let svc = rng.pick_str(&["ec2", "logs", "cloudwatch", "sqs", "sns", "dynamodb", "ssm"]);
            json!({"Sid": sid, "Effect": "Allow", "Action": format!("{svc}:*"), "Resource": "*"})
        }
        4 => json!({"Sid": sid, "Effect": "Allow",
                    "Action": ["ec2:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Describe*", "logs:FilterLogEvents"],
                    "Resource": "*"}),
        5 => {
            let t = any_of(rng, &acct.tables);
            json!({"Sid": sid, "Effect": "Allow",
                   "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DescribeTable"],
                   "Resource": [t, format!("{t}/index/*")]})
        }
        6 => {
            let q = any_of(rng, &acct.queues);
            json!({"Sid": sid, "Effect": "Allow",
                   "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": q})
        }
        7 => {
            json!({"Sid": sid, "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    "Resource": format!("arn:aws:secretsmanager:us-east-1:{id}:secret:*"),
                    "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}})
        }
        8 => {
            let k = any_of(rng, &acct.keys);
            json!({"Sid": sid, "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": k,
                   "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})
        }
        9 => {
            let t = team(rng.below(TEAMS.len()));
            json!({"Sid": sid, "Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
                   "Resource": format!("arn:aws:lambda:us-east-1:{id}:function:{t}-*")})
        }
        10 => {
            let t = team(rng.below(TEAMS.len()));
            json!({"Sid": sid, "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                   "Resource": format!("arn:aws:ssm:us-east-1:{id}:parameter/{t}/*")})
        }
        11 => {
            let b = acct.bucket(rng);
            json!({"Sid": sid, "Effect": "Allow", "Action": "s3:*",
                   "Resource": [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")],
                   "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}}})
        }
        12 => json!({"Sid": sid, "Effect": "Allow",
                     "Action": ["ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances"],
                     "Resource": "*",
                     "Condition": {"StringEquals": {"aws:RequestedRegion": REGIONS}}}),
        13 => {
            json!({"Sid": sid, "Effect": "Deny", "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable"], "Resource": "*"})
        }
        14 => {
            let t = team(rng.below(TEAMS.len()));
            json!({"Sid": sid, "Effect": "Allow", "Action": "sts:AssumeRole",
                   "Resource": format!("arn:aws:iam::{id}:role/ops-{t}-*")})
        }
        _ => {
            let tp = any_of(rng, &acct.topics);
            json!({"Sid": sid, "Effect": "Allow", "Action": ["sns:Publish", "sns:Subscribe"], "Resource": tp,
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
        }
    }
}

fn policy_doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn aws_statements(acct: &AwsAccount, rng: &mut Rng, lo: usize, hi: usize) -> Vec<Value> {
    let n = rng.range(lo, hi);
    (0..n).map(|k| aws_statement(acct, rng, k)).collect()
}

/// The AWS managed policies the dumps carry (shortened documents).
fn aws_managed() -> Vec<(&'static str, Value)> {
    vec![
        (
            "AdministratorAccess",
            policy_doc(vec![
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ]),
        ),
        (
            "PowerUserAccess",
            policy_doc(vec![
                json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}),
                json!({"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"], "Resource": "*"}),
            ]),
        ),
        (
            "ReadOnlyAccess",
            policy_doc(vec![json!({"Effect": "Allow", "Action": [
                "cloudformation:Describe*", "cloudformation:List*", "cloudtrail:Describe*", "cloudtrail:LookupEvents",
                "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "dynamodb:Describe*", "dynamodb:List*",
                "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "ec2:Describe*", "ec2:Get*", "glue:Get*",
                "iam:Get*", "iam:List*", "kms:Describe*", "kms:List*", "lambda:Get*", "lambda:List*", "logs:Describe*",
                "logs:Get*", "logs:FilterLogEvents", "s3:Get*", "s3:List*", "sns:Get*", "sns:List*", "sqs:Get*",
                "sqs:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*"], "Resource": "*"})]),
        ),
        (
            "SecurityAudit",
            policy_doc(vec![json!({"Effect": "Allow", "Action": [
                "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "ec2:Describe*", "iam:Get*", "iam:List*",
                "kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListKeys", "lambda:GetPolicy", "lambda:ListFunctions",
                "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:ListAllMyBuckets", "sns:GetTopicAttributes",
                "sqs:GetQueueAttributes", "organizations:Describe*", "organizations:List*"], "Resource": "*"})]),
        ),
        (
            "AmazonS3ReadOnlyAccess",
            policy_doc(vec![
                json!({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}),
            ]),
        ),
    ]
}

fn statements_of(doc: &Value) -> usize {
    doc.get("Statement")
        .and_then(Value::as_array)
        .map_or(1, Vec::len)
}

fn attached(arns: &[String]) -> Value {
    Value::Array(
        arns.iter()
            .map(|a| {
                let name = a.rsplit('/').next().unwrap_or(a);
                json!({"PolicyName": name, "PolicyArn": a})
            })
            .collect(),
    )
}

fn inline(owner: &str, docs: Vec<Value>) -> Value {
    Value::Array(
        docs.into_iter()
            .enumerate()
            .map(|(k, d)| json!({"PolicyName": format!("{owner}-inline-{k}"), "PolicyDocument": d}))
            .collect(),
    )
}

fn trust(principal: Value, condition: Option<Value>) -> Value {
    let mut st = json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"});
    if let (Some(c), Some(o)) = (condition, st.as_object_mut()) {
        o.insert("Condition".into(), c);
    }
    policy_doc(vec![st])
}

fn generate_aws(n: usize, rng: &mut Rng, sink: &mut Sink<'_>) -> io::Result<(AwsSummary, Probe)> {
    let mut s = AwsSummary::default();
    let accounts_n = (n / 300).max(3);
    s.accounts = accounts_n;
    let per_account: Vec<usize> = (0..accounts_n)
        .map(|i| n / accounts_n + usize::from(i < n % accounts_n))
        .collect();
    let accounts: Vec<AwsAccount> = per_account
        .iter()
        .enumerate()
        .map(|(i, p)| AwsAccount::new(i, *p, rng))
        .collect();
    let managed = aws_managed();
    let managed_statements: BTreeMap<String, usize> = managed
        .iter()
        .map(|(name, doc)| {
            (
                format!("arn:aws:iam::aws:policy/{name}"),
                statements_of(doc),
            )
        })
        .collect();
    s.managed_policies = managed.len();
    let security = aws_account(0);
    let mut probe = Probe::default();
    let mut user_serial = 0usize;
    for (ai, acct) in accounts.iter().enumerate() {
        let id = &acct.id;
        let p = per_account.get(ai).copied().unwrap_or(0);
        let n_users = p * 55 / 100;
        let n_roles = p - n_users;
        let mut stmt_count: BTreeMap<String, usize> = managed_statements.clone();
        // customer managed policies
        let mut policies = Vec::new();
        let mut customer: Vec<String> = Vec::new();
        let n_managed = (p / 12).max(8);
        let boundary_arn = format!("arn:aws:iam::{id}:policy/DeveloperBoundary");
        let mfa_arn = format!("arn:aws:iam::{id}:policy/ForceMFA");
        let special = [
            (
                "DeveloperBoundary",
                policy_doc(vec![
                    json!({"Sid": "Workloads", "Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "logs:*", "cloudwatch:*", "lambda:*", "ec2:*", "ssm:Get*", "kms:Decrypt", "secretsmanager:GetSecretValue", "sts:AssumeRole"], "Resource": "*"}),
                    json!({"Sid": "NoIam", "Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"}),
                ]),
            ),
            (
                "ForceMFA",
                policy_doc(vec![
                    json!({"Sid": "DenyWithoutMFA", "Effect": "Deny", "NotAction": ["iam:ChangePassword", "iam:GetUser", "iam:ListMFADevices", "iam:EnableMFADevice", "sts:GetCallerIdentity"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
                ]),
            ),
        ];
        for (name, doc) in special {
            let arn = format!("arn:aws:iam::{id}:policy/{name}");
            stmt_count.insert(arn.clone(), statements_of(&doc));
            policies.push(managed_policy_entry(&arn, name, doc, None, rng));
        }
        for k in 0..n_managed {
            let name = format!(
                "{}-{}-{k}",
                team(k + ai),
                ["access", "readers", "writers", "ops", "data"]
                    .get(k % 5)
                    .copied()
                    .unwrap_or("p")
            );
            let arn = format!("arn:aws:iam::{id}:policy/{name}");
            let doc = policy_doc(aws_statements(acct, rng, 2, 6));
            let old = rng
                .chance(0.3)
                .then(|| policy_doc(aws_statements(acct, rng, 1, 3)));
            stmt_count.insert(arn.clone(), statements_of(&doc));
            policies.push(managed_policy_entry(&arn, &name, doc, old, rng));
            customer.push(arn);
        }
        s.managed_policies += customer.len() + 2;
        for (name, doc) in &managed {
            let arn = format!("arn:aws:iam::aws:policy/{name}");
            policies.push(json!({
                "PolicyName": name, "PolicyId": rng.iam_id("ANPA"), "Arn": arn, "Path": "/",
                "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true, "CreateDate": "2015-02-06T18:39:46+00:00", "UpdateDate": rng.date(),
                "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2015-02-06T18:39:46+00:00"}]
            }));
        }
        let grants_of = |arns: &[String]| -> usize {
            arns.iter()
                .map(|a| stmt_count.get(a).copied().unwrap_or(0))
                .sum()
        };
        let pick_customer = |rng: &mut Rng, lo: usize, hi: usize| -> Vec<String> {
            let k = rng.range(lo, hi);
            let mut v: BTreeSet<String> = BTreeSet::new();
            for _ in 0..k {
                if let Some(a) = rng.pick(&customer) {
                    v.insert(a.clone());
                }
            }
            v.into_iter().collect()
        };
        // groups
        let n_groups = (n_users / 12).max(3);
        let mut groups_json = Vec::new();
        let mut group_names = Vec::new();
        for k in 0..n_groups {
            let (name, mut arns) = match k {
                0 => (
                    "admins".to_owned(),
                    vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_owned()],
                ),
                1 => (
                    "auditors".to_owned(),
                    vec![
                        "arn:aws:iam::aws:policy/SecurityAudit".to_owned(),
                        "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
                    ],
                ),
                _ => (
                    format!(
                        "{}-{}-{k}",
                        team(k + ai),
                        ["developers", "oncall", "analysts"]
                            .get(k % 3)
                            .copied()
                            .unwrap_or("g")
                    ),
                    pick_customer(rng, 1, 3),
                ),
            };
            if k >= 2 {
                arns.push(mfa_arn.clone());
                if rng.chance(0.3) {
                    arns.push("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".to_owned());
                }
            }
            let docs: Vec<Value> = if k >= 2 && rng.chance(0.3) {
                vec![policy_doc(aws_statements(acct, rng, 1, 3))]
            } else {
                Vec::new()
            };
            s.grants += grants_of(&arns) + docs.iter().map(statements_of).sum::<usize>();
            groups_json.push(json!({
                "Path": "/", "GroupName": name, "GroupId": rng.iam_id("AGPA"),
                "Arn": format!("arn:aws:iam::{id}:group/{name}"), "CreateDate": rng.date(),
                "GroupPolicyList": inline(&name, docs), "AttachedManagedPolicies": attached(&arns)
            }));
            group_names.push(name);
        }
        s.groups += n_groups;
        // users
        let mut users_json = Vec::new();
        let mut user_arns = Vec::new();
        let n_escalation = 1 + n_users / 60;
        for k in 0..n_users {
            let name = if k == 0 {
                "ci-bot".to_owned()
            } else {
                person(user_serial)
            };
            user_serial += 1;
            let arn = format!("arn:aws:iam::{id}:user/{name}");
            let ut = team(rng.below(TEAMS.len()));
            let mut gl: BTreeSet<String> = BTreeSet::new();
            if k % 97 == 5 {
                gl.insert("admins".to_owned());
            } else if k % 53 == 7 {
                gl.insert("auditors".to_owned());
            }
            for _ in 0..rng.range(1, 3) {
                if let Some(g) = group_names.get(2 + rng.below(n_groups.saturating_sub(2))) {
                    gl.insert(g.clone());
                }
            }
            let arns = pick_customer(rng, 1, 3);
            let mut docs: Vec<Value> = (0..rng.range(0, 2))
                .map(|_| policy_doc(aws_statements(acct, rng, 1, 4)))
                .collect();
            // a few users may escalate
            let escalates = k >= 1 && k <= n_escalation;
            if escalates {
                s.escalation_users += 1;
                let target = rng.pick(&customer).cloned().unwrap_or_default();
                let stmts = match k % 3 {
                    0 => vec![
                        json!({"Sid": "PassAppRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{id}:role/app-*")}),
                        json!({"Sid": "Functions", "Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionCode"], "Resource": "*"}),
                    ],
                    1 => vec![
                        json!({"Sid": "EditTeamPolicy", "Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy"], "Resource": target}),
                    ],
                    _ => vec![
                        json!({"Sid": "SelfService", "Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:GetUser"], "Resource": format!("arn:aws:iam::{id}:user/${{aws:username}}")}),
                        json!({"Sid": "OpsRoles", "Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": format!("arn:aws:iam::{id}:role/ops-*")}),
                    ],
                };
                docs.push(policy_doc(stmts));
            }
            s.grants += grants_of(&arns) + docs.iter().map(statements_of).sum::<usize>();
            let mut u = json!({
                "Path": "/", "UserName": name, "UserId": rng.iam_id("AIDA"), "Arn": arn,
                "CreateDate": rng.date(), "GroupList": gl.into_iter().collect::<Vec<_>>(),
                "AttachedManagedPolicies": attached(&arns),
                "Tags": [{"Key": "team", "Value": ut}, {"Key": "cost-center", "Value": format!("cc-{}", 4000 + rng.below(100))}]
            });
            if let Some(o) = u.as_object_mut() {
                if !docs.is_empty() {
                    o.insert("UserPolicyList".into(), inline(&name, docs));
                }
                if rng.chance(0.1) {
                    o.insert(
                        "PermissionsBoundary".into(),
                        json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn}),
                    );
                }
            }
            if ai == 1 && k == n_users / 2 {
                probe.principal = arn.clone();
            }
            users_json.push(u);
            user_arns.push(arn);
        }
        s.users += n_users;
        // roles
        let mut roles_json = Vec::new();
        let mut role_arns: Vec<String> = Vec::new();
        for k in 0..n_roles {
            let t = team(rng.below(TEAMS.len()));
            let (kind, tr) = match k % 20 {
                0..=4 => (
                    "app",
                    trust(json!({"Service": "lambda.amazonaws.com"}), None),
                ),
                5 | 6 => (
                    "ec2",
                    trust(
                        json!({"Service": rng.pick_str(&["ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"])}),
                        None,
                    ),
                ),
                7..=9 => {
                    let from = role_arns
                        .get(rng.below(role_arns.len().max(1)))
                        .cloned()
                        .unwrap_or_else(|| format!("arn:aws:iam::{id}:root"));
                    ("deploy", trust(json!({"AWS": from}), None))
                }
                10..=13 => {
                    let us: Vec<String> = (0..rng.range(1, 3))
                        .filter_map(|_| rng.pick(&user_arns).cloned())
                        .collect();
                    (
                        "ops",
                        trust(
                            json!({"AWS": us}),
                            Some(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
                        ),
                    )
                }
                14 | 15 => (
                    "readonly",
                    trust(json!({"AWS": format!("arn:aws:iam::{id}:root")}), None),
                ),
                16 => (
                    "audit",
                    trust(
                        json!({"AWS": format!("arn:aws:iam::{security}:role/audit-security-0")}),
                        None,
                    ),
                ),
                17 => (
                    "partner",
                    trust(
                        json!({"AWS": format!("arn:aws:iam::{EXTERNAL_ACCOUNT}:root")}),
                        Some(
                            json!({"StringEquals": {"sts:ExternalId": format!("ext-{}", rng.hex(10))}}),
                        ),
                    ),
                ),
                _ => {
                    let ci = format!("arn:aws:iam::{id}:user/ci-bot");
                    ("ci", trust(json!({"AWS": ci}), None))
                }
            };
            let name = if kind == "audit" && ai == 0 && k == 16 {
                "audit-security-0".to_owned()
            } else {
                format!("{kind}-{t}-{k}")
            };
            let arn = format!("arn:aws:iam::{id}:role/{name}");
            let mut arns = pick_customer(rng, 1, 3);
            match kind {
                "readonly" | "audit" => {
                    arns = vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()];
                }
                "ci" if k % 40 == 18 => {
                    arns.push("arn:aws:iam::aws:policy/AdministratorAccess".to_owned());
                }
                "deploy" if k % 3 == 0 => {
                    arns.push("arn:aws:iam::aws:policy/PowerUserAccess".to_owned());
                }
                _ => {}
            }
            let docs: Vec<Value> = (0..rng.range(0, 2))
                .map(|_| policy_doc(aws_statements(acct, rng, 1, 4)))
                .collect();
            s.grants += grants_of(&arns) + docs.iter().map(statements_of).sum::<usize>() + 1;
            let mut r = json!({
                "Path": "/", "RoleName": name, "RoleId": rng.iam_id("AROA"), "Arn": arn,
                "CreateDate": rng.date(), "AssumeRolePolicyDocument": tr, "InstanceProfileList": [],
                "RolePolicyList": inline(&name, docs), "AttachedManagedPolicies": attached(&arns),
                "Tags": [{"Key": "team", "Value": t}],
                "RoleLastUsed": {"LastUsedDate": rng.date(), "Region": "us-east-1"}
            });
            if rng.chance(0.15)
                && let Some(o) = r.as_object_mut()
            {
                o.insert(
                    "PermissionsBoundary".into(),
                    json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn}),
                );
            }
            roles_json.push(r);
            role_arns.push(arn);
        }
        s.roles += n_roles;
        let dump = json!({
            "UserDetailList": users_json, "GroupDetailList": groups_json,
            "RoleDetailList": roles_json, "Policies": policies, "IsTruncated": false
        });
        sink(
            &format!("aws/{}-{}-authz.json", acct.name, acct.id),
            pretty(&dump)?,
        )?;
    }
    // organisation
    sink("aws/organization.json", pretty(&aws_org(&accounts))?)?;
    // resource policies
    let mut rps = ArrayWriter::default();
    let org_accounts: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    for (ai, acct) in accounts.iter().enumerate() {
        let id = &acct.id;
        for (k, b) in acct.buckets.iter().enumerate() {
            let deny = json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                              "Resource": [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")],
                              "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
            let allow = match k % 20 {
                0 => {
                    json!({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                            "Resource": format!("arn:aws:s3:::{b}/public/*")})
                }
                1..=4 => {
                    let other = org_accounts
                        .get((ai + 1 + k) % org_accounts.len())
                        .copied()
                        .unwrap_or(MGMT_ACCOUNT);
                    json!({"Sid": "CrossAccountRead", "Effect": "Allow",
                           "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
                           "Action": ["s3:GetObject", "s3:ListBucket"],
                           "Resource": [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")],
                           "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}})
                }
                5 => json!({"Sid": "PartnerDrop", "Effect": "Allow",
                            "Principal": {"AWS": format!("arn:aws:iam::{EXTERNAL_ACCOUNT}:root")},
                            "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{b}/incoming/*")}),
                _ => {
                    let r = format!("arn:aws:iam::{id}:role/app-{}-{}", team(k), k % 5);
                    json!({"Sid": "AppAccess", "Effect": "Allow", "Principal": {"AWS": r},
                           "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::{b}/*")})
                }
            };
            let doc = policy_doc(vec![deny, allow]);
            let text = serde_json::to_string(&doc).map_err(io::Error::other)?;
            rps.push(&json!({"resource": format!("arn:aws:s3:::{b}"), "account": id, "policy": {"Policy": text}}))?;
            s.grants += 2;
            s.resource_policies += 1;
        }
        for key in &acct.keys {
            let doc = policy_doc(vec![
                json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{id}:root")}, "Action": "kms:*", "Resource": "*"}),
                json!({"Sid": "AllowUseThroughS3", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{id}:role/app-{}-0", team(ai))},
                       "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
                       "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": id}}}),
            ]);
            let text = serde_json::to_string(&doc).map_err(io::Error::other)?;
            rps.push(
                &json!({"resource": key, "policy": {"Policy": text, "PolicyName": "default"}}),
            )?;
            s.grants += 2;
            s.resource_policies += 1;
        }
        if let Some(q) = acct.queues.first() {
            let doc = policy_doc(vec![
                json!({"Sid": "TopicFanout", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": q,
                       "Condition": {"ArnLike": {"aws:SourceArn": format!("arn:aws:sns:us-east-1:{id}:*")}}}),
            ]);
            let text = serde_json::to_string(&doc).map_err(io::Error::other)?;
            rps.push(&json!({"resource": q, "policy": {"Attributes": {"Policy": text}}}))?;
            s.grants += 1;
            s.resource_policies += 1;
        }
        if let Some(sec) = acct.secrets.first() {
            let doc = policy_doc(vec![
                json!({"Sid": "OnlyAppReads", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                       "Condition": {"ArnNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::{id}:role/app-*")}}}),
            ]);
            let text = serde_json::to_string(&doc).map_err(io::Error::other)?;
            rps.push(&json!({"resource": sec, "policy": {"ARN": sec, "Name": "db-credentials", "ResourcePolicy": text}}))?;
            s.grants += 1;
            s.resource_policies += 1;
        }
    }
    let text = format!("{{\n\"iamxAwsResourcePolicies\": {}}}\n", rps.finish());
    sink("aws/resource-policies.json", text)?;
    if let Some(a) = accounts.get(1) {
        probe.resource = format!("arn:aws:s3:::{}/reports/q1.csv", a.bucket(&mut Rng::new(1)));
        probe.action = "s3:GetObject".to_owned();
    }
    Ok((s, probe))
}

fn managed_policy_entry(
    arn: &str,
    name: &str,
    doc: Value,
    old: Option<Value>,
    rng: &mut Rng,
) -> Value {
    let created = rng.date();
    let mut versions = Vec::new();
    let default = if old.is_some() { "v2" } else { "v1" };
    versions.push(json!({"Document": doc, "VersionId": default, "IsDefaultVersion": true, "CreateDate": rng.date()}));
    if let Some(o) = old {
        versions.push(json!({"Document": o, "VersionId": "v1", "IsDefaultVersion": false, "CreateDate": created}));
    }
    json!({
        "PolicyName": name, "PolicyId": rng.iam_id("ANPA"), "Arn": arn, "Path": "/",
        "DefaultVersionId": default, "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true, "CreateDate": created, "UpdateDate": rng.date(),
        "PolicyVersionList": versions
    })
}

fn aws_org(accounts: &[AwsAccount]) -> Value {
    let acct = |a: &AwsAccount| json!({"id": a.id, "name": a.name, "scps": ["p-FullAWSAccess"], "rcps": ["p-RCPFullAWSAccess"]});
    let in_ou =
        |ou: usize| -> Vec<Value> { accounts.iter().filter(|a| a.ou == ou).map(acct).collect() };
    let deny_leave = json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyLeaveOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]});
    json!({"iamxAwsOrganization": {
        "id": ORG_ID,
        "managementAccount": MGMT_ACCOUNT,
        "root": {
            "id": "r-syn1", "scps": ["p-FullAWSAccess", "p-denyleave01", "p-audittrail1"], "rcps": ["p-RCPFullAWSAccess"],
            "accounts": [{"id": MGMT_ACCOUNT, "name": "management", "scps": ["p-FullAWSAccess"], "rcps": ["p-RCPFullAWSAccess"]}],
            "children": [
                {"id": "ou-syn1-security", "name": "Security", "scps": ["p-FullAWSAccess"], "rcps": ["p-RCPFullAWSAccess"], "accounts": in_ou(0), "children": []},
                {"id": "ou-syn1-workloads", "name": "Workloads", "scps": ["p-FullAWSAccess"], "rcps": ["p-RCPFullAWSAccess"], "accounts": [],
                 "children": [
                    {"id": "ou-syn1-prod", "name": "Prod", "scps": ["p-FullAWSAccess", "p-regionlock1"], "rcps": ["p-RCPFullAWSAccess"], "accounts": in_ou(1), "children": []},
                    {"id": "ou-syn1-dev", "name": "Dev", "scps": ["p-FullAWSAccess"], "rcps": ["p-RCPFullAWSAccess"], "accounts": in_ou(2), "children": []}
                 ]},
                {"id": "ou-syn1-sandbox", "name": "Sandbox", "scps": ["p-FullAWSAccess", "p-sandboxguard"], "rcps": ["p-RCPFullAWSAccess"], "accounts": in_ou(3), "children": []}
            ]
        },
        "policies": {
            "p-FullAWSAccess": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
            "p-RCPFullAWSAccess": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
            "p-denyleave01": {"Policy": {"PolicySummary": {"Id": "p-denyleave01", "Name": "DenyLeaveOrg", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
                               "Content": deny_leave.to_string()}},
            "p-audittrail1": json!({"Version": "2012-10-17", "Statement": [{"Sid": "ProtectTrail", "Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], "Resource": "*",
                                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/audit-*"}}}]}).to_string(),
            "p-regionlock1": {"Version": "2012-10-17", "Statement": [{"Sid": "DenyOutsideApprovedRegions", "Effect": "Deny",
                "NotAction": ["iam:*", "organizations:*", "sts:*", "cloudfront:*", "route53:*", "s3:ListAllMyBuckets"],
                "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGIONS}}}]},
            "p-sandboxguard": {"Version": "2012-10-17", "Statement": [{"Sid": "NoBigInstances", "Effect": "Deny", "Action": "ec2:RunInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*", "Condition": {"ForAnyValue:StringNotLike": {"ec2:InstanceType": ["t3.*", "t4g.*"]}}}]}
        }
    }})
}

// ---- GCP ----------------------------------------------------------------

const GCP_ORG: &str = "456789012345";
const DOMAIN: &str = "example.com";

/// The predefined and custom roles the bindings use, with permissions.
fn gcp_roles() -> Vec<(String, &'static str, Vec<&'static str>)> {
    let viewer = vec![
        "resourcemanager.projects.get",
        "resourcemanager.folders.get",
        "resourcemanager.organizations.get",
        "storage.buckets.list",
        "storage.buckets.get",
        "compute.instances.list",
        "compute.instances.get",
        "bigquery.datasets.get",
        "bigquery.tables.list",
        "pubsub.topics.list",
        "iam.serviceAccounts.list",
        "iam.serviceAccounts.get",
        "logging.logEntries.list",
        "monitoring.timeSeries.list",
        "cloudfunctions.functions.list",
        "run.services.list",
        "secretmanager.secrets.list",
    ];
    let mut editor = viewer.clone();
    editor.extend([
        "storage.buckets.create",
        "storage.buckets.delete",
        "storage.objects.create",
        "storage.objects.delete",
        "storage.objects.get",
        "storage.objects.list",
        "storage.objects.update",
        "compute.instances.create",
        "compute.instances.delete",
        "compute.instances.start",
        "compute.instances.stop",
        "compute.instances.setServiceAccount",
        "bigquery.tables.create",
        "bigquery.tables.getData",
        "bigquery.tables.updateData",
        "pubsub.topics.publish",
        "cloudfunctions.functions.create",
        "cloudfunctions.functions.update",
        "run.services.create",
        "run.services.update",
        "iam.serviceAccounts.actAs",
        "secretmanager.secrets.create",
        "cloudbuild.builds.create",
    ]);
    let mut owner = editor.clone();
    owner.extend([
        "resourcemanager.projects.getIamPolicy",
        "resourcemanager.projects.setIamPolicy",
        "resourcemanager.projects.delete",
        "iam.roles.create",
        "iam.serviceAccountKeys.create",
        "storage.buckets.setIamPolicy",
    ]);
    let p = |n: &str| format!("roles/{n}");
    vec![
        (p("viewer"), "Viewer", viewer),
        (p("editor"), "Editor", editor),
        (p("owner"), "Owner", owner),
        (
            p("browser"),
            "Browser",
            vec![
                "resourcemanager.projects.get",
                "resourcemanager.folders.get",
                "resourcemanager.organizations.get",
            ],
        ),
        (
            p("storage.objectViewer"),
            "Storage Object Viewer",
            vec![
                "resourcemanager.projects.get",
                "storage.objects.get",
                "storage.objects.list",
            ],
        ),
        (
            p("storage.objectAdmin"),
            "Storage Object Admin",
            vec![
                "resourcemanager.projects.get",
                "storage.objects.create",
                "storage.objects.delete",
                "storage.objects.get",
                "storage.objects.list",
                "storage.objects.update",
                "storage.objects.getIamPolicy",
                "storage.objects.setIamPolicy",
            ],
        ),
        (
            p("storage.admin"),
            "Storage Admin",
            vec![
                "storage.buckets.create",
                "storage.buckets.delete",
                "storage.buckets.get",
                "storage.buckets.list",
                "storage.buckets.getIamPolicy",
                "storage.buckets.setIamPolicy",
                "storage.objects.create",
                "storage.objects.delete",
                "storage.objects.get",
                "storage.objects.list",
            ],
        ),
        (
            p("bigquery.dataViewer"),
            "BigQuery Data Viewer",
            vec![
                "bigquery.datasets.get",
                "bigquery.tables.get",
                "bigquery.tables.getData",
                "bigquery.tables.list",
            ],
        ),
        (
            p("bigquery.dataEditor"),
            "BigQuery Data Editor",
            vec![
                "bigquery.datasets.get",
                "bigquery.tables.create",
                "bigquery.tables.get",
                "bigquery.tables.getData",
                "bigquery.tables.list",
                "bigquery.tables.updateData",
            ],
        ),
        (
            p("bigquery.jobUser"),
            "BigQuery Job User",
            vec!["bigquery.jobs.create", "resourcemanager.projects.get"],
        ),
        (
            p("compute.instanceAdmin.v1"),
            "Compute Instance Admin (v1)",
            vec![
                "compute.instances.create",
                "compute.instances.delete",
                "compute.instances.get",
                "compute.instances.list",
                "compute.instances.setMetadata",
                "compute.instances.setServiceAccount",
                "compute.instances.start",
                "compute.instances.stop",
            ],
        ),
        (
            p("compute.viewer"),
            "Compute Viewer",
            vec!["compute.instances.get", "compute.instances.list"],
        ),
        (
            p("iam.serviceAccountUser"),
            "Service Account User",
            vec![
                "iam.serviceAccounts.actAs",
                "iam.serviceAccounts.get",
                "iam.serviceAccounts.list",
            ],
        ),
        (
            p("iam.serviceAccountTokenCreator"),
            "Service Account Token Creator",
            vec![
                "iam.serviceAccounts.getAccessToken",
                "iam.serviceAccounts.getOpenIdToken",
                "iam.serviceAccounts.implicitDelegation",
                "iam.serviceAccounts.signBlob",
                "iam.serviceAccounts.signJwt",
            ],
        ),
        (
            p("iam.serviceAccountKeyAdmin"),
            "Service Account Key Admin",
            vec![
                "iam.serviceAccountKeys.create",
                "iam.serviceAccountKeys.delete",
                "iam.serviceAccountKeys.get",
                "iam.serviceAccountKeys.list",
            ],
        ),
        (
            p("resourcemanager.projectIamAdmin"),
            "Project IAM Admin",
            vec![
                "resourcemanager.projects.get",
                "resourcemanager.projects.getIamPolicy",
                "resourcemanager.projects.setIamPolicy",
            ],
        ),
        (
            p("resourcemanager.folderAdmin"),
            "Folder Admin",
            vec![
                "resourcemanager.folders.create",
                "resourcemanager.folders.delete",
                "resourcemanager.folders.get",
                "resourcemanager.folders.getIamPolicy",
                "resourcemanager.folders.setIamPolicy",
                "resourcemanager.projects.get",
            ],
        ),
        (
            p("resourcemanager.organizationAdmin"),
            "Organization Administrator",
            vec![
                "resourcemanager.organizations.get",
                "resourcemanager.organizations.getIamPolicy",
                "resourcemanager.organizations.setIamPolicy",
                "resourcemanager.folders.get",
                "resourcemanager.projects.get",
            ],
        ),
        (
            p("pubsub.publisher"),
            "Pub/Sub Publisher",
            vec!["pubsub.topics.publish"],
        ),
        (
            p("pubsub.subscriber"),
            "Pub/Sub Subscriber",
            vec![
                "pubsub.subscriptions.consume",
                "pubsub.topics.attachSubscription",
            ],
        ),
        (
            p("secretmanager.secretAccessor"),
            "Secret Manager Secret Accessor",
            vec!["secretmanager.versions.access"],
        ),
        (
            p("cloudfunctions.developer"),
            "Cloud Functions Developer",
            vec![
                "cloudfunctions.functions.create",
                "cloudfunctions.functions.get",
                "cloudfunctions.functions.list",
                "cloudfunctions.functions.update",
            ],
        ),
        (
            p("run.developer"),
            "Cloud Run Developer",
            vec![
                "run.services.create",
                "run.services.get",
                "run.services.list",
                "run.services.update",
            ],
        ),
        (
            p("logging.viewer"),
            "Logs Viewer",
            vec!["logging.logEntries.list", "logging.logs.list"],
        ),
        (
            p("monitoring.viewer"),
            "Monitoring Viewer",
            vec!["monitoring.timeSeries.list", "monitoring.dashboards.get"],
        ),
        (
            p("cloudbuild.builds.editor"),
            "Cloud Build Editor",
            vec![
                "cloudbuild.builds.create",
                "cloudbuild.builds.get",
                "cloudbuild.builds.list",
            ],
        ),
        (
            format!("organizations/{GCP_ORG}/roles/securityAuditor"),
            "Security Auditor (custom)",
            vec![
                "resourcemanager.organizations.getIamPolicy",
                "resourcemanager.folders.getIamPolicy",
                "resourcemanager.projects.getIamPolicy",
                "iam.serviceAccounts.list",
                "iam.serviceAccountKeys.list",
                "logging.logEntries.list",
            ],
        ),
        (
            format!("organizations/{GCP_ORG}/roles/bucketReader"),
            "Bucket Reader (custom)",
            vec![
                "storage.buckets.get",
                "storage.objects.get",
                "storage.objects.list",
            ],
        ),
        (
            format!("organizations/{GCP_ORG}/roles/deployer"),
            "Deployer (custom)",
            vec![
                "run.services.create",
                "run.services.update",
                "cloudbuild.builds.create",
                "iam.serviceAccounts.actAs",
            ],
        ),
    ]
}

const GCP_CONTAINER_ROLES: [&str; 19] = [
    "roles/viewer",
    "roles/viewer",
    "roles/viewer",
    "roles/editor",
    "roles/browser",
    "roles/storage.objectViewer",
    "roles/bigquery.dataViewer",
    "roles/bigquery.dataEditor",
    "roles/bigquery.jobUser",
    "roles/compute.viewer",
    "roles/compute.instanceAdmin.v1",
    "roles/pubsub.publisher",
    "roles/pubsub.subscriber",
    "roles/secretmanager.secretAccessor",
    "roles/cloudfunctions.developer",
    "roles/run.developer",
    "roles/logging.viewer",
    "roles/monitoring.viewer",
    "roles/cloudbuild.builds.editor",
];
const GCP_BUCKET_ROLES: [&str; 4] = [
    "roles/storage.objectViewer",
    "roles/storage.objectAdmin",
    "roles/storage.admin",
    "BUCKET_READER",
];
const GCP_SA_ROLES: [&str; 3] = [
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin",
];

struct GcpProject {
    id: String,
    number: String,
    folder: String,
}

/// (resource full name, role, condition expression and title) → members.
type Bindings = BTreeMap<(String, String, Option<(String, String)>), BTreeSet<String>>;

fn generate_gcp(n: usize, rng: &mut Rng, sink: &mut Sink<'_>) -> io::Result<(GcpSummary, Probe)> {
    let mut s = GcpSummary::default();
    let org = format!("organizations/{GCP_ORG}");
    let crm = "//cloudresourcemanager.googleapis.com";
    // folders: departments, then environments under them
    let n_depts = (n / 1600).clamp(2, 24);
    let mut folders: Vec<(String, String, String)> = Vec::new(); // (name, parent, display)
    let mut leaf_folders = Vec::new();
    for d in 0..n_depts {
        let f = format!("folders/{}", 200_000_000_000u64 + d as u64);
        folders.push((f.clone(), org.clone(), team(d).to_owned()));
        for (e, env) in ["prod", "nonprod"].iter().enumerate() {
            let c = format!("folders/{}", 210_000_000_000u64 + (d * 2 + e) as u64);
            folders.push((c.clone(), f.clone(), format!("{}-{env}", team(d))));
            leaf_folders.push(c);
        }
    }
    s.folders = folders.len();
    let n_projects = (n / 40).max(4);
    let projects: Vec<GcpProject> = (0..n_projects)
        .map(|i| GcpProject {
            id: format!(
                "{}-{}-{i}",
                team(i),
                ["prod", "dev", "staging"]
                    .get(i % 3)
                    .copied()
                    .unwrap_or("dev")
            ),
            number: format!("{}", 300_000_000_000u64 + i as u64),
            folder: leaf_folders
                .get(i % leaf_folders.len().max(1))
                .cloned()
                .unwrap_or_else(|| org.clone()),
        })
        .collect();
    s.projects = projects.len();
    let ancestors_of_folder = |f: &str| -> Vec<String> {
        let mut out = vec![f.to_owned()];
        let mut cur = f.to_owned();
        while let Some((_, p, _)) = folders.iter().find(|(n, _, _)| *n == cur) {
            out.push(p.clone());
            cur = p.clone();
        }
        out
    };
    let project_ancestors = |p: &GcpProject| -> Vec<String> {
        let mut v = vec![format!("projects/{}", p.number)];
        v.extend(ancestors_of_folder(&p.folder));
        v
    };
    // principals
    let n_sas = n / 4;
    let n_users = n - n_sas;
    let users: Vec<String> = (0..n_users)
        .map(|i| format!("user:{}@{DOMAIN}", person(i)))
        .collect();
    let mut sas: Vec<(String, usize, String)> = Vec::new(); // (member, project index, unique id)
    for i in 0..n_sas {
        let pi = i % n_projects;
        let pid = projects.get(pi).map_or("p", |p| p.id.as_str());
        let name = format!(
            "{}-{i}",
            ["ci-runner", "deployer", "etl", "api", "scheduler", "backup"]
                .get(i % 6)
                .copied()
                .unwrap_or("sa")
        );
        sas.push((
            format!("serviceAccount:{name}@{pid}.iam.gserviceaccount.com"),
            pi,
            format!("{}", 100_000_000_000_000_000_000u128 + i as u128),
        ));
    }
    s.users = users.len();
    s.service_accounts = sas.len();
    // buckets: two per project
    let buckets: Vec<(String, usize)> = (0..n_projects * 2)
        .map(|i| {
            let pi = i / 2;
            let pid = projects.get(pi).map_or("p", |p| p.id.as_str());
            (
                format!("{pid}-{}", if i % 2 == 0 { "data" } else { "artifacts" }),
                pi,
            )
        })
        .collect();
    s.buckets = buckets.len();
    // groups: teams, each with users and service accounts; some nested
    let n_groups = (n / 25).max(4);
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let group_names: Vec<String> = (0..n_groups)
        .map(|g| {
            format!(
                "group:{}-{}-{g}@{DOMAIN}",
                team(g),
                ["eng", "oncall", "analysts", "admins"]
                    .get(g % 4)
                    .copied()
                    .unwrap_or("x")
            )
        })
        .collect();
    for (g, name) in group_names.iter().enumerate() {
        let members = groups.entry(name.clone()).or_default();
        for _ in 0..rng.range(6, 16) {
            if let Some(u) = rng.pick(&users) {
                members.insert(u.clone());
            }
        }
        if rng.chance(0.3)
            && let Some(sa) = rng.pick(&sas)
        {
            members.insert(sa.0.clone());
        }
        // nest into a group of a lower number (no cycles)
        if g > 4
            && rng.chance(0.2)
            && let Some(parent) = group_names.get(rng.below(g))
        {
            let me = name.clone();
            groups.entry(parent.clone()).or_default().insert(me);
        }
    }
    s.groups = groups.len();
    // grants
    let roles = gcp_roles();
    let bucket_reader = format!("organizations/{GCP_ORG}/roles/bucketReader");
    let deployer = format!("organizations/{GCP_ORG}/roles/deployer");
    let mut bindings: Bindings = BTreeMap::new();
    // one condition per resource, so conditional grants share bindings
    let conditions = |resource: &str, bucket: Option<&str>| -> (String, String) {
        let h = resource.bytes().fold(7usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        match (h % 4, bucket) {
            (0, Some(b)) => (
                format!("resource.name.startsWith('projects/_/buckets/{b}/objects/shared/')"),
                "shared objects only".to_owned(),
            ),
            (1, _) => (
                "resource.type == 'storage.googleapis.com/Bucket' || resource.type == 'storage.googleapis.com/Object'".to_owned(),
                "storage only".to_owned(),
            ),
            (2, _) => (
                format!("resource.matchTag('{GCP_ORG}/env', 'dev')"),
                "dev-tagged resources".to_owned(),
            ),
            _ => (
                "request.time < timestamp('2026-12-31T23:59:59Z')".to_owned(),
                "temporary access".to_owned(),
            ),
        }
    };
    let grant =
        |bindings: &mut Bindings, rng: &mut Rng, member: &str, home: usize, conditional: bool| {
            let pi = if rng.chance(0.85) {
                home
            } else {
                rng.below(n_projects)
            };
            let Some(project) = projects.get(pi) else {
                return;
            };
            let x = rng.below(100);
            let (resource, role, bucket) = if x < 62 {
                (
                    format!("{crm}/projects/{}", project.number),
                    rng.pick_str(&GCP_CONTAINER_ROLES).to_owned(),
                    None,
                )
            } else if x < 84 {
                let b = buckets
                    .get(pi * 2 + rng.below(2))
                    .map_or("b", |b| b.0.as_str());
                let r = rng.pick_str(&GCP_BUCKET_ROLES);
                let r = if r == "BUCKET_READER" {
                    bucket_reader.clone()
                } else {
                    r.to_owned()
                };
                (
                    format!("//storage.googleapis.com/{b}"),
                    r,
                    Some(b.to_owned()),
                )
            } else if x < 92 {
                // a service account of the project
                let local: Vec<&(String, usize, String)> =
                    sas.iter().filter(|s| s.1 == pi).take(8).collect();
                match rng.pick(&local) {
                    Some((_, _, uid)) => (
                        format!(
                            "//iam.googleapis.com/projects/{}/serviceAccounts/{uid}",
                            project.id
                        ),
                        rng.pick_str(&GCP_SA_ROLES).to_owned(),
                        None,
                    ),
                    None => (
                        format!("{crm}/projects/{}", project.number),
                        "roles/viewer".to_owned(),
                        None,
                    ),
                }
            } else if x < 97 {
                (
                    format!("{crm}/{}", project.folder),
                    rng.pick_str(&["roles/viewer", "roles/browser", "roles/logging.viewer"])
                        .to_owned(),
                    None,
                )
            } else {
                (
                    format!("{crm}/projects/{}", project.number),
                    if rng.chance(0.5) {
                        deployer.clone()
                    } else {
                        "roles/iam.serviceAccountUser".to_owned()
                    },
                    None,
                )
            };
            let (role, cond) = if conditional {
                let role = if bucket.is_some() {
                    "roles/storage.objectViewer".to_owned()
                } else if resource.starts_with("//iam") {
                    role
                } else {
                    rng.pick_str(&["roles/viewer", "roles/editor"]).to_owned()
                };
                (role, Some(conditions(&resource, bucket.as_deref())))
            } else {
                (role, None)
            };
            bindings
                .entry((resource, role, cond))
                .or_default()
                .insert(member.to_owned());
        };
    for (i, u) in users.iter().enumerate() {
        let home = (i * 7) % n_projects;
        for _ in 0..rng.range(5, 15) {
            let c = rng.chance(0.08);
            grant(&mut bindings, rng, u, home, c);
        }
    }
    for sa in &sas {
        for _ in 0..rng.range(4, 12) {
            let c = rng.chance(0.08);
            grant(&mut bindings, rng, &sa.0, sa.1, c);
        }
    }
    for (g, name) in group_names.iter().enumerate() {
        let home = (g * 3) % n_projects;
        for _ in 0..rng.range(3, 8) {
            let c = rng.chance(0.08);
            grant(&mut bindings, rng, name, home, c);
        }
    }
    // owners and admins: a few service accounts own their project (CI), a
    // few users administer IAM, one group administers the organisation
    for (k, sa) in sas.iter().enumerate().filter(|(k, _)| k % 37 == 0) {
        let pn = projects.get(sa.1).map_or("0", |p| p.number.as_str());
        let role = if k % 2 == 0 {
            "roles/owner"
        } else {
            "roles/resourcemanager.projectIamAdmin"
        };
        bindings
            .entry((format!("{crm}/projects/{pn}"), role.to_owned(), None))
            .or_default()
            .insert(sa.0.clone());
    }
    for (k, u) in users.iter().enumerate().filter(|(k, _)| k % 150 == 3) {
        let pn = projects
            .get((k * 11) % n_projects)
            .map_or("0", |p| p.number.as_str());
        bindings
            .entry((
                format!("{crm}/projects/{pn}"),
                "roles/resourcemanager.projectIamAdmin".to_owned(),
                None,
            ))
            .or_default()
            .insert(u.clone());
    }
    let org_full = format!("{crm}/{org}");
    let admins = group_names
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("group:org-admins@{DOMAIN}"));
    let security = group_names
        .get(6 % n_groups)
        .cloned()
        .unwrap_or_else(|| format!("group:security@{DOMAIN}"));
    bindings
        .entry((
            org_full.clone(),
            "roles/resourcemanager.organizationAdmin".to_owned(),
            None,
        ))
        .or_default()
        .insert(admins.clone());
    bindings
        .entry((
            org_full.clone(),
            format!("organizations/{GCP_ORG}/roles/securityAuditor"),
            None,
        ))
        .or_default()
        .insert(security.clone());
    bindings
        .entry((org_full.clone(), "roles/browser".to_owned(), None))
        .or_default()
        .insert(format!("domain:{DOMAIN}"));
    // public buckets
    for (k, b) in buckets.iter().enumerate().filter(|(k, _)| k % 25 == 1) {
        let who = if k % 2 == 1 {
            "allUsers"
        } else {
            "allAuthenticatedUsers"
        };
        bindings
            .entry((
                format!("//storage.googleapis.com/{}", b.0),
                "roles/storage.objectViewer".to_owned(),
                None,
            ))
            .or_default()
            .insert(who.to_owned());
    }
    // resources
    let mut res_lines = String::new();
    let mut line = |v: Value| -> io::Result<()> {
        res_lines.push_str(&serde_json::to_string(&v).map_err(io::Error::other)?);
        res_lines.push('\n');
        Ok(())
    };
    let update = "2026-05-04T08:00:00Z";
    line(
        json!({"name": org_full, "asset_type": "cloudresourcemanager.googleapis.com/Organization",
        "resource": {"version": "v1", "discovery_name": "Organization", "data": {"displayName": DOMAIN, "lifecycleState": "ACTIVE", "name": org, "owner": {"directoryCustomerId": "C0synth1"}}, "location": "global"},
        "ancestors": [org], "update_time": update}),
    )?;
    for (f, parent, display) in &folders {
        line(
            json!({"name": format!("{crm}/{f}"), "asset_type": "cloudresourcemanager.googleapis.com/Folder",
            "resource": {"version": "v2", "discovery_name": "Folder", "parent": format!("{crm}/{parent}"),
                         "data": {"displayName": display, "lifecycleState": "ACTIVE", "name": f, "parent": parent}, "location": "global"},
            "ancestors": ancestors_of_folder(f), "update_time": update}),
        )?;
    }
    for p in &projects {
        line(
            json!({"name": format!("{crm}/projects/{}", p.number), "asset_type": "cloudresourcemanager.googleapis.com/Project",
            "resource": {"version": "v1", "discovery_name": "Project", "parent": format!("{crm}/{}", p.folder),
                         "data": {"lifecycleState": "ACTIVE", "name": p.id, "projectId": p.id, "projectNumber": p.number,
                                  "parent": {"id": p.folder.trim_start_matches("folders/"), "type": "folder"}}, "location": "global"},
            "ancestors": project_ancestors(p), "update_time": update}),
        )?;
    }
    for (member, pi, uid) in &sas {
        let Some(p) = projects.get(*pi) else { continue };
        let email = member.trim_start_matches("serviceAccount:");
        line(
            json!({"name": format!("//iam.googleapis.com/projects/{}/serviceAccounts/{uid}", p.id), "asset_type": "iam.googleapis.com/ServiceAccount",
            "resource": {"version": "v1", "discovery_name": "ServiceAccount", "parent": format!("{crm}/projects/{}", p.number),
                         "data": {"displayName": email.split('@').next().unwrap_or(email), "email": email,
                                  "name": format!("projects/{}/serviceAccounts/{email}", p.id), "projectId": p.id, "uniqueId": uid}, "location": "global"},
            "ancestors": project_ancestors(p), "update_time": update}),
        )?;
    }
    for (b, pi) in &buckets {
        let Some(p) = projects.get(*pi) else { continue };
        line(
            json!({"name": format!("//storage.googleapis.com/{b}"), "asset_type": "storage.googleapis.com/Bucket",
            "resource": {"version": "v1", "discovery_name": "Bucket", "parent": format!("{crm}/projects/{}", p.number),
                         "data": {"name": b, "location": "EU", "storageClass": "STANDARD"}, "location": "eu"},
            "ancestors": project_ancestors(p), "update_time": update}),
        )?;
    }
    sink("gcp/cai-resources.ndjson", res_lines)?;
    // IAM policies, grouped by resource
    let mut by_resource: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for ((res, role, cond), members) in &bindings {
        s.bindings += 1;
        s.grants += members.len();
        let mut b = json!({"role": role, "members": members.iter().collect::<Vec<_>>()});
        if let (Some((expr, title)), Some(o)) = (cond, b.as_object_mut()) {
            s.conditional_bindings += 1;
            o.insert(
                "condition".into(),
                json!({"title": title, "expression": expr}),
            );
        }
        by_resource.entry(res.as_str()).or_default().push(b);
    }
    let ancestors_of = |res: &str| -> Vec<String> {
        if let Some(f) = res.strip_prefix(crm).and_then(|r| r.strip_prefix('/')) {
            if f.starts_with("folders/") {
                return ancestors_of_folder(f);
            }
            if let Some(num) = f.strip_prefix("projects/")
                && let Some(p) = projects.iter().find(|p| p.number == num)
            {
                return project_ancestors(p);
            }
            return vec![f.to_owned()];
        }
        if let Some(b) = res.strip_prefix("//storage.googleapis.com/")
            && let Some((_, pi)) = buckets.iter().find(|(n, _)| n == b)
            && let Some(p) = projects.get(*pi)
        {
            return project_ancestors(p);
        }
        if let Some(rest) = res.strip_prefix("//iam.googleapis.com/projects/")
            && let Some(pid) = rest.split('/').next()
            && let Some(p) = projects.iter().find(|p| p.id == pid)
        {
            return project_ancestors(p);
        }
        Vec::new()
    };
    let mut pol_lines = String::new();
    for (res, bs) in by_resource {
        let conditional = bs.iter().any(|b| b.get("condition").is_some());
        let asset_type = if res.starts_with("//storage") {
            "storage.googleapis.com/Bucket"
        } else if res.starts_with("//iam") {
            "iam.googleapis.com/ServiceAccount"
        } else if res.contains("/folders/") {
            "cloudresourcemanager.googleapis.com/Folder"
        } else if res.contains("/organizations/") {
            "cloudresourcemanager.googleapis.com/Organization"
        } else {
            "cloudresourcemanager.googleapis.com/Project"
        };
        let v = json!({"name": res, "asset_type": asset_type,
            "iam_policy": {"version": if conditional { 3 } else { 1 }, "bindings": bs, "etag": format!("BwY{}=", rng.hex(9))},
            "ancestors": ancestors_of(res), "update_time": update});
        pol_lines.push_str(&serde_json::to_string(&v).map_err(io::Error::other)?);
        pol_lines.push('\n');
    }
    sink("gcp/cai-iam-policies.ndjson", pol_lines)?;
    // roles
    let mut rl = ArrayWriter::default();
    for (name, title, perms) in &roles {
        rl.push(
            &json!({"name": name, "title": title, "description": format!("{title}."),
                        "includedPermissions": perms, "stage": "GA", "etag": "AA=="}),
        )?;
    }
    s.roles = roles.len();
    sink("gcp/roles.json", rl.finish())?;
    // groups
    let gj: serde_json::Map<String, Value> = groups
        .iter()
        .map(|(g, ms)| (g.clone(), json!(ms.iter().collect::<Vec<_>>())))
        .collect();
    sink("gcp/groups.json", pretty(&json!({"iamxGcpGroups": gj}))?)?;
    // deny policies
    let sec_email = security.trim_start_matches("group:");
    let adm_email = admins.trim_start_matches("group:");
    let deny = json!([
        {"name": format!("policies/cloudresourcemanager.googleapis.com%2Forganizations%2F{GCP_ORG}/denypolicies/sa-keys-security-only"),
         "kind": "DenyPolicy", "displayName": "Service account keys: security team only", "etag": "MTcwNzU1NjQwMDAwMDAwMDA=",
         "createTime": "2026-02-10T09:00:00.000000Z", "updateTime": "2026-02-10T09:00:00.000000Z", "uid": rng.guid(),
         "rules": [{"description": "Nobody but the security team creates service account keys",
                    "denyRule": {"deniedPrincipals": ["principalSet://goog/public:all"],
                                 "exceptionPrincipals": [format!("principalSet://goog/group/{sec_email}")],
                                 "deniedPermissions": ["iam.googleapis.com/serviceAccountKeys.create"]}}]},
        {"name": format!("policies/cloudresourcemanager.googleapis.com%2Ffolders%2F{}/denypolicies/no-project-deletes",
                         folders.first().map_or("0", |f| f.0.trim_start_matches("folders/"))),
         "kind": "DenyPolicy", "displayName": "No project deletion in prod", "etag": "MTcwNzU1NjQwMDAwMDAwMDA=",
         "createTime": "2026-02-10T09:00:00.000000Z", "updateTime": "2026-02-10T09:00:00.000000Z", "uid": rng.guid(),
         "rules": [{"description": "Projects are deleted by org admins only, and not in prod",
                    "denyRule": {"deniedPrincipals": ["principalSet://goog/public:all"],
                                 "exceptionPrincipals": [format!("principalSet://goog/group/{adm_email}")],
                                 "deniedPermissions": ["cloudresourcemanager.googleapis.com/projects.delete"],
                                 "denialCondition": {"title": "prod", "expression": format!("resource.matchTag('{GCP_ORG}/env', 'prod')")}}},
                   {"description": "Nobody deletes buckets in this department",
                    "denyRule": {"deniedPrincipals": ["principalSet://goog/public:all"],
                                 "deniedPermissions": ["storage.googleapis.com/buckets.delete"]}}]}
    ]);
    s.deny_rules = 3;
    sink("gcp/deny-policies.json", pretty(&deny)?)?;
    let probe = Probe {
        resource: format!(
            "//storage.googleapis.com/projects/_/buckets/{}",
            buckets.first().map_or("b", |b| b.0.as_str())
        ),
        action: "storage.objects.get".to_owned(),
        principal: users.get(n_users / 2).cloned().unwrap_or_default(),
    };
    Ok((s, probe))
}

// ---- Azure --------------------------------------------------------------

struct AzRole {
    guid: &'static str,
    name: &'static str,
    builtin: bool,
    actions: Vec<&'static str>,
    not_actions: Vec<&'static str>,
    data_actions: Vec<&'static str>,
}

fn azure_roles() -> Vec<AzRole> {
    let r = |guid, name, builtin, actions, not_actions, data_actions| AzRole {
        guid,
        name,
        builtin,
        actions,
        not_actions,
        data_actions,
    };
    vec![
        r(
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "Owner",
            true,
            vec!["*"],
            vec![],
            vec![],
        ),
        r(
            "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "Contributor",
            true,
            vec!["*"],
            vec![
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
            ],
            vec![],
        ),
        r(
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "Reader",
            true,
            vec!["*/read"],
            vec![],
            vec![],
        ),
        r(
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "User Access Administrator",
            true,
            vec!["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
            vec![],
            vec![],
        ),
        r(
            "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
            "Storage Blob Data Reader",
            true,
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            ],
            vec![],
            vec!["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
        ),
        r(
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            "Storage Blob Data Contributor",
            true,
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            ],
            vec![],
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
            ],
        ),
        r(
            "4633458b-17de-408a-b874-0445c86b69e6",
            "Key Vault Secrets User",
            true,
            vec![],
            vec![],
            vec![
                "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            ],
        ),
        r(
            "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
            "Virtual Machine Contributor",
            true,
            vec![
                "Microsoft.Authorization/*/read",
                "Microsoft.Compute/virtualMachines/*",
                "Microsoft.Compute/disks/*",
                "Microsoft.Network/networkInterfaces/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
            ],
            vec![],
            vec![],
        ),
        r(
            "de139f84-1756-47ae-9be6-808fbbe84772",
            "Website Contributor",
            true,
            vec![
                "Microsoft.Authorization/*/read",
                "Microsoft.Web/certificates/*",
                "Microsoft.Web/sites/*",
                "Microsoft.Resources/deployments/*",
            ],
            vec![],
            vec![],
        ),
        r(
            "5c1e0a7d-3b2f-4e6a-9d8c-7f1e2d3c4b5a",
            "VM Operator",
            false,
            vec![
                "Microsoft.Compute/virtualMachines/read",
                "Microsoft.Compute/virtualMachines/start/action",
                "Microsoft.Compute/virtualMachines/restart/action",
                "Microsoft.Compute/virtualMachines/deallocate/action",
            ],
            vec![],
            vec![],
        ),
        r(
            "7d9c2b1a-4e3f-4a5b-8c6d-1e2f3a4b5c6d",
            "App Deployer",
            false,
            vec![
                "Microsoft.Web/*",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
            ],
            vec![
                "Microsoft.Web/sites/delete",
                "Microsoft.Web/serverfarms/delete",
            ],
            vec![],
        ),
        r(
            "3f6a9b2c-8d1e-4f7a-9b3c-5d6e7f8a9b0c",
            "Limited Contributor",
            false,
            vec!["*"],
            vec![
                "Microsoft.Authorization/*",
                "Microsoft.Network/*/write",
                "Microsoft.Network/*/delete",
                "Microsoft.KeyVault/vaults/delete",
            ],
            vec![],
        ),
        r(
            "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "Role Assignment Writer",
            false,
            vec![
                "Microsoft.Authorization/roleAssignments/read",
                "Microsoft.Authorization/roleAssignments/write",
            ],
            vec![],
            vec![],
        ),
    ]
}

fn generate_azure(
    n: usize,
    rng: &mut Rng,
    sink: &mut Sink<'_>,
) -> io::Result<(AzureSummary, Probe)> {
    let mut s = AzureSummary::default();
    let tenant = rng.guid();
    let mg = |name: &str| format!("/providers/Microsoft.Management/managementGroups/{name}");
    // subscriptions and where they sit
    let n_subs = (n / 250).max(3);
    let subs: Vec<(String, String, &str)> = (0..n_subs)
        .map(|i| {
            let place = match i {
                0 => "platform",
                _ => ["corp", "online", "sandbox"]
                    .get(i % 3)
                    .copied()
                    .unwrap_or("corp"),
            };
            (
                rng.guid(),
                format!(
                    "sub-{}-{}",
                    team(i),
                    if place == "sandbox" { "sbx" } else { "prd" }
                ),
                place,
            )
        })
        .collect();
    s.subscriptions = subs.len();
    let sub_nodes = |place: &str| -> Vec<Value> {
        subs.iter()
            .filter(|x| x.2 == place)
            .map(|(id, name, _)| json!({"children": null, "displayName": name, "id": format!("/subscriptions/{id}"), "name": id, "type": "/subscriptions"}))
            .collect()
    };
    let mg_node = |name: &str, display: &str, children: Vec<Value>| json!({"children": children, "displayName": display, "id": mg(name), "name": name, "type": "Microsoft.Management/managementGroups"});
    let tree = json!({
        "children": [
            mg_node("platform", "Platform", sub_nodes("platform")),
            mg_node("landing-zones", "Landing Zones", vec![
                mg_node("corp", "Corp", sub_nodes("corp")),
                mg_node("online", "Online", sub_nodes("online")),
            ]),
            mg_node("sandbox", "Sandbox", sub_nodes("sandbox")),
            mg_node("decommissioned", "Decommissioned", vec![]),
        ],
        "details": {"parent": null, "updatedBy": rng.guid(), "updatedTime": "2025-09-01T08:00:00.0000000Z", "version": 3},
        "displayName": "Tenant Root Group", "id": mg(&tenant), "name": tenant, "tenantId": tenant,
        "type": "Microsoft.Management/managementGroups"
    });
    s.management_groups = 7;
    sink("azure/management-groups.json", pretty(&tree)?)?;
    let mgs = [
        mg(&tenant),
        mg("platform"),
        mg("landing-zones"),
        mg("corp"),
        mg("online"),
        mg("sandbox"),
    ];
    // resource groups and resources per subscription
    struct Rg {
        scope: String,
        storage: Vec<String>,
        vaults: Vec<String>,
        vms: Vec<String>,
        sites: Vec<String>,
    }
    let mut rgs: Vec<Vec<Rg>> = Vec::new();
    for (si, (sub, _, _)) in subs.iter().enumerate() {
        let mut v = Vec::new();
        for r in 0..rng.range(5, 8) {
            let t = team(si + r);
            let purpose = ["app", "data", "net", "shared", "ops", "ml", "web", "batch"]
                .get(r)
                .copied()
                .unwrap_or("rg");
            let scope = format!("/subscriptions/{sub}/resourceGroups/rg-{t}-{purpose}");
            let prov = |p: &str, name: String| format!("{scope}/providers/{p}/{name}");
            let storage = (0..rng.range(1, 3))
                .map(|k| {
                    prov(
                        "Microsoft.Storage/storageAccounts",
                        format!("st{t}{si}{r}{k}"),
                    )
                })
                .collect();
            let vaults = (0..rng.range(0, 1))
                .map(|k| prov("Microsoft.KeyVault/vaults", format!("kv-{t}-{si}-{r}{k}")))
                .collect();
            let vms = (0..rng.range(0, 3))
                .map(|k| {
                    prov(
                        "Microsoft.Compute/virtualMachines",
                        format!("vm-{t}-{si}-{r}{k}"),
                    )
                })
                .collect();
            let sites = (0..rng.range(0, 2))
                .map(|k| prov("Microsoft.Web/sites", format!("app-{t}-{si}-{r}{k}")))
                .collect();
            v.push(Rg {
                scope,
                storage,
                vaults,
                vms,
                sites,
            });
        }
        rgs.push(v);
    }
    // roles
    let roles = azure_roles();
    let mut rd = ArrayWriter::default();
    let all_subs: Vec<String> = subs
        .iter()
        .map(|x| format!("/subscriptions/{}", x.0))
        .collect();
    for r in &roles {
        let id = if r.builtin {
            format!(
                "/providers/Microsoft.Authorization/roleDefinitions/{}",
                r.guid
            )
        } else {
            format!(
                "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                all_subs.first().map_or("", String::as_str),
                r.guid
            )
        };
        rd.push(&json!({
            "assignableScopes": if r.builtin { vec!["/".to_owned()] } else { all_subs.clone() },
            "description": format!("{}.", r.name), "id": id, "name": r.guid,
            "permissions": [{"actions": r.actions, "condition": null, "conditionVersion": null,
                             "dataActions": r.data_actions, "notActions": r.not_actions, "notDataActions": []}],
            "roleName": r.name, "roleType": if r.builtin { "BuiltInRole" } else { "CustomRole" },
            "type": "Microsoft.Authorization/roleDefinitions"
        }))?;
    }
    s.role_definitions = roles.len();
    sink("azure/role-definitions.json", rd.finish())?;
    let role = |name: &str| roles.iter().find(|r| r.name == name);
    // principals
    let n_sps = n / 4;
    let n_users = n - n_sps;
    let mut principals: Vec<(String, String, &str)> = Vec::new(); // (id, name, type)
    for i in 0..n_users {
        principals.push((rng.guid(), format!("{}@{DOMAIN}", person(i)), "User"));
    }
    for i in 0..n_sps {
        principals.push((
            rng.guid(),
            format!(
                "sp-{}-{}-{i}",
                team(i),
                ["deploy", "api", "etl", "monitor"]
                    .get(i % 4)
                    .copied()
                    .unwrap_or("app")
            ),
            "ServicePrincipal",
        ));
    }
    s.users = n_users;
    s.service_principals = n_sps;
    let n_groups = (n / 25).max(4);
    let mut groups: Vec<(String, String, BTreeSet<String>)> = Vec::new();
    for g in 0..n_groups {
        let mut members = BTreeSet::new();
        for _ in 0..rng.range(5, 15) {
            if let Some(p) = rng.pick(&principals) {
                members.insert(p.0.clone());
            }
        }
        if g > 3
            && rng.chance(0.2)
            && let Some(child) = groups.get(rng.below(g)).map(|x| x.0.clone())
        {
            // nest an older group inside this one
            members.insert(child);
        }
        groups.push((
            rng.guid(),
            format!(
                "grp-{}-{}-{g}",
                team(g),
                ["engineers", "operators", "readers", "admins"]
                    .get(g % 4)
                    .copied()
                    .unwrap_or("x")
            ),
            members,
        ));
    }
    s.groups = groups.len();
    // assignments
    let mut seen: BTreeSet<(String, &str, String)> = BTreeSet::new();
    let mut ra = ArrayWriter::default();
    let creator = rng.guid();
    let mut assign = |rng: &mut Rng,
                      s: &mut AzureSummary,
                      ra: &mut ArrayWriter,
                      (pid, pname, ptype): (&str, &str, &str),
                      home: usize|
     -> io::Result<()> {
        let si = if rng.chance(0.8) {
            home
        } else {
            rng.below(n_subs)
        };
        let Some((sub, _, _)) = subs.get(si) else {
            return Ok(());
        };
        let sub_scope = format!("/subscriptions/{sub}");
        let rgl = rgs.get(si).map_or(&[][..], Vec::as_slice);
        let x = rng.below(100);
        let mut condition: Option<String> = None;
        let (scope, rname) = if x < 3 {
            let m = rng.pick(&mgs).cloned().unwrap_or_else(|| mg(&tenant));
            (
                m,
                rng.pick_str(&["Reader", "Reader", "Reader", "Contributor"]),
            )
        } else if x < 23 {
            (
                sub_scope.clone(),
                rng.pick_str(&[
                    "Reader",
                    "Reader",
                    "Reader",
                    "Contributor",
                    "Limited Contributor",
                    "VM Operator",
                ]),
            )
        } else if x < 68 {
            let rg = rng.pick(rgl).map_or(sub_scope.clone(), |r| r.scope.clone());
            (
                rg,
                rng.pick_str(&[
                    "Contributor",
                    "Reader",
                    "Reader",
                    "VM Operator",
                    "App Deployer",
                    "Virtual Machine Contributor",
                    "Website Contributor",
                    "Storage Blob Data Reader",
                ]),
            )
        } else {
            let Some(rg) = rng.pick(rgl) else {
                return Ok(());
            };
            match rng.below(4) {
                0 if !rg.vaults.is_empty() => {
                    (any_of(rng, &rg.vaults).to_owned(), "Key Vault Secrets User")
                }
                1 if !rg.vms.is_empty() => (
                    any_of(rng, &rg.vms).to_owned(),
                    rng.pick_str(&["VM Operator", "Virtual Machine Contributor"]),
                ),
                2 if !rg.sites.is_empty() => (
                    any_of(rng, &rg.sites).to_owned(),
                    rng.pick_str(&["Website Contributor", "App Deployer"]),
                ),
                _ => {
                    let st = any_of(rng, &rg.storage).to_owned();
                    let r = rng
                        .pick_str(&["Storage Blob Data Reader", "Storage Blob Data Contributor"]);
                    if rng.chance(0.15) {
                        let container = rng.pick_str(&["reports", "exports", "shared"]);
                        condition = Some(format!(
                            "((!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals '{container}'))"
                        ));
                    }
                    (st, r)
                }
            }
        };
        let Some(def) = role(rname) else {
            return Ok(());
        };
        if !seen.insert((pid.to_owned(), def.guid, scope.clone())) {
            return Ok(());
        }
        let name = rng.guid();
        let rg_name = scope
            .split("/resourceGroups/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .map(str::to_owned);
        if condition.is_some() {
            s.conditional_assignments += 1;
        }
        s.grants += 1;
        let created = rng.date();
        ra.push(&json!({
            "canDelegate": null,
            "condition": condition,
            "conditionVersion": condition.as_ref().map(|_| "2.0"),
            "createdBy": creator, "createdOn": created,
            "delegatedManagedIdentityResourceId": null, "description": null,
            "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{name}", scope.trim_end_matches('/')),
            "name": name, "principalId": pid, "principalName": pname, "principalType": ptype,
            "resourceGroup": rg_name,
            "roleDefinitionId": format!("{sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{}", def.guid),
            "roleDefinitionName": def.name, "scope": scope, "type": "Microsoft.Authorization/roleAssignments",
            "updatedBy": creator, "updatedOn": created
        }))
    };
    for (i, p) in principals.iter().enumerate() {
        let home = (i * 5) % n_subs;
        for _ in 0..rng.range(5, 15) {
            assign(rng, &mut s, &mut ra, (&p.0, &p.1, p.2), home)?;
        }
    }
    for (g, (id, name, _)) in groups.iter().enumerate() {
        let home = g % n_subs;
        for _ in 0..rng.range(3, 8) {
            assign(rng, &mut s, &mut ra, (id, name, "Group"), home)?;
        }
    }
    // escalation: a few principals may write role assignments
    for (k, p) in principals.iter().enumerate().filter(|(k, _)| k % 211 == 9) {
        let Some((sub, _, _)) = subs.get(k % n_subs) else {
            continue;
        };
        let (rname, scope) = if k % 2 == 0 {
            ("User Access Administrator", format!("/subscriptions/{sub}"))
        } else {
            (
                "Role Assignment Writer",
                rgs.get(k % n_subs)
                    .and_then(|v| v.first())
                    .map_or(format!("/subscriptions/{sub}"), |r| r.scope.clone()),
            )
        };
        let Some(def) = role(rname) else { continue };
        if !seen.insert((p.0.clone(), def.guid, scope.clone())) {
            continue;
        }
        let name = rng.guid();
        s.grants += 1;
        ra.push(&json!({
            "canDelegate": null, "condition": null, "conditionVersion": null,
            "createdBy": creator, "createdOn": rng.date(), "delegatedManagedIdentityResourceId": null, "description": null,
            "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
            "name": name, "principalId": p.0, "principalName": p.1, "principalType": p.2, "resourceGroup": null,
            "roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{}", def.guid),
            "roleDefinitionName": def.name, "scope": scope, "type": "Microsoft.Authorization/roleAssignments",
            "updatedBy": creator, "updatedOn": rng.date()
        }))?;
    }
    sink("azure/role-assignments.json", ra.finish())?;
    // deny assignments
    let first_storage = rgs
        .first()
        .and_then(|v| v.first())
        .and_then(|r| r.storage.first())
        .cloned()
        .unwrap_or_default();
    let excluded = principals.get(1).map(|p| p.0.clone()).unwrap_or_default();
    let sandbox_sub = subs
        .iter()
        .find(|x| x.2 == "sandbox")
        .map(|x| format!("/subscriptions/{}", x.0))
        .unwrap_or_default();
    let deny = json!({"value": [
        {"properties": {"denyAssignmentName": "Protect the storage account", "description": "Only the automation may delete the account or its blobs.",
                        "permissions": [{"actions": ["Microsoft.Storage/storageAccounts/delete"], "notActions": [],
                                         "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"], "notDataActions": []}],
                        "scope": first_storage, "doNotApplyToChildScopes": false,
                        "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                        "excludePrincipals": [{"id": excluded, "type": "ServicePrincipal"}], "isSystemProtected": true,
                        "createdOn": "2025-09-04T12:00:00.0000000Z", "updatedOn": "2025-09-04T12:00:00.0000000Z",
                        "createdBy": creator, "updatedBy": creator},
         "id": format!("{first_storage}/providers/Microsoft.Authorization/denyAssignments/{}", rng.guid()),
         "type": "Microsoft.Authorization/denyAssignments", "name": rng.guid()},
        {"properties": {"denyAssignmentName": "Sandbox: no networking changes", "description": "Managed by a deployment stack.",
                        "permissions": [{"actions": ["Microsoft.Network/*/write", "Microsoft.Network/*/delete"], "notActions": [],
                                         "dataActions": [], "notDataActions": []}],
                        "scope": sandbox_sub, "doNotApplyToChildScopes": false,
                        "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                        "excludePrincipals": [], "isSystemProtected": true,
                        "createdOn": "2025-09-04T12:00:00.0000000Z", "updatedOn": "2025-09-04T12:00:00.0000000Z",
                        "createdBy": creator, "updatedBy": creator},
         "id": format!("{sandbox_sub}/providers/Microsoft.Authorization/denyAssignments/{}", rng.guid()),
         "type": "Microsoft.Authorization/denyAssignments", "name": rng.guid()}
    ]});
    s.deny_assignments = 2;
    sink("azure/deny-assignments.json", pretty(&deny)?)?;
    let gj: serde_json::Map<String, Value> = groups
        .iter()
        .map(|(id, name, ms)| {
            (
                id.clone(),
                json!({"displayName": name, "members": ms.iter().collect::<Vec<_>>()}),
            )
        })
        .collect();
    sink(
        "azure/groups.json",
        pretty(&json!({"iamxAzureGroups": gj}))?,
    )?;
    let probe = Probe {
        resource: first_storage,
        action: "Microsoft.Storage/storageAccounts/read".to_owned(),
        principal: principals
            .get(n_users / 2)
            .map(|p| p.0.clone())
            .unwrap_or_default(),
    };
    Ok((s, probe))
}

// ---- entry points ---------------------------------------------------------

/// Generates the organisation, handing each file to `sink` as it is made
/// (so no cloud's files are all in memory at once).
pub fn generate_with(cfg: &Config, sink: &mut Sink<'_>) -> io::Result<Summary> {
    let n = cfg.principals.max(9);
    let n_aws = n / 3;
    let n_gcp = n / 3;
    let n_azure = n - n_aws - n_gcp;
    let mut files = Vec::new();
    let mut counting = |name: &str, text: String| -> io::Result<()> {
        files.push((name.to_owned(), text.len()));
        sink(name, text)
    };
    let mut rng = Rng::new(cfg.seed);
    let (aws, aws_probe) = generate_aws(n_aws, &mut rng, &mut counting)?;
    let mut rng = Rng::new(cfg.seed ^ 0x6c70);
    let (gcp, gcp_probe) = generate_gcp(n_gcp, &mut rng, &mut counting)?;
    let mut rng = Rng::new(cfg.seed ^ 0xa2e0);
    let (azure, azure_probe) = generate_azure(n_azure, &mut rng, &mut counting)?;
    Ok(Summary {
        requested: cfg.principals,
        aws,
        gcp,
        azure,
        aws_probe,
        gcp_probe,
        azure_probe,
        files,
    })
}

/// Generates the organisation in memory: (relative path, content) pairs.
pub fn generate(cfg: &Config) -> io::Result<(Vec<(String, String)>, Summary)> {
    let mut out = Vec::new();
    let summary = generate_with(cfg, &mut |name, text| {
        out.push((name.to_owned(), text));
        Ok(())
    })?;
    Ok((out, summary))
}

/// Generates the organisation into `dir` (its `aws`, `gcp` and `azure`
/// subdirectories are replaced).
pub fn write(cfg: &Config, dir: &Path) -> io::Result<Summary> {
    for sub in ["aws", "gcp", "azure"] {
        let d = dir.join(sub);
        if d.exists() {
            std::fs::remove_dir_all(&d)?;
        }
        std::fs::create_dir_all(&d)?;
    }
    generate_with(cfg, &mut |name, text| std::fs::write(dir.join(name), text))
}

/// The directory the benchmarks use for `principals` principals:
/// `std::env::temp_dir()/iamx-synth-N`.
pub fn default_dir(principals: usize) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("iamx-synth-{principals}"))
}
