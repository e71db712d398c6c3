#!/usr/bin/env bash
# Proves that no secret of a capture reaches any output: for every capture of DIR, runs
# `check` in every format (text, text -v, text --concise, json, markdown, github, junit, sarif,
# html) and `redact`, and searches every output for the capture's secrets, raw, form-encoded
# and percent-encoded.
#
#   scripts/check-redaction.sh DIR... [-- BIN]
#
# The secrets of a capture are those its labels list (the `secrets` of DIR/expected.jsonl, of a
# fixture's own `secrets` member) and those the script finds in the capture itself, without the
# tool's help: the values of secret parameters and JSON members (docs/guide.md, "Secrets") in
# URLs, fragments, form and JSON bodies at any depth (base64 bodies decoded), Authorization,
# Cookie, Set-Cookie, DPoP and API-key headers, cookies, and every JWT in the text. A JWT found
# in a capture counts by its signature when it has one (its header and claims may be shown) and
# as a whole when it is unsigned (it is the credential itself).
#
# Prints one line per leak and a summary; exits 1 when anything leaked, 2 on bad usage.
# BIN defaults to target/release/oauth-doctor (built when missing).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
dirs=()
bin=target/release/oauth-doctor
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; bin=${1:?usage: check-redaction.sh DIR... [-- BIN]}; shift ;;
    *) dirs+=("$1"); shift ;;
  esac
done
[ ${#dirs[@]} -gt 0 ] || { echo "usage: check-redaction.sh DIR... [-- BIN]" >&2; exit 2; }
if [ ! -x "$bin" ]; then cargo build --release --quiet || exit 2; fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v python3 >/dev/null || { echo "check-redaction.sh needs python3" >&2; exit 2; }

exec python3 - "$bin" "${dirs[@]}" <<'PY'
import base64, json, os, re, subprocess, sys, urllib.parse

BIN, DIRS = sys.argv[1], sys.argv[2:]

# Names whose values are secrets (RFC 6749 §2.3.1, §4.1.2, §5.1, §6; RFC 7636 §4.5; RFC 7521;
# RFC 7523; RFC 8628; RFC 8693; RFC 7009; OIDC Core).
PARAMS = {"client_secret", "password", "code", "code_verifier", "refresh_token", "access_token",
          "id_token", "client_assertion", "assertion", "subject_token", "actor_token",
          "device_code", "token", "logout_token"}
HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "dpop", "x-api-key",
           "x-auth-token"}
SENTINELS = {"undefined", "null", "None", "none", "nil", "NaN", "[object Object]", "true", "false"}
# Found values are searched for only from this length on (shorter ones match unrelated text);
# labelled ones from LABELLED_MIN (the tool does not search free text for shorter values), JWT
# signatures from SIG_MIN (a real one is 43 characters or more; test captures write `signature`).
MIN = 8
LABELLED_MIN = 6
SIG_MIN = 16
JWT = re.compile(r"eyJ[A-Za-z0-9_\-+/=]*\.[A-Za-z0-9_\-+/=]*\.[A-Za-z0-9_\-+/=]*")
PLACEHOLDER = re.compile(r"^(REDACTED|\[REDACTED\]|<redacted>|\*+)")

FORMATS = [["--format", "text"], ["--format", "text", "-v"], ["--format", "text", "--concise"],
           ["--format", "json"], ["--format", "markdown"], ["--format", "github"],
           ["--format", "junit"], ["--format", "sarif"], ["--format", "html"]]


def add(out, v):
    if not isinstance(v, str):
        return
    v = v.strip()
    if len(v) < MIN or v in SENTINELS or PLACEHOLDER.match(v):
        return
    for m in JWT.finditer(v):
        jwt(out, m.group(0))
    if not v.startswith("eyJ"):
        out.add(v)


def jwt(out, t):
    parts = t.split(".")
    if len(parts) == 3 and parts[2] == "":
        out.add(t)  # unsigned: the whole token is the credential
    elif len(parts) >= 3 and len(parts[-1]) >= SIG_MIN and not PLACEHOLDER.match(parts[-1]):
        out.add(parts[-1])


def pairs(out, text):
    for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True):
        if k.lower() in PARAMS:
            add(out, v)
        else:
            free(out, v)


def free(out, text):
    for m in JWT.finditer(text or ""):
        jwt(out, m.group(0))


def url(out, u):
    if not isinstance(u, str):
        return
    p = urllib.parse.urlsplit(u)
    if p.password:
        add(out, urllib.parse.unquote(p.password))
    pairs(out, p.query)
    pairs(out, p.fragment)
    free(out, u)


def members(out, v, request, depth=0):
    if depth > 32:
        return
    if isinstance(v, dict):
        jwk = "kty" in v
        for k, x in v.items():
            kl = k.lower()
            if isinstance(x, str):
                if (kl in PARAMS and (kl != "code" or request)) or kl.endswith("_token") \
                        or "secret" in kl or "password" in kl \
                        or (jwk and k in ("d", "p", "q", "dp", "dq", "qi", "k")):
                    add(out, x)
                free(out, x)
            else:
                members(out, x, request, depth + 1)
    elif isinstance(v, list):
        for x in v:
            members(out, x, request, depth + 1)


def body(out, text, request, b64=False):
    if not isinstance(text, str) or not text:
        return
    if b64:
        try:
            text = base64.b64decode(text + "==").decode("utf-8")
        except Exception:
            return
    t = text.strip()
    if t[:1] in "{[":
        try:
            members(out, json.loads(t), request)
            return
        except Exception:
            pass
    if "=" in t and " " not in t:
        pairs(out, t)
    free(out, text)


def header(out, name, value):
    if not isinstance(value, str):
        return
    n = name.lower().strip()
    if n in ("location", "referer", "content-location"):
        url(out, value)
    if n not in HEADERS:
        free(out, value)
        return
    if n in ("authorization", "proxy-authorization"):
        parts = value.strip().split(None, 1)
        if len(parts) == 1:
            add(out, parts[0])
        if len(parts) == 2:
            add(out, parts[1])
            if parts[0].lower() == "basic":
                try:
                    dec = base64.b64decode(parts[1] + "==", altchars=b"-_" if "-" in parts[1] or "_" in parts[1] else None).decode()
                    if ":" in dec:
                        add(out, dec.split(":", 1)[1])
                        add(out, urllib.parse.unquote_plus(dec.split(":", 1)[1]))
                except Exception:
                    pass
    elif n == "cookie":
        for part in value.split(";"):
            if "=" in part:
                add(out, part.split("=", 1)[1])
    elif n == "set-cookie":
        first = value.split(";", 1)[0]
        if "=" in first:
            add(out, first.split("=", 1)[1])


def headers(out, hs):
    if isinstance(hs, dict):
        for k, v in hs.items():
            for x in (v if isinstance(v, list) else [v]):
                header(out, k, x)
    elif isinstance(hs, list):
        for h in hs:
            if isinstance(h, dict):
                header(out, h.get("name", ""), h.get("value"))
            elif isinstance(h, list) and len(h) == 2:
                header(out, h[0], h[1])


def exchange(out, e):
    req, resp = e.get("request") or {}, e.get("response") or {}
    url(out, req.get("url"))
    headers(out, req.get("headers"))
    for c in req.get("cookies") or []:
        if isinstance(c, dict):
            add(out, c.get("value"))
    for q in req.get("queryString") or []:
        if isinstance(q, dict) and str(q.get("name", "")).lower() in PARAMS:
            add(out, q.get("value"))
    pd = req.get("postData") or {}
    if isinstance(pd, dict):
        for p in pd.get("params") or []:
            if isinstance(p, dict) and str(p.get("name", "")).lower() in PARAMS:
                add(out, p.get("value"))
        body(out, pd.get("text"), True, pd.get("encoding") == "base64")
    body(out, req.get("body"), True)
    body(out, req.get("body_base64"), True, True)
    if isinstance(resp, dict):
        headers(out, resp.get("headers"))
        for c in resp.get("cookies") or []:
            if isinstance(c, dict):
                add(out, c.get("value"))
        url(out, resp.get("redirectURL"))
        content = resp.get("content") or {}
        if isinstance(content, dict):
            body(out, content.get("text"), False, content.get("encoding") == "base64")
        body(out, resp.get("body"), False)
        body(out, resp.get("body_base64"), False, True)


def found_secrets(path):
    """The secrets of a capture, found by this script alone."""
    out = set()
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if path.endswith(".gz"):
            import gzip
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", "replace")
    except Exception:
        return out
    docs = []
    try:
        docs = [json.loads(text)]
    except Exception:
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except Exception:
                pass
    for d in docs:
        entries = []
        if isinstance(d, dict) and isinstance(d.get("log"), dict):
            entries = d["log"].get("entries") or []
        elif isinstance(d, dict) and "exchanges" in d:
            entries = d.get("exchanges") or []
        elif isinstance(d, list):
            entries = d
        elif isinstance(d, dict):
            entries = [d]
        for e in entries:
            if isinstance(e, dict):
                exchange(out, e)
    return out


def forms(s):
    f = urllib.parse.quote_plus(s, safe="")
    return {s, f, f.replace("+", "%20")}


def labelled(d):
    """(capture path, labelled secrets) of a directory."""
    caps = {}
    exp = os.path.join(d, "expected.jsonl")
    if os.path.exists(exp):
        for line in open(exp):
            if line.strip():
                v = json.loads(line)
                caps[os.path.join(d, v["file"])] = [s for s in v.get("secrets", []) if s]
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if p in caps or f == "expected.jsonl" or not re.search(r"\.(har|json|ndjson|jsonl|gz)$", f):
                continue
            own = []
            try:
                v = json.load(open(p))
                if isinstance(v, dict) and isinstance(v.get("secrets"), list):
                    own = [s for s in v["secrets"] if isinstance(s, str) and s]
            except Exception:
                pass
            caps[p] = own
    return caps


def run(args):
    r = subprocess.run([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return r.stdout.decode("utf-8", "replace") + "\n" + r.stderr.decode("utf-8", "replace")


def strip_own_labels(out):
    """A fixture lists its secrets in the capture itself: `redact` copies that list."""
    try:
        v = json.loads(out)
        if isinstance(v, dict) and "secrets" in v:
            del v["secrets"]
            return json.dumps(v)
    except Exception:
        pass
    return out


leaks, captures, checked = [], 0, 0
for d in DIRS:
    for path, secrets in sorted(labelled(d).items()):
        if not os.path.exists(path):
            continue
        captures += 1
        wanted = {s for s in secrets if len(s) >= LABELLED_MIN} | found_secrets(path)
        outputs = [(" ".join(f), run(["check", path, "--color", "never"] + f)) for f in FORMATS]
        red = subprocess.run([BIN, "redact", path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=120)
        outputs.append(("redact", strip_own_labels(red.stdout.decode("utf-8", "replace"))))
        outputs.append(("redact (stderr)", red.stderr.decode("utf-8", "replace")))
        for label, text in outputs:
            if "sarif" in label:
                # The rules' documentation (tool.driver.rules) is the same static text for
                # every capture.
                try:
                    v = json.loads(text[: text.rfind("}") + 1])
                    v["runs"][0]["tool"]["driver"]["rules"] = []
                    text = json.dumps(v, ensure_ascii=False)
                except Exception:
                    pass
            checked += 1
            for s in wanted:
                for f in forms(s):
                    if f in text:
                        at = text.find(f)
                        leaks.append(f"{path}: {label}: `{f[:60]}` ({len(s)} chars) in …{text[max(0, at - 50):at + len(f) + 30]!r}…")
                        break
for l in leaks:
    print(l)
print(f"check-redaction: {captures} captures, {checked} outputs, {len(leaks)} leak(s)")
sys.exit(1 if leaks else 0)
PY
