#!/usr/bin/env python3
"""The benchmark matrix behind scripts/bench.sh (run that; it builds the binary first).

For each shape and size it generates a capture once into bench-data/ (git-ignored), then runs,
each RUNS times (median reported):

    cat FILE > /dev/null                         the I/O floor
    jq 'select the token requests' FILE          a generic JSON tool (--jq-max caps its sizes)
    oauth-doctor check FILE --format json        by file
    cat FILE | oauth-doctor check - --format json  by pipe

and prints, per row: exchanges analysed (from the report) against the generator's count of
relevant exchanges, wall time, MB/s, peak anonymous memory (RssAnon, sampled from /proc every
2 ms: file pages of a memory map are not counted, heap and stacks are), and the ratios to jq and
cat measured in the same run. Shapes:

    chrome   scripts/gen-har.py: a browser session, ~1 % OAuth, failures spread through the file
    bearer   scripts/gen-bearer-har.py: two thirds bearer API calls, one token per call,
             OAuth-looking API bodies, the failure at the very end
    ndjson   scripts/gen-gateway-log.py: an API gateway's log of token requests (1M by default)

and last, small captures end to end against /bin/true in the same shell loop (`--shapes small`
for these rows alone).

Timing is for people reading this output; no test asserts a time.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")


def size_bytes(s):
    m = re.fullmatch(r"(\d+)([KMG])", s.upper())
    if not m:
        raise SystemExit(f"bench: bad size {s!r} (use 10M, 100M, 1G, 4G)")
    return int(m.group(1)) << {"K": 10, "M": 20, "G": 30}[m.group(2)]


def generate(shape, size, seed, requests):
    """Path of the capture (generated once) and the generator's count of relevant exchanges."""
    os.makedirs(DATA, exist_ok=True)
    if shape == "ndjson":
        path = os.path.join(DATA, f"gateway-{requests}.ndjson")
        cmd = ["python3", "scripts/gen-gateway-log.py", "--requests", str(requests), "--seed",
               str(seed), "--out", path]
    elif shape == "bearer":
        path = os.path.join(DATA, f"bearer-{size}.har")
        cmd = ["python3", "scripts/gen-bearer-har.py", "--size", size, "--seed", str(seed),
               "--out", path]
    else:
        path = os.path.join(DATA, f"big-{size}.har")
        cmd = ["python3", "scripts/gen-har.py", "--size", size, "--seed", str(seed), "--out",
               path]
    meta = path + ".count"
    if not (os.path.exists(path) and os.path.exists(meta)):
        print(f"[bench] generating {path} ...", file=sys.stderr)
        p = subprocess.run(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        sys.stderr.write(p.stderr)
        if p.returncode != 0:
            raise SystemExit(f"bench: generator failed: {' '.join(cmd)}")
        m = re.search(r"(?:relevant exchanges|exchanges to analyse): (\d+)", p.stderr)
        with open(meta, "w") as f:
            f.write(m.group(1) if m else "")
    with open(meta) as f:
        count = f.read().strip()
    return path, (int(count) if count else None)


def run_once(cmd, stdout_path=None, timeout=1800):
    """Wall seconds, peak RssAnon KiB (of the whole pipeline's processes), exit code."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, shell=True, stdout=out, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    peak = [0]
    done = threading.Event()

    def sample():
        pgid = p.pid
        while not done.is_set():
            total = 0
            try:
                for pid in os.listdir("/proc"):
                    if not pid.isdigit():
                        continue
                    try:
                        if os.getpgid(int(pid)) != pgid:
                            continue
                        with open(f"/proc/{pid}/status") as f:
                            for line in f:
                                if line.startswith("RssAnon:"):
                                    total = max(total, int(line.split()[1]))
                    except (OSError, ValueError):
                        pass
            except OSError:
                pass
            peak[0] = max(peak[0], total)
            done.wait(0.002)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        rc = p.wait()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    if stdout_path:
        out.close()
    return wall, peak[0], rc


def measure(cmd, runs, keep=None):
    walls, peaks, rc = [], [], 0
    for i in range(runs):
        w, pk, rc = run_once(cmd, keep if i == 0 else None)
        walls.append(w)
        peaks.append(pk)
    return statistics.median(walls), max(peaks), rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "oauth-doctor"))
    ap.add_argument("--shapes", default="chrome,bearer,ndjson")
    ap.add_argument("--sizes", default="10M,100M,1G", help="add 4G for the full range")
    ap.add_argument("--requests", type=int, default=1_000_000, help="NDJSON token requests")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jq-max", default="1G", help="largest size jq runs on (it needs ~3x RAM)")
    ap.add_argument("--no-pipe", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not os.access(a.bin, os.X_OK):
        raise SystemExit(f"bench: {a.bin} is not an executable (cargo build --release)")
    jq = subprocess.run(["sh", "-c", "command -v jq"], capture_output=True).returncode == 0
    rows = []
    print("| shape | size | mode | analysed / relevant | wall s | MB/s | peak anon MiB |"
          " vs jq | vs cat |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for shape in a.shapes.split(","):
        if shape not in ("chrome", "bearer", "ndjson"):
            continue  # `--shapes small`: only the small-capture rows
        sizes = ["-"] if shape == "ndjson" else a.sizes.split(",")
        for size in sizes:
            path, relevant = generate(shape, size, a.seed, a.requests)
            nbytes = os.path.getsize(path)
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL)  # warm the page cache
            cat_wall, _, _ = measure(f"cat '{path}' > /dev/null", a.runs)
            jq_wall = None
            # (By the size asked for: a "1G" capture is a few bytes over 1 GiB.)
            if jq and (shape == "ndjson" or size_bytes(size) <= size_bytes(a.jq_max)):
                flt = ("select(.request.url | test(\"/token\")) | 1" if shape == "ndjson" else
                       "[.log.entries[] | select(.request.url | test(\"/token\"))] | length")
                w, _, rc = measure(f"jq -c '{flt}' '{path}' > /dev/null", 1)
                jq_wall = w if rc == 0 else None
            modes = [("file", f"'{a.bin}' check '{path}' --format json")]
            if not a.no_pipe:
                modes.append(("pipe", f"cat '{path}' | '{a.bin}' check - --format json"))
            for mode, cmd in modes:
                with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as t:
                    report = t.name
                wall, peak, rc = measure(cmd, a.runs, keep=report)
                try:
                    with open(report) as f:
                        doc = json.load(f)
                    analysed = doc.get("exchanges")
                    top = (doc.get("findings") or [{}])[0].get("rule")
                except (OSError, ValueError):
                    analysed, top = None, None
                os.unlink(report)
                shown = "n/a" if shape == "chrome" or relevant is None else relevant
                mbps = nbytes / 1e6 / wall
                vs_jq = f"{jq_wall / wall:.1f}× faster" if jq_wall else "n/a"
                vs_cat = f"{wall / cat_wall:.1f}× cat"
                line = (f"| {shape} | {nbytes / 1e6:.0f} MB | {mode} | {analysed} / {shown} |"
                        f" {wall:.2f} | {mbps:.0f} | {peak / 1024:.1f} | {vs_jq} | {vs_cat} |")
                if rc not in (0, 1):
                    line += f" exit {rc}"
                if top:
                    line += f" top {top}"
                print(line, flush=True)
                rows.append(line)
    small_captures(a)


def small_captures(a):
    """A small capture end to end against the process floor: the same shell loop runs the
    binary and /bin/true LOOP times each, alternately, and the difference per run is the
    binary's own time. (One Python launch per run would measure Python's launcher.)"""
    loop = 200
    small, _ = generate("chrome", "150K", a.seed, a.requests)
    fixture = os.path.join(ROOT, "fixtures", "corpus", "op-refresh-after-code-replay.har")

    def per_run(cmd):
        script = f"i=0; while [ $i -lt {loop} ]; do {cmd} > /dev/null; i=$((i+1)); done"
        t0 = time.perf_counter()
        subprocess.run(["sh", "-c", script], stderr=subprocess.DEVNULL)
        return (time.perf_counter() - t0) / loop

    rows = []
    for path in (small, fixture):
        if not os.path.exists(path):
            continue
        doctor, floor = [], []
        for _ in range(max(a.runs, 3)):
            floor.append(per_run("/bin/true"))
            doctor.append(per_run(f"'{a.bin}' check '{path}'"))
        d, f = statistics.median(doctor), statistics.median(floor)
        rows.append(f"| {os.path.basename(path)} | {os.path.getsize(path) / 1024:.0f} KiB |"
                    f" {d * 1000:.2f} ms | {f * 1000:.2f} ms | {d / f:.1f}× |")
    print("\n| small capture | size | oauth-doctor check | /bin/true | ratio |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(r, flush=True)

if __name__ == "__main__":
    main()
