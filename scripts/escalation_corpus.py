"""What the per-cloud escalation corpus generators share: writing one
environment per catalog entry and the expected answers.

`build(t)` returns an environment with `write(dir)`, `expect` (principal ->
admin | conditional | none) and, optionally, `positives` (the principals
that escalate by the entry itself).
"""
import json, os, shutil


def write_corpus(out, catalog, build, about, positives=False):
    if os.path.isdir(out):
        shutil.rmtree(out)
    expected = {"about": about}
    if positives:
        expected["positives"] = []
    expected["cases"] = {}
    for t in catalog:
        e = build(t)
        e.write(os.path.join(out, t["id"]))
        expected["cases"][t["id"]] = dict(sorted(e.expect.items()))
        if positives:
            expected["positives"].extend(f"{t['id']}/{p}" for p in e.positives)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    n = sum(len(v) for v in expected["cases"].values())
    print(f"{len(catalog)} environments, {n} principals")
