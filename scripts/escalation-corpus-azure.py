#!/usr/bin/env python3
"""Writes corpus/escalation/azure: one export per entry of
crates/iamx-analysis/data/escalation/azure.json (a folder with the role
definitions, role assignments, resources and Entra directory role
assignments, as `az role definition list`, `az role assignment list`,
`az resource list` and Microsoft Graph give them), each with a principal
that escalates by the entry and near-miss controls, and expected.json with
the answer each must get from `iamx paths DIR --from ID --to admin`
(admin, conditional or none), with --now 2026-12-01T00:00:00Z. Its
`positives` lists the principals that escalate by their environment's
entry.

Every environment has one subscription with resource groups rg-prod and
rg-dev. The administrators are the user admin-user, the application
service principal sp-deployer and the managed identities of the resources
in rg-prod, all Owner of the subscription.

The controls are what published tools get wrong: a Role Based Access
Control Administrator whose assignment condition allows only Reader, or
excludes the privileged roles as Microsoft recommends; the permission on
the other resource group; a user-assigned identity that holds nothing; a
directory role that reads but cannot change; a built-in role that may write
role definitions while no custom role is assigned to its holder.

Run from the repository root: python3 scripts/escalation-corpus-azure.py
"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from escalation_corpus import write_corpus

OUT = "corpus/escalation/azure"
CAT = json.load(open("crates/iamx-analysis/data/escalation/azure.json"))["techniques"]
SUB = "/subscriptions/5b000000-0000-4000-8000-000000000001"
PROD = f"{SUB}/resourceGroups/rg-prod"
DEV = f"{SUB}/resourceGroups/rg-dev"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
MIO = "f1a07417-d97a-45cb-824c-7a7467783830"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
APP_DEVELOPER = "cf1c38e5-3621-4004-a7cb-879624dced7c"
ADMIN_USER = "a0000000-0000-4000-8000-0000000000ad"
SP_DEPLOYER = "c0000000-0000-4000-8000-0000000000ad"
MI_ADMIN = "b0000000-0000-4000-8000-0000000000ad"
UA_ADMIN = "b0000000-0000-4000-8000-0000000000ae"
UA_IDLE = "b0000000-0000-4000-8000-0000000000a0"


def role(guid, name, actions, data=(), not_actions=(), custom=True):
    return {"name": guid, "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}", "roleName": name,
            "roleType": "CustomRole" if custom else "BuiltInRole", "type": "Microsoft.Authorization/roleDefinitions",
            "assignableScopes": ["/"], "description": name,
            "permissions": [{"actions": list(actions), "notActions": list(not_actions), "dataActions": list(data), "notDataActions": []}]}


BUILTIN = [
    role(OWNER, "Owner", ["*"], custom=False),
    role(UAA, "User Access Administrator", ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], custom=False),
    role(RBAC, "Role Based Access Control Administrator", ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"], custom=False),
    role(READER, "Reader", ["*/read"], custom=False),
    role(MIO, "Managed Identity Operator", ["Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read"], custom=False),
]


class Env:
    def __init__(self):
        self.roles = list(BUILTIN)
        self.assignments = []
        self.directory = []
        self.resources = [
            {"id": f"{PROD}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-admin", "name": "id-admin",
             "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope", "principalId": UA_ADMIN,
             "clientId": "e0000000-0000-4000-8000-0000000000ad", "tenantId": "t"},
            {"id": f"{DEV}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-idle", "name": "id-idle",
             "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope", "principalId": UA_IDLE,
             "clientId": "e0000000-0000-4000-8000-0000000000a0", "tenantId": "t"},
        ]
        self.expect, self.positives, self.n = {}, [], 0
        self.assign(ADMIN_USER, "admin-user@example.com", OWNER, SUB)
        self.assign(SP_DEPLOYER, "sp-deployer", OWNER, SUB, kind="ServicePrincipal")
        self.assign(UA_ADMIN, "id-admin", OWNER, SUB, kind="ServicePrincipal")
        self.assign(MI_ADMIN, "target1 (system-assigned)", OWNER, SUB, kind="ServicePrincipal")
        self.assign(UA_IDLE, "id-idle", READER, DEV, kind="ServicePrincipal")

    def principal(self, tag):
        self.n += 1
        return f"{'0a' if tag == 'pos' else '0c'}000000-0000-4000-8000-{self.n:012d}"

    def custom(self, name, actions, data=(), custom=True):
        guid = f"10000000-0000-4000-8000-{len(self.roles):012d}"
        self.roles.append(role(guid, name, actions, data, custom=custom))
        return guid

    def assign(self, who, name, role_guid, scope, kind="User", condition=None):
        a = {"principalId": who, "principalName": name, "principalType": kind,
             "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
             "roleDefinitionName": next(r["roleName"] for r in self.roles if r["name"] == role_guid),
             "scope": scope, "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{len(self.assignments):08d}-0000-4000-8000-000000000000",
             "type": "Microsoft.Authorization/roleAssignments"}
        if condition:
            a["condition"], a["conditionVersion"] = condition, "2.0"
        self.assignments.append(a)

    def person(self, tag, want):
        p = self.principal(tag)
        self.expect[p] = want
        if tag == "pos":
            self.positives.append(p)
        return p

    def entra(self, who, role_id, scope="/"):
        self.directory.append({"id": f"d{len(self.directory)}", "principalId": who, "roleDefinitionId": role_id, "directoryScopeId": scope})

    def host(self, rtype, name, rg=PROD):
        r = {"id": f"{rg}/providers/{rtype}/{name}", "name": name, "type": rtype, "location": "westeurope",
             "identity": {"type": "SystemAssigned", "principalId": MI_ADMIN, "tenantId": "t"}}
        self.resources.append(r)
        return r["id"]

    def write(self, folder):
        os.makedirs(folder, exist_ok=True)
        def dump(name, v):
            with open(os.path.join(folder, name), "w") as f:
                json.dump(v, f, indent=1)
                f.write("\n")
        dump("roles.json", self.roles)
        dump("assignments.json", self.assignments)
        dump("resources.json", self.resources)
        if self.directory:
            dump("directory-roles.json", {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments", "value": self.directory})


ONLY_READER = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
               f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{READER}}}))")
NOT_PRIVILEGED = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
                  f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {{{OWNER}, {UAA}, {RBAC}}}))")


def build(t):
    e = Env()
    tid = t["id"]
    if tid == "azure-roleAssignments-write":
        e.assign(e.person("pos", "admin"), "pos-uaa", UAA, PROD)
        e.assign(e.person("pos", "admin"), "pos-rbac-admin", RBAC, PROD)
        e.assign(e.person("ctl", "none"), "ctl-rbac-reader-only", RBAC, PROD, condition=ONLY_READER)
        e.assign(e.person("ctl", "none"), "ctl-rbac-not-privileged", RBAC, PROD, condition=NOT_PRIVILEGED)
    elif tid == "azure-roleDefinitions-write":
        tinker = e.custom("Tinkerer", ["Microsoft.Authorization/roleDefinitions/write", "*/read"])
        e.assign(e.person("pos", "admin"), "pos-tinkerer", tinker, PROD)
        writer = e.custom("Role Definition Writer", ["Microsoft.Authorization/roleDefinitions/write", "*/read"], custom=False)
        e.assign(e.person("ctl", "none"), "ctl-builtin-writer", writer, PROD)
    elif t.get("directory_roles"):
        pos = e.person("pos", "admin")
        e.entra(pos, t["directory_roles"][0])
        ctl = e.person("ctl", "none")
        e.entra(ctl, GLOBAL_READER if t["target"] != "identity" else APP_DEVELOPER)
        if tid == "azure-entra-user-password-reset":
            # the administrator holds a directory role: out of a helpdesk role's reach
            e.entra(ADMIN_USER, GLOBAL_READER)
            ctl2 = e.person("ctl", "none")
            e.entra(ctl2, t["directory_roles"][0])
            # a user with no directory role, Owner of the subscription
            plain = "a0000000-0000-4000-8000-0000000000af"
            e.assign(plain, "ops-user@example.com", OWNER, SUB)
            # pos reaches `plain` too; ctl2 is scoped to an administrative unit
            e.directory[-1]["directoryScopeId"] = "/administrativeUnits/au-1"
            e.expect[ctl2] = "conditional"
    elif t["effect"] == "reach-existing":
        op = t["permissions"][0]
        rtype = t["resource"]
        e.host(rtype, "target1")
        acts = [op["action"], "*/read"] if op["on"] == "resource" else ["*/read"]
        data = [op["action"]] if op["on"] == "resource-data" else []
        g = e.custom(f"runner-{tid}", acts, data)
        e.assign(e.person("pos", "admin"), "pos", g, PROD)
        e.assign(e.person("ctl", "none"), "ctl-other-group", g, DEV)
    elif t["effect"] == "run-code-as":
        host_ops = [p["action"] for p in t["permissions"] if p["on"] == "resource"]
        g = e.custom(f"host-{tid}", host_ops + ["*/read"])
        pos = e.person("pos", "admin")
        e.assign(pos, "pos", MIO, f"{PROD}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-admin")
        e.assign(pos, "pos", g, DEV)
        ctl = e.person("ctl", "none")
        e.assign(ctl, "ctl-idle-identity", MIO, f"{DEV}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-idle")
        e.assign(ctl, "ctl-idle-identity", g, DEV)
        ctl2 = e.person("ctl", "none")
        e.assign(ctl2, "ctl-no-host", MIO, f"{PROD}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-admin")
        e.assign(ctl2, "ctl-no-host", READER, DEV)
    else:
        raise SystemExit(f"no environment for {tid}")
    return e


def main():
    write_corpus(OUT, CAT, build, "iamx paths DIR --from ID --to admin, with --now 2026-12-01T00:00:00Z: admin (an unconditional path), conditional (only conditional paths), none. `positives`: the principals that escalate by their environment's entry.", positives=True)


main()
