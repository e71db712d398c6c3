#!/usr/bin/env python3
"""Generate a large, realistic Chrome-DevTools-style HAR 1.2 file for benchmarks.

    python3 scripts/gen-har.py --size 1G --out bench-data/big.har [--seed 1]

Sizes: a plain byte count or a number with K, M, G, T (powers of 1024), e.g. 10M, 100M, 1G, 4G.
The file is exactly as Chrome writes it (JSON.stringify(har, null, 2)): 2-space indentation,
Chrome's key order and vendor fields (_initiator, _priority, _resourceType, _transferSize,
_error, _fetchedViaServiceWorker, _blocked_queueing ...), HTTP/2 pseudo-headers, one page per
~2 MiB of entries. Entries average ~8 KiB: HTML, JS, CSS, fonts, images as base64 bodies up to
~100 KB, JSON API calls carrying `authorization: Bearer <RS256 JWT>`, analytics beacons (some
blocked by an ad blocker: status 0 + _error). About 1.2 % of the entries are OAuth / OIDC
traffic against an Okta-style issuer and an Auth0-style M2M tenant: discovery, JWKS, authorize
(302 to the callback with code & state), callback, CORS preflight, token (authorization_code
with PKCE, refresh_token, client_credentials), userinfo. A few failures are spread evenly through
the file: a replayed authorization code (400 invalid_grant), a wrong client secret
(401 invalid_client) and an expired access token (401 + WWW-Authenticate: Bearer
error="invalid_token"), each followed by what a real client does next.

Deterministic for a given --seed and --size (same bytes on every machine, Python >= 3.9).
Standard library only. Speed comes from templates rendered once at start-up (json.dumps with
sentinels, turned into bytes %-format strings) and big buffered writes of bytes.
The file is written to OUT.tmp and renamed when complete, so a partial file never has the
final name (bench.sh relies on that).
"""

import argparse
import base64
import bisect
import email.utils
import json
import os
import random
import re
import sys
import time

T0_MS = 1795946400123  # 2026-11-29T10:00:00.123Z
PAGE_BYTES = 2 * 1024 * 1024  # one page (navigation) per ~2 MiB of entries
PAGE_SPAN_MS = 600_000  # pages start ~10 minutes apart (plus jitter)
FLUSH_BYTES = 16 * 1024 * 1024

IDP_HOST = "northwind.okta.com"
ISSUER = "https://northwind.okta.com/oauth2/default"
M2M_HOST = "northwind-m2m.us.auth0.com"
APP_HOST = "app.northwind.example"
APP = "https://" + APP_HOST
CDN_HOST = "static.northwind-cdn.example"
IMG_HOST = "images.northwind-cdn.example"
API_HOST = "api.northwind.example"
LEGACY_HOST = "reports.northwind.example"
BEACON_HOST = "collect.metricsly.example"
SPA_CLIENT_ID = "0oa9x2kq7tWmB4rXh5d7"
BACKEND_CLIENT_ID = "0oa9x2lw1cQjP8vTn5d7"
M2M_CLIENT_ID = "Xk2b9QpL0vTz7RwN4sYc1mHd8fJg3eUa"
REDIRECT_URI = APP + "/callback"
UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
SEC_CH_UA = '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'


def parse_size(s):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*", s, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r} (use e.g. 10M, 100M, 1G, 4G)")
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2).upper()]
    n = int(float(m.group(1)) * mult)
    if n < 64 * 1024:
        raise argparse.ArgumentTypeError("size must be at least 64K")
    return n


# --------------------------------------------------------------------------------------------
# Templates: a dict with sentinel strings goes through json.dumps(indent=2) once; sentinels
# become %(name)s placeholders of a bytes format string.
#   S(name): string value, inserted between the quotes (the value must be JSON-escaped already)
#   R(name): raw JSON value (number, null, or a pre-rendered indented block)
# --------------------------------------------------------------------------------------------

def S(name):
    return "\x00s:" + name + "\x00"


def R(name):
    return "\x00r:" + name + "\x00"


_RAW_RE = re.compile(r'"\\u0000r:([a-z_]+)\\u0000"')
_STR_RE = re.compile(r'\\u0000s:([a-z_]+)\\u0000')


def dumps_at(obj, indent):
    """json.dumps(indent=2) for a value whose key sits at column `indent`."""
    return json.dumps(obj, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)


def compile_template(obj, indent=6):
    txt = json.dumps(obj, indent=2, ensure_ascii=False).replace("%", "%%")
    txt = _RAW_RE.sub(r"%(\1)s", txt)
    txt = _STR_RE.sub(r"%(\1)s", txt)
    pad = " " * indent
    return (pad + txt.replace("\n", "\n" + pad)).encode()


def jstr(s):
    """JSON-escape a str for use inside quotes; returns bytes."""
    return json.dumps(s, ensure_ascii=False)[1:-1].encode()


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def hdrs(pairs):
    return [{"name": n, "value": v} for n, v in pairs]


def mk_entry(*, initiator, priority, rtype, method, url, http, req_headers, qs, status,
             status_text, resp_headers, content, conn=S("conn"), req_cookies=(), post=None,
             req_hsize=-1, req_bsize=0, resp_cookies=(), redirect="", resp_hsize=-1,
             resp_bsize=R("bodysize"), transfer=R("transfer"), error=None,
             ip="", from_cache=None):
    """One entry in Chrome's key order (front_end/models/har/Log.ts)."""
    e = {}
    if from_cache:
        e["_fromCache"] = from_cache
    e["_initiator"] = initiator
    e["_priority"] = priority
    e["_resourceType"] = rtype
    e["cache"] = {}
    if conn is not None:
        e["connection"] = conn
    e["pageref"] = S("pageref")
    req = {"method": method, "url": url, "httpVersion": http, "headers": req_headers,
           "queryString": qs, "cookies": list(req_cookies), "headersSize": req_hsize,
           "bodySize": req_bsize}
    if post is not None:
        req["postData"] = post
    e["request"] = req
    e["response"] = {
        "status": status, "statusText": status_text, "httpVersion": http if status else "",
        "headers": resp_headers, "cookies": list(resp_cookies), "content": content,
        "redirectURL": redirect, "headersSize": resp_hsize, "bodySize": resp_bsize,
        "_transferSize": transfer, "_error": error, "_fetchedViaServiceWorker": False,
    }
    e["serverIPAddress"] = ip
    e["startedDateTime"] = S("started")
    e["time"] = R("time")
    e["timings"] = R("timings")
    return e


class Gen:
    def __init__(self, seed, target):
        self.rng = random.Random(seed)
        self.target = target
        self.n_pages = (target - 1) // PAGE_BYTES + 1
        self.ips = {}
        self.conns = {}
        self.next_conn = 100000 + self.rng.randrange(500000)
        self.date_cache = (None, None, None)
        self.stats = {"entries": 0, "oauth": 0, "failures": 0}
        r = self.rng
        self.kid = b64u(r.randbytes(30))
        self.kid_old = b64u(r.randbytes(30))
        self.m2m_kid = b64u(r.randbytes(24))
        self._build_pools()
        self._build_pages()
        self._build_templates()

    # ---------------------------------------------------------------- small helpers
    def ip(self, host):
        if host not in self.ips:
            r = self.rng
            self.ips[host] = f"{r.choice([104, 151, 172, 185, 199, 34, 52])}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        return self.ips[host]

    def rand_id(self, n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
        r = self.rng
        return "".join(r.choice(alphabet) for _ in range(n))

    def uuid(self):
        x = "%032x" % self.rng.getrandbits(128)
        return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-a{x[17:20]}-{x[20:]}"

    def skew(self, lo, hi, k):
        return int(lo * (hi / lo) ** (self.rng.random() ** k))

    def fmt_times(self, ms):
        """(startedDateTime, Date header) as bytes; cached per second."""
        sec, frac = divmod(ms, 1000)
        if sec != self.date_cache[0]:
            iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
            http = email.utils.formatdate(sec, usegmt=True).encode()
            self.date_cache = (sec, iso, http)
        return b"%s.%03dZ" % (self.date_cache[1], frac), self.date_cache[2]

    # ---------------------------------------------------------------- random material
    def _build_pools(self):
        r = self.rng
        # base64 of random bytes, images are slices of it behind a real magic header
        self.b64pool = base64.b64encode(r.randbytes(3 * 1024 * 1024))  # 4 MiB
        self.magic = {
            "image/png": base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\xc0\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"),
            "image/jpeg": base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"),
            "image/webp": base64.b64encode(b"RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00"),
            "image/gif": base64.b64encode(b"GIF89a"),
            "image/x-icon": base64.b64encode(b"\x00\x00\x01\x00\x01\x00"),
            "font/woff2": base64.b64encode(b"wOF2\x00\x01"),
        }
        self._build_text_corpora()
        self._build_api_bodies()
        self._build_timings()
        self._build_url_pools()

    def _corpus(self, lines):
        """Escaped text + offsets of line starts (escaped and raw) for cheap valid slicing."""
        esc = []
        off = [0]
        raw = [0]
        for line in lines:
            e = jstr(line + "\n")
            esc.append(e)
            off.append(off[-1] + len(e))
            raw.append(raw[-1] + len(line.encode()) + 1)
        return (b"".join(esc), off, raw)

    def _build_text_corpora(self):
        r = self.rng
        idents = ["e", "t", "n", "r", "o", "i", "a", "s", "u", "c", "l", "d", "f", "p", "h", "m"]
        words = ["render", "useState", "useEffect", "fetchOrders", "dispatch", "subscribe",
                 "handleClick", "createElement", "forEach", "reduce", "Promise", "resolve",
                 "getItem", "setItem", "JSON.parse", "querySelector", "addEventListener",
                 "cart", "order", "customer", "product", "session", "router", "navigate",
                 "Suspense", "memo", "ref", "props", "children", "className", "onChange"]
        snippets = [
            'function {a}({b},{c}){{return {b}.{w}({c})}}',
            'var {a}={b}.{w}||function({c}){{return {c}}};',
            '{a}.prototype.{w}=function(){{return this.{x}}};',
            'const {a}=await fetch("/v2/{x}",{{headers:{{accept:"application/json"}}}});',
            'if(!{a})throw new Error("{w}: unexpected {x}");',
            'return {a}?{b}.{w}({c},{{key:"{x}"}}):null;',
            '{a}.{w}("{x}",function({b}){{{c}.preventDefault()}});',
            'export default function {W}({{{x}}}){{return (0,r.jsx)("div",{{className:"{x}"}})}}',
            'for(let {a}=0;{a}<{b}.length;{a}++){c}+={b}[{a}];',
            '/*! {W} v4.{n}.{m} | MIT License */',
        ]

        def js_line():
            parts = []
            for _ in range(r.randrange(2, 9)):
                parts.append(r.choice(snippets).format(
                    a=r.choice(idents), b=r.choice(idents), c=r.choice(idents),
                    w=r.choice(words), x=r.choice(words), W=r.choice(words).capitalize(),
                    n=r.randrange(20), m=r.randrange(20)))
            return "".join(parts)

        self.js = self._corpus([js_line() for _ in range(9000)])

        props = ["display:flex", "margin:0 auto", "padding:8px 16px", "color:#1f2937",
                 "background:#f9fafb", "border-radius:6px", "font-weight:600",
                 "grid-template-columns:repeat(auto-fill,minmax(240px,1fr))",
                 "transition:opacity .2s ease-in-out", "box-shadow:0 1px 3px rgba(0,0,0,.12)",
                 "font-family:Inter,system-ui,sans-serif", "content:\"\\201C\""]

        def css_line():
            sel = r.choice([".btn", ".card", ".nav__item", "#root", ".order-row", ".modal",
                            ".product-grid", "h1", "a:hover", ".badge--warning"])
            sel += r.choice(["", "--active", " > span", ":focus-visible", " .icon"])
            return sel + "{" + ";".join(r.choice(props) for _ in range(r.randrange(2, 7))) + "}"

        self.css = self._corpus([css_line() for _ in range(12000)])

        def html_line():
            return r.choice([
                '<div class="order-row" data-id="{n}"><span class="badge">{w}</span><a href="/orders/{n}">Order #{n}</a></div>',
                '<link rel="preload" href="https://static.northwind-cdn.example/assets/js/chunk-{n}.js" as="script">',
                '<li class="nav__item"><a href="/{w}">{W}</a></li>',
                '<img src="https://images.northwind-cdn.example/img/products/{n}/320x240.webp" alt="{W} \u2013 Z\u00fcrich" loading="lazy">',
                '<p>Caf\u00e9 cr\u00e8me, {w}: {n} items in your cart \u2014 free shipping over 50 \u20ac.</p>',
                '<script nonce="{x}">window.__STATE__={{"user":null,"flags":{{"{w}":true}}}}</script>',
            ]).format(n=r.randrange(10000, 99999), w=r.choice(words), W=r.choice(words).capitalize(),
                      x=self.rand_id(22))

        self.html = self._corpus(["<!DOCTYPE html>", "<html lang=\"en\">"] +
                                 [html_line() for _ in range(9000)])

    def text_slice(self, corpus, size):
        data, off, raw = corpus
        last = len(off) - 1
        hi = bisect.bisect_right(off, off[last] - size) - 1
        i = self.rng.randrange(max(hi, 1))
        j = bisect.bisect_left(off, off[i] + size, i + 1)
        if j > last:
            j = last
        return data[off[i]:off[j]], raw[j] - raw[i]

    def _build_api_bodies(self):
        r = self.rng
        cities = ["Z\u00fcrich", "M\u00fcnchen", "S\u00e3o Paulo", "\u6771\u4eac", "Paris",
                  "New York", "K\u00f8benhavn", "Krak\u00f3w", "Seattle", "Lyon"]
        statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"]

        def item():
            return {"id": r.randrange(10**6, 10**7), "sku": "SKU-" + self.rand_id(8).upper(),
                    "status": r.choice(statuses), "quantity": r.randrange(1, 9),
                    "unitPrice": {"amount": round(r.uniform(1, 400), 2), "currency": "EUR"},
                    "shipTo": {"city": r.choice(cities), "postalCode": str(r.randrange(10000, 99999))},
                    "updatedAt": "2026-11-%02dT%02d:%02d:%02dZ" % (r.randrange(1, 29), r.randrange(24), r.randrange(60), r.randrange(60))}

        self.api_bodies = []
        for _ in range(600):
            n = self.skew(1, 60, 2.0) - 1
            doc = {"data": [item() for _ in range(n)],
                   "meta": {"page": r.randrange(1, 40), "pageSize": 50, "total": r.randrange(n, 5000) if n else 0,
                            "requestId": self.uuid()}}
            raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            self.api_bodies.append((jstr(raw), b"%d" % len(raw.encode())))
        self.post_bodies = []
        for _ in range(50):
            raw = json.dumps({"items": [{"sku": "SKU-" + self.rand_id(8).upper(), "quantity": r.randrange(1, 5)}
                                        for _ in range(r.randrange(1, 6))],
                              "note": r.choice(["", "Leave at the door", "Gift \U0001f381"])},
                             ensure_ascii=False, separators=(",", ":"))
            self.post_bodies.append(raw)

    def _build_timings(self):
        r = self.rng
        self.timings = []
        for i in range(4096):
            newconn = r.random() < 0.06
            t = {"blocked": round(r.uniform(0.3, 12) * (5 if r.random() < 0.1 else 1), 3),
                 "dns": round(r.uniform(1, 40), 3) if newconn else -1,
                 "ssl": -1, "connect": -1,
                 "send": round(r.uniform(0.05, 0.6), 3),
                 "wait": round(r.uniform(8, 140) * (6 if r.random() < 0.05 else 1), 3),
                 "receive": round(r.uniform(0.2, 30), 3),
                 "_blocked_queueing": 0.0, "_workerStart": -1, "_workerReady": -1,
                 "_workerFetchStart": -1, "_workerRespondWithSettled": -1}
            if newconn:
                t["connect"] = round(r.uniform(20, 90), 3)
                t["ssl"] = round(t["connect"] * r.uniform(0.4, 0.8), 3)
            t["_blocked_queueing"] = round(t["blocked"] * r.uniform(0.3, 0.95), 3)
            total = sum(v for k, v in t.items() if k in ("blocked", "dns", "connect", "send", "wait", "receive") and v > 0)
            self.timings.append((dumps_at(t, 8).encode(), repr(round(total, 3)).encode()))

    def _qs_block(self, query):
        pairs = [p.partition("=")[::2] for p in query.split("&")] if query else []
        return dumps_at([{"name": n, "value": v} for n, v in pairs], 10).encode()

    def _pool(self, host, paths):
        out = []
        for p in paths:
            path, _, query = p.partition("?")
            out.append((jstr("https://" + host + p), jstr(p), self._qs_block(query)))
        return out

    def _build_url_pools(self):
        r = self.rng
        chunks = [f"chunk-{self.rand_id(8).lower()}" for _ in range(60)]
        self.url_js = self._pool(CDN_HOST, [
            f"/assets/js/{r.choice(['main', 'vendor', 'runtime', 'polyfills', 'checkout', 'orders'] + chunks)}.{self.rand_id(8).lower()}.js"
            for _ in range(300)])
        self.url_css = self._pool(CDN_HOST, [
            f"/assets/css/{r.choice(['app', 'vendor', 'checkout', 'print', 'theme-dark'])}.{self.rand_id(8).lower()}.css"
            for _ in range(60)])
        self.url_font = self._pool(CDN_HOST, [
            f"/fonts/inter-{w}-latin.{self.rand_id(6).lower()}.woff2" for w in (300, 400, 500, 600, 700)])
        imgs = []
        for _ in range(3000):
            k = r.random()
            if k < 0.55:
                imgs.append((f"/img/products/{r.randrange(10000, 99999)}/{r.choice(['160x120', '320x240', '640x480', '1280x960'])}.webp", "image/webp"))
            elif k < 0.75:
                imgs.append((f"/img/avatars/{self.uuid()}.png?s={r.choice([32, 64, 128])}", "image/png"))
            elif k < 0.95:
                imgs.append((f"/img/banners/{r.choice(['winter', 'sale', 'new-in', 'blackfriday'])}-{r.randrange(1, 40)}.jpg?w={r.choice([800, 1200, 1920])}&q=80", "image/jpeg"))
            elif k < 0.98:
                imgs.append(("/favicon.ico", "image/x-icon"))
            else:
                imgs.append((f"/img/spinner-{r.randrange(3)}.gif", "image/gif"))
        self.url_img = {}
        for p, mime in imgs:
            self.url_img.setdefault(mime, []).extend(self._pool(IMG_HOST, [p]))
        self.url_svg = self._pool(IMG_HOST, [f"/icons/{n}.svg" for n in
                                             ["cart", "user", "search", "chevron-down", "close", "check", "truck", "heart", "logo"]])
        api = []
        for _ in range(4000):
            k = r.random()
            oid = r.randrange(10**6, 10**7)
            api.append(r.choice([
                f"/v2/orders?page={r.randrange(1, 40)}&limit=50&sort=-createdAt",
                f"/v2/orders/{oid}",
                f"/v2/orders/{oid}/items",
                f"/v2/customers/{r.randrange(10**5, 10**6)}",
                f"/v2/products?category={r.choice(['shoes', 'coats', 'bags', 'gifts'])}&page={r.randrange(1, 20)}",
                f"/v2/products/SKU-{self.rand_id(8).upper()}",
                "/v2/cart", "/v2/me", "/v2/me/preferences",
                f"/v2/notifications?unread=true&since=2026-11-{r.randrange(1, 29):02d}",
                f"/v2/search?q={r.choice(['wool', 'leather', 'gift+card', 'red+scarf'])}&limit=20",
                f"/v2/inventory/SKU-{self.rand_id(8).upper()}",
                "/v1/tokens?type=personal&limit=20",  # personal access tokens: not OAuth
                f"/v2/api-tokens/{r.randrange(1000, 9999)}/usage",
            ]) if k < 0.97 else "/graphql")
        self.url_api = self._pool(API_HOST, api)
        self.url_legacy = self._pool(LEGACY_HOST, [
            f"/reports/export/{r.randrange(1000, 9999)}?format=json&range={r.choice(['7d', '30d', '90d'])}"
            for _ in range(200)])
        self.url_beacon = self._pool(BEACON_HOST, [
            f"/g/collect?v=2&tid=MT-{self.rand_id(10).upper()}&cid={r.randrange(10**9, 10**10)}.{r.randrange(10**9, 10**10)}"
            f"&sid={r.randrange(10**9, 10**10)}&en={r.choice(['page_view', 'scroll', 'click', 'view_item', 'add_to_cart'])}"
            f"&dl=https%3A%2F%2Fapp.northwind.example%2F{r.choice(['orders', 'cart', 'products', ''])}&ul=en-us&sr=1728x1117"
            for _ in range(500)])

    # ---------------------------------------------------------------- pages
    def _build_pages(self):
        r = self.rng
        self.pages = []
        sections = ["", "orders", "orders/" , "products", "cart", "account", "search?q=wool", "checkout"]
        for k in range(self.n_pages):
            start = T0_MS + k * PAGE_SPAN_MS + (r.randrange(PAGE_SPAN_MS // 2) if k else 0)
            sec = r.choice(sections)
            if sec.endswith("/"):
                sec += str(r.randrange(10**6, 10**7))
            self.pages.append((start, APP + "/" + sec))
        self.page_end = [p[0] for p in self.pages[1:]] + [self.pages[-1][0] + PAGE_SPAN_MS]

    def header_bytes(self):
        pages = []
        for k, (start, url) in enumerate(self.pages):
            iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start // 1000)) + ".%03dZ" % (start % 1000)
            cl = round(self.rng.uniform(300, 1500), 3)
            pages.append({"startedDateTime": iso, "id": f"page_{k + 1}", "title": url,
                          "pageTimings": {"onContentLoad": cl, "onLoad": round(cl + self.rng.uniform(50, 2000), 3)}})
        doc = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                       "pages": pages, "entries": "\x00ENTRIES\x00"}}
        txt = json.dumps(doc, indent=2, ensure_ascii=False)
        head, tail = txt.split('"\\u0000ENTRIES\\u0000"')
        return (head + "[\n").encode(), ("\n    ]" + tail).encode()

    # ---------------------------------------------------------------- request headers
    def req_headers_h2(self, host, method, path_ph, accept, dest, mode, site, extra=(), referer=APP + "/",
                       origin=None, priority="u=1, i"):
        hs = [(":authority", host), (":method", method), (":path", path_ph), (":scheme", "https")]
        rest = [("accept", accept), ("accept-encoding", "gzip, deflate, br, zstd"),
                ("accept-language", self.rng.choice(["en-US,en;q=0.9", "en-GB,en;q=0.9,de;q=0.8", "de-CH,de;q=0.9,en;q=0.8"])),
                ("priority", priority), ("referer", referer),
                ("sec-ch-ua", SEC_CH_UA), ("sec-ch-ua-mobile", "?0"), ("sec-ch-ua-platform", '"macOS"'),
                ("sec-fetch-dest", dest), ("sec-fetch-mode", mode), ("sec-fetch-site", site),
                ("user-agent", UA)]
        if origin:
            rest.append(("origin", origin))
        rest.extend(extra)
        rest.sort(key=lambda p: p[0])
        return hdrs(hs + rest)

    def initiator(self, kind):
        r = self.rng
        if kind == "other":
            return {"type": "other"}
        if kind == "parser":
            return {"type": "parser", "url": APP + "/", "lineNumber": r.randrange(5, 60)}
        frames = []
        for _ in range(r.randrange(1, 5)):
            frames.append({"functionName": r.choice(["", "fetchJSON", "request", "Ue", "dispatchXhrRequest",
                                                     "xhr", "mountEffect", "commitHookEffectListMount", "loadOrders", "useQuery"]),
                           "scriptId": str(r.randrange(10, 400)),
                           "url": f"https://{CDN_HOST}/assets/js/{r.choice(['main', 'vendor', 'orders'])}.{self.rand_id(8).lower()}.js",
                           "lineNumber": r.randrange(0, 3), "columnNumber": r.randrange(100, 400000)})
        st = {"callFrames": frames}
        if r.random() < 0.3:
            st["parent"] = {"description": r.choice(["Promise.then", "await", "setTimeout"]),
                            "callFrames": frames[:r.randrange(1, min(len(frames), 3) + 1)]}
        return {"type": "script", "stack": st}

    # ---------------------------------------------------------------- ordinary templates
    def _build_templates(self):
        r = self.rng
        T = self.tpl = {}

        def content(mime, text=True, encoding=None, compression=True):
            c = {"size": R("size"), "mimeType": mime}
            if compression:
                c["compression"] = R("compression")
            if text:
                c["text"] = S("text")
            if encoding:
                c["encoding"] = encoding
            return c

        def cdn_resp(ctype, ce=True):
            h = [("accept-ranges", "bytes"), ("access-control-allow-origin", "*"),
                 ("age", str(r.randrange(10, 900000))), ("cache-control", "public, max-age=31536000, immutable")]
            if ce:
                h.append(("content-encoding", "br"))
            else:
                h.append(("content-length", S("ctlen")))
            h += [("content-type", ctype), ("date", S("date")),
                  ("etag", '"%s"' % self.rand_id(32, "0123456789abcdef")),
                  ("last-modified", "Tue, 24 Nov 2026 16:%02d:%02d GMT" % (r.randrange(60), r.randrange(60))),
                  ("server", "cloudflare"), ("vary", "Accept-Encoding"),
                  ("cf-cache-status", r.choice(["HIT", "HIT", "HIT", "MISS", "REVALIDATED"])),
                  ("cf-ray", "%x-ZRH" % r.getrandbits(64))]
            return hdrs(h)

        # document (one per page)
        T["doc"] = []
        for _ in range(8):
            cookies = [{"name": n, "value": v, "path": "/", "domain": "." + APP_HOST.split(".", 1)[1],
                        "expires": "2027-11-29T10:00:00.000Z", "httpOnly": n == "nw_sid", "secure": True, "sameSite": "Lax"}
                       for n, v in [("nw_sid", self.rand_id(43)), ("nw_consent", "v2.analytics.marketing"),
                                    ("_mt_cid", "%d.%d" % (r.randrange(10**9, 10**10), r.randrange(10**9, 10**10)))]]
            cookie_hdr = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
            rh = self.req_headers_h2(APP_HOST, "GET", S("path"),
                                     "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
                                     "document", "navigate", r.choice(["none", "same-origin"]),
                                     extra=[("cookie", cookie_hdr), ("sec-fetch-user", "?1"), ("upgrade-insecure-requests", "1"),
                                            ("cache-control", "max-age=0")], priority="u=0, i")
            resp = hdrs([("cache-control", "no-store"), ("content-encoding", "br"), ("content-security-policy",
                         f"default-src 'self'; script-src 'self' 'nonce-{self.rand_id(22)}' https://{CDN_HOST}; img-src 'self' https://{IMG_HOST} data:; connect-src 'self' https://{API_HOST} https://{IDP_HOST} https://{BEACON_HOST}; frame-ancestors 'none'"),
                         ("content-type", "text/html; charset=utf-8"), ("date", S("date")),
                         ("referrer-policy", "strict-origin-when-cross-origin"), ("server", "envoy"),
                         ("strict-transport-security", "max-age=63072000; includeSubDomains; preload"),
                         ("vary", "Accept-Encoding"), ("x-content-type-options", "nosniff"),
                         ("x-envoy-upstream-service-time", str(r.randrange(5, 200))), ("x-request-id", S("reqid"))])
            e = mk_entry(initiator=self.initiator("other"), priority="VeryHigh", rtype="document", method="GET",
                         url=S("url"), http="http/2.0", req_headers=rh, qs=R("qs"), req_cookies=cookies,
                         status=200, status_text="", resp_headers=resp, content=content("text/html"),
                         ip=self.ip(APP_HOST))
            T["doc"].append(compile_template(e))

        def static_kind(name, urlpool_host, accept, dest, rtype, prio, ctype, mime, n=16, enc=None, ce=True):
            T[name] = []
            for _ in range(n):
                init = self.initiator(r.choice(["parser", "parser", "script"]))
                rh = self.req_headers_h2(urlpool_host, "GET", S("path"), accept, dest, "no-cors" if dest != "font" else "cors",
                                         "cross-site", origin=APP if dest == "font" else None,
                                         priority=r.choice(["u=1", "u=2", "u=0"]) if dest != "image" else "i")
                e = mk_entry(initiator=init, priority=prio if isinstance(prio, str) else r.choice(prio), rtype=rtype,
                             method="GET", url=S("url"), http="http/2.0", req_headers=rh, qs=R("qs"), status=200,
                             status_text="", resp_headers=cdn_resp(ctype, ce),
                             content=content(mime, encoding=enc, compression=ce), ip=self.ip(urlpool_host),
                             from_cache="disk" if r.random() < 0.1 else None)
                T[name].append(compile_template(e))

        static_kind("js", CDN_HOST, "*/*", "script", "script", ["High", "Low", "Medium"],
                    "application/javascript; charset=utf-8", "application/javascript")
        static_kind("css", CDN_HOST, "text/css,*/*;q=0.1", "style", "stylesheet", "VeryHigh",
                    "text/css; charset=utf-8", "text/css")
        static_kind("svg", IMG_HOST, "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image",
                    "image", ["Low", "High"], "image/svg+xml", "image/svg+xml")
        static_kind("font", CDN_HOST, "*/*", "font", "font", "VeryHigh", "font/woff2", "font/woff2", n=4,
                    enc="base64", ce=False)
        for mime in self.url_img:
            static_kind("img:" + mime, IMG_HOST, "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
                        "image", "image", ["Low", "High"], mime, mime, n=6, enc="base64", ce=False)

        # JSON API calls with a bearer token
        def api_kind(name, host, http, method, n):
            T[name] = []
            for _ in range(n):
                post = None
                extra = [("authorization", "Bearer " + S("auth")), ("x-request-id", S("reqid"))]
                if method == "POST":
                    body = r.choice(self.post_bodies)
                    extra += [("content-length", str(len(body.encode()))), ("content-type", "application/json")]
                    post = {"mimeType": "application/json", "text": body}
                if http == "http/2.0":
                    rh = self.req_headers_h2(host, method, S("path"), "application/json, text/plain, */*", "empty", "cors",
                                             "same-site", extra=extra, origin=APP)
                else:
                    rh = hdrs([("Host", host), ("Connection", "keep-alive"), ("Accept", "application/json"),
                               ("Authorization", "Bearer " + S("auth")), ("Origin", APP), ("Referer", APP + "/"),
                               ("User-Agent", UA), ("Accept-Encoding", "gzip, deflate, br, zstd"),
                               ("Accept-Language", "en-US,en;q=0.9"), ("X-Request-Id", S("reqid"))])
                resp = [("access-control-allow-credentials", "true"), ("access-control-allow-origin", APP),
                        ("cache-control", "private, no-cache"), ("content-encoding", "gzip"),
                        ("content-type", "application/json; charset=utf-8"), ("date", S("date")),
                        ("server", "envoy"), ("strict-transport-security", "max-age=63072000"), ("vary", "Origin, Accept-Encoding"),
                        ("x-ratelimit-limit", "600"), ("x-ratelimit-remaining", str(r.randrange(0, 600))),
                        ("x-request-id", S("reqid")), ("x-envoy-upstream-service-time", str(r.randrange(3, 300)))]
                if http != "http/2.0":
                    resp = [(k.title(), v) for k, v in resp] + [("Connection", "keep-alive")]
                status = 201 if method == "POST" else 200
                e = mk_entry(initiator=self.initiator("script"), priority="High", rtype=r.choice(["fetch", "fetch", "xhr"]),
                             method=method, url=S("url"), http=http, req_headers=rh, qs=R("qs"), post=post,
                             req_bsize=len(post["text"].encode()) if post else 0,
                             req_hsize=-1 if http == "http/2.0" else R("reqhsize"),
                             status=status, status_text="" if http == "http/2.0" else ("Created" if status == 201 else "OK"),
                             resp_headers=hdrs(resp), content=content("application/json"), ip=self.ip(host),
                             resp_hsize=-1 if http == "http/2.0" else r.randrange(400, 700))
                T[name].append(compile_template(e))

        api_kind("api", API_HOST, "http/2.0", "GET", 48)
        api_kind("api_post", API_HOST, "http/2.0", "POST", 12)
        api_kind("api_legacy", LEGACY_HOST, "HTTP/1.1", "GET", 8)

        # analytics beacons: 204, a few blocked by an ad blocker
        T["beacon"] = []
        T["blocked"] = []
        for _ in range(6):
            rh = self.req_headers_h2(BEACON_HOST, "POST", S("path"), "*/*", "empty", "no-cors", "cross-site",
                                     extra=[("content-length", "0"), ("content-type", "text/plain;charset=UTF-8")], origin=APP,
                                     priority="u=4, i")
            resp = hdrs([("access-control-allow-origin", APP), ("alt-svc", 'h3=":443"; ma=2592000'),
                         ("cache-control", "no-cache, no-store, must-revalidate"), ("content-length", "0"),
                         ("content-type", "text/plain"), ("date", S("date")), ("server", "Golfe2")])
            post = {"mimeType": "text/plain;charset=UTF-8", "text": ""}
            e = mk_entry(initiator=self.initiator("script"), priority="VeryLow", rtype="ping", method="POST", url=S("url"),
                         http="h3", req_headers=rh, qs=R("qs"), post=post, status=204, status_text="",
                         resp_headers=resp, content={"size": 0, "mimeType": "text/plain"}, ip=self.ip(BEACON_HOST),
                         resp_bsize=0)
            T["beacon"].append(compile_template(e))
            rh2 = [h for h in rh if not h["name"].startswith(":")]
            e = mk_entry(initiator=self.initiator("script"), priority="VeryLow", rtype="ping", method="POST", url=S("url"),
                         http="", req_headers=rh2, qs=R("qs"), post=post, status=0, status_text="", resp_headers=[],
                         content={"size": 0, "mimeType": "x-unknown"}, conn=None, resp_bsize=-1, transfer=0,
                         error="net::ERR_BLOCKED_BY_CLIENT")
            T["blocked"].append(compile_template(e))

        # kind table (1024 slots) by weight
        img_w = {"image/webp": 11.0, "image/png": 4.0, "image/jpeg": 4.0, "image/x-icon": 0.3, "image/gif": 0.4}
        weights = [("api", 37), ("api_post", 3), ("api_legacy", 3), ("js", 10), ("css", 3.5), ("svg", 5),
                   ("font", 0.4), ("beacon", 15), ("blocked", 0.5)] + [("img:" + m, w) for m, w in img_w.items()]
        tot = sum(w for _, w in weights)
        self.kind_table = []
        for k, w in weights:
            self.kind_table += [k] * round(1024 * w / tot)
        self.kind_table = (self.kind_table + ["api"] * 1024)[:1024]

    # ---------------------------------------------------------------- body makers
    def body(self, kind):
        """(escaped text bytes, decoded size as bytes, transfer size, compression) of an ordinary entry."""
        r = self.rng
        if kind == "api" or kind == "api_post" or kind == "api_legacy":
            text, size = self.api_bodies[int(r.random() * 600)]
            n = int(size)
            tr = n // 4 + 420
            return text, size, tr, n - tr + 420
        if kind == "js":
            text, n = self.text_slice(self.js, self.skew(300, 120000, 5.0))
            tr = n // 4 + 350
        elif kind == "css":
            text, n = self.text_slice(self.css, self.skew(300, 40000, 2.5))
            tr = n // 6 + 350
        elif kind == "svg":
            text, n = self.text_slice(self.css, self.skew(300, 4000, 1.0))  # shape only; content is noise
            tr = n // 3 + 350
        elif kind == "doc":
            text, n = self.text_slice(self.html, self.skew(6000, 90000, 1.2))
            tr = n // 5 + 900
        elif kind == "beacon" or kind == "blocked":
            return b"", b"0", 120, 0
        else:  # base64 binary: images and fonts
            mime = kind[4:] if kind.startswith("img:") else "font/woff2"
            if mime == "font/woff2":
                raw = self.skew(14000, 60000, 1.0)
            elif mime == "image/x-icon":
                raw = 15086
            elif mime == "image/gif":
                raw = self.skew(800, 9000, 1.0)
            else:
                raw = self.skew(200, 100000, 6.0)
            magic = self.magic[mime]
            nchars = (raw * 4 // 3) & ~3
            start = r.randrange(0, (len(self.b64pool) - nchars) // 4) * 4
            text = magic + self.b64pool[start:start + nchars - len(magic)]
            n = nchars * 3 // 4
            return text, b"%d" % n, n + 300, n
        return text, b"%d" % n, tr, n - tr + 350

    # ---------------------------------------------------------------- main loop
    def run(self, out):
        r = self.rng
        head, tail = self.header_bytes()
        buf = [head]
        buflen = len(head)
        target = self.target - len(tail)
        pos = len(head)  # bytes produced so far
        first = True
        page = -1
        self.now = 0
        # failure schedule: byte thresholds, evenly spread, staggered per type
        nfail = max(1, round(self.target / (350 << 20)))
        sched = sorted([(int(self.target * (j + off) / nfail), kind) for j in range(nfail)
                        for off, kind in ((0.28, "code_reuse"), (0.52, "invalid_client"), (0.76, "expired"))])
        self.session = None
        tpl = self.tpl
        timings = self.timings
        kind_table = self.kind_table
        pending = []  # OAuth entries queued (already rendered bytes)

        while pos < target:
            # new page?
            pidx = min(pos // PAGE_BYTES, self.n_pages - 1)
            if pidx != page:
                page = pidx
                self.now = max(self.now, self.pages[page][0])
                self.limit = self.page_end[page] - 1
                pageref = b"page_%d" % (page + 1)
                self.conns = {}
                kind = "doc"
                if page == 0:
                    pending.append(("login", None))
            elif pending:
                kind = None
            elif sched and pos >= sched[0][0]:
                pending.append((sched.pop(0)[1], None))
                kind = None
            else:
                x = r.random()
                if x < 0.0009:
                    pending.append(("login", None))
                    kind = None
                elif x < 0.0045:
                    pending.append(("cc", None))
                    kind = None
                elif x < 0.0060:
                    pending.append(("discovery", None))
                    kind = None
                else:
                    kind = kind_table[int(r.random() * 1024)]
                    if kind.startswith("api") and self.session and self.now // 1000 >= self.session["exp"] - 300:
                        pending.append(("refresh", None))
                        kind = None

            self.now = now = min(self.now + int(r.random() * r.random() * 700) + 3, self.limit)
            started, date = self.fmt_times(now)
            host_for_conn = kind or "oauth"
            conn = self.conns.get(host_for_conn)
            if conn is None:
                self.next_conn += r.randrange(1, 400)
                conn = self.conns[host_for_conn] = b"%d" % self.next_conn
            tb, tt = timings[int(r.random() * 4096)]
            d = {b"started": started, b"date": date, b"pageref": pageref, b"timings": tb, b"time": tt,
                 b"conn": conn}

            if kind is None:
                scenario = pending.pop(0)[0]
                chunks = self.oauth(scenario, d, now)
                self.stats["oauth"] += len(chunks)
                self.stats["entries"] += len(chunks) - 1
                data = b",\n".join(chunks)
            else:
                if kind == "doc":
                    url = self.pages[page][1]
                    path = url[len(APP):]
                    query = path.partition("?")[2]
                    d[b"url"], d[b"path"], d[b"qs"] = jstr(url), jstr(path), self._qs_block(query)
                    choices = tpl["doc"]
                elif kind.startswith("img:"):
                    pool = self.url_img[kind[4:]]
                    d[b"url"], d[b"path"], d[b"qs"] = pool[int(r.random() * len(pool))]
                    choices = tpl[kind]
                else:
                    pool = {"api": self.url_api, "api_post": self.url_api, "api_legacy": self.url_legacy,
                            "js": self.url_js, "css": self.url_css, "svg": self.url_svg, "font": self.url_font,
                            "beacon": self.url_beacon, "blocked": self.url_beacon}[kind]
                    d[b"url"], d[b"path"], d[b"qs"] = pool[int(r.random() * len(pool))]
                    choices = tpl[kind]
                text, size, tr, comp = self.body(kind)
                d[b"text"] = text
                d[b"size"] = size
                d[b"ctlen"] = size
                d[b"transfer"] = b"%d" % tr
                d[b"bodysize"] = b"%d" % (tr - 300 if tr > 300 else 0)
                d[b"compression"] = b"%d" % comp
                d[b"reqid"] = b"%032x" % r.getrandbits(128)
                d[b"reqhsize"] = b"%d" % (700 + int(r.random() * 300))
                d[b"auth"] = self.session["at"] if self.session else b""
                data = choices[int(r.random() * len(choices))] % d

            if not first:
                buf.append(b",\n")
                buflen += 2
            first = False
            buf.append(data)
            buflen += len(data)
            pos += len(data) + 2
            self.stats["entries"] += 1
            if buflen >= FLUSH_BYTES:
                out.write(b"".join(buf))
                buf = []
                buflen = 0
        buf.append(tail)
        out.write(b"".join(buf))

    # ---------------------------------------------------------------- OAuth traffic
    def jwt(self, header, claims):
        return (b64u(json.dumps(header, separators=(",", ":")).encode()) + "." +
                b64u(json.dumps(claims, separators=(",", ":")).encode()) + "." +
                b64u(self.rng.randbytes(256)))

    def access_token(self, now_s, sub, exp_in=3600, client=SPA_CLIENT_ID):
        return self.jwt({"kid": self.kid, "alg": "RS256"},
                        {"ver": 1, "jti": "AT." + self.rand_id(43, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
                         "iss": ISSUER, "aud": "api://northwind", "iat": now_s, "exp": now_s + exp_in,
                         "cid": client, "uid": "00u" + self.rand_id(17), "scp": ["openid", "email", "offline_access", "orders.read"],
                         "auth_time": now_s - self.rng.randrange(0, 40), "sub": sub})

    def id_token(self, now_s, sub, nonce):
        return self.jwt({"kid": self.kid, "alg": "RS256"},
                        {"sub": "00u" + self.rand_id(17), "name": "Jane Doe", "email": sub, "ver": 1, "iss": ISSUER,
                         "aud": SPA_CLIENT_ID, "iat": now_s, "exp": now_s + 3600, "jti": "ID." + self.rand_id(43),
                         "amr": ["pwd", "mfa", "otp"], "idp": "00o" + self.rand_id(17), "nonce": nonce,
                         "preferred_username": sub, "auth_time": now_s - 20, "at_hash": b64u(self.rng.randbytes(16))})

    def o_entry(self, d, *, method, url, req_headers, status, resp_headers, body=None, mime="application/json",
                post=None, rtype="fetch", initiator="script", redirect="", host=IDP_HOST, status_text=""):
        """One concrete OAuth entry rendered through the same template path as the rest."""
        path_q = url.split("://", 1)[1]
        path_q = path_q[path_q.index("/"):]
        query = path_q.partition("?")[2]
        qs = [{"name": n, "value": v} for n, v in (p.partition("=")[::2] for p in query.split("&"))] if query else []
        content = {"size": len(body.encode()) if body else 0, "mimeType": mime}
        if body:
            content["text"] = body
        tr = (len(body.encode()) if body else 0) + 380
        e = mk_entry(initiator=self.initiator(initiator), priority="High" if rtype != "document" else "VeryHigh",
                     rtype=rtype, method=method, url=url, http="http/2.0", req_headers=req_headers, qs=qs, post=post,
                     req_bsize=len(post["text"]) if post else 0, status=status, status_text=status_text,
                     resp_headers=resp_headers, content=content, redirect=redirect, resp_bsize=tr - 380,
                     transfer=tr, ip=self.ip(host))
        out = compile_template(e) % d
        self.advance(d)
        return out

    def advance(self, d):
        """Move the clock on after an OAuth entry: the next entry of the flow starts later."""
        r = self.rng
        self.now = min(self.now + 30 + int(r.random() * 600), self.limit)
        d[b"started"], d[b"date"] = self.fmt_times(self.now)
        d[b"timings"], d[b"time"] = self.timings[int(r.random() * 4096)]

    def idp_resp(self, d, ctype="application/json", extra=()):
        h = [("access-control-allow-origin", APP), ("access-control-expose-headers", "WWW-Authenticate"),
             ("cache-control", "no-cache, no-store"), ("content-type", ctype), ("date", d[b"date"].decode()),
             ("expires", "0"), ("pragma", "no-cache"), ("server", "nginx"),
             ("strict-transport-security", "max-age=315360000; includeSubDomains"),
             ("x-content-type-options", "nosniff"), ("x-okta-request-id", self.rand_id(27)),
             ("x-rate-limit-limit", "600"), ("x-rate-limit-remaining", str(self.rng.randrange(500, 600))),
             ("x-rate-limit-reset", str((self.date_cache[0] or 0) + 60))]
        h.extend(extra)
        return hdrs(sorted(h))

    def form_post(self, params):
        from urllib.parse import quote
        text = "&".join(f"{k}={quote(v, safe='')}" for k, v in params)
        return text, {"mimeType": "application/x-www-form-urlencoded", "text": text,
                      "params": [{"name": k, "value": quote(v, safe="")} for k, v in params]}

    def token_call(self, d, params, status, body, extra_req=(), extra_resp=(), host=IDP_HOST,
                   url=ISSUER + "/v1/token"):
        text, post = self.form_post(params)
        rh = self.req_headers_h2(host, "POST", url[url.index("/", 8):], "application/json", "empty", "cors", "cross-site",
                                 extra=[("content-length", str(len(text))),
                                        ("content-type", "application/x-www-form-urlencoded")] + list(extra_req),
                                 origin=APP)
        return self.o_entry(d, method="POST", url=url, req_headers=rh, status=status, host=host,
                            resp_headers=self.idp_resp(d, "application/json", extra_resp), body=body, post=post)

    def new_session(self, d, now_ms):
        """Authorization code + PKCE login: returns (entries, code, verifier)."""
        r = self.rng
        from urllib.parse import quote
        now_s = now_ms // 1000
        out = []
        out.append(self.discovery(d))
        state = self.rand_id(43)
        nonce = self.rand_id(43)
        verifier = self.rand_id(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        challenge = b64u(r.randbytes(32))
        code = self.rand_id(43, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        scope = "openid profile email offline_access orders.read orders.write"
        q = (f"client_id={SPA_CLIENT_ID}&redirect_uri={quote(REDIRECT_URI, safe='')}&response_type=code"
             f"&response_mode=query&scope={quote(scope, safe='')}&state={state}&nonce={nonce}"
             f"&code_challenge={challenge}&code_challenge_method=S256")
        loc = f"{REDIRECT_URI}?code={code}&state={state}"
        rh = self.req_headers_h2(IDP_HOST, "GET", "/oauth2/default/v1/authorize?" + q,
                                 "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "document",
                                 "navigate", "cross-site",
                                 extra=[("cookie", "sid=" + self.rand_id(25) + "; DT=" + self.rand_id(22)),
                                        ("upgrade-insecure-requests", "1"), ("sec-fetch-user", "?1")], priority="u=0, i")
        out.append(self.o_entry(d, method="GET", url=ISSUER + "/v1/authorize?" + q, req_headers=rh, status=302,
                                resp_headers=self.idp_resp(d, "text/html;charset=utf-8", [("location", loc)]),
                                rtype="document", initiator="other", redirect=loc, mime="text/html"))
        rh = self.req_headers_h2(APP_HOST, "GET", "/callback?code=" + code + "&state=" + state,
                                 "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "document",
                                 "navigate", "cross-site", referer="https://" + IDP_HOST + "/", priority="u=0, i",
                                 extra=[("upgrade-insecure-requests", "1")])
        html = ('<!DOCTYPE html><html><head><title>Signing you in\u2026</title>'
                f'<script src="https://{CDN_HOST}/assets/js/callback.js"></script></head><body></body></html>')
        out.append(self.o_entry(d, method="GET", url=loc, req_headers=rh, status=200, host=APP_HOST,
                                resp_headers=hdrs([("cache-control", "no-store"), ("content-type", "text/html; charset=utf-8"),
                                                   ("date", d[b"date"].decode()), ("server", "envoy")]),
                                body=html, mime="text/html", rtype="document", initiator="other"))
        out.append(self.jwks(d))
        sub = "jane.doe@northwind.example"
        now_s = self.now // 1000
        at = self.access_token(now_s, sub)
        rt = self.rand_id(43, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        body = json.dumps({"token_type": "Bearer", "expires_in": 3600, "access_token": at,
                           "scope": scope, "refresh_token": rt, "id_token": self.id_token(now_s, sub, nonce)},
                          separators=(",", ":"))
        params = [("grant_type", "authorization_code"), ("client_id", SPA_CLIENT_ID), ("redirect_uri", REDIRECT_URI),
                  ("code", code), ("code_verifier", verifier)]
        out.append(self.token_call(d, params, 200, body))
        self.session = {"at": at.encode(), "rt": rt, "exp": now_s + 3600, "sub": sub, "scope": scope}
        out.append(self.preflight(d, ISSUER + "/v1/userinfo"))
        rh = self.req_headers_h2(IDP_HOST, "GET", "/oauth2/default/v1/userinfo", "application/json", "empty", "cors",
                                 "cross-site", extra=[("authorization", "Bearer " + at)], origin=APP)
        ui = json.dumps({"sub": "00u" + self.rand_id(17), "name": "Jane Doe", "locale": "en_US", "email": sub,
                         "preferred_username": sub, "given_name": "Jane", "family_name": "Doe",
                         "zoneinfo": "Europe/Zurich", "updated_at": now_s - 86400 * 30, "email_verified": True},
                        separators=(",", ":"))
        out.append(self.o_entry(d, method="GET", url=ISSUER + "/v1/userinfo", req_headers=rh, status=200,
                                resp_headers=self.idp_resp(d), body=ui))
        return out, params

    def preflight(self, d, url):
        rh = self.req_headers_h2(IDP_HOST, "OPTIONS", url[url.index("/", 8):], "*/*", "empty", "cors", "cross-site",
                                 extra=[("access-control-request-headers", "authorization"),
                                        ("access-control-request-method", "GET")], origin=APP, priority="u=1, i")
        rh = [h for h in rh if h["name"] not in ("sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform")]
        return self.o_entry(d, method="OPTIONS", url=url, req_headers=rh, status=204, rtype="preflight",
                            resp_headers=hdrs([("access-control-allow-headers", "authorization"),
                                               ("access-control-allow-methods", "GET, POST, OPTIONS"),
                                               ("access-control-allow-origin", APP), ("access-control-max-age", "600"),
                                               ("date", d[b"date"].decode()), ("server", "nginx")]),
                            initiator="other")

    def discovery(self, d):
        e = ISSUER
        meta = {"issuer": e, "authorization_endpoint": e + "/v1/authorize", "token_endpoint": e + "/v1/token",
                "userinfo_endpoint": e + "/v1/userinfo", "registration_endpoint": "https://" + IDP_HOST + "/oauth2/v1/clients",
                "jwks_uri": e + "/v1/keys", "response_types_supported": ["code", "id_token", "code id_token", "code token",
                                                                          "id_token token", "code id_token token"],
                "response_modes_supported": ["query", "fragment", "form_post", "okta_post_message"],
                "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password",
                                          "urn:ietf:params:oauth:grant-type:device_code", "client_credentials"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["orders.read", "orders.write", "openid", "profile", "email", "address", "phone",
                                     "offline_access", "device_sso"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                          "client_secret_jwt", "private_key_jwt", "none"],
                "claims_supported": ["iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce",
                                     "name", "nickname", "preferred_username", "given_name", "family_name", "email",
                                     "email_verified", "profile", "zoneinfo", "locale", "address", "phone_number",
                                     "picture", "website", "gender", "birthdate", "updated_at", "at_hash", "c_hash"],
                "code_challenge_methods_supported": ["S256"], "introspection_endpoint": e + "/v1/introspect",
                "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                                  "client_secret_jwt", "private_key_jwt", "none"],
                "revocation_endpoint": e + "/v1/revoke",
                "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                               "client_secret_jwt", "private_key_jwt", "none"],
                "end_session_endpoint": e + "/v1/logout", "request_parameter_supported": True,
                "request_object_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                                                "ES256", "ES384", "ES512"],
                "device_authorization_endpoint": e + "/v1/device/authorize",
                "pushed_authorization_request_endpoint": e + "/v1/par",
                "dpop_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]}
        rh = self.req_headers_h2(IDP_HOST, "GET", "/oauth2/default/.well-known/openid-configuration", "application/json",
                                 "empty", "cors", "cross-site", origin=APP)
        return self.o_entry(d, method="GET", url=e + "/.well-known/openid-configuration", req_headers=rh, status=200,
                            resp_headers=self.idp_resp(d), body=json.dumps(meta, separators=(",", ":")))

    def jwks(self, d):
        r = self.rng
        keys = {"keys": [{"kty": "RSA", "alg": "RS256", "kid": k, "use": "sig", "e": "AQAB",
                          "n": b64u(b"\xc1" + r.randbytes(255))} for k in (self.kid, self.kid_old)]}
        rh = self.req_headers_h2(IDP_HOST, "GET", "/oauth2/default/v1/keys", "application/json", "empty", "cors",
                                 "cross-site", origin=APP)
        return self.o_entry(d, method="GET", url=ISSUER + "/v1/keys", req_headers=rh, status=200,
                            resp_headers=self.idp_resp(d, extra=[("cache-control", "max-age=4271, must-revalidate")]),
                            body=json.dumps(keys, separators=(",", ":")))

    def refresh(self, d, now_ms):
        s = self.session
        now_s = self.now // 1000
        at = self.access_token(now_s, s["sub"])
        rt = self.rand_id(43, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        body = json.dumps({"token_type": "Bearer", "expires_in": 3600, "access_token": at, "scope": s["scope"],
                           "refresh_token": rt, "id_token": self.id_token(now_s, s["sub"], self.rand_id(20))},
                          separators=(",", ":"))
        params = [("grant_type", "refresh_token"), ("client_id", SPA_CLIENT_ID), ("refresh_token", s["rt"]),
                  ("scope", s["scope"])]
        e = self.token_call(d, params, 200, body)
        s.update(at=at.encode(), rt=rt, exp=now_s + 3600)
        return e

    def oauth(self, scenario, d, now_ms):
        r = self.rng
        now_s = now_ms // 1000
        self.stats["failures"] += scenario in ("code_reuse", "invalid_client", "expired")
        if scenario == "login":
            return self.new_session(d, now_ms)[0]
        if scenario == "discovery":
            return [self.discovery(d) if r.random() < 0.5 else self.jwks(d)]
        if scenario == "refresh":
            if not self.session:
                return self.new_session(d, now_ms)[0]
            return [self.refresh(d, now_ms)]
        if scenario == "cc":
            # backend-for-frontend / M2M token (Auth0 style, client_secret_post)
            now_s = self.now // 1000
            tok = self.jwt({"alg": "RS256", "typ": "JWT", "kid": self.m2m_kid},
                           {"iss": f"https://{M2M_HOST}/", "sub": M2M_CLIENT_ID + "@clients",
                            "aud": "https://api.northwind.example", "iat": now_s, "exp": now_s + 86400,
                            "scope": "read:inventory write:inventory", "gty": "client-credentials", "azp": M2M_CLIENT_ID})
            body = json.dumps({"access_token": tok, "scope": "read:inventory write:inventory", "expires_in": 86400,
                               "token_type": "Bearer"}, separators=(",", ":"))
            params = [("grant_type", "client_credentials"), ("client_id", M2M_CLIENT_ID),
                      ("client_secret", self.rand_id(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")),
                      ("audience", "https://api.northwind.example")]
            return [self.token_call(d, params, 200, body, host=M2M_HOST, url=f"https://{M2M_HOST}/oauth/token")]
        if scenario == "code_reuse":
            entries, params = self.new_session(d, now_ms)
            # the SPA double-submits the callback: the same code is redeemed a second time
            body = json.dumps({"error": "invalid_grant",
                               "error_description": "The authorization code is invalid or has expired."},
                              separators=(",", ":"))
            entries.append(self.token_call(d, params, 400, body))
            return entries
        if scenario == "invalid_client":
            basic = base64.b64encode(f"{BACKEND_CLIENT_ID}:{self.rand_id(40)}".encode()).decode()
            body = json.dumps({"error": "invalid_client",
                               "error_description": "The client secret supplied for a confidential client is invalid."},
                              separators=(",", ":"))
            params = [("grant_type", "client_credentials"), ("scope", "orders.read")]
            return [self.token_call(d, params, 401, body, extra_req=[("authorization", "Basic " + basic)],
                                    extra_resp=[("www-authenticate", 'Basic realm="Okta"')])]
        if scenario == "expired":
            if not self.session:
                self.new_session(d, now_ms)
            now_s = self.now // 1000
            stale = self.access_token(now_s - 3600 - r.randrange(60, 900), self.session["sub"])
            rh = self.req_headers_h2(API_HOST, "GET", "/v2/orders?page=1&limit=50", "application/json, text/plain, */*",
                                     "empty", "cors", "same-site",
                                     extra=[("authorization", "Bearer " + stale), ("x-request-id", self.uuid())], origin=APP)
            www = 'Bearer realm="api.northwind.example", error="invalid_token", error_description="The access token expired"'
            resp = hdrs([("access-control-allow-origin", APP), ("access-control-expose-headers", "WWW-Authenticate"),
                         ("content-length", "0"), ("date", d[b"date"].decode()), ("server", "envoy"),
                         ("www-authenticate", www)])
            out = [self.o_entry(d, method="GET", url=f"https://{API_HOST}/v2/orders?page=1&limit=50", req_headers=rh,
                                status=401, resp_headers=resp, host=API_HOST)]
            out.append(self.refresh(d, now_ms))
            return out
        raise ValueError(scenario)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=parse_size, default=parse_size("100M"), help="target size, e.g. 10M, 1G, 4G (default 100M)")
    ap.add_argument("--out", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    a = ap.parse_args()

    t = time.perf_counter()
    g = Gen(a.seed, a.size)
    setup = time.perf_counter() - t
    if a.out == "-":
        g.run(sys.stdout.buffer)
        size = None
    else:
        d = os.path.dirname(a.out)
        if d:
            os.makedirs(d, exist_ok=True)
        tmp = a.out + ".tmp"
        with open(tmp, "wb", buffering=0) as f:
            g.run(f)
        os.replace(tmp, a.out)
        size = os.path.getsize(a.out)
    el = time.perf_counter() - t
    if not a.quiet:
        s = g.stats
        sz = size if size is not None else a.size
        print(f"gen-har: {a.out}: {sz / 1e6:.1f} MB, {s['entries']} entries "
              f"({sz / max(s['entries'], 1) / 1024:.1f} KiB avg), {g.n_pages} pages, "
              f"{s['oauth']} OAuth entries ({100 * s['oauth'] / max(s['entries'], 1):.2f} %), "
              f"{s['failures']} failure scenarios; {el:.1f} s ({sz / 1e6 / el:.0f} MB/s, setup {setup:.2f} s)",
              file=sys.stderr)


if __name__ == "__main__":
    main()
