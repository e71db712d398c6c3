#!/usr/bin/env bash
# oauth-doctor throughput / memory benchmark on a generated "gigabyte HAR".
#
#   scripts/bench-one.sh [--size 1G] [--runs 5] [--no-jq] [--no-flat] [--no-build] [--bin PATH]
#
# Builds `cargo build --release`, generates bench-data/big-<size>.har once (scripts/gen-har.py,
# reused when present), then measures the median of N runs of
#   cat FILE > /dev/null                                   (I/O floor)
#   jq '<select token/authorize/discovery URLs> | length'  (a generic JSON tool, skippable)
#   oauth-doctor check FILE --format json > /dev/null      (file mode)
#   cat FILE | oauth-doctor check - --format json          (pipe mode)
# plus a small capture end to end (median of 20, ms), `oauth-doctor --version` (startup), and
# oauth-doctor's peak RSS at 10M / 100M / 1G (memory must stay flat). Each run goes through
# /usr/bin/time -f '%e %M' (wall s, max RSS KiB); a Python fallback is used where GNU time is
# missing. Prints a Markdown report on stdout and saves it to bench-data/bench-<size>.md.
# Never downloads anything (cargo may fetch crates for the build, like any build).
set -uo pipefail

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'
Options:
  --size SIZE     size of the big capture: 10M, 100M, 1G, 4G ... (default 1G)
  --runs N        runs per measurement, the median is reported (default 5)
  --no-jq         skip jq (on 1 GB it needs ~25 s and 3+ GB of RAM per run)
  --no-flat       skip the memory-flatness rows (they generate their files on demand)
  --flat SIZES    sizes of the memory-flatness rows (default "10M 100M 1G"; add 4G for the
                  full range, ~4 GB of disk)
  --no-build      do not run cargo build; use the existing binary
  --bin PATH      oauth-doctor binary (default $CARGO_TARGET_DIR/release/oauth-doctor or target/...)
  --small FILE    small capture for the end-to-end row (default fixtures/corpus/op-wrong-client-secret-basic.har)
  --timeout SEC   kill a single run after SEC seconds (default 900)
  --seed N        generator seed (default 1)
EOF
}

SIZE=1G RUNS=5 JQ=1 FLAT=1 FLAT_SIZES="10M 100M 1G" BUILD=1 BIN="" SMALL="" TIMEOUT=900 SEED=1
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE=${2:?}; shift 2 ;;
        --size=*) SIZE=${1#*=}; shift ;;
        --runs) RUNS=${2:?}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --no-jq) JQ=0; shift ;;
        --no-flat) FLAT=0; shift ;;
        --flat) FLAT_SIZES=$(printf '%s' "${2:?}" | tr 'a-z' 'A-Z'); shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --bin) BIN=${2:?}; shift 2 ;;
        --small) SMALL=${2:?}; shift 2 ;;
        --timeout) TIMEOUT=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-one.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "bench-one.sh: --runs needs a positive integer" >&2; exit 2 ;; esac
SIZE=$(printf '%s' "$SIZE" | tr 'a-z' 'A-Z' | sed 's/I\{0,1\}B$//')
case "$SIZE" in *[0-9][KMGT]|*[0-9]) ;; *) echo "bench-one.sh: bad --size $SIZE (use 10M, 100M, 1G, 4G)" >&2; exit 2 ;; esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
DATA=bench-data
mkdir -p "$DATA"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/oauth-doctor-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[ -n "$BIN" ] || BIN="$TARGET_DIR/release/oauth-doctor"

log() { printf '[bench] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! have python3; then
    echo "bench-one.sh: python3 is required (scripts/gen-har.py generates the captures)" >&2
    exit 2
fi

# ------------------------------------------------------------------------------ timing
# GNU time if it works here (-f, -o), else a Python stand-in with the same output format.
TIMER=()
if [ -x /usr/bin/time ] && /usr/bin/time -o "$TMP/probe" -f '%e %M' true 2>/dev/null && [ -s "$TMP/probe" ]; then
    TIMER=(/usr/bin/time -o "$TMP/time" -f '%e %M')
    TIMER_NAME="/usr/bin/time -f '%e %M'"
else
    cat >"$TMP/timer.py" <<'EOF'
import os, sys, time, subprocess
out, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
try:
    p = subprocess.Popen(cmd)
except OSError as e:
    print(e, file=sys.stderr); open(out, "w").write("0.00 0\n"); sys.exit(127)
_, st, ru = os.wait4(p.pid, 0)
p.returncode = 0
rss = ru.ru_maxrss // 1024 if sys.platform == "darwin" else ru.ru_maxrss
with open(out, "w") as f:
    if os.WIFSIGNALED(st):
        f.write("Command terminated by signal %d\n" % os.WTERMSIG(st))
    f.write("%.2f %d\n" % (time.monotonic() - t, rss))
sys.exit(128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st))
EOF
    TIMER=(python3 "$TMP/timer.py" "$TMP/time")
    TIMER_NAME="python os.wait4 (GNU time not found)"
fi
TO=()
have timeout && TO=(timeout --signal=KILL "$TIMEOUT")


median() { # numbers on stdin -> median
    sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'
}

# measure NAME OKCODES RUNS -- CMD...   (CMD runs under sh -c when it is a single string)
# sets M_E (median of time's %e), M_MS (median ms from a high-resolution clock around the timer, minus
# the fork/exec overhead of the timer + sh measured at start-up), M_WALL (M_E when >= 1 s, else
# M_MS / 1000: %e has a 10 ms resolution), M_RSS (median KiB), M_ERR (reason or "")
measure() {
    local name=$1 ok=$2 n=$3; shift 4
    local i rc last walls=() rsss=() mss=() t0 t1
    M_ERR=""
    for ((i = 1; i <= n; i++)); do
        : >"$TMP/time"
        t0=$EPOCHREALTIME
        "${TIMER[@]}" "${TO[@]}" "$@" 2>"$TMP/stderr"
        rc=$?
        t1=$EPOCHREALTIME
        last=$(tail -n 1 "$TMP/time" 2>/dev/null)
        if [ "$rc" -ne 0 ] && ! [[ " $ok " == *" $rc "* ]]; then
            local why
            if [ "$rc" -eq 137 ] && [ ${#TO[@]} -gt 0 ]; then why="killed after ${TIMEOUT} s (timeout) or by SIGKILL"
            elif [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"
            elif [ "$rc" -eq 127 ]; then why="command not found"
            else why="exit $rc"; fi
            local msg
            msg=$(grep -v '^Command \(exited\|terminated\)' "$TMP/stderr" | head -n 1 | cut -c1-120)
            M_ERR="$why${msg:+: $msg}"
            log "$name: run $i failed: $M_ERR"
            return 1
        fi
        walls+=("${last%% *}")
        rsss+=("${last##* }")
        mss+=("$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN {printf "%.3f", (b - a) * 1000}')")
    done
    M_E=$(printf '%s\n' "${walls[@]}" | median)
    M_RSS=$(printf '%s\n' "${rsss[@]}" | median)
    M_MS=$(printf '%s\n' "${mss[@]}" | median | awk -v o="$OVERHEAD_MS" '{v = $1 - o; if (v < 0) v = 0; printf "%.2f", v}')
    M_WALL=$(awk -v e="$M_E" -v ms="$M_MS" 'BEGIN {if (e >= 1) printf "%.2f", e; else if (ms < 1) print "<0.001"; else printf "%.3f", ms / 1000}')
    log "$name: median %e ${M_E} s, ${M_MS} ms net, peak RSS $(mib "$M_RSS") MiB over $n run(s)"
    return 0
}

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
mbps() { case "$2" in "<"*) echo "n/a"; return ;; esac; awk -v b="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.0f", b / 1e6 / s; else print "n/a"}'; }
ratio_text() { # ratio_text NAME WALL REFWALL [SUFFIX] -> "jq is 31.2× slower"
    awk -v n="$1" -v a="$2" -v b="$3" -v x="${4:-}" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a <= 0 || b <= 0) { print "n/a (below timer resolution)"; exit }
        r = a / b
        if (r >= 1) printf "%s is %.1f× slower%s\n", n, r, x; else printf "%s is %.1f× faster%s\n", n, 1 / r, x }'
}
fmt_ms() { awk -v v="$1" 'BEGIN {if (v + 0 < 0.01) print "<0.01"; else print v}'; }
fsize() { stat -c %s "$1" 2>/dev/null || stat -f %z "$1"; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
# fork/exec cost of the timer + sh, subtracted from the high-resolution times
OVERHEAD_MS=0
measure "timer overhead (sh -c 'exec true')" "0" 20 -- sh -c 'exec true' && OVERHEAD_MS=$M_MS

# gen SIZE -> path of bench-data/big-SIZE.har (generated once)
gen() {
    local sz=$1 f="$DATA/big-$1.har"
    if [ -s "$f" ]; then echo "$f"; return 0; fi
    local need avail
    need=$(awk -v s="$sz" 'BEGIN {u = substr(s, length(s)); n = s + 0
        m = (u == "K") ? 1 : (u == "M") ? 1024 : (u == "G") ? 1048576 : (u == "T") ? 1073741824 : 1 / 1024
        printf "%d", n * m}')   # KiB
    avail=$(df -Pk "$DATA" | awk 'NR == 2 {print $4}')
    if [ -n "$avail" ] && [ "$avail" -lt $((need + need / 10 + 65536)) ]; then
        log "not enough disk space for $f: need ~$((need / 1024)) MiB, $((avail / 1024)) MiB free"
        return 1
    fi
    log "generating $f (seed $SEED) ..."
    python3 scripts/gen-har.py --size "$sz" --seed "$SEED" --out "$f" >&2 || return 1
    echo "$f"
}

# ------------------------------------------------------------------------------ build
BUILD_NOTE=""
if [ "$BUILD" = 1 ]; then
    if have cargo; then
        log "cargo build --release ..."
        if ! cargo build --release >&2; then
            BUILD_NOTE="cargo build --release failed"
        fi
    else
        BUILD_NOTE="cargo not found, build skipped"
    fi
    [ -n "$BUILD_NOTE" ] && log "$BUILD_NOTE; using whatever binary exists"
fi
OD_OK=1 OD_WHY=""
if [ ! -x "$BIN" ]; then
    OD_OK=0 OD_WHY="binary $BIN missing${BUILD_NOTE:+ ($BUILD_NOTE)}"
fi
OD_VERSION="n/a"
if [ "$OD_OK" = 1 ]; then
    OD_VERSION=$("$BIN" --version 2>&1 | head -n 1)
    [ -n "$OD_VERSION" ] || OD_VERSION="(prints nothing)"
fi

# ------------------------------------------------------------------------------ data
FILE=$(gen "$SIZE") || { echo "bench-one.sh: could not generate the $SIZE capture" >&2; exit 2; }
BYTES=$(fsize "$FILE")
log "capture: $FILE ($BYTES bytes); warming the page cache"
cat "$FILE" >/dev/null

ROWS=()     # markdown rows, assembled at the end
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }

# cat
measure "cat" "0" "$RUNS" -- sh -c 'exec cat "$0" > /dev/null' "$FILE"
CAT_WALL=${M_WALL:-0} CAT_RSS=${M_RSS:-0} CAT_ERR=$M_ERR
# what a pipe alone costs here (the ceiling for `cat FILE | oauth-doctor check -`)
measure "cat | cat" "0" "$RUNS" -- sh -c 'cat "$0" | cat > /dev/null' "$FILE"
CC_WALL=${M_WALL:-0} CC_RSS=${M_RSS:-0} CC_ERR=$M_ERR

# oauth-doctor, file mode
OD_WALL="" OD_NOTE=""
if [ "$OD_OK" = 1 ]; then
    # the first run keeps its report (a sanity check of what was analysed), the others write to /dev/null
    if measure "oauth-doctor" "0 1" "$RUNS" -- sh -c 'o=/dev/null; [ -e "$2.first" ] || { : > "$2.first"; o=$2; }; exec "$0" check "$1" --format json > "$o"' "$BIN" "$FILE" "$TMP/report.json"; then
        OD_WALL=$M_WALL OD_RSS=$M_RSS
        OD_NOTE=$(python3 - "$TMP/report.json" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    f = r.get("findings") or []
    print(f"verdict {r.get('verdict')}, {r.get('exchanges')} exchanges, {len(f)} findings"
          + (f" (top: {f[0].get('rule')} {f[0].get('category')})" if f else ""))
except Exception as e:
    print(f"report is not JSON ({type(e).__name__})")
EOF
)
    else
        OD_OK=0 OD_WHY="check failed: $M_ERR"
    fi
fi

# jq
JQ_WALL="" JQ_ROW=""
JQ_FILTER='[.log.entries[] | select(.request.url | test("/token|/authorize|openid-configuration"))] | length'
if [ "$JQ" = 0 ]; then
    JQ_ROW="| jq | skipped (--no-jq) | | | | |"
elif ! have jq; then
    JQ_ROW="| jq | skipped: jq not installed | | | | |"
else
    if measure "jq" "0" "$RUNS" -- sh -c 'o=/dev/null; [ -e "$2.first" ] || { : > "$2.first"; o=$2; }; exec jq "$0" "$1" > "$o"' "$JQ_FILTER" "$FILE" "$TMP/jq.out"; then
        JQ_WALL=$M_WALL JQ_RSS=$M_RSS
        JQ_MATCH=$(cat "$TMP/jq.out" 2>/dev/null)
    else
        JQ_ROW="| jq | failed: $M_ERR | | | | |"
    fi
fi

# pipe
PIPE_WALL=""
if [ "$OD_OK" = 1 ]; then
    if measure "cat | oauth-doctor" "0 1" "$RUNS" -- sh -c 'cat "$1" | "$0" check - --format json > /dev/null' "$BIN" "$FILE"; then
        PIPE_WALL=$M_WALL PIPE_RSS=$M_RSS
    else
        PIPE_ERR=$M_ERR
    fi
fi

# small capture end to end, and --version (startup)
SMALL_NOTE=""
if [ -z "$SMALL" ]; then
    SMALL=fixtures/corpus/op-wrong-client-secret-basic.har
    if [ ! -f "$SMALL" ]; then
        SMALL=$(find fixtures -name '*.har' -size -64k 2>/dev/null | sort | head -n 1)
        if [ -z "$SMALL" ]; then
            SMALL="$DATA/small-64K.har"
            [ -s "$SMALL" ] || python3 scripts/gen-har.py --size 64K --seed "$SEED" --out "$SMALL" -q
            SMALL_NOTE="no small .har under fixtures/, used a generated 64 KiB capture"
        fi
    fi
fi
SMALL_MS="" VER_MS=""
if [ "$OD_OK" = 1 ] || [ -x "$BIN" ]; then
    if measure "small capture" "0 1" 20 -- sh -c 'exec "$0" check "$1" > /dev/null' "$BIN" "$SMALL"; then
        SMALL_MS=$M_MS SMALL_RSS=$M_RSS
    else SMALL_ERR=$M_ERR; fi
    if measure "--version" "0" 20 -- sh -c 'exec "$0" --version > /dev/null' "$BIN"; then
        VER_MS=$M_MS VER_RSS=$M_RSS
    else VER_ERR=$M_ERR; fi
fi

# memory flatness
FLAT_ROWS=()
if [ "$FLAT" = 1 ]; then
    FLAT_FAIL=""
    for fs in $FLAT_SIZES; do
        if [ "$fs" = "$SIZE" ] && [ -n "$OD_WALL" ]; then
            FLAT_ROWS+=("| $fs | $(mib "$OD_RSS") | $OD_WALL | $(mbps "$BYTES" "$OD_WALL") | same run as above |")
            continue
        fi
        if [ ! -x "$BIN" ]; then
            FLAT_ROWS+=("| $fs | n/a | | | ${OD_WHY:-binary missing} |")
            continue
        fi
        if [ -n "$FLAT_FAIL" ]; then
            FLAT_ROWS+=("| $fs | n/a | | | skipped: failed at $FLAT_FAIL |")
            continue
        fi
        ff=$(gen "$fs") || { FLAT_ROWS+=("| $fs | n/a | | | could not generate |"); continue; }
        n=$RUNS; [ "$n" -gt 3 ] && n=3
        cat "$ff" >/dev/null
        if measure "oauth-doctor @$fs" "0 1" "$n" -- sh -c 'exec "$0" check "$1" --format json > /dev/null' "$BIN" "$ff"; then
            FLAT_ROWS+=("| $fs | $(mib "$M_RSS") | $M_WALL | $(mbps "$(fsize "$ff")" "$M_WALL") | median of $n |")
        else
            FLAT_ROWS+=("| $fs | n/a | | | $M_ERR |")
            FLAT_FAIL=$fs
        fi
    done
fi

# ------------------------------------------------------------------------------ report
{
    echo "## oauth-doctor benchmark — $SIZE capture"
    echo
    cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || sysctl -n machdep.cpu.brand_string 2>/dev/null)
    mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)
    commit=""
    if [ -f .git/HEAD ]; then
        head=$(cat .git/HEAD)
        case "$head" in
            ref:*) ref=${head#ref: }; commit=$(cat ".git/$ref" 2>/dev/null || awk -v r="$ref" '$2 == r {print $1}' .git/packed-refs 2>/dev/null) ;;
            *) commit=$head ;;
        esac
    fi
    echo "- capture: \`$FILE\`, $BYTES bytes ($(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB), seed $SEED; page cache warm"
    echo "- oauth-doctor: \`$BIN\` — \`$OD_VERSION\`${commit:+, commit ${commit:0:12}}"
    echo "- machine: ${cpu:-unknown CPU}, $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs, ${mem:-? RAM}, $(uname -sr)"
    if [ -r /proc/loadavg ]; then
        echo "- load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)$(awk -v l="${LOAD_BEFORE%% *}" -v n="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" 'BEGIN {if (l + 0 > n / 2) printf " — **the machine was busy: expect noisy numbers**"}')"
    fi
    echo "- each row: median of $RUNS run(s) under $TIMER_NAME; walls under 1 s come from a high-resolution clock"
    echo "  minus the timer's own fork/exec cost (${OVERHEAD_MS} ms); MB = 10^6 bytes, MiB = 2^20"
    echo
    echo "| tool | wall (median s) | MB/s | peak RSS (MiB) | vs oauth-doctor | note |"
    echo "|---|---:|---:|---:|---|---|"
    if [ -n "$OD_WALL" ]; then
        echo "| oauth-doctor check FILE --format json | $OD_WALL | $(mbps "$BYTES" "$OD_WALL") | $(mib "$OD_RSS") | — | $OD_NOTE |"
    else
        echo "| oauth-doctor check FILE --format json | n/a | | | | $OD_WHY |"
    fi
    if [ -n "$PIPE_WALL" ]; then
        echo "| cat FILE \| oauth-doctor check - | $PIPE_WALL | $(mbps "$BYTES" "$PIPE_WALL") | $(mib "$PIPE_RSS") | $( [ -n "$OD_WALL" ] && ratio_text "pipe" "$PIPE_WALL" "$OD_WALL") | stdin throughput |"
    else
        echo "| cat FILE \| oauth-doctor check - | n/a | | | | ${PIPE_ERR:-$OD_WHY} |"
    fi
    if [ -n "$JQ_WALL" ]; then
        echo "| jq (select token/authorize/discovery URLs) | $JQ_WALL | $(mbps "$BYTES" "$JQ_WALL") | $(mib "$JQ_RSS") | $( [ -n "$OD_WALL" ] && ratio_text "jq" "$JQ_WALL" "$OD_WALL" || echo "n/a") | matched $JQ_MATCH entries |"
    else
        echo "$JQ_ROW"
    fi
    if [ -z "$CAT_ERR" ]; then
        echo "| cat FILE > /dev/null | $CAT_WALL | $(mbps "$BYTES" "$CAT_WALL") | $(mib "$CAT_RSS") | $( [ -n "$OD_WALL" ] && ratio_text "cat" "$CAT_WALL" "$OD_WALL" || echo "n/a") | I/O floor |"
    else
        echo "| cat FILE > /dev/null | n/a | | | | $CAT_ERR |"
    fi
    if [ -z "$CC_ERR" ]; then
        echo "| cat FILE \| cat > /dev/null | $CC_WALL | $(mbps "$BYTES" "$CC_WALL") | $(mib "$CC_RSS") | $( [ -n "$PIPE_WALL" ] && ratio_text "the pipe floor" "$CC_WALL" "$PIPE_WALL" " than oauth-doctor via stdin" || echo "n/a") | pipe floor |"
    fi
    echo
    if [ -n "$OD_WALL" ] && [ -z "$CAT_ERR" ]; then
        echo "**oauth-doctor vs cat:** $(awk -v a="$OD_WALL" -v b="$CAT_WALL" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a > 0 && b > 0) printf "oauth-doctor takes %.1f× the time of cat", a / b; else print "below the timer resolution"}') ($(mbps "$BYTES" "$OD_WALL") MB/s vs $(mbps "$BYTES" "$CAT_WALL") MB/s)."
        echo
    fi
    echo "| end to end | median (ms) | peak RSS (MiB) | note |"
    echo "|---|---:|---:|---|"
    if [ -n "$SMALL_MS" ]; then
        echo "| oauth-doctor check \`$SMALL\` ($(fsize "$SMALL") bytes) | $(fmt_ms "$SMALL_MS") | $(mib "$SMALL_RSS") | median of 20, text format${SMALL_NOTE:+; $SMALL_NOTE} |"
    else
        echo "| oauth-doctor check \`$SMALL\` | n/a | | ${SMALL_ERR:-$OD_WHY} |"
    fi
    if [ -n "$VER_MS" ]; then
        echo "| oauth-doctor --version | $(fmt_ms "$VER_MS") | $(mib "$VER_RSS") | process start-up floor, median of 20 |"
    else
        echo "| oauth-doctor --version | n/a | | ${VER_ERR:-$OD_WHY} |"
    fi
    echo "(net of the ${OVERHEAD_MS} ms the timer and sh themselves take to start)"
    if [ ${#FLAT_ROWS[@]} -gt 0 ]; then
        echo
        echo "Memory flatness — oauth-doctor peak RSS must not grow with the capture:"
        echo
        echo "| capture | peak RSS (MiB) | wall (s) | MB/s | note |"
        echo "|---|---:|---:|---:|---|"
        printf '%s\n' "${FLAT_ROWS[@]}"
    fi
} | tee "$DATA/bench-$SIZE.md"
log "report saved to $DATA/bench-$SIZE.md"
