#!/usr/bin/env python3
"""Generate a bearer-heavy browser HAR for benchmarks: most entries are API calls that present a
bearer token, and the failure is at the very end.

    python3 scripts/gen-bearer-har.py --size 1G --out bench-data/bearer-1G.har [--seed 1]
        [--bearer-share 0.66] [--calls-per-token 1] [--oauth-keys-share 0.2] [--no-failure]

A single-page app talks to its API (`api.contoso-shop.example`) with `Authorization: Bearer
<RS256 JWT>`; between the API calls come static assets (images as base64 bodies) and, every
~150 entries, a refresh at the identity provider (`POST /oauth2/v2.0/token`, refresh_token
grant, 200 with a new access token). Knobs:

  --bearer-share      share of the entries that are bearer API calls (default 0.66)
  --calls-per-token   API calls that present the same access token (default 1: one token per
                      call, the hardest case for correlation state)
  --oauth-keys-share  share of API bodies whose JSON has OAuth-looking members (`active`,
                      `error`, `expires_in`, `scope` …) nested and at the top level, which a
                      substring filter mistakes for token responses (default 0.2)
  --no-failure        no failure at the end (by default the last refresh is refused with
                      401 invalid_client and the API call after it gets 401 invalid_token)

API bodies are always longer than 2 KiB, so what makes an entry relevant to an OAuth analyser
is only its URL, headers and status: the refreshes, the failures, and each API call that
presents a token no earlier entry presented. The generator prints that number ("relevant
exchanges") on stderr: an analyser that reads the whole capture must report exactly it.
Deterministic for a given seed and knobs. Standard library only. Written to OUT.tmp and
renamed when complete.
"""

import argparse
import base64
import json
import os
import random
import re
import sys
import time

from genlib import b64u, http_date, iso

T0_MS = 1795946400000  # 2026-11-29T10:00:00Z
APP = "https://shop.contoso-shop.example"
API = "https://api.contoso-shop.example"
CDN = "https://cdn.contoso-shop.example"
IDP = "https://login.contoso-id.example"
TOKEN_URL = IDP + "/tenant-7f3c/oauth2/v2.0/token"
CLIENT_ID = "3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36")
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# What the analyser's pre-filter looks for: a generated token or id must never contain one, or
# the count of relevant exchanges would depend on chance.
MARKERS = re.compile(r"oauth|OAuth|openid|jwks|revoke|userinfo|introspect|grant_type|"
                     r"client_id|redirect_uri|access_token|refresh_token|id_token|/token|"
                     r"/authorize|\.well-known|code=|state=|error|Bearer |bearer |BEARER |"
                     r"DPoP |Token |token |Basic |basic ")
PATHS = ["/v2/orders", "/v2/cart", "/v2/catalog/items", "/v2/recommendations", "/v2/profile",
         "/v2/inventory", "/v2/prices", "/v2/shipping/quotes"]




def parse_size(s):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*", s, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r} (use e.g. 10M, 100M, 1G, 4G)")
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2).upper()]
    return int(float(m.group(1)) * mult)


def hdrs(pairs):
    return [{"name": n, "value": v} for n, v in pairs]


class Gen:
    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        self.now = T0_MS
        self.kid = b64u(self.r.randbytes(12))
        self.sig = b64u(self.r.randbytes(256))
        self.token = None
        self.token_uses = 0
        self.fresh = False
        self.refresh = "0.AR" + self.rid(120)
        self.stats = {"entries": 0, "bearer": 0, "refreshes": 0, "relevant": 0, "failures": 0}
        self.pad = "".join(self.r.choice(ALPHA) for _ in range(4096))

    def rid(self, n):
        r = self.r
        while True:
            s = "".join(ALPHA[int(r.random() * 62)] for _ in range(n))
            if not MARKERS.search(s):
                return s

    def jwt(self):
        now_s = self.now // 1000
        while True:
            claims = {"aud": API, "iss": IDP + "/tenant-7f3c/v2.0", "iat": now_s,
                      "nbf": now_s, "exp": now_s + 3600, "azp": CLIENT_ID, "scp": "orders.read",
                      "sub": self.rid(22), "oid": self.rid(16), "uti": self.rid(22)}
            t = (b64u(json.dumps({"alg": "RS256", "kid": self.kid, "typ": "JWT"},
                                 separators=(",", ":")).encode()) + "." +
                 b64u(json.dumps(claims, separators=(",", ":")).encode()) + "." + self.sig)
            if not MARKERS.search(t):
                return t

    def tick(self):
        self.now += int(self.r.random() * 90) + 5

    def entry(self, method, url, req_h, status, resp_h, body, mime, post=None, encoding=None,
              error=None):
        e = {"_resourceType": "fetch" if "api." in url else "image", "cache": {},
             "startedDateTime": iso(self.now), "time": 42.5,
             "request": {"method": method, "url": url, "httpVersion": "http/2.0",
                         "headers": hdrs(req_h), "queryString": [], "cookies": [],
                         "headersSize": -1, "bodySize": len(post["text"]) if post else 0},
             "response": {"status": status, "statusText": "", "httpVersion": "http/2.0",
                          "headers": hdrs(resp_h), "cookies": [],
                          "content": {"size": len(body), "mimeType": mime, "text": body},
                          "redirectURL": "", "headersSize": -1, "bodySize": len(body),
                          "_transferSize": len(body) + 300, "_error": error},
             "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
                         "wait": 40.0, "receive": 1.2}}
        if post:
            e["request"]["postData"] = post
        if encoding:
            e["response"]["content"]["encoding"] = encoding
        self.stats["entries"] += 1
        return json.dumps(e, separators=(",", ":"))

    def api_body(self):
        r = self.r
        items = [{"sku": self.rid(10), "name": "item " + self.rid(6), "qty": int(r.random() * 9),
                  "price": round(r.random() * 200, 2)} for _ in range(12)]
        body = {"data": {"items": items, "page": int(r.random() * 40)}}
        if r.random() < self.a.oauth_keys_share:
            # Members an OAuth response has, in an API payload (a subscription's state).
            body["active"] = True
            body["expires_in"] = 3600
            body["data"]["error"] = None
            body["data"]["scope"] = "orders.read"
        body["pad"] = self.pad[: 2100 + int(r.random() * 2000)]
        return json.dumps(body, separators=(",", ":"))

    def api_call(self, status=200):
        if self.token is None or self.token_uses >= self.a.calls_per_token:
            self.token, self.token_uses, self.fresh = self.jwt(), 0, True
        # The first call that presents a token is relevant, wherever the token came from.
        new, self.fresh = self.fresh, False
        self.token_uses += 1
        path = self.r.choice(PATHS) + "/" + str(int(self.r.random() * 100000))
        req_h = [(":authority", API[8:]), (":method", "GET"), (":path", path),
                 (":scheme", "https"), ("accept", "application/json"),
                 ("authorization", "Bearer " + self.token), ("origin", APP),
                 ("referer", APP + "/"), ("user-agent", UA)]
        resp_h = [("content-type", "application/json; charset=utf-8"),
                  ("date", http_date(self.now)), ("vary", "Origin")]
        if status == 401:
            resp_h.append(("www-authenticate", 'Bearer error="invalid_token", '
                           'error_description="The token expired"'))
            body = ""
        else:
            body = self.api_body()
        self.stats["bearer"] += 1
        self.stats["relevant"] += new or status >= 400
        return self.entry("GET", API + path, req_h, status, resp_h, body, "application/json")

    def asset(self):
        n = 3000 + int(self.r.random() * 9000)
        img = base64.b64encode(self.r.randbytes(n)).decode()
        path = "/img/p%06d.webp" % int(self.r.random() * 999999)
        return self.entry("GET", CDN + path, [(":authority", CDN[8:]), ("accept", "image/webp"),
                                              ("referer", APP + "/"), ("user-agent", UA)],
                          200, [("content-type", "image/webp"), ("cache-control", "max-age=86400")],
                          img, "image/webp", encoding="base64")

    def refresh_call(self, fail=False):
        form = "client_id=%s&grant_type=refresh_token&refresh_token=%s&scope=orders.read" % (
            CLIENT_ID, self.refresh)
        req_h = [(":authority", IDP[8:]), (":method", "POST"), ("accept", "*/*"),
                 ("content-type", "application/x-www-form-urlencoded;charset=utf-8"),
                 ("origin", APP), ("user-agent", UA)]
        if fail:
            body = json.dumps({"error": "invalid_client",
                               "error_description": "AADSTS7000215: Invalid client secret "
                               "provided.", "error_codes": [7000215]})
            status = 401
        else:
            self.refresh = "0.AR" + self.rid(120)
            self.token, self.token_uses, self.fresh = self.jwt(), 0, True
            body = json.dumps({"token_type": "Bearer", "scope": "orders.read",
                               "expires_in": 3600, "access_token": self.token,
                               "refresh_token": self.refresh})
            status = 200
        self.stats["refreshes"] += 1
        self.stats["relevant"] += 1
        return self.entry("POST", TOKEN_URL, req_h, status,
                          [("content-type", "application/json; charset=utf-8"),
                           ("cache-control", "no-store")], body, "application/json",
                          post={"mimeType": "application/x-www-form-urlencoded", "text": form})

    def run(self, out):
        a = self.a
        out.write(b'{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},'
                  b'"pages":[],"entries":[\n')
        written, first, i = 0, True, 0
        budget = a.size - 200
        buf = []
        while written < budget:
            self.tick()
            i += 1
            if i % 150 == 0:
                text = self.refresh_call()
            elif self.r.random() < a.bearer_share:
                text = self.api_call()
            else:
                text = self.asset()
            if not first:
                text = ",\n" + text
            first = False
            written += len(text)
            buf.append(text)
            if len(buf) >= 512:
                out.write("".join(buf).encode())
                buf = []
        if a.failure:
            self.tick()
            buf.append(",\n" + self.refresh_call(fail=True))
            self.tick()
            buf.append(",\n" + self.api_call(status=401))
            self.stats["failures"] += 2
        out.write("".join(buf).encode())
        out.write(b"\n]}}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("100M"))
    ap.add_argument("--out", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bearer-share", type=float, default=0.66)
    ap.add_argument("--calls-per-token", type=int, default=1)
    ap.add_argument("--oauth-keys-share", type=float, default=0.2)
    ap.add_argument("--no-failure", dest="failure", action="store_false")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.calls_per_token < 1 or not 0 <= a.bearer_share <= 1:
        ap.error("--calls-per-token must be >= 1 and --bearer-share in [0, 1]")
    t = time.perf_counter()
    g = Gen(a)
    if a.out == "-":
        g.run(sys.stdout.buffer)
        size = None
    else:
        d = os.path.dirname(a.out)
        if d:
            os.makedirs(d, exist_ok=True)
        with open(a.out + ".tmp", "wb") as f:
            g.run(f)
        os.replace(a.out + ".tmp", a.out)
        size = os.path.getsize(a.out)
    if not a.quiet:
        s = g.stats
        mb = "" if size is None else f"{size / 1e6:.1f} MB, "
        print(f"gen-bearer-har: {a.out}: {mb}{s['entries']} entries, {s['bearer']} bearer calls, "
              f"{s['refreshes']} refreshes, {s['failures']} failures at the end; "
              f"relevant exchanges: {s['relevant']}; {time.perf_counter() - t:.1f} s",
              file=sys.stderr)


if __name__ == "__main__":
    main()
