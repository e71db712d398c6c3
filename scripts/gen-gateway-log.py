#!/usr/bin/env python3
"""Generate an API gateway's token-endpoint log as NDJSON (the `oauth-doctor/exchanges/v1` dump
format, one exchange per line) for benchmarks.

    python3 scripts/gen-gateway-log.py --requests 1000000 --out bench-data/gateway-1M.ndjson

What a gateway in front of an authorization server logs: every token request with its headers
and form body, and the server's answer. About 300 confidential clients ask for tokens with
`client_credentials` (client_secret_basic, a few client_secret_post), about 200 public clients
refresh with rotating refresh tokens. Access tokens are RS256 JWTs for half the clients and
opaque strings for the others. A few requests fail the way they fail in production: a wrong
client secret (401 invalid_client), a refresh token sent again after it was rotated
(400 invalid_grant), a throttled client (429). The last request fails too (a wrong secret),
so a reader that stops early misses it.

Every line is a token request: an analyser must report exactly --requests exchanges.
Deterministic for a given --seed and --requests. Standard library only. Written to OUT.tmp and
renamed when complete. Prints a summary on stderr (-q to silence it).
"""

import argparse
import base64
import json
import os
import random
import sys
import time

from genlib import b64u, http_date, iso

T0_MS = 1795946400000  # 2026-11-29T10:00:00Z
HOST = "login.acme-gateway.example"
TOKEN_URL = "https://" + HOST + "/oauth2/v2.0/token"
ISSUER = "https://" + HOST + "/oauth2/v2.0"
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Gateway:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        self.kid = b64u(r.randbytes(16))
        self.sig = b64u(r.randbytes(256))
        self.confidential = []
        for i in range(300):
            self.confidential.append({
                "id": "svc-%04d-%s" % (i, self.rid(8).lower()),
                "secret": self.rid(40),
                "post": i % 10 == 0,  # client_secret_post
                "jwt": i % 2 == 0,
                "scope": r.choice(["orders.read", "orders.read orders.write", "inventory.read",
                                   "billing.read billing.write", "reports.read"]),
            })
        self.public = []
        for i in range(200):
            self.public.append({"id": "app-%04d-%s" % (i, self.rid(8).lower()), "jwt": i % 2 == 1,
                                "rt": None, "old": None})
        self.stats = {"requests": 0, "failures": 0}

    def rid(self, n):
        r = self.r
        return "".join(ALPHA[int(r.random() * 62)] for _ in range(n))

    def access_token(self, client, now_s, jwt, scope):
        if not jwt:
            return "at." + self.rid(48)
        header = b64u(json.dumps({"alg": "RS256", "kid": self.kid, "typ": "at+jwt"},
                                 separators=(",", ":")).encode())
        claims = b64u(json.dumps({"iss": ISSUER, "sub": client, "aud": "https://api.acme.example",
                                  "client_id": client, "scope": scope, "iat": now_s,
                                  "exp": now_s + 3600, "jti": self.rid(16)},
                                 separators=(",", ":")).encode())
        return header + "." + claims + "." + self.sig

    def line(self, now_ms, headers, form, status, body, extra_resp=()):
        req_h = [["Host", HOST], ["Content-Type", "application/x-www-form-urlencoded"],
                 ["User-Agent", "acme-sdk/4.2.1"], ["X-Forwarded-For", "10.%d.%d.%d" % (
                     self.r.randrange(256), self.r.randrange(256), self.r.randrange(1, 255))],
                 ["X-Request-Id", self.rid(24)]] + headers
        resp_h = [["Content-Type", "application/json;charset=UTF-8"], ["Cache-Control", "no-store"],
                  ["Pragma", "no-cache"], ["Date", http_date(now_ms)]] + list(extra_resp)
        d = {"started_at": iso(now_ms),
             "request": {"method": "POST", "url": TOKEN_URL, "headers": req_h,
                         "body": "&".join(k + "=" + v for k, v in form)},
             "response": {"status": status, "headers": resp_h,
                          "body": json.dumps(body, separators=(",", ":"))}}
        return json.dumps(d, separators=(",", ":"))

    def cc(self, now_ms, c, fail=None):
        now_s = now_ms // 1000
        form = [("grant_type", "client_credentials"), ("scope", c["scope"].replace(" ", "+"))]
        secret = c["secret"] if fail != "invalid_client" else self.rid(40)
        if c["post"]:
            headers = []
            form += [("client_id", c["id"]), ("client_secret", secret)]
        else:
            basic = base64.b64encode((c["id"] + ":" + secret).encode()).decode()
            headers = [["Authorization", "Basic " + basic]]
        if fail == "invalid_client":
            extra = [] if c["post"] else [["WWW-Authenticate", 'Basic realm="acme"']]
            return self.line(now_ms, headers, form, 401, {
                "error": "invalid_client", "error_description": "client authentication failed"}, extra)
        if fail == "throttled":
            return self.line(now_ms, headers, form, 429, {
                "error": "temporarily_unavailable", "error_description": "rate limit exceeded"},
                [["Retry-After", "30"]])
        return self.line(now_ms, headers, form, 200, {
            "access_token": self.access_token(c["id"], now_s, c["jwt"], c["scope"]),
            "token_type": "Bearer", "expires_in": 3600, "scope": c["scope"]})

    def refresh(self, now_ms, p, fail=None):
        now_s = now_ms // 1000
        if p["rt"] is None:
            p["rt"] = "rt." + self.rid(43)
        sent = p["old"] if fail == "invalid_grant" and p["old"] else p["rt"]
        form = [("grant_type", "refresh_token"), ("client_id", p["id"]), ("refresh_token", sent)]
        if sent != p["rt"]:
            return self.line(now_ms, [], form, 400, {
                "error": "invalid_grant", "error_description": "refresh token is invalid or was already used"})
        new = "rt." + self.rid(43)
        p["old"], p["rt"] = p["rt"], new
        return self.line(now_ms, [], form, 200, {
            "access_token": self.access_token(p["id"], now_s, p["jwt"], "openid profile"),
            "token_type": "Bearer", "expires_in": 3600, "scope": "openid profile",
            "refresh_token": new})

    def run(self, n, out):
        r = self.r
        now = T0_MS
        buf = []
        for i in range(n):
            now += int(r.random() * 40) + 1
            last = i == n - 1
            x = r.random()
            fail = None
            if last:
                fail = "invalid_client"
            elif x < 0.0002:
                fail = "invalid_client"
            elif x < 0.0004:
                fail = "invalid_grant"
            elif x < 0.0005:
                fail = "throttled"
            if last or fail in ("invalid_client", "throttled") or (fail is None and r.random() < 0.6):
                c = self.confidential[int(r.random() * len(self.confidential))]
                if last:
                    c = self.confidential[1]
                text = self.cc(now, c, fail)
            else:
                p = self.public[int(r.random() * len(self.public))]
                if fail == "invalid_grant" and p["old"] is None:
                    fail = None
                text = self.refresh(now, p, fail)
            self.stats["requests"] += 1
            self.stats["failures"] += fail is not None
            buf.append(text)
            if len(buf) >= 4096:
                out.write(("\n".join(buf) + "\n").encode())
                buf = []
        if buf:
            out.write(("\n".join(buf) + "\n").encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1_000_000, help="token requests (default 1000000)")
    ap.add_argument("--out", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    a = ap.parse_args()
    if a.requests < 1:
        ap.error("--requests must be at least 1")
    t = time.perf_counter()
    g = Gateway(a.seed)
    if a.out == "-":
        g.run(a.requests, sys.stdout.buffer)
        size = None
    else:
        d = os.path.dirname(a.out)
        if d:
            os.makedirs(d, exist_ok=True)
        tmp = a.out + ".tmp"
        with open(tmp, "wb") as f:
            g.run(a.requests, f)
        os.replace(tmp, a.out)
        size = os.path.getsize(a.out)
    if not a.quiet:
        s = g.stats
        el = time.perf_counter() - t
        mb = "" if size is None else f"{size / 1e6:.1f} MB, "
        print(f"gen-gateway-log: {a.out}: {mb}{s['requests']} token requests "
              f"(exchanges to analyse: {s['requests']}), {s['failures']} failures, the last one "
              f"included; {el:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
