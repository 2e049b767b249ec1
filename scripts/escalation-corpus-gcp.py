#!/usr/bin/env python3
"""Writes corpus/escalation/gcp: one Cloud Asset Inventory export per entry
of crates/iamx-analysis/data/escalation/gcp.json (a folder with the assets,
their IAM policies and the custom roles they use), each with a principal
that escalates by the entry (`user:pos-…`) and near-miss controls
(`user:ctl-…`) that look close but cannot, and expected.json with the
answer each must get from `iamx paths DIR --from P --to admin` (admin,
conditional or none), with --now 2026-12-01T00:00:00Z.

Every environment has an organization (1), a production project p-prod
(number 1001) and a sandbox project p-sandbox (number 1002). The
production administrator is the service account admin-sa of p-prod, which
may set the project's IAM policy; the production Cloud Build and Google
APIs service agents may too, as they often can in real organizations.

The controls are what published tools get wrong: the permission on
another, powerless account; one permission of the entry missing; a grant
whose condition expired; implicitDelegation on an account that holds
everything but can mint no token (a hop, not an endpoint); a sandbox owner,
whose project-wide token rights do not reach Google-managed service
agents; a build in the sandbox, which runs as the sandbox's Cloud Build
account and not production's.

Run from the repository root: python3 scripts/escalation-corpus-gcp.py
"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from escalation_corpus import write_corpus

OUT = "corpus/escalation/gcp"
CAT = json.load(open("crates/iamx-analysis/data/escalation/gcp.json"))["techniques"]
ORG = "organizations/1"
PROD, PROD_N = "p-prod", "1001"
SANDBOX, SANDBOX_N = "p-sandbox", "1002"
CRM = "//cloudresourcemanager.googleapis.com/"
EXPIRED = {"title": "until 2020", "expression": "request.time < timestamp('2020-01-01T00:00:00Z')"}


def sa(name, project=PROD):
    return f"serviceAccount:{name}@{project}.iam.gserviceaccount.com"


def sa_resource(member, project_id=PROD):
    email = member.split(":", 1)[1]
    return f"//iam.googleapis.com/projects/{project_id}/serviceAccounts/{email}"


class Env:
    def __init__(self):
        self.roles = {}
        self.policies = {}  # asset name -> bindings
        self.expect = {}
        self.bind(f"{CRM}projects/{PROD_N}", self.role("projectIamAdmin", ["resourcemanager.projects.setIamPolicy", "resourcemanager.projects.get"]),
                  [sa("admin-sa"), f"serviceAccount:{PROD_N}@cloudbuild.gserviceaccount.com",
                   f"serviceAccount:{PROD_N}@cloudservices.gserviceaccount.com"])
        self.bind(f"{CRM}projects/{PROD_N}", self.role("viewer", ["resourcemanager.projects.get", "storage.buckets.list"]),
                  [sa("idle-sa")])

    def role(self, name, perms):
        full = name if name.startswith("roles/") else f"{ORG}/roles/{name}"
        self.roles[full] = sorted(set(perms))
        return full

    def bind(self, asset, role, members, condition=None):
        b = {"role": role, "members": list(members)}
        if condition:
            b["condition"] = condition
        self.policies.setdefault(asset, []).append(b)

    def grant(self, who, perms, asset, condition=None, name=None):
        role = self.role(name or f"r{len(self.roles)}", perms)
        self.bind(asset, role, [who], condition)
        self.expect.setdefault(who, "none")

    def write(self, folder):
        os.makedirs(folder, exist_ok=True)
        lines = [
            {"name": f"{CRM}{ORG}", "asset_type": "cloudresourcemanager.googleapis.com/Organization",
             "resource": {"data": {"name": ORG, "displayName": "example.com"}}, "ancestors": [ORG]},
        ]
        for pid, num in ((PROD, PROD_N), (SANDBOX, SANDBOX_N)):
            lines.append({"name": f"{CRM}projects/{num}", "asset_type": "cloudresourcemanager.googleapis.com/Project",
                          "resource": {"parent": f"{CRM}{ORG}", "data": {"projectId": pid, "projectNumber": num, "name": f"projects/{num}", "parent": {"type": "organization", "id": "1"}}},
                          "ancestors": [f"projects/{num}", ORG]})
        for asset, bindings in self.policies.items():
            if asset.startswith(CRM):
                rel = asset[len(CRM):]
                ancestors = [rel] + ([ORG] if rel != ORG else [])
                kind = "Organization" if rel.startswith("organizations/") else "Project"
                t = f"cloudresourcemanager.googleapis.com/{kind}"
            else:
                pid = asset.split("/projects/")[1].split("/")[0]
                num = {PROD: PROD_N, SANDBOX: SANDBOX_N}[pid]
                ancestors = [f"projects/{num}", ORG]
                t = "iam.googleapis.com/ServiceAccount"
            lines.append({"name": asset, "asset_type": t, "iam_policy": {"version": 3, "bindings": bindings}, "ancestors": ancestors})
        with open(os.path.join(folder, "cai.ndjson"), "w") as f:
            for l in lines:
                f.write(json.dumps(l, sort_keys=True) + "\n")
        roles = [{"name": n, "title": n.rsplit("/", 1)[-1], "stage": "GA", "includedPermissions": p} for n, p in sorted(self.roles.items())]
        with open(os.path.join(folder, "roles.json"), "w") as f:
            json.dump(roles, f, indent=1, sort_keys=True)
            f.write("\n")


def perms_of(t, drop=None):
    return [p["action"] for p in t["permissions"] if p["action"] != drop]


def service_perms(t):
    return [p["action"] for p in t["permissions"] if p["on"] == "project"]


def build(t):
    e = Env()
    pos, ctl = f"user:pos-{t['id']}@example.com", f"user:ctl-{t['id']}@example.com"
    prod = f"{CRM}projects/{PROD_N}"
    sandbox = f"{CRM}projects/{SANDBOX_N}"
    eff = t["effect"]
    if eff == "act-as":
        p = perms_of(t)
        e.grant(pos, p, sa_resource(sa("admin-sa")))
        e.expect[pos] = "admin"
        e.grant(ctl, p, sa_resource(sa("idle-sa")))
        ctl2 = f"user:ctl2-{t['id']}@example.com"
        e.grant(ctl2, p, sa_resource(sa("admin-sa")), condition=EXPIRED)
    elif eff == "delegate":
        hop = sa("hop-sa")
        e.grant(pos, perms_of(t), sa_resource(hop))
        e.grant(hop, ["iam.serviceAccounts.getAccessToken"], sa_resource(sa("admin-sa")), name="tokenCreator")
        e.expect.pop(hop, None)
        e.expect[pos] = "admin"
        # a hop that holds everything but mints no token: no endpoint
        rich = sa("rich-sa")
        e.bind(prod, e.role("owner", ["resourcemanager.projects.setIamPolicy", "storage.buckets.list"]), [rich])
        e.grant(ctl, perms_of(t), sa_resource(rich))
    elif eff == "run-code-as" and t.get("runs_as"):
        e.grant(pos, service_perms(t), prod)
        e.expect[pos] = "admin"
        # the sandbox's own service account is not production's
        e.grant(ctl, service_perms(t), sandbox)
        # a sandbox owner cannot mint tokens for production's service agents
        ctl2 = f"user:ctl2-{t['id']}@example.com"
        e.grant(ctl2, ["iam.serviceAccounts.getAccessToken", "iam.serviceAccountKeys.create", "iam.serviceAccounts.actAs",
                       "iam.serviceAccounts.signJwt"], sandbox)
    elif eff == "run-code-as":
        # the service is used in the sandbox (whose own service accounts
        # hold nothing), as the production administrator's account
        svc = service_perms(t)
        e.grant(pos, ["iam.serviceAccounts.actAs"], sa_resource(sa("admin-sa")))
        e.grant(pos, svc, sandbox)
        e.expect[pos] = "admin"
        # every service permission, but actAs on a powerless account only
        e.grant(ctl, ["iam.serviceAccounts.actAs"], sa_resource(sa("idle-sa")))
        e.grant(ctl, svc, sandbox)
        # actAs on the administrator, one service permission missing
        ctl2 = f"user:ctl2-{t['id']}@example.com"
        e.grant(ctl2, ["iam.serviceAccounts.actAs"], sa_resource(sa("admin-sa")))
        e.grant(ctl2, svc[:-1] or ["storage.buckets.list"], sandbox)
    elif eff == "reach-existing":
        e.grant(pos, service_perms(t), prod)
        e.expect[pos] = "conditional"
        e.grant(ctl, service_perms(t), sandbox)
    elif t["target"] == "container":
        e.grant(pos, ["resourcemanager.projects.setIamPolicy"], prod)
        e.expect[pos] = "admin"
        e.grant(ctl, ["resourcemanager.projects.setIamPolicy"], prod, condition=EXPIRED)
    elif t["target"] == "custom-role":
        tinker = e.role("tinker", ["storage.buckets.list"])
        e.bind(prod, tinker, [pos])
        # iam.roles.update through a predefined role (which no one can update)
        e.grant(pos, ["iam.roles.update", "iam.roles.get"], f"{CRM}{ORG}", name="roles/iam.roleAdmin")
        e.expect[pos] = "admin"
        # may update the custom role, but does not hold it
        e.bind(f"{CRM}{ORG}", "roles/iam.roleAdmin", [ctl])
        e.expect[ctl] = "none"
    else:
        raise SystemExit(f"no environment for {t['id']}")
    return e


def main():
    write_corpus(OUT, CAT, build, "iamx paths DIR --from P --to admin, with --now 2026-12-01T00:00:00Z: admin (an unconditional path), conditional (only conditional paths), none.")


main()
