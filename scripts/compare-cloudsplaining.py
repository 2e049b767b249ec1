#!/usr/bin/env python3
"""Runs cloudsplaining (pip install cloudsplaining) on corpus/escalation/aws and
counts the positives it flags (a privilege-escalation finding on a policy the
principal holds, directly or through a group) and the controls that cannot
escalate it flags. Run from the repository root."""
import json, subprocess, os, glob, sys
D = "corpus/escalation/aws"
CS = os.environ.get("CLOUDSPLAINING", "cloudsplaining")
TMP = os.environ.get("OUT", "target/cloudsplaining")
exp = json.load(open(f"{D}/expected.json"))["cases"]
found = fp = pos = ctl = 0

for f, cases in sorted(exp.items()):
    out = f"{TMP}/{f[:-5]}"
    os.makedirs(out, exist_ok=True)
    if not glob.glob(f"{out}/iam-results-*.json"):
        subprocess.run([CS, "scan", "-i", f"{D}/{f}", "-o", out, "-s"], capture_output=True)
    r = json.load(open(glob.glob(f"{out}/iam-results-*.json")[0]))
    flagged_pols = set()
    for kind in ("inline_policies", "customer_managed_policies", "aws_managed_policies"):
        for pid, p in r.get(kind, {}).items():
            if p.get("PrivilegeEscalation", {}).get("findings"):
                flagged_pols.add(pid)
    def flagged(pr, groups=()):
        ps = set(pr.get("inline_policies", {})) | set(pr.get("customer_managed_policies", {})) | set(pr.get("aws_managed_policies", {}))
        if ps & flagged_pols:
            return True
        for g in pr.get("groups", {}) or {}:
            for gid, gp in r["groups"].items():
                if gp["name"] == g or gid == g:
                    gps = set(gp.get("inline_policies", {})) | set(gp.get("customer_managed_policies", {})) | set(gp.get("aws_managed_policies", {}))
                    if gps & flagged_pols:
                        return True
        return False
    names = {}
    for kind in ("users", "roles"):
        for pid, pr in r.get(kind, {}).items():
            names[pr["name"]] = flagged(pr)
    for p, want in cases.items():
        fl = names.get(p, False)
        if p.startswith("pos-"):
            pos += 1; found += fl
        elif want == "none":
            ctl += 1; fp += fl
            if fl: print("cloudsplaining flags control", f, p)
        if p.startswith("pos-") and not fl: print("cloudsplaining misses", f, p)
print(f"cloudsplaining: found {found}/{pos} positives, flags {fp}/{ctl} controls that cannot escalate")
