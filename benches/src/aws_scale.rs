//! Large AWS accounts of a real shape: a real `aws iam
//! get-account-authorization-details` dump (the seed) copied many times with
//! every name renamed the same way, for the escalation and graph scaling
//! figures (`iamx-aws-scale`, `benches/graph.rs`).
//!
//! Two layouts:
//!
//! - **one account** ([`Layout::OneAccount`]): copy `k` of every user, role,
//!   group, instance profile and customer managed policy is named
//!   `NAME-k` (copy 0 keeps the seed's names), its unique id gets a suffix,
//!   and every reference to it is renamed alike: ARNs anywhere (trust
//!   policies, `Resource` elements, `AttachedManagedPolicies`), group names
//!   in `GroupList`, assumed-role session ARNs. Service-linked and
//!   `/aws-reserved/` roles exist once per account, so only copy 0 has them,
//!   and AWS managed policies are written once; a seed holding principals
//!   of several accounts is folded into its main one. Paths are kept (they carry
//!   meaning: `/aws-service-role/` is what makes a role service-linked).
//!   Caps on users and roles stop the copying of each list at a count (a
//!   trust policy may then name a user that is not written, as in a real
//!   account whose users were deleted).
//! - **many accounts** ([`Layout::Accounts`]): copy `k` is its own account
//!   (a twelve-digit id derived from `k`, copy 0 keeps the seed's), the
//!   names are kept and the unique ids get a suffix; every twelve-digit
//!   account id in any string is replaced (the accounts the seed holds
//!   principals of by the copy's;
//!   an account the seed trusts but does not contain, typically the
//!   organisation's management account, by copy 0's, so every account
//!   trusts the first one, hub and spokes). One dump for all or one file
//!   per account.
//!
//! A fraction of the copied users and roles (`wildcard_percent`, chosen by a
//! hash of copy and name, so deterministic) gets one more inline policy
//! holding a wildcard IAM grant on `*`: `iam:*`, `iam:Pass*` with
//! `lambda:*` and `ec2:*`, `iam:Put*` or `iam:Attach*` in turn, the
//! broad grants real accounts carry on their automation roles.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The seed dumps, in order of preference, under
/// `../shared/data/samples` (next to the workspace).
pub const SEEDS: [&str; 2] = [
    "cloudsplaining-example-authz-details.json",
    "cloudsplaining-test-example-authz-details.json",
];

/// The first seed dump found, or `None` (the data is not on this machine).
pub fn default_seed() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/samples");
    SEEDS.iter().map(|s| dir.join(s)).find(|p| p.is_file())
}

/// How the copies are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Every copy in the seed's account, renamed; one file.
    OneAccount,
    /// One account per copy; `split`: one file per account.
    Accounts { split: bool },
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub layout: Layout,
    /// Copies of the seed.
    pub copies: usize,
    /// Stop writing users after this many (one-account layout).
    pub max_users: Option<usize>,
    /// Stop writing roles after this many (one-account layout).
    pub max_roles: Option<usize>,
    /// Percent of the copied users and roles given a wildcard IAM grant.
    pub wildcard_percent: u32,
}

impl Config {
    /// One account of about `users` users and `roles` roles.
    pub fn one_account(seed: &Seed, users: usize, roles: usize) -> Config {
        let per_users = seed.users.len().max(1);
        let per_roles = seed.copied_roles(Layout::OneAccount).max(1);
        let copies = users
            .div_ceil(per_users)
            .max(roles.div_ceil(per_roles))
            .max(1);
        Config {
            layout: Layout::OneAccount,
            copies,
            max_users: Some(users),
            max_roles: Some(roles),
            wildcard_percent: 20,
        }
    }

    /// One account of about `principals` users and roles, in the seed's
    /// proportion.
    pub fn principals(seed: &Seed, principals: usize) -> Config {
        let total = (seed.users.len() + seed.roles.len()).max(1);
        let users = principals * seed.users.len() / total;
        Config::one_account(seed, users, principals - users)
    }

    /// `accounts` accounts, each a whole copy of the seed.
    pub fn accounts(accounts: usize, split: bool) -> Config {
        Config {
            layout: Layout::Accounts { split },
            copies: accounts.max(1),
            max_users: None,
            max_roles: None,
            wildcard_percent: 20,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub accounts: usize,
    pub users: usize,
    pub roles: usize,
    pub groups: usize,
    /// Customer managed policies.
    pub policies: usize,
    /// Users and roles given a wildcard IAM grant.
    pub wildcard: usize,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

impl Summary {
    /// Users and roles.
    pub fn principals(&self) -> usize {
        self.users + self.roles
    }

    /// One line.
    pub fn describe(&self) -> String {
        format!(
            "{} accounts, {} principals ({} users, {} roles), {} groups, {} customer managed policies, {} given a wildcard IAM grant; {} files, {:.1} MB",
            self.accounts,
            self.principals(),
            self.users,
            self.roles,
            self.groups,
            self.policies,
            self.wildcard,
            self.files.len(),
            self.bytes as f64 / 1e6
        )
    }
}

/// The lists of a dump, in the order they are written.
const LISTS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

/// A seed dump, read.
#[derive(Clone, Debug)]
pub struct Seed {
    users: Vec<Map<String, Value>>,
    groups: Vec<Map<String, Value>>,
    roles: Vec<Map<String, Value>>,
    policies: Vec<Map<String, Value>>,
    /// The account of most of the seed's ARNs.
    home: String,
    /// The accounts of the seed's users, groups, roles and customer managed
    /// policies (`home` among them); a copy puts all of them in one account.
    owned: Vec<String>,
    /// Twelve-digit account ids the seed mentions but holds nothing of.
    foreign: Vec<String>,
    /// Names renamed in the one-account layout, per kind.
    user_names: HashSet<String>,
    role_names: HashSet<String>,
    group_names: HashSet<String>,
    profile_names: HashSet<String>,
    policy_names: HashSet<String>,
    /// Customer managed policy ARNs.
    policy_arns: HashSet<String>,
    /// ARNs renamed in the one-account layout (users, roles, groups,
    /// instance profiles, customer managed policies; not the singletons).
    arns: Vec<String>,
    /// Unique ids of everything but the singletons.
    ids: HashSet<String>,
    /// Unique ids of the singleton roles and their instance profiles.
    singleton_ids: HashSet<String>,
}

fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

fn objects(doc: &Value, key: &str) -> Vec<Map<String, Value>> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
        .unwrap_or_default()
}

/// A role AWS creates once per account (service-linked, or reserved for
/// IAM Identity Center).
fn is_singleton(role: &Map<String, Value>) -> bool {
    str_of(role, "Path")
        .is_some_and(|p| p.starts_with("/aws-service-role/") || p.starts_with("/aws-reserved/"))
}

fn is_aws_managed(policy: &Map<String, Value>) -> bool {
    str_of(policy, "Arn").is_some_and(|a| a.starts_with("arn:aws:iam::aws:"))
}

/// Every maximal run of twelve ASCII digits in `s`, with its start.
fn account_ids(s: &str) -> Vec<(usize, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b.get(i).is_some_and(u8::is_ascii_digit) {
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i - start == 12
                && let Some(run) = s.get(start..i)
            {
                out.push((start, run));
            }
        } else {
            i += 1;
        }
    }
    out
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

impl Seed {
    /// Reads a dump.
    pub fn read(path: &Path) -> Result<Seed, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("`{}`: {e}", path.display()))?;
        Seed::from_value(&doc)
    }

    /// Takes a parsed dump.
    pub fn from_value(doc: &Value) -> Result<Seed, String> {
        let users = objects(doc, "UserDetailList");
        let groups = objects(doc, "GroupDetailList");
        let roles = objects(doc, "RoleDetailList");
        let policies = objects(doc, "Policies");
        if users.is_empty() && roles.is_empty() {
            return Err("the seed has no users and no roles".to_owned());
        }
        // the home account: the one most entity ARNs are in
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for m in users.iter().chain(&groups).chain(&roles) {
            if let Some(arn) = str_of(m, "Arn")
                && let Some((_, acct)) = account_ids(arn).first()
            {
                *count.entry(acct).or_default() += 1;
            }
        }
        for m in policies.iter().filter(|p| !is_aws_managed(p)) {
            if let Some(arn) = str_of(m, "Arn")
                && let Some((_, acct)) = account_ids(arn).first()
            {
                *count.entry(acct).or_default() += 1;
            }
        }
        let home = count
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(a, _)| (*a).to_owned())
            .ok_or("the seed's ARNs name no account")?;
        let owned: Vec<String> = count.keys().map(|a| (*a).to_owned()).collect();
        let mut all = Vec::new();
        for m in users.iter().chain(&groups).chain(&roles).chain(&policies) {
            for v in m.values() {
                strings(v, &mut all);
            }
        }
        let mut foreign: Vec<String> = all
            .iter()
            .flat_map(|s| account_ids(s))
            .map(|(_, a)| a.to_owned())
            .filter(|a| !owned.contains(a))
            .collect();
        foreign.sort();
        foreign.dedup();
        let mut s = Seed {
            home,
            owned,
            foreign,
            user_names: HashSet::new(),
            role_names: HashSet::new(),
            group_names: HashSet::new(),
            profile_names: HashSet::new(),
            policy_names: HashSet::new(),
            policy_arns: HashSet::new(),
            arns: Vec::new(),
            ids: HashSet::new(),
            singleton_ids: HashSet::new(),
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
        };
        let note = |m: &Map<String, Value>,
                    name_key: &str,
                    id_key: &str,
                    names: &mut HashSet<String>,
                    arns: &mut Vec<String>,
                    ids: &mut HashSet<String>| {
            if let Some(n) = str_of(m, name_key) {
                names.insert(n.to_owned());
            }
            if let Some(a) = str_of(m, "Arn") {
                arns.push(a.to_owned());
            }
            if let Some(i) = str_of(m, id_key) {
                ids.insert(i.to_owned());
            }
        };
        for u in &users {
            note(
                u,
                "UserName",
                "UserId",
                &mut s.user_names,
                &mut s.arns,
                &mut s.ids,
            );
        }
        for g in &groups {
            note(
                g,
                "GroupName",
                "GroupId",
                &mut s.group_names,
                &mut s.arns,
                &mut s.ids,
            );
        }
        for r in &roles {
            let profiles: Vec<Map<String, Value>> = r
                .get("InstanceProfileList")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
                .unwrap_or_default();
            if is_singleton(r) {
                if let Some(i) = str_of(r, "RoleId") {
                    s.singleton_ids.insert(i.to_owned());
                }
                for p in &profiles {
                    if let Some(i) = str_of(p, "InstanceProfileId") {
                        s.singleton_ids.insert(i.to_owned());
                    }
                }
                continue;
            }
            note(
                r,
                "RoleName",
                "RoleId",
                &mut s.role_names,
                &mut s.arns,
                &mut s.ids,
            );
            for p in &profiles {
                note(
                    p,
                    "InstanceProfileName",
                    "InstanceProfileId",
                    &mut s.profile_names,
                    &mut s.arns,
                    &mut s.ids,
                );
            }
        }
        for p in policies.iter().filter(|p| !is_aws_managed(p)) {
            if let Some(a) = str_of(p, "Arn") {
                s.policy_arns.insert(a.to_owned());
            }
            note(
                p,
                "PolicyName",
                "PolicyId",
                &mut s.policy_names,
                &mut s.arns,
                &mut s.ids,
            );
        }
        s.users = users;
        s.groups = groups;
        s.roles = roles;
        s.policies = policies;
        Ok(s)
    }

    /// The seed's account.
    pub fn home(&self) -> &str {
        &self.home
    }

    /// Users and roles of the seed.
    pub fn principals(&self) -> usize {
        self.users.len() + self.roles.len()
    }

    /// Roles each copy but the first has.
    fn copied_roles(&self, layout: Layout) -> usize {
        match layout {
            Layout::OneAccount => self.roles.iter().filter(|r| !is_singleton(r)).count(),
            Layout::Accounts { .. } => self.roles.len(),
        }
    }

    fn list(&self, name: &str) -> &[Map<String, Value>] {
        match name {
            "UserDetailList" => &self.users,
            "GroupDetailList" => &self.groups,
            "RoleDetailList" => &self.roles,
            _ => &self.policies,
        }
    }
}

/// The account id of copy `k` in the many-accounts layout.
fn account_of_copy(seed: &Seed, k: usize) -> String {
    if k == 0 {
        return seed.home.clone();
    }
    // 4xx… ids, clear of the seed's (checked by the caller)
    format!("{:012}", 400_000_000_000u64 + k as u64)
}

/// The renaming of one copy.
struct Copy<'s> {
    seed: &'s Seed,
    k: usize,
    layout: Layout,
    /// Appended to names (one-account layout; empty for copy 0).
    suffix: String,
    /// Appended to unique ids (empty for copy 0).
    id_suffix: String,
    /// Account id → account id.
    accounts: HashMap<&'s str, String>,
    /// Seed ARN → this copy's.
    arns: HashMap<&'s str, String>,
}

impl<'s> Copy<'s> {
    fn new(seed: &'s Seed, layout: Layout, k: usize) -> Copy<'s> {
        let one = layout == Layout::OneAccount;
        let suffix = if one && k > 0 {
            format!("-{k}")
        } else {
            String::new()
        };
        let id_suffix = if k > 0 {
            format!("{k:05X}")
        } else {
            String::new()
        };
        let mut accounts = HashMap::new();
        let own = if one {
            seed.home.clone()
        } else {
            account_of_copy(seed, k)
        };
        for o in seed.owned.iter().filter(|o| **o != own) {
            accounts.insert(o.as_str(), own.clone());
        }
        if !one && k > 0 {
            for f in &seed.foreign {
                accounts.insert(f.as_str(), account_of_copy(seed, 0));
            }
        }
        let mut c = Copy {
            seed,
            k,
            layout,
            suffix,
            id_suffix,
            accounts,
            arns: HashMap::new(),
        };
        if !c.suffix.is_empty() {
            for a in &seed.arns {
                let renamed = match a.rsplit_once('/') {
                    Some((head, name)) => format!("{}/{name}{}", c.sub_accounts(head), c.suffix),
                    None => c.sub_accounts(a),
                };
                c.arns.insert(a.as_str(), renamed);
            }
        }
        c
    }

    /// Replaces the account ids of `s` this copy maps.
    fn sub_accounts(&self, s: &str) -> String {
        if self.accounts.is_empty() {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (i, run) in account_ids(s) {
            if let Some(to) = self.accounts.get(run) {
                out.push_str(s.get(at..i).unwrap_or_default());
                out.push_str(to);
                at = i + run.len();
            }
        }
        out.push_str(s.get(at..).unwrap_or_default());
        out
    }

    /// A string anywhere in a dump: a seed ARN or unique id becomes this
    /// copy's, an assumed-role ARN of a copied role names its copy, and the
    /// account ids are mapped.
    fn string(&self, s: &str) -> String {
        if let Some(a) = self.arns.get(s) {
            return a.clone();
        }
        if self.seed.ids.contains(s)
            || (self.renames_singletons() && self.seed.singleton_ids.contains(s))
        {
            return format!("{s}{}", self.id_suffix);
        }
        if !self.suffix.is_empty()
            && s.starts_with("arn:aws:sts::")
            && let Some((head, rest)) = s.split_once(":assumed-role/")
            && let Some((role, session)) = rest.split_once('/')
            && self.seed.role_names.contains(role)
        {
            return format!(
                "{}:assumed-role/{role}{}/{session}",
                self.sub_accounts(head),
                self.suffix
            );
        }
        self.sub_accounts(s)
    }

    /// Singletons are copied (and get new ids) only when each copy is an
    /// account.
    fn renames_singletons(&self) -> bool {
        self.layout != Layout::OneAccount
    }

    fn name(&self, names: &HashSet<String>, s: &str) -> String {
        if names.contains(s) {
            format!("{s}{}", self.suffix)
        } else {
            s.to_owned()
        }
    }

    fn value(&self, key: &str, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(match key {
                "UserName" => self.name(&self.seed.user_names, s),
                "RoleName" => self.name(&self.seed.role_names, s),
                "GroupName" | "GroupList" => self.name(&self.seed.group_names, s),
                "InstanceProfileName" => self.name(&self.seed.profile_names, s),
                _ => self.string(s),
            }),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(key, x)).collect()),
            Value::Object(m) => Value::Object(self.object(m)),
            other => other.clone(),
        }
    }

    fn object(&self, m: &Map<String, Value>) -> Map<String, Value> {
        // a PolicyName is a managed policy's (renamed) when its object names
        // a customer managed policy; an inline policy's name stays
        let customer = ["PolicyArn", "Arn"]
            .iter()
            .filter_map(|k| str_of(m, k))
            .any(|a| self.seed.policy_arns.contains(a));
        m.iter()
            .map(|(k, v)| {
                let v = match (k.as_str(), v) {
                    ("PolicyName", Value::String(s)) if customer => {
                        Value::String(self.name(&self.seed.policy_names, s))
                    }
                    ("PolicyName", Value::String(s)) => Value::String(s.clone()),
                    _ => self.value(k, v),
                };
                (k.clone(), v)
            })
            .collect()
    }

    /// Whether this copy writes `entry` of `list`.
    fn writes(&self, list: &str, entry: &Map<String, Value>, first_in_file: bool) -> bool {
        match list {
            "RoleDetailList" => {
                self.layout != Layout::OneAccount || self.k == 0 || !is_singleton(entry)
            }
            "Policies" => !is_aws_managed(entry) || first_in_file,
            _ => true,
        }
    }
}

/// FNV-1a of the copy and a name: picks the principals given a wildcard.
fn pick(k: usize, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in k.to_le_bytes().iter().chain(name.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The wildcard grants handed out, in turn.
const WILDCARDS: [&[&str]; 4] = [
    &["iam:*"],
    &["iam:Pass*", "lambda:*", "ec2:*"],
    &["iam:Put*"],
    &["iam:Attach*"],
];

/// Adds a wildcard IAM grant to a copied user or role when the hash picks
/// it; returns whether it did.
fn add_wildcard(cfg: &Config, c: &Copy<'_>, list: &str, entry: &mut Map<String, Value>) -> bool {
    let (name_key, policies_key) = match list {
        "UserDetailList" => ("UserName", "UserPolicyList"),
        "RoleDetailList" => ("RoleName", "RolePolicyList"),
        _ => return false,
    };
    if is_singleton(entry) {
        return false;
    }
    let Some(name) = str_of(entry, name_key) else {
        return false;
    };
    let h = pick(c.k, name);
    if h % 100 >= u64::from(cfg.wildcard_percent) {
        return false;
    }
    let actions = WILDCARDS
        .get((h / 100 % WILDCARDS.len() as u64) as usize)
        .copied()
        .unwrap_or(&["iam:*"]);
    let policy = json!({
        "PolicyName": "iamx-scale-wildcard",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
        }
    });
    match entry
        .entry(policies_key)
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(a) => {
            a.push(policy);
            true
        }
        _ => false,
    }
}

/// Writes one dump holding copies `ks` to `path`.
fn write_file(
    seed: &Seed,
    cfg: &Config,
    ks: std::ops::Range<usize>,
    path: &Path,
    summary: &mut Summary,
) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = io::BufWriter::new(file);
    w.write_all(b"{")?;
    for (li, list) in LISTS.iter().enumerate() {
        if li > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\n\"{list}\": [")?;
        let mut first = true;
        for k in ks.clone() {
            let c = Copy::new(seed, cfg.layout, k);
            for entry in seed.list(list) {
                if !c.writes(list, entry, k == ks.start) {
                    continue;
                }
                let cap = match *list {
                    "UserDetailList" => cfg.max_users.map(|m| (m, summary.users)),
                    "RoleDetailList" => cfg.max_roles.map(|m| (m, summary.roles)),
                    _ => None,
                };
                if cap.is_some_and(|(max, n)| n >= max) {
                    continue;
                }
                let mut out = c.object(entry);
                if add_wildcard(cfg, &c, list, &mut out) {
                    summary.wildcard += 1;
                }
                match *list {
                    "UserDetailList" => summary.users += 1,
                    "RoleDetailList" => summary.roles += 1,
                    "GroupDetailList" => summary.groups += 1,
                    _ if !is_aws_managed(entry) => summary.policies += 1,
                    _ => {}
                }
                if !first {
                    w.write_all(b",")?;
                }
                first = false;
                w.write_all(b"\n")?;
                serde_json::to_writer(&mut w, &Value::Object(out))?;
            }
        }
        w.write_all(b"]")?;
    }
    w.write_all(b",\n\"IsTruncated\": false}\n")?;
    w.flush()?;
    summary.bytes += std::fs::metadata(path)?.len();
    summary.files.push(path.to_owned());
    Ok(())
}

/// Writes the copies into `dir` (created if needed; the files an earlier
/// run wrote there, `authz.json` and `account-*.json`, are removed first).
pub fn write(seed: &Seed, cfg: &Config, dir: &Path) -> io::Result<Summary> {
    if let Layout::Accounts { .. } = cfg.layout {
        let taken: HashSet<&str> = seed
            .owned
            .iter()
            .chain(&seed.foreign)
            .map(String::as_str)
            .collect();
        if (1..cfg.copies).any(|k| taken.contains(account_of_copy(seed, k).as_str())) {
            return Err(io::Error::other(
                "a generated account id is one the seed uses",
            ));
        }
    }
    std::fs::create_dir_all(dir)?;
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name == "authz.json" || name.starts_with("account-") && name.ends_with(".json") {
            std::fs::remove_file(&p)?;
        }
    }
    let mut summary = Summary {
        accounts: match cfg.layout {
            Layout::OneAccount => 1,
            Layout::Accounts { .. } => cfg.copies,
        },
        ..Summary::default()
    };
    match cfg.layout {
        Layout::Accounts { split: true } => {
            for k in 0..cfg.copies {
                let name = format!("account-{}.json", account_of_copy(seed, k));
                write_file(seed, cfg, k..k + 1, &dir.join(name), &mut summary)?;
            }
        }
        _ => write_file(
            seed,
            cfg,
            0..cfg.copies,
            &dir.join("authz.json"),
            &mut summary,
        )?,
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Seed {
        let doc = json!({
            "UserDetailList": [{
                "Path": "/", "UserName": "alice", "UserId": "AIDAALICE",
                "Arn": "arn:aws:iam::111111111111:user/alice",
                "GroupList": ["devs"],
                "AttachedManagedPolicies": [
                    {"PolicyName": "custom", "PolicyArn": "arn:aws:iam::111111111111:policy/custom"},
                    {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                ],
                "UserPolicyList": [{"PolicyName": "custom", "PolicyDocument": {"Statement": []}}]
            }],
            "GroupDetailList": [{
                "Path": "/", "GroupName": "devs", "GroupId": "AGPADEVS",
                "Arn": "arn:aws:iam::111111111111:group/devs", "AttachedManagedPolicies": []
            }],
            "RoleDetailList": [{
                "Path": "/", "RoleName": "deploy", "RoleId": "AROADEPLOY",
                "Arn": "arn:aws:iam::111111111111:role/deploy",
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"AWS": ["arn:aws:iam::111111111111:user/alice",
                                          "arn:aws:iam::222222222222:root",
                                          "arn:aws:sts::111111111111:assumed-role/deploy/s"]}}]},
                "RolePolicyList": [{"PolicyName": "pass", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": "iam:PassRole",
                     "Resource": ["arn:aws:iam::111111111111:role/deploy", "arn:aws:iam::111111111111:role/dep*"]}]}}],
                "AttachedManagedPolicies": []
            }, {
                "Path": "/aws-service-role/ssm.amazonaws.com/", "RoleName": "AWSServiceRoleForSSM",
                "RoleId": "AROASSM", "Arn": "arn:aws:iam::111111111111:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForSSM",
                "AttachedManagedPolicies": []
            }],
            "Policies": [{
                "PolicyName": "custom", "PolicyId": "ANPACUSTOM",
                "Arn": "arn:aws:iam::111111111111:policy/custom", "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Statement": []}}]
            }, {
                "PolicyName": "ReadOnlyAccess", "PolicyId": "ANPARO",
                "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Statement": []}}]
            }]
        });
        Seed::from_value(&doc).unwrap()
    }

    fn written(cfg: &Config) -> Vec<Value> {
        let dir = std::env::temp_dir().join(format!(
            "iamx-aws-scale-test-{}-{:?}",
            std::process::id(),
            cfg.layout
        ));
        let s = write(&seed(), cfg, &dir).unwrap();
        let out = s
            .files
            .iter()
            .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        out
    }

    #[test]
    fn one_account_renames_every_reference_alike() {
        let mut cfg = Config::one_account(&seed(), 3, 4);
        cfg.wildcard_percent = 0;
        assert_eq!(cfg.copies, 4);
        let docs = written(&cfg);
        let d = &docs[0];
        let users = d["UserDetailList"].as_array().unwrap();
        assert_eq!(users.len(), 3);
        let u2 = &users[2];
        assert_eq!(u2["UserName"], "alice-2");
        assert_eq!(u2["Arn"], "arn:aws:iam::111111111111:user/alice-2");
        assert_eq!(u2["UserId"], "AIDAALICE00002");
        assert_eq!(u2["GroupList"][0], "devs-2");
        assert_eq!(u2["AttachedManagedPolicies"][0]["PolicyName"], "custom-2");
        assert_eq!(
            u2["AttachedManagedPolicies"][0]["PolicyArn"],
            "arn:aws:iam::111111111111:policy/custom-2"
        );
        assert_eq!(
            u2["AttachedManagedPolicies"][1]["PolicyName"],
            "ReadOnlyAccess"
        );
        // an inline policy's name is the principal's own
        assert_eq!(u2["UserPolicyList"][0]["PolicyName"], "custom");
        let roles = d["RoleDetailList"].as_array().unwrap();
        // the service-linked role once, the other one up to the cap
        assert_eq!(roles.len(), 4);
        assert_eq!(
            roles
                .iter()
                .filter(|r| r["RoleName"] == "AWSServiceRoleForSSM")
                .count(),
            1
        );
        let r2 = roles.iter().find(|r| r["RoleName"] == "deploy-2").unwrap();
        let trust = &r2["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"];
        assert_eq!(trust[0], "arn:aws:iam::111111111111:user/alice-2");
        assert_eq!(trust[1], "arn:aws:iam::222222222222:root");
        assert_eq!(
            trust[2],
            "arn:aws:sts::111111111111:assumed-role/deploy-2/s"
        );
        let res = &r2["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Resource"];
        assert_eq!(res[0], "arn:aws:iam::111111111111:role/deploy-2");
        assert_eq!(res[1], "arn:aws:iam::111111111111:role/dep*");
        let groups = d["GroupDetailList"].as_array().unwrap();
        assert_eq!(groups[1]["GroupName"], "devs-1");
        let policies = d["Policies"].as_array().unwrap();
        // four copies of the customer policy, the AWS one once
        assert_eq!(policies.len(), 5);
        assert_eq!(policies[0]["PolicyName"], "custom");
        assert_eq!(
            policies[2]["Arn"],
            "arn:aws:iam::111111111111:policy/custom-1"
        );
    }

    #[test]
    fn caps_stop_each_list() {
        let mut cfg = Config::one_account(&seed(), 2, 2);
        cfg.wildcard_percent = 0;
        let d = &written(&cfg)[0];
        assert_eq!(d["UserDetailList"].as_array().unwrap().len(), 2);
        assert_eq!(d["RoleDetailList"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn accounts_map_the_home_and_foreign_accounts() {
        let mut cfg = Config::accounts(3, true);
        cfg.wildcard_percent = 0;
        let docs = written(&cfg);
        assert_eq!(docs.len(), 3);
        let d = &docs[2];
        let u = &d["UserDetailList"][0];
        assert_eq!(u["UserName"], "alice");
        assert_eq!(u["Arn"], "arn:aws:iam::400000000002:user/alice");
        assert_eq!(u["UserId"], "AIDAALICE00002");
        let r = &d["RoleDetailList"][0];
        let trust = &r["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"];
        assert_eq!(trust[1], "arn:aws:iam::111111111111:root");
        let slr = &d["RoleDetailList"][1];
        assert_eq!(slr["RoleId"], "AROASSM00002");
        // every file holds the AWS managed policies it attaches
        assert_eq!(d["Policies"].as_array().unwrap().len(), 2);
        // copy 0 keeps the seed's foreign account
        let t0 = &docs[0]["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
            ["AWS"];
        assert_eq!(t0[1], "arn:aws:iam::222222222222:root");
    }

    #[test]
    fn wildcards_go_to_about_the_fraction_asked() {
        let mut cfg = Config::accounts(200, false);
        cfg.wildcard_percent = 25;
        let d = &written(&cfg)[0];
        let with = d["UserDetailList"]
            .as_array()
            .unwrap()
            .iter()
            .chain(d["RoleDetailList"].as_array().unwrap())
            .filter(|e| e.to_string().contains("iamx-scale-wildcard"))
            .count();
        // 400 users and non-service-linked roles
        assert!((60..140).contains(&with), "{with}");
    }
}
