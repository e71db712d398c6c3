// Every secret value a capture holds, for the `secrets` list of expected.jsonl: client
// secrets, passwords, codes, verifiers, tokens (access, refresh, ID, device codes) and client
// assertions, wherever they appear (URLs, Location headers, form and JSON bodies,
// Authorization headers, form_post pages). A value issued as a `user_code` is not one.

const SECRET_KEYS = new Set([
  'code', 'code_verifier', 'client_secret', 'password', 'refresh_token', 'access_token',
  'id_token', 'token', 'device_code', 'client_assertion', 'assertion', 'subject_token',
]);

function fromParams(params, out) {
  for (const [k, v] of params) if (SECRET_KEYS.has(k) && v) out.add(v);
}

function fromUrl(u, out, base) {
  try {
    const url = new URL(u, base);
    fromParams(url.searchParams, out);
    if (url.hash) fromParams(new URLSearchParams(url.hash.slice(1)), out);
  } catch {}
}

function fromBody(text, out) {
  if (!text) return;
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      const walk = (v) => {
        if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (SECRET_KEYS.has(k) && typeof x === 'string' && x) out.add(x);
            else walk(x);
          }
        }
      };
      walk(JSON.parse(t));
    } catch {}
    return;
  }
  if (t.startsWith('<')) {
    // hidden inputs of a form_post page
    for (const m of t.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
      if (SECRET_KEYS.has(m[1]) && m[2]) out.add(m[2]);
    }
    return;
  }
  if (/^[\w.~%+-]+=/.test(t)) fromParams(new URLSearchParams(t), out);
}

function fromAuthorization(value, out) {
  const m = /^(\w+)\s+(.+)$/.exec(value.trim());
  if (!m) return;
  if (/^bearer$/i.test(m[1]) || /^dpop$/i.test(m[1])) {
    out.add(m[2]);
  } else if (/^basic$/i.test(m[1])) {
    out.add(m[2]);
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) {
      const secret = decoded.slice(i + 1);
      if (secret) out.add(secret);
      try {
        const formDecoded = decodeURIComponent(secret.replace(/\+/g, '%20'));
        if (formDecoded) out.add(formDecoded);
      } catch {}
    }
  }
}

// exchanges: [{ url, requestHeaders: [[n, v]], requestBody, responseHeaders, responseBody }]
export function secretsOf(exchanges) {
  const out = new Set();
  const userCodes = new Set();
  for (const e of exchanges) {
    fromUrl(e.url, out);
    fromBody(e.requestBody, out);
    fromBody(e.responseBody, out);
    for (const [n, v] of e.requestHeaders) if (n.toLowerCase() === 'authorization') fromAuthorization(v, out);
    for (const [n, v] of e.responseHeaders) if (n.toLowerCase() === 'location') fromUrl(v, out, e.url);
    try {
      const body = JSON.parse(e.responseBody ?? '');
      if (typeof body.user_code === 'string') userCodes.add(body.user_code);
    } catch {}
  }
  for (const c of userCodes) out.delete(c);
  return [...out].sort();
}

// The exchanges of a HAR (any exporter) or of a dump, in the shape secretsOf reads.
export function exchangesOf(text) {
  const t = text.trim();
  if (t.startsWith('{"log"') || t.startsWith('{\n') || t.startsWith('{ ')) {
    const doc = JSON.parse(t);
    if (doc.log) {
      return doc.log.entries.map((e) => ({
        url: e.request.url,
        requestHeaders: (e.request.headers ?? []).map((h) => [h.name, h.value]),
        requestBody: e.request.postData?.text ?? '',
        responseHeaders: (e.response.headers ?? []).map((h) => [h.name, h.value]),
        responseBody: e.response.content?.encoding === 'base64'
          ? Buffer.from(e.response.content.text ?? '', 'base64').toString('utf8')
          : e.response.content?.text ?? '',
      }));
    }
  }
  return t.split('\n').filter((l) => l.trim()).map((l) => {
    const r = JSON.parse(l);
    return {
      url: r.request.url,
      requestHeaders: r.request.headers ?? [],
      requestBody: r.request.body ?? '',
      responseHeaders: r.response?.headers ?? [],
      responseBody: r.response?.body ?? '',
    };
  });
}
