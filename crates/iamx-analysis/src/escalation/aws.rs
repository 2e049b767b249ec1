//! AWS: the technique catalog (`data/escalation/aws.json`) interpreted over
//! an environment. Every permission a technique needs is decided by the
//! concrete evaluator for the caller on the resource the entry says it
//! applies to; targets that a caller's statements cannot tell apart share
//! one decision, and the targets a caller reaches alike are one hub.
//!
//! Scale: the sorting of an account's targets into those classes is shared
//! by every caller whose statements name the same resource elements
//! ([`Shared`]), and a caller decides one target per class, so the work
//! grows with the distinct statement sets and classes, never callers ×
//! targets. A technique that leaves the caller out keeps it in a set of two
//! or more others (acting as oneself is no step), so callers alike share
//! one set; an existing resource that may run as several roles is one
//! condition on the set ("runs as one of these roles"), one role is named.

use super::{Admin, Facts, Grade, Grant, Options, Rewrite, Step, TargetSet, and, grade, or};
use crate::technique::{self, Effect, Precondition, TargetKind, Technique};
use iamx_aws::AwsEnvironment;
use iamx_model::{
    AwsProgram, Condition, Context, Effect as StEffect, Pattern, Policy, Principal, PrincipalEntry,
    PrincipalKind, Tri, Value, evaluate,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Longest lifetime of temporary credentials (`GetSessionToken` and
/// `GetFederationToken`: 36 hours), so a session in use at `now` was issued
/// in `[now - 36 h, now]`.
const MAX_SESSION_SECONDS: i64 = 36 * 3600;

/// The context a question is asked in: open, with the keys the user fixed
/// and the present time.
/// The side of `p` in every question asked of it under `opts`: the
/// context the options give (the request's own keys are added per question,
/// see [`request`]).
fn caller_side(env: &AwsEnvironment, p: &Principal, opts: &Options) -> iamx_aws::env::Caller {
    env.caller(p.clone(), context(opts, &[]))
}

/// The request `caller` makes for `action` on `resource` with the `extra`
/// keys the question adds, where the options do not set them: the request
/// [`context`]`(opts, extra)` gives.
fn request(
    env: &AwsEnvironment,
    caller: &iamx_aws::env::Caller,
    action: &str,
    resource: &str,
    opts: &Options,
    extra: &[(&str, &str)],
) -> iamx_model::Request {
    let (mut req, _) = env.request_with(caller, action, resource);
    for (k, v) in extra {
        if opts.context.get(k).is_none() {
            req.context.insert(k, Value::str(*v));
        }
    }
    req
}

fn context(opts: &Options, extra: &[(&str, &str)]) -> Context {
    let mut ctx = opts.context_on(
        Context::open(),
        &[
            ("aws:CurrentTime", super::Clock::Date),
            ("aws:EpochTime", super::Clock::Epoch),
        ],
    );
    for (k, v) in extra {
        if opts.context.get(k).is_none() {
            ctx.insert(k, Value::str(*v));
        }
    }
    ctx
}

/// A request on a resource of one region is sent to that region:
/// `aws:RequestedRegion` is the ARN's region when it names one.
fn region_of(arn: &str) -> Vec<(&'static str, &str)> {
    match arn.split(':').nth(3) {
        Some(r) if !r.is_empty() && !r.contains(['*', '?', '$']) => {
            vec![("aws:RequestedRegion", r)]
        }
        _ => Vec::new(),
    }
}

/// Clauses on `key_lc` anywhere in `c`.
fn clauses_on<'c>(c: &'c Condition, key_lc: &str, out: &mut Vec<&'c iamx_model::AwsClause>) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            for x in cs {
                clauses_on(x, key_lc, out);
            }
        }
        Condition::Not(x) => clauses_on(x, key_lc, out),
        Condition::Aws(cl) if cl.key_lc == key_lc => out.push(cl),
        _ => {}
    }
}

/// Decides `action` on `resource` for `p`. With a present time, a request
/// that depends on `aws:TokenIssueTime` is decided for every issue time a
/// session in use now can have (absent for long-term keys, or in the last
/// 36 hours), when no constant of the program falls inside that window
/// (then one time stands for all of it).
fn decide(
    env: &AwsEnvironment,
    caller: &iamx_aws::env::Caller,
    action: &str,
    resource: &str,
    opts: &Options,
    extra: &[(&str, &str)],
) -> Grade {
    let req = request(env, caller, action, resource, opts, extra);
    let prog = env.program_with(caller, &req);
    let d = evaluate(&prog, &req);
    let g = grade(&d);
    let (Some(now), Some(Some(_))) = (opts.now, &g) else {
        return g;
    };
    if opts.context.get("aws:TokenIssueTime").is_some() {
        return g;
    }
    let mut clauses = Vec::new();
    for pol in prog.policies() {
        for st in &pol.statements {
            clauses_on(&st.condition, "aws:tokenissuetime", &mut clauses);
        }
    }
    if clauses.is_empty() {
        return g;
    }
    let lo = (now - MAX_SESSION_SECONDS) * 1000;
    let hi = now * 1000;
    let inside = clauses.iter().any(|cl| {
        cl.values.iter().any(|v| match v {
            iamx_model::CondValue::Date(t) => *t >= lo && *t <= hi,
            iamx_model::CondValue::Str(p) => {
                iamx_model::value::parse_date(p.raw()).is_none_or(|t| t >= lo && t <= hi)
            }
            _ => true,
        })
    });
    if inside {
        return g;
    }
    let mut variants: Vec<Value> = vec![Value::str(iamx_model::value::format_date(hi))];
    if caller.principal.kind == PrincipalKind::User {
        variants.push(Value::Null);
    }
    let mut out: Grade = None;
    for v in variants {
        let mut r = req.clone();
        r.context.insert("aws:TokenIssueTime", v);
        out = or(out, grade(&evaluate(&prog, &r)));
    }
    out
}

/// What a caller's statements say about one action, for sorting targets
/// into classes that get the same decision.
struct ActionView {
    /// (resource element, negated) of every statement of the caller's
    /// program that names the action.
    elements: Vec<(Vec<Pattern>, bool)>,
    /// Whether the statements can tell targets apart only by their ARN
    /// (no policy variable in a resource, no condition on a resource tag).
    by_arn: bool,
}

impl ActionView {
    fn new(prog: &AwsProgram, action_lc: &str) -> ActionView {
        let service = action_lc.split_once(':').map_or("", |(s, _)| s);
        let mut elements = Vec::new();
        let mut by_arn = true;
        for pol in prog.policies() {
            for i in pol.candidates(service) {
                let Some(st) = pol.statements.get(i) else {
                    continue;
                };
                if !st.action.matches_lc(action_lc) {
                    continue;
                }
                if let Some(r) = &st.resource {
                    if r.patterns.iter().any(Pattern::has_vars) {
                        by_arn = false;
                    }
                    elements.push((r.patterns.clone(), r.negated));
                }
                if reads_resource(&st.condition) {
                    by_arn = false;
                }
            }
        }
        ActionView { elements, by_arn }
    }

    /// The class of `target`: which statements' resources it matches, and
    /// the guardrail that may apply to it.
    fn class(&self, caller: &Principal, action_lc: &str, target: &str) -> Vec<u8> {
        if !self.by_arn {
            return target.as_bytes().to_vec();
        }
        let mut key: Vec<u8> = self
            .elements
            .iter()
            .map(|(ps, neg)| {
                let hit = ps
                    .iter()
                    .any(|p| p.matches_with(target, &iamx_model::pattern::NoVars) == Tri::True);
                u8::from(hit != *neg)
            })
            .collect();
        key.push(
            match iamx_model::guardrail::guardrail_for(caller, action_lc, target) {
                None => 0,
                Some((_, Tri::True)) => 1,
                Some((_, Tri::False)) => 2,
                Some((_, Tri::Unknown(_))) => 3,
            },
        );
        key
    }
}

/// Whether a condition reads something of the resource (its tags).
fn reads_resource(c: &Condition) -> bool {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().any(reads_resource),
        Condition::Not(x) => reads_resource(x),
        Condition::Aws(cl) => {
            cl.key_lc.contains("resourcetag") || cl.key_lc == "aws:resourceaccount"
        }
        Condition::Expr(_) | Condition::Unsupported(_) => true,
        Condition::True => false,
    }
}

/// The targets of one kind in each account.
struct Targets<'a> {
    users: BTreeMap<&'a str, Vec<&'a iamx_aws::env::User>>,
    roles: BTreeMap<&'a str, Vec<&'a iamx_aws::env::Role>>,
    groups: BTreeMap<&'a str, Vec<&'a iamx_aws::env::Group>>,
    /// Customer managed policies, by the account in their ARN.
    managed: BTreeMap<&'a str, Vec<&'a iamx_aws::env::ManagedPolicy>>,
    /// Service principal → (role ARN → the trust's condition, if any).
    trusting: HashMap<&'a str, BTreeMap<&'a str, Option<String>>>,
    /// Group ARN → member user ARNs.
    members: HashMap<&'a str, Vec<&'a str>>,
    /// Managed policy ARN → the users, roles and groups it is attached to.
    attached: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Targets<'a> {
    fn new(env: &'a AwsEnvironment, services: &BTreeSet<&'a str>) -> Targets<'a> {
        let mut t = Targets {
            users: BTreeMap::new(),
            roles: BTreeMap::new(),
            groups: BTreeMap::new(),
            managed: BTreeMap::new(),
            trusting: HashMap::new(),
            members: HashMap::new(),
            attached: HashMap::new(),
        };
        for u in env.users.values() {
            t.users.entry(u.account.as_str()).or_default().push(u);
            for g in &u.groups {
                if let Some(gr) = env.group_named(&u.account, g) {
                    t.members.entry(gr.arn.as_str()).or_default().push(&u.arn);
                }
            }
            for m in &u.attached {
                t.attached.entry(m.as_str()).or_default().push(&u.arn);
            }
        }
        for r in env.roles.values() {
            t.roles.entry(r.account.as_str()).or_default().push(r);
            for m in &r.attached {
                t.attached.entry(m.as_str()).or_default().push(&r.arn);
            }
            let Some(trust) = &r.trust else { continue };
            for st in &trust.statements {
                if st.effect != StEffect::Allow || !st.action.matches_lc("sts:assumerole") {
                    continue;
                }
                let Some(spec) = &st.principal else { continue };
                if spec.negated {
                    continue;
                }
                for e in &spec.entries {
                    if let PrincipalEntry::Service(s) = e
                        && let Some(svc) = services.get(s.as_str())
                    {
                        let cond = (!st.condition.is_true()).then(|| {
                            format!("the trust policy of {}'s condition ({})", r.name, st.origin)
                        });
                        let slot = t.trusting.entry(svc).or_default().entry(&r.arn);
                        match slot {
                            std::collections::btree_map::Entry::Vacant(v) => {
                                v.insert(cond);
                            }
                            std::collections::btree_map::Entry::Occupied(mut o) => {
                                if cond.is_none() {
                                    o.insert(None);
                                }
                            }
                        }
                    }
                }
            }
        }
        for g in env.groups.values() {
            t.groups.entry(g.account.as_str()).or_default().push(g);
            for m in &g.attached {
                t.attached.entry(m.as_str()).or_default().push(&g.arn);
            }
        }
        for m in env.managed.values() {
            if let Some(acct) = m
                .arn
                .strip_prefix("arn:aws:iam::")
                .and_then(|r| r.split(':').next())
                .filter(|a| *a != "aws")
            {
                t.managed.entry(acct).or_default().push(m);
            }
        }
        t
    }
}

/// Probes of full access, on resources of the principal's own account: a
/// principal allowed all of them holds an administrator's permissions.
const ADMIN_PROBES: [(&str, &str); 5] = [
    (
        "iam:PutRolePolicy",
        "arn:aws:iam::{account}:role/iamx-probe",
    ),
    ("iam:CreateUser", "arn:aws:iam::{account}:user/iamx-probe"),
    (
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1:{account}:instance/iamx-probe",
    ),
    (
        "lambda:CreateFunction",
        "arn:aws:lambda:us-east-1:{account}:function:iamx-probe",
    ),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:{account}:table/iamx-probe",
    ),
];

/// A change of a program's identity policies.
type Rewritten = dyn Fn(Vec<Arc<Policy>>) -> Vec<Arc<Policy>>;

/// Whether `p` holds full access (every probe), with the program's
/// identity policies replaced by `identity` when given: what a rewrite of
/// its permissions would leave within its boundary and SCPs.
fn full_access(
    env: &AwsEnvironment,
    p: &Principal,
    opts: &Options,
    identity: Option<&Rewritten>,
) -> Grade {
    let account = p.account.clone()?;
    let mut out: Grade = Some(None);
    let caller = caller_side(env, p, opts);
    for (a, r) in ADMIN_PROBES {
        let resource = r.replace("{account}", &account);
        let req = request(env, &caller, a, &resource, opts, &region_of(&resource));
        let mut prog = env.program_with(&caller, &req);
        if let Some(f) = identity {
            prog.identity = f(std::mem::take(&mut prog.identity));
        }
        out = and(out, grade(&evaluate(&prog, &req)));
        out.as_ref()?;
    }
    out
}

fn allow_all() -> Arc<Policy> {
    static P: std::sync::OnceLock<Arc<Policy>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
        let (pol, _) = iamx_aws::parse_policy_text(
            "(any policy the rewrite writes)",
            doc,
            iamx_aws::PolicyOptions {
                ptype: iamx_aws::PolicyType::Identity,
                actions: None,
            },
        );
        Arc::new(pol.unwrap_or_else(|| Policy::new(Arc::from("(empty)"), Vec::new())))
    })
    .clone()
}

/// One caller's questions, cached per action.
struct Caller<'e> {
    env: &'e AwsEnvironment,
    p: Principal,
    /// `p`'s side of every question ([`caller_side`]).
    side: iamx_aws::env::Caller,
    opts: &'e Options,
    account: String,
    ident: Vec<Arc<Policy>>,
    views: HashMap<String, ActionView>,
    by_class: HashMap<(String, Vec<u8>, Option<&'static str>), Grade>,
    /// (action, ARN pattern) → grade.
    somewhere: HashMap<(String, String), Grade>,
}

impl<'e> Caller<'e> {
    fn mentions(&self, action: &str) -> bool {
        let lc = action.to_ascii_lowercase();
        self.ident.iter().any(|pol| {
            pol.statements
                .iter()
                .any(|st| st.effect == StEffect::Allow && st.action.matches_lc(&lc))
        })
    }

    /// The view of `action` (built on the program of `target` when it is
    /// the first asked).
    fn view(&mut self, action: &str, target: &str) -> &ActionView {
        let lc = action.to_ascii_lowercase();
        self.views.entry(lc.clone()).or_insert_with(|| {
            let (req, _) = self
                .env
                .request_for(self.p.clone(), action, target, Context::open());
            let prog = self.env.program_for(&req);
            ActionView::new(&prog, &lc)
        })
    }

    /// `action` on `target`, with `iam:PassedToService` when passing.
    fn on(&mut self, action: &str, target: &str, passed_to: Option<&'static str>) -> Grade {
        let lc = action.to_ascii_lowercase();
        if !self.views.contains_key(&lc) {
            let (req, _) = self
                .env
                .request_for(self.p.clone(), action, target, Context::open());
            let prog = self.env.program_for(&req);
            self.views.insert(lc.clone(), ActionView::new(&prog, &lc));
        }
        let class = match self.views.get(&lc) {
            Some(v) => v.class(&self.p, &lc, target),
            None => target.as_bytes().to_vec(),
        };
        let key = (lc, class, passed_to);
        if let Some(g) = self.by_class.get(&key) {
            return g.clone();
        }
        let extra: Vec<(&str, &str)> = passed_to
            .map(|s| ("iam:PassedToService", s))
            .into_iter()
            .collect();
        let g = decide(self.env, &self.side, action, target, self.opts, &extra);
        self.by_class.insert(key, g.clone());
        g
    }

    /// `action` on some resource of the caller's account matching `template`
    /// (`{account}` the caller's account): the resource patterns of the
    /// caller's statements that name it each stand for what they match,
    /// and the template for `*`.
    fn somewhere(&mut self, action: &str, template: &str) -> Grade {
        let key = (action.to_owned(), template.to_owned());
        if let Some(g) = self.somewhere.get(&key) {
            return g.clone();
        }
        let lc = action.to_ascii_lowercase();
        let mut reps: BTreeSet<String> = BTreeSet::new();
        let concrete = template
            .replace("{account}", &self.account)
            .replacen(":*:", ":us-east-1:", 1)
            .replace('*', "iamx-any");
        for pol in &self.ident {
            for st in &pol.statements {
                if st.effect != StEffect::Allow || !st.action.matches_lc(&lc) {
                    continue;
                }
                match &st.resource {
                    Some(r) if !r.negated => {
                        for p in &r.patterns {
                            if p.is_any() {
                                reps.insert(concrete.clone());
                            } else {
                                reps.insert(p.raw().to_owned());
                            }
                        }
                    }
                    _ => {
                        reps.insert(concrete.clone());
                    }
                }
            }
        }
        let mut best: Grade = None;
        for r in reps {
            let region = region_of(&r);
            best = or(
                best,
                decide(self.env, &self.side, action, &r, self.opts, &region),
            );
            if best == Some(None) {
                break;
            }
        }
        self.somewhere.insert(key, best.clone());
        best
    }
}

/// The targets of one kind in one account a technique may apply to, with
/// the condition each one's trust policy adds (for a service's roles).
struct List {
    targets: Vec<(String, Option<String>)>,
    index: HashMap<String, u32>,
    /// Targets with the same trust condition share a class.
    trust_class: Vec<u32>,
}

impl List {
    fn new(targets: Vec<(String, Option<String>)>) -> List {
        let index = (0u32..)
            .zip(&targets)
            .map(|(i, (t, _))| (t.clone(), i))
            .collect();
        let mut conds: HashMap<Option<String>, u32> = HashMap::new();
        let trust_class = targets
            .iter()
            .map(|(_, c)| {
                let n = u32::try_from(conds.len()).unwrap_or(u32::MAX);
                *conds.entry(c.clone()).or_insert(n)
            })
            .collect();
        List {
            targets,
            index,
            trust_class,
        }
    }

    fn target(&self, i: u32) -> &str {
        self.targets.get(i as usize).map_or("", |(t, _)| t.as_str())
    }
}

/// A list's targets sorted into classes: `class_of[i]` is target `i`'s
/// class, `members[c]` the targets of class `c`.
struct Partition {
    class_of: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Partition {
    /// The partition by a key per target.
    fn by_key<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> Partition {
        let mut ids: HashMap<K, u32> = HashMap::new();
        let mut class_of = Vec::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for (i, k) in (0u32..).zip(keys) {
            let n = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            let c = *ids.entry(k).or_insert(n);
            if c == n {
                members.push(Vec::new());
            }
            if let Some(m) = members.get_mut(c as usize) {
                m.push(i);
            }
            class_of.push(c);
        }
        Partition { class_of, members }
    }
}

/// Which list a technique's targets come from.
type ListKey = (String, u8, Vec<String>, bool);
/// (list, action, the statements' resource elements, guardrail caller).
type PartKey = (usize, String, Option<String>, Option<String>);
/// (list, the partitions refined).
type CombinedKey = (usize, Vec<usize>);
/// A cache shared by the callers' threads.
type Cache<K, V> = std::sync::Mutex<HashMap<K, Arc<V>>>;

/// What callers share: the target lists of each account and their
/// partitions by the resource elements a caller's statements name, so that
/// callers whose statements tell targets apart the same way sort them once
/// (the work is per distinct set of statements, not per caller).
struct Shared<'a> {
    targets: &'a Targets<'a>,
    lists: Cache<ListKey, List>,
    parts: Cache<PartKey, Partition>,
    combined: Cache<CombinedKey, Partition>,
}

fn cached<K: std::hash::Hash + Eq, V>(
    map: &Cache<K, V>,
    key: K,
    make: impl FnOnce() -> V,
) -> Arc<V> {
    if let Some(v) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let v = Arc::new(make());
    if let Ok(mut m) = map.lock() {
        return m.entry(key).or_insert(v).clone();
    }
    v
}

impl<'a> Shared<'a> {
    fn new(targets: &'a Targets<'a>) -> Shared<'a> {
        Shared {
            targets,
            lists: std::sync::Mutex::new(HashMap::new()),
            parts: std::sync::Mutex::new(HashMap::new()),
            combined: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The targets of `t` in `acct`.
    fn list(&self, t: &Technique, acct: &str) -> Arc<List> {
        let targets = self.targets;
        let stored = t.requires(Precondition::StoredVersionGrantsMore);
        let (kind, services) = match t.target {
            TargetKind::User => (0, Vec::new()),
            TargetKind::Group => (1, Vec::new()),
            TargetKind::Policy => (2, Vec::new()),
            TargetKind::Role if t.services.is_empty() => (3, Vec::new()),
            TargetKind::Role => (4, t.services.clone()),
            // other clouds' kinds: the catalog's reader keeps them out
            TargetKind::ServiceAccount
            | TargetKind::Container
            | TargetKind::CustomRole
            | TargetKind::Scope
            | TargetKind::RoleDefinition
            | TargetKind::Identity => (5, Vec::new()),
        };
        let key = (acct.to_owned(), kind, services.clone(), stored && kind == 2);
        cached(&self.lists, key, || {
            let candidates: Vec<(String, Option<String>)> = match kind {
                0 => targets
                    .users
                    .get(acct)
                    .into_iter()
                    .flatten()
                    .map(|u| (u.arn.clone(), None))
                    .collect(),
                1 => targets
                    .groups
                    .get(acct)
                    .into_iter()
                    .flatten()
                    .map(|g| (g.arn.clone(), None))
                    .collect(),
                2 => targets
                    .managed
                    .get(acct)
                    .into_iter()
                    .flatten()
                    .filter(|m| !stored || !m.other_versions.is_empty())
                    .map(|m| (m.arn.clone(), None))
                    .collect(),
                3 => targets
                    .roles
                    .get(acct)
                    .into_iter()
                    .flatten()
                    .map(|r| (r.arn.clone(), None))
                    .collect(),
                4 => {
                    let mut m: BTreeMap<String, Option<String>> = BTreeMap::new();
                    for s in &services {
                        for (arn, cond) in targets.trusting.get(s.as_str()).into_iter().flatten() {
                            if !arn
                                .strip_prefix("arn:aws:iam::")
                                .is_some_and(|r| r.starts_with(&format!("{acct}:")))
                            {
                                continue;
                            }
                            let e = m.entry((*arn).to_owned()).or_insert_with(|| cond.clone());
                            if cond.is_none() {
                                *e = None;
                            }
                        }
                    }
                    m.into_iter().collect()
                }
                _ => Vec::new(),
            };
            List::new(candidates)
        })
    }

    /// `list` sorted by how `view` (of `action_lc`, for `caller`) tells
    /// its targets apart.
    fn partition(
        &self,
        list: &Arc<List>,
        view: &ActionView,
        caller: &Principal,
        action_lc: &str,
    ) -> Arc<Partition> {
        let signature = view.by_arn.then(|| {
            let mut s = String::new();
            for (ps, neg) in &view.elements {
                s.push(if *neg { '!' } else { '=' });
                for p in ps {
                    s.push_str(p.raw());
                    s.push('\u{1}');
                }
                s.push('\u{2}');
            }
            s
        });
        // the guardrails read the caller only to exempt a service-linked
        // session
        let guard_caller = (!iamx_model::guardrail::service_linked_session(caller).is_false())
            .then(|| caller.id.clone());
        let key = (
            Arc::as_ptr(list) as usize,
            action_lc.to_owned(),
            signature,
            guard_caller,
        );
        cached(&self.parts, key, || {
            if !view.by_arn {
                return Partition::by_key(0..list.targets.len());
            }
            // each element's hits, found through the index for a literal ARN
            let n = list.targets.len();
            let mut keys: Vec<Vec<u8>> = vec![Vec::with_capacity(view.elements.len() + 1); n];
            for (ps, neg) in &view.elements {
                let mut hit = vec![false; n];
                for p in ps {
                    match p.as_literal() {
                        Some(l) if p.case() == iamx_model::pattern::Case::Sensitive => {
                            if let Some(h) =
                                list.index.get(l).and_then(|i| hit.get_mut(*i as usize))
                            {
                                *h = true;
                            }
                        }
                        _ if p.is_any() => hit.iter_mut().for_each(|h| *h = true),
                        _ => {
                            for (h, (t, _)) in hit.iter_mut().zip(&list.targets) {
                                if !*h
                                    && p.matches_with(t, &iamx_model::pattern::NoVars) == Tri::True
                                {
                                    *h = true;
                                }
                            }
                        }
                    }
                }
                for (k, h) in keys.iter_mut().zip(hit) {
                    k.push(u8::from(h != *neg));
                }
            }
            for (k, (t, _)) in keys.iter_mut().zip(&list.targets) {
                k.push(guard_key(caller, action_lc, t));
            }
            Partition::by_key(keys.into_iter())
        })
    }

    /// The common refinement of `parts` and the list's trust conditions.
    fn combine(&self, list: &Arc<List>, parts: &[Arc<Partition>]) -> Arc<Partition> {
        let key = (
            Arc::as_ptr(list) as usize,
            parts.iter().map(|p| Arc::as_ptr(p) as usize).collect(),
        );
        cached(&self.combined, key, || {
            Partition::by_key((0..list.targets.len()).map(|i| {
                let mut k: Vec<u32> = parts
                    .iter()
                    .map(|p| p.class_of.get(i).copied().unwrap_or(u32::MAX))
                    .collect();
                k.push(list.trust_class.get(i).copied().unwrap_or(u32::MAX));
                k
            }))
        })
    }
}

/// The guardrail part of a target's class (as [`ActionView::class`]).
fn guard_key(caller: &Principal, action_lc: &str, target: &str) -> u8 {
    match iamx_model::guardrail::guardrail_for(caller, action_lc, target) {
        None => 0,
        Some((_, Tri::True)) => 1,
        Some((_, Tri::False)) => 2,
        Some((_, Tri::Unknown(_))) => 3,
    }
}

/// Targets one caller reaches by one technique under one condition: the
/// classes `classes` of a shared partition of a shared list, and, when the
/// technique leaves the caller out and only one other target is left, that
/// one.
struct Reached {
    technique: &'static Technique,
    condition: Option<String>,
    to: ReachedTo,
}

enum ReachedTo {
    One(String),
    Classes {
        list: Arc<List>,
        part: Arc<Partition>,
        classes: Vec<u32>,
    },
}

impl ReachedTo {
    /// The targets reached, sorted.
    fn members(&self) -> Vec<String> {
        match self {
            ReachedTo::One(target) => vec![target.clone()],
            ReachedTo::Classes {
                list,
                part,
                classes,
            } => {
                let mut m: Vec<String> = classes
                    .iter()
                    .filter_map(|ci| part.members.get(*ci as usize))
                    .flatten()
                    .map(|i| list.target(*i).to_owned())
                    .collect();
                m.sort();
                m.dedup();
                m
            }
        }
    }
}

/// What one caller reaches.
type Found = Vec<Reached>;

fn of_caller(
    env: &AwsEnvironment,
    shared: &Shared<'_>,
    catalog: &'static [Technique],
    opts: &Options,
    p: Principal,
    admin: bool,
) -> Found {
    let mut out = Found::new();
    let Some(account) = p.account.clone() else {
        return out;
    };
    let ident = env.identity_policies(&p);
    let mut c = Caller {
        env,
        side: caller_side(env, &p, opts),
        p,
        opts,
        account,
        ident,
        views: HashMap::new(),
        by_class: HashMap::new(),
        somewhere: HashMap::new(),
    };
    let me = c.p.role_arn.clone().unwrap_or_else(|| c.p.id.clone());
    let is_user = c.p.kind == PrincipalKind::User;
    for t in catalog {
        if matches!(t.effect, Effect::Composite) || t.requires(Precondition::TrustAdmitsCaller) {
            continue;
        }
        if t.requires(Precondition::CallerIsUser) && !is_user {
            continue;
        }
        // an administrator gains nothing by a rewrite (the layout drops
        // its rewrites)
        if admin && matches!(t.effect, Effect::ChangePermissions | Effect::JoinGroup) {
            continue;
        }
        if !t.permissions.iter().all(|perm| {
            c.mentions(if perm.on == "passed-role" {
                "iam:PassRole"
            } else {
                &perm.action
            })
        }) {
            continue;
        }
        // the permissions on the service's own resources, once per caller
        let mut service_grade: Grade = Some(None);
        for perm in t
            .permissions
            .iter()
            .filter(|x| x.on != "target" && x.on != "passed-role")
        {
            service_grade = and(service_grade, c.somewhere(&perm.action, &perm.on));
        }
        if service_grade.is_none() {
            continue;
        }
        let acct = c.account.clone();
        let list = shared.list(t, &acct);
        let Some((first, _)) = list.targets.first() else {
            continue;
        };
        let first = first.clone();
        // the classes of targets this caller's statements cannot tell apart
        let mut parts = Vec::new();
        let caller = c.p.clone();
        for perm in &t.permissions {
            let action = match perm.on.as_str() {
                "target" => perm.action.as_str(),
                "passed-role" => "iam:PassRole",
                _ => continue,
            };
            let lc = action.to_ascii_lowercase();
            let view = c.view(action, &first);
            parts.push(shared.partition(&list, view, &caller, &lc));
        }
        let part = shared.combine(&list, &parts);
        // one decision per class, on its first target
        let mut by_cond: BTreeMap<Option<String>, Vec<u32>> = BTreeMap::new();
        for (ci, members) in (0u32..).zip(&part.members) {
            let Some(rep) = members.first() else { continue };
            let target = list.target(*rep).to_owned();
            let mut g = service_grade.clone();
            for perm in &t.permissions {
                g = match perm.on.as_str() {
                    "target" => and(g, c.on(&perm.action, &target, None)),
                    "passed-role" => {
                        let mut any: Grade = None;
                        for s in &t.services {
                            any = or(any, c.on("iam:PassRole", &target, Some(s.as_str())));
                        }
                        and(g, any)
                    }
                    _ => g,
                };
                if g.is_none() {
                    break;
                }
            }
            let trust_cond = list.targets.get(*rep as usize).and_then(|(_, c)| c.clone());
            if trust_cond.is_some() {
                g = and(g, Some(trust_cond));
            }
            if let Some(cond) = g {
                by_cond.entry(cond).or_default().push(ci);
            }
        }
        let leaves_out_self = t.requires(Precondition::NotSelf)
            || matches!(t.effect, Effect::RunCodeAs | Effect::ReachExisting);
        // the caller's own index, once, whether it is listed by its ARN or by its id
        let mut own: Vec<u32> = [me.as_str(), c.p.id.as_str()]
            .iter()
            .filter_map(|x| list.index.get(*x).copied())
            .collect();
        own.sort_unstable();
        own.dedup();
        for (cond, classes) in by_cond {
            let count: usize = classes
                .iter()
                .filter_map(|ci| part.members.get(*ci as usize))
                .map(Vec::len)
                .sum();
            let own_in = own
                .iter()
                .filter(|o| {
                    part.class_of
                        .get(**o as usize)
                        .is_some_and(|ci| classes.contains(ci))
                })
                .count();
            let others = if leaves_out_self {
                count.saturating_sub(own_in)
            } else {
                count
            };
            // the one other target, when leaving the caller out leaves one
            let single = (others == 1).then(|| {
                classes
                    .iter()
                    .filter_map(|ci| part.members.get(*ci as usize))
                    .flatten()
                    .find(|i| !leaves_out_self || !own.contains(i))
                    .map(|i| list.target(*i).to_owned())
            });
            let mut cond = cond;
            if t.effect == Effect::ReachExisting {
                let what = t.resource.as_deref().unwrap_or("resource");
                let which = match &single {
                    Some(Some(target)) => {
                        format!("role {}", target.rsplit('/').next().unwrap_or(target))
                    }
                    _ => "one of these roles".to_owned(),
                };
                cond = and(
                    Some(cond),
                    Some(Some(format!(
                        "a {what} of account {acct} runs as {which} (the inputs do not list them)"
                    ))),
                )
                .flatten();
            }
            let to = match single {
                Some(Some(target)) => ReachedTo::One(target),
                Some(None) => continue,
                // a set of two or more others keeps the caller in it when it
                // is a member (acting as oneself is no step, and callers
                // alike then share one set)
                None if others == 0 => continue,
                None => ReachedTo::Classes {
                    list: list.clone(),
                    part: part.clone(),
                    classes,
                },
            };
            out.push(Reached {
                technique: t,
                condition: cond,
                to,
            });
        }
    }
    out
}

/// Everything the AWS catalog finds in `env`.
pub fn facts(env: &AwsEnvironment, opts: &Options) -> Result<Facts, String> {
    let catalog = technique::aws().map_err(str::to_owned)?;
    let services: BTreeSet<&str> = catalog
        .iter()
        .flat_map(|t| t.services.iter().map(String::as_str))
        .collect();
    let targets = Targets::new(env, &services);
    let shared = Shared::new(&targets);
    let principals = crate::aws::principals(env);
    let group_probes: HashMap<&str, (&str, u8)> = env
        .groups
        .par_iter()
        .map(|(arn, g)| {
            let pols = group_policies(env, g);
            (
                arn.as_str(),
                (g.account.as_str(), probe_mask(&pols, &g.account)),
            )
        })
        .collect();
    type Joins = Vec<Vec<(String, Grade)>>;
    let (found, admins): (Vec<(Found, Joins)>, Vec<Option<Admin>>) = principals
        .par_iter()
        .map(|p| {
            let admin = full_access(env, p, opts, None).map(|cond| Admin {
                principal: p.id.clone(),
                scope: format!("account {}", p.account.clone().unwrap_or_default()),
                permission: "* on *".into(),
                condition: cond,
                technique: None,
            });
            let unconditional = admin.as_ref().is_some_and(|a| a.condition.is_none());
            let found = of_caller(env, &shared, catalog, opts, p.clone(), unconditional);
            let joins: Vec<Vec<(String, Grade)>> = found
                .iter()
                .map(|r| match r.technique.effect {
                    Effect::JoinGroup => admin_groups(env, p, opts, &group_probes, &r.to),
                    _ => Vec::new(),
                })
                .collect();
            ((found, joins), admin)
        })
        .unzip();
    let mut facts = Facts {
        admins: admins.into_iter().flatten().collect(),
        ..Facts::default()
    };
    // one set per distinct member list: found through the classes that
    // make it first (callers alike name the same classes), then by content
    let mut by_content: HashMap<(Vec<String>, Grant), usize> = HashMap::new();
    let mut by_classes: HashMap<(usize, Vec<u32>, Grant), usize> = HashMap::new();
    let mut intern = |members: Vec<String>, grant: Grant, facts: &mut Facts| -> usize {
        let key = (members, grant);
        if let Some(i) = by_content.get(&key) {
            return *i;
        }
        let i = facts.sets.len();
        let (members, grant) = key.clone();
        by_content.insert(key, i);
        facts.sets.push(TargetSet {
            members,
            grant,
            holders: Vec::new(),
        });
        i
    };
    for (p, (found, joins)) in principals.iter().zip(found) {
        for (r, joins) in found.into_iter().zip(joins) {
            let t = r.technique;
            let cond = r.condition;
            let members_of = ReachedTo::members;
            let mut set_of = |to: &ReachedTo, grant: Grant, facts: &mut Facts| -> usize {
                match to {
                    ReachedTo::Classes { part, classes, .. } => {
                        let key = (Arc::as_ptr(part) as usize, classes.clone(), grant);
                        if let Some(i) = by_classes.get(&key) {
                            return *i;
                        }
                        let i = intern(members_of(to), key.2.clone(), facts);
                        by_classes.insert(key, i);
                        i
                    }
                    ReachedTo::One(_) => intern(members_of(to), grant, facts),
                }
            };
            match t.effect {
                Effect::JoinGroup => {
                    for (g, held) in joins {
                        let set = intern(vec![p.id.clone()], Grant::Join(g), &mut facts);
                        if let (Some(s), Some(held)) = (facts.sets.get_mut(set), held) {
                            s.holders = vec![(p.id.clone(), held)];
                        }
                        facts.rewrites.push(Rewrite {
                            from: p.id.clone(),
                            technique: t,
                            condition: cond.clone(),
                            set,
                        });
                    }
                }
                Effect::ChangePermissions => {
                    let grant = if t.requires(Precondition::StoredVersionGrantsMore) {
                        Grant::StoredVersions
                    } else {
                        Grant::Anything
                    };
                    let set = set_of(&r.to, grant, &mut facts);
                    facts.rewrites.push(Rewrite {
                        from: p.id.clone(),
                        technique: t,
                        condition: cond,
                        set,
                    });
                }
                _ => {
                    let to = match &r.to {
                        ReachedTo::One(target) => super::StepTo::Node(target.clone()),
                        classes => super::StepTo::Set(set_of(classes, Grant::Anything, &mut facts)),
                    };
                    facts.steps.push(Step {
                        from: p.id.clone(),
                        to,
                        technique: t,
                        condition: cond,
                        note: None,
                    });
                }
            }
        }
    }
    holders(env, &targets, opts, &mut facts);
    Ok(facts)
}

/// For each set a rewrite changes: the principals that would hold what the
/// caller writes and whose boundary and SCPs let it make them
/// administrators (for a stored version made the default: that version
/// makes them administrators).
fn holders(env: &AwsEnvironment, targets: &Targets<'_>, opts: &Options, facts: &mut Facts) {
    // (a group joined is decided with its caller: `admin_groups`)
    let wanted: BTreeMap<usize, Grant> = facts
        .rewrites
        .iter()
        .filter_map(|r| Some((r.set, facts.sets.get(r.set)?.grant.clone())))
        .filter(|(_, g)| !matches!(g, Grant::Join(_)))
        .collect();
    // the principals that hold each changed user, role, group or policy
    let holders_of = |target: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if env.users.contains_key(target) || env.roles.contains_key(target) {
            out.push(target.to_owned());
        }
        for m in targets.members.get(target).into_iter().flatten() {
            out.push((*m).to_owned());
        }
        for who in targets.attached.get(target).into_iter().flatten() {
            if env.groups.contains_key(*who) {
                for m in targets.members.get(*who).into_iter().flatten() {
                    out.push((*m).to_owned());
                }
            } else {
                out.push((*who).to_owned());
            }
        }
        out
    };
    let principal = |id: &str| -> Option<Principal> {
        let mut p = iamx_aws::parse_principal(id).ok()?;
        env.resolve_principal(&mut p);
        Some(p)
    };
    // what a rewrite of anything would leave each holder, within its caps
    let rewritable: BTreeSet<String> = wanted
        .iter()
        .filter(|(_, grant)| **grant == Grant::Anything)
        .filter_map(|(i, _)| facts.sets.get(*i))
        .flat_map(|s| s.members.iter().flat_map(|m| holders_of(m)))
        .collect();
    let capped: HashMap<String, Grade> = rewritable
        .into_par_iter()
        .map(|h| {
            let g = principal(&h).and_then(|p| {
                let any = allow_all();
                full_access(env, &p, opts, Some(&move |_| vec![any.clone()]))
            });
            (h, g)
        })
        .collect();
    type Held = Vec<(String, Option<String>)>;
    let decided: Vec<(usize, Held)> = wanted
        .par_iter()
        .filter_map(|(i, grant)| {
            let set = facts.sets.get(*i)?;
            let mut hs: BTreeMap<String, Option<String>> = BTreeMap::new();
            for m in &set.members {
                for h in holders_of(m) {
                    let g = match grant {
                        Grant::Anything => capped.get(&h).cloned().flatten(),
                        Grant::StoredVersions => {
                            // some stored version, made the default, makes
                            // the holder an administrator
                            let Some(mp) = env.managed.get(m) else {
                                continue;
                            };
                            let Some(p) = principal(&h) else { continue };
                            let mut best: Grade = None;
                            for v in &mp.other_versions {
                                let (d, v) = (mp.policy.clone(), v.clone());
                                let swap = move |ids: Vec<Arc<Policy>>| -> Vec<Arc<Policy>> {
                                    ids.into_iter()
                                        .map(|x| if Arc::ptr_eq(&x, &d) { v.clone() } else { x })
                                        .collect()
                                };
                                best = or(best, full_access(env, &p, opts, Some(&swap)));
                            }
                            best
                        }
                        Grant::Join(_) => continue,
                    };
                    if let Some(cond) = g {
                        let e = hs.entry(h).or_insert_with(|| cond.clone());
                        if cond.is_none() {
                            *e = None;
                        }
                    }
                }
            }
            Some((*i, hs.into_iter().collect()))
        })
        .collect();
    for (i, hs) in decided {
        if let Some(set) = facts.sets.get_mut(i) {
            set.holders = hs;
        }
    }
}

/// A group's policies (an attached policy the inputs lack stands for any).
fn group_policies(env: &AwsEnvironment, gr: &iamx_aws::env::Group) -> Vec<Arc<Policy>> {
    let mut out: Vec<Arc<Policy>> = gr.inline.clone();
    for a in &gr.attached {
        out.push(match env.managed.get(a) {
            Some(m) => m.policy.clone(),
            None => iamx_aws::env::missing_policy(a, "is attached but not in the inputs"),
        });
    }
    out
}

/// The groups of `to` whose policies, added to the caller's, make it an
/// administrator within its boundary and SCPs, with the condition: in
/// order, up to the first that does so unconditionally (one witness is
/// enough). A group is evaluated only where its policies and the caller's
/// together may allow every administrator probe (`group_probes`).
fn admin_groups(
    env: &AwsEnvironment,
    p: &Principal,
    opts: &Options,
    group_probes: &HashMap<&str, (&str, u8)>,
    to: &ReachedTo,
) -> Vec<(String, Grade)> {
    let mut out = Vec::new();
    let Some(account) = p.account.as_deref() else {
        return out;
    };
    let own = probe_mask(&env.identity_policies(p), account);
    for group in to.members() {
        let covered = match group_probes.get(group.as_str()) {
            Some((a, by_group)) if *a == account => (own | by_group) == ALL_PROBES,
            _ => true,
        };
        let Some(gr) = env.groups.get(&group).filter(|_| covered) else {
            continue;
        };
        let extra = group_policies(env, gr);
        let add = move |mut ids: Vec<Arc<Policy>>| -> Vec<Arc<Policy>> {
            ids.extend(extra.iter().cloned());
            ids
        };
        let g = full_access(env, p, opts, Some(&add));
        let done = matches!(g, Some(None));
        if g.is_some() {
            out.push((group, g));
        }
        if done {
            break;
        }
    }
    out
}

/// Every bit of [`probe_mask`].
const ALL_PROBES: u8 = (1 << ADMIN_PROBES.len()) - 1;

/// The [`ADMIN_PROBES`] some allow statement of `pols` may allow in
/// `account` (bit k for probe k).
fn probe_mask(pols: &[Arc<Policy>], account: &str) -> u8 {
    let mut mask = 0u8;
    for (k, (a, r)) in ADMIN_PROBES.iter().enumerate() {
        let resource = r.replace("{account}", account);
        if pols
            .iter()
            .any(|pol| crate::aws::may_allow_on(pol, &resource, Some(a)))
        {
            mask |= 1 << k;
        }
    }
    mask
}
