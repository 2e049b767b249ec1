#!/usr/bin/env python3
"""Writes corpus/escalation/aws: one authorization-details dump per entry of
crates/iamx-analysis/data/escalation/aws.json, each with a principal that
escalates by the entry (`pos-…`) and near-miss controls (`ctl-…`) that
look close but cannot, and expected.json with the answer each must get
from `iamx paths DUMP --from P --to admin` (admin, conditional or none).

The controls are what published tools get wrong: a resource that is not
the target, PassRole limited by iam:PassedToService to another service, a
permissions boundary that caps a self-rewrite, a condition that can never
hold now (a session issued before 2020), an AWS managed policy or a
service-linked role that no customer can change, a group the caller is not
in, a role the caller can rewrite but never act as, a stored policy
version that grants nothing more.

Run from the repository root: python3 scripts/escalation-corpus.py
"""
import json, os

ACCT = "111122223333"
OUT = "corpus/escalation/aws"
CAT = json.load(open("crates/iamx-analysis/data/escalation/aws.json"))["techniques"]
ADMIN = f"arn:aws:iam::aws:policy/AdministratorAccess"
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}
NEVER = {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}


def arn(kind, name, path="/"):
    return f"arn:aws:iam::{ACCT}:{kind}{path}{name}"


def doc(stmts):
    return {"Version": "2012-10-17", "Statement": stmts}


def allow(actions, resource="*", cond=None):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if cond:
        s["Condition"] = cond
    return s


def trust_service(svc):
    return doc([{"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}])


def trust_account():
    return doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole"}])


class Env:
    def __init__(self):
        self.users, self.roles, self.groups, self.policies = [], [], [], []
        self.expect = {}

    def user(self, name, stmts=None, groups=(), attached=(), boundary=None):
        u = {"UserName": name, "UserId": f"AIDA{len(self.users):016d}", "Arn": arn("user/", name, ""), "Path": "/",
             "GroupList": list(groups), "UserPolicyList": [], "AttachedManagedPolicies": [
                 {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached], "Tags": []}
        u["Arn"] = f"arn:aws:iam::{ACCT}:user/{name}"
        u["CreateDate"] = "2026-01-05T10:00:00Z"
        if stmts:
            u["UserPolicyList"].append({"PolicyName": f"{name}-inline", "PolicyDocument": doc(stmts)})
        if boundary:
            u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        self.users.append(u)
        return u["Arn"]

    def role(self, name, trust, stmts=None, attached=(), path="/"):
        r = {"RoleName": name, "RoleId": f"AROA{len(self.roles):016d}", "Path": path,
             "Arn": f"arn:aws:iam::{ACCT}:role{path}{name}", "AssumeRolePolicyDocument": trust,
             "RolePolicyList": [], "AttachedManagedPolicies": [
                 {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached], "Tags": [],
             "CreateDate": "2026-01-05T10:00:00Z", "InstanceProfileList": [], "RoleLastUsed": {}}
        if stmts:
            r["RolePolicyList"].append({"PolicyName": f"{name}-inline", "PolicyDocument": doc(stmts)})
        self.roles.append(r)
        return r["Arn"]

    def group(self, name, attached=(), stmts=None):
        g = {"GroupName": name, "GroupId": f"AGPA{len(self.groups):016d}", "Path": "/",
             "Arn": f"arn:aws:iam::{ACCT}:group/{name}", "GroupPolicyList": [], "AttachedManagedPolicies": [
                 {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached],
             "CreateDate": "2026-01-05T10:00:00Z"}
        if stmts:
            g["GroupPolicyList"].append({"PolicyName": f"{name}-inline", "PolicyDocument": doc(stmts)})
        self.groups.append(g)
        return g["Arn"]

    def policy(self, arn_, default, others=()):
        versions = [{"Document": default, "VersionId": "v2", "IsDefaultVersion": True,
                     "CreateDate": "2026-01-05T10:00:00Z"}]
        versions += [{"Document": d, "VersionId": f"v{i + 3}", "IsDefaultVersion": False,
                      "CreateDate": "2026-01-04T10:00:00Z"} for i, d in enumerate(others)]
        self.policies.append({"PolicyName": arn_.rsplit("/", 1)[-1], "PolicyId": f"ANPA{len(self.policies):017d}",
                              "Arn": arn_, "Path": "/", "DefaultVersionId": "v2", "AttachmentCount": 1,
                              "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                              "CreateDate": "2026-01-05T10:00:00Z", "UpdateDate": "2026-01-05T10:00:00Z",
                              "PolicyVersionList": versions})
        return arn_

    def dump(self):
        return {"UserDetailList": self.users, "GroupDetailList": self.groups, "RoleDetailList": self.roles,
                "Policies": self.policies}


def env_for(t):
    e = Env()
    e.policy(ADMIN, ADMIN_DOC)
    tid, eff = t["id"], t["effect"]
    perms = [p["action"] for p in t["permissions"]]
    if eff == "act-as" and t["target"] == "user":
        target = e.user("admin-user", attached=[ADMIN])
        e.user(f"pos-{tid}", [allow(perms, target)])
        e.expect[f"pos-{tid}"] = "admin"
        e.user(f"ctl-{tid}", [allow(perms, arn("user/", "other-*", ""))])
        e.expect[f"ctl-{tid}"] = "none"
    elif tid == "sts-001":
        e.role("admin-role", trust_account(), attached=[ADMIN])
        e.user(f"pos-{tid}", [allow("sts:AssumeRole")])
        e.expect[f"pos-{tid}"] = "admin"
        e.role("admin-role-2", doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/someone"},
                                     "Action": "sts:AssumeRole"}]), attached=[ADMIN])
        e.user("someone")
        e.user(f"ctl-{tid}", [allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/admin-role-2")])
        e.expect[f"ctl-{tid}"] = "none"
    elif tid == "iam-012":
        target = e.role("admin-role", trust_service("ec2.amazonaws.com"), attached=[ADMIN])
        e.user(f"pos-{tid}", [allow(perms, target)])
        e.expect[f"pos-{tid}"] = "admin"
        slr = e.role("AWSServiceRoleForSupport", trust_service("support.amazonaws.com"), attached=[ADMIN],
                     path="/aws-service-role/support.amazonaws.com/")
        e.user(f"ctl-{tid}", [allow(perms, slr)])
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "change-permissions" and t["target"] == "role":
        e.role(f"pos-{tid}", trust_service("ec2.amazonaws.com"), [allow(perms, arn("role/", f"pos-{tid}", ""))])
        e.expect[f"pos-{tid}"] = "admin"
        target = e.role("target-role", trust_service("ec2.amazonaws.com"))
        e.user(f"ctl-{tid}", [allow(perms, target)])
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "change-permissions" and t["target"] == "user":
        me = f"arn:aws:iam::{ACCT}:user/pos-{tid}"
        e.user(f"pos-{tid}", [allow(perms, me)])
        e.expect[f"pos-{tid}"] = "admin"
        b = e.policy(f"arn:aws:iam::{ACCT}:policy/s3-only-boundary", doc([allow("s3:*")]))
        e.user(f"ctl-{tid}", [allow(perms, f"arn:aws:iam::{ACCT}:user/ctl-{tid}")], boundary=b)
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "change-permissions" and t["target"] == "group":
        g = e.group("devs")
        e.user(f"pos-{tid}", [allow(perms, g)], groups=["devs"])
        e.expect[f"pos-{tid}"] = "admin"
        o = e.group("others")
        e.user(f"ctl-{tid}", [allow(perms, o)], groups=["devs"])
        e.expect[f"ctl-{tid}"] = "none"
    elif tid == "iam-001":
        p = e.policy(f"arn:aws:iam::{ACCT}:policy/dev-policy", doc([allow("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCT}:policy/dev-policy")]))
        e.user(f"pos-{tid}", attached=[p])
        e.expect[f"pos-{tid}"] = "admin"
        ro = e.policy("arn:aws:iam::aws:policy/ReadOnlyAccess", READ_DOC)
        e.user(f"ctl-{tid}", [allow(perms, "arn:aws:iam::aws:policy/*")], attached=[ro])
        e.expect[f"ctl-{tid}"] = "none"
        e.user(f"ctl2-{tid}", [allow(perms, "*", NEVER)], attached=[p.replace("dev-policy", "dev-policy-2")])
        e.policy(f"arn:aws:iam::{ACCT}:policy/dev-policy-2", READ_DOC)
        e.expect[f"ctl2-{tid}"] = "none"
    elif tid == "iam-set-default-version":
        p = e.policy(f"arn:aws:iam::{ACCT}:policy/dev-policy", doc([allow(perms, f"arn:aws:iam::{ACCT}:policy/dev-policy")]), [ADMIN_DOC])
        e.user(f"pos-{tid}", attached=[p])
        e.expect[f"pos-{tid}"] = "admin"
        q = e.policy(f"arn:aws:iam::{ACCT}:policy/ops-policy", doc([allow(perms, f"arn:aws:iam::{ACCT}:policy/ops-policy")]), [READ_DOC])
        e.user(f"ctl-{tid}", attached=[q])
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "join-group":
        e.group("admins", attached=[ADMIN])
        e.user(f"pos-{tid}", [allow(perms, arn("group/", "admins", ""))])
        e.expect[f"pos-{tid}"] = "admin"
        e.group("readers", stmts=[allow("s3:GetObject")])
        e.user(f"ctl-{tid}", [allow(perms, arn("group/", "readers", ""))])
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "composite":
        a, b = t["composed_of"]
        ta = next(x for x in CAT if x["id"] == a)
        tb = next(x for x in CAT if x["id"] == b)
        pa = [p["action"] for p in ta["permissions"]]
        pb = [p["action"] for p in tb["permissions"]]
        if ta["target"] == "user":
            target = e.user("target-user")
            e.user(f"pos-{tid}", [allow(pa + pb, target)])
            e.user(f"ctl-{tid}", [allow(pa, target)])
        elif ta["target"] == "policy":
            p = e.policy(f"arn:aws:iam::{ACCT}:policy/target-policy", READ_DOC)
            trust = trust_account() if b == "sts-001" else trust_service("ec2.amazonaws.com")
            target = e.role("target-role", trust, attached=[p])
            e.user(f"pos-{tid}", [allow(pa, p), allow(pb, target)])
            e.user(f"ctl-{tid}", [allow(pa, p)])
        else:
            trust = trust_account() if b == "sts-001" else trust_service("ec2.amazonaws.com")
            target = e.role("target-role", trust)
            e.user(f"pos-{tid}", [allow(pa + pb, target)])
            e.user(f"ctl-{tid}", [allow(pa, target)])
        e.expect[f"pos-{tid}"] = "admin"
        e.expect[f"ctl-{tid}"] = "none"
    elif eff == "run-code-as":
        svc = t["services"][0]
        target = e.role("svc-admin", trust_service(svc), attached=[ADMIN])
        others = [p["action"] for p in t["permissions"] if p["on"] != "passed-role"]
        e.user(f"pos-{tid}", [allow("iam:PassRole", target), allow(others)])
        e.expect[f"pos-{tid}"] = "admin"
        e.user(f"ctl-{tid}", [allow("iam:PassRole", target, {"StringEquals": {"iam:PassedToService": "nothing.amazonaws.com"}}), allow(others)])
        # the service permissions alone may still reach a resource that
        # already runs as the role (CodeBuild's StartBuild, …): conditional
        existing = [x for x in CAT if x["effect"] == "reach-existing" and set(svc for svc in x["services"]) & set(t["services"])
                    and all(p["action"] in others for p in x["permissions"])]
        e.expect[f"ctl-{tid}"] = "conditional" if existing else "none"
        if len(others) > 1:
            e.user(f"ctl2-{tid}", [allow("iam:PassRole", target), allow(others[:-1])])
            e.expect[f"ctl2-{tid}"] = "none"
    elif eff == "reach-existing":
        svc = t["services"][0]
        e.role("svc-admin", trust_service(svc), attached=[ADMIN])
        e.user(f"pos-{tid}", [allow(perms)])
        e.expect[f"pos-{tid}"] = "conditional"
        e.user(f"ctl-{tid}", [allow(perms, "*", NEVER)])
        e.expect[f"ctl-{tid}"] = "none"
        e.role("svc-reader", trust_service("nothing.amazonaws.com"), attached=[ADMIN])
    else:
        raise SystemExit(f"no environment for {tid}")
    return e


os.makedirs(OUT, exist_ok=True)
expected = {}
for t in CAT:
    e = env_for(t)
    name = f"{t['id']}.json"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(e.dump(), f, indent=1)
        f.write("\n")
    expected[name] = e.expect
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"about": "iamx paths FILE --from P --to admin, with --now 2026-12-01T00:00:00Z: admin (an unconditional path), conditional (only conditional paths), none.", "cases": expected}, f, indent=1)
    f.write("\n")
print(sum(len(v) for v in expected.values()), "principals in", len(expected), "environments")
