#!/usr/bin/env bash
# Seed every fuzz target's corpus from the fixtures (captures, dumps, NDJSON, gzip), then run:
#   cargo fuzz run -s none TARGET -- -max_total_time=600
set -euo pipefail
cd "$(dirname "$0")"
for t in capture har_stream decoders redact; do
  mkdir -p "corpus/$t"
  find ../fixtures -type f \( -name '*.har' -o -name '*.json' -o -name '*.ndjson' -o -name '*.gz' -o -name '*.zhar' \) \
    -size -256k -exec cp -t "corpus/$t" {} +
done
# The decoders read text: seed them with the fixtures' URLs, bodies and header values.
python3 - <<'PY'
import json, glob, hashlib, os
out = "corpus/decoders"
def put(s):
    if isinstance(s, str) and 0 < len(s) < 4096:
        open(os.path.join(out, hashlib.sha1(s.encode()).hexdigest()), "w").write(s)
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    else:
        put(v)
for f in glob.glob("../fixtures/rules/*/*.json"):
    walk(json.load(open(f)).get("exchanges", []))
PY
