#!/usr/bin/env python3
"""Top-1 / top-3 root-cause category accuracy of oauth-doctor over a corpus folder that holds
captures and an expected.jsonl (fields: file, accept, provider, clean). Prints each miss."""
import argparse, json, os, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="target/debug/oauth-doctor")
ap.add_argument("--dir", default="fixtures/corpus")
a = ap.parse_args()
exp = [json.loads(l) for l in open(os.path.join(a.dir, "expected.jsonl")) if l.strip()]
t1 = t3 = n = prov_ok = 0
misses = []
for x in exp:
    p = subprocess.run([a.bin, "check", os.path.join(a.dir, x["file"]), "--format", "json"], capture_output=True, text=True)
    n += 1
    if p.returncode == 2:
        misses.append(f"{x['id']}: exit 2: {p.stderr.strip()}")
        continue
    d = json.loads(p.stdout)
    primary = [f for f in d["findings"] if not f.get("latent")]
    provider = next((f["provider"] for f in d["findings"] if f.get("provider")), None) or "generic"
    prov_ok += provider == x["provider"]
    if provider != x["provider"]:
        misses.append(f"{x['id']}: provider {provider}, expected {x['provider']}")
    if x.get("clean"):
        ok = p.returncode == 0 and not any(f["severity"] == "error" for f in d["findings"])
        t1 += ok; t3 += ok
        if not ok:
            misses.append(f"{x['id']}: clean capture but {[(f['rule'], f['severity']) for f in d['findings'][:3]]}")
        continue
    cats = [f["category"] for f in primary]
    if cats and cats[0] in x["accept"]:
        t1 += 1
    else:
        misses.append(f"{x['id']}: accept {x['accept']}, got {[(f['rule'], f['category']) for f in primary[:3]]}")
    if any(c in x["accept"] for c in cats[:3]):
        t3 += 1
print(f"top-1 {t1}/{n} = {t1/n:.1%}   top-3 {t3}/{n} = {t3/n:.1%}   provider {prov_ok}/{n} = {prov_ok/n:.1%}")
for m in misses:
    print("  miss:", m)
