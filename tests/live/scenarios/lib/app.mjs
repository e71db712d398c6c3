// The client application whose mistakes the scenarios record, on loopback:
//
//  * a single-page app (`/spa/`, public client): authorization code + PKCE in the browser, the
//    code exchanged with fetch at the token endpoint, then a call to the resource API;
//  * a server-side web app (`/app/`, confidential client): the browser only sees the app's own
//    endpoints (login, callback, "who am I", data); the token exchange and the API calls happen
//    in its back end (`WebApp`);
//  * the resource API, on its own origin (so the SPA's calls are cross-origin): JWT access
//    tokens are verified against the provider's keys, opaque ones are introspected.
//
// Each scenario sets the knobs (`Application.configure`); a knob injects exactly one mistake.

import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HttpClient, form, basicEncoded, basic } from './http.mjs';
import { random, s256, decodeJwt, verifyRs256, sleep } from './oauth.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const API_RESOURCE = 'https://api.example.test';
export const OPAQUE_RESOURCE = 'https://opaque-api.example.test';

export const CLIENTS = {
  webapp: { id: 'webapp', secret: 'webapp-secret-7d1f0c2b9a' },
  'webapp-staging': { id: 'webapp-staging', secret: 'webapp-staging-secret-41e8c6' },
  'webapp-quick': { id: 'webapp-quick', secret: 'webapp-quick-secret-0b5e2d' },
  'webapp-rotate': { id: 'webapp-rotate', secret: 'webapp-rotate-secret-93aa1f' },
  'resource-api': { id: 'resource-api', secret: 'resource-api-secret-9c2e71' },
  'conf-basic': { id: 'conf-basic', secret: 'conf-basic-secret' },
  'conf-post': { id: 'conf-post', secret: 'conf-post-secret' },
  'conf-special': { id: 'conf-special', secret: 's3cr%t+with/special:chars=' },
  'cc-only': { id: 'cc-only', secret: 'cc-only-secret' },
  'jwt-client': { id: 'jwt-client', secret: 'jwt-client-secret-that-is-long-enough-0123456789' },
};

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

const json = (res, status, obj, headers) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(obj), headers);
const html = (res, status, body, headers) => send(res, status, 'text/html; charset=utf-8', body, headers);
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The server-side web app's back end: everything it sends goes through `http`.
export class WebApp {
  constructor(application, knobs) {
    this.a = application;
    this.k = knobs;
    this.client = CLIENTS[knobs.client ?? 'webapp'];
    this.redirectUri = `${application.origin}/app/callback`;
    this.meta = undefined;
  }

  get http() {
    return this.a.http;
  }

  async metadata() {
    if (!this.meta) {
      const r = await this.http.request('GET', `${this.a.issuer}/.well-known/openid-configuration`,
        { headers: [['Accept', 'application/json']] });
      this.meta = r.json();
    }
    return this.meta;
  }

  async authorizeUrl(session) {
    const meta = await this.metadata();
    session.state = random(16);
    session.nonce = random(16);
    const p = new URLSearchParams({
      response_type: 'code',
      client_id: this.client.id,
      redirect_uri: this.k.authorizeRedirectUri ?? this.redirectUri,
      scope: this.k.scope ?? 'openid profile email api:read',
      state: session.state,
      nonce: session.nonce,
    });
    if (this.k.resource) p.set('resource', this.k.resource);
    if (this.k.pkce) {
      session.verifier = random(32);
      p.set('code_challenge', s256(session.verifier));
      p.set('code_challenge_method', 'S256');
    }
    return `${meta.authorization_endpoint}?${p}`;
  }

  // One token request. `as` overrides the client, `auth` the authentication method
  // ('basic' form-encoded as RFC 6749 §2.3.1 says, 'basic-raw', 'post', 'none'),
  // `format` the body ('form' or 'json'), `endpoint` the URL, `rawBody` the whole form body.
  async token(params, { as, auth = 'basic', format = 'form', endpoint, rawBody } = {}) {
    const meta = await this.metadata();
    const client = as ?? this.client;
    const headers = [['Accept', 'application/json']];
    const body = { ...params };
    if (auth === 'basic') headers.push(['Authorization', basicEncoded(client.id, client.secret)]);
    if (auth === 'basic-raw') headers.push(['Authorization', basic(client.id, client.secret)]);
    if (auth === 'post') Object.assign(body, { client_id: client.id, client_secret: client.secret });
    if (auth === 'none') body.client_id = client.id;
    let text;
    if (format === 'json') {
      headers.push(['Content-Type', 'application/json']);
      text = JSON.stringify(body);
    } else {
      headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
      text = rawBody ?? form(body);
    }
    const r = await this.http.request('POST', endpoint ?? meta.token_endpoint, { headers, body: text });
    return { status: r.status, body: r.json() ?? {}, text: r.text };
  }

  async exchange(session, code) {
    const k = this.k;
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: k.tokenRedirectUri ?? this.redirectUri,
    };
    if (session.verifier && !k.omitVerifier) params.code_verifier = session.verifier;
    let rawBody;
    if (k.doubleEncodeRedirect) {
      rawBody = `grant_type=authorization_code&code=${encodeURIComponent(code)}`
        + `&redirect_uri=${encodeURIComponent(encodeURIComponent(this.redirectUri))}`;
    }
    if (k.exchangeDelayMs) await sleep(k.exchangeDelayMs);
    const opts = {
      as: k.exchangeAs ? CLIENTS[k.exchangeAs] : undefined,
      auth: k.auth,
      format: k.format,
      endpoint: k.tokenEndpoint?.(this.a.issuer),
      rawBody,
    };
    let r = await this.token(params, opts);
    if (k.retryExchange && r.status === 200) {
      // the app's handler runs the exchange again (a retry after a failure elsewhere)
      r = await this.token(params, opts);
    }
    return r;
  }

  async refresh(refreshToken, opts = {}) {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, opts);
  }

  async revoke(token, hint) {
    const meta = await this.metadata();
    const params = { token };
    if (hint) params.token_type_hint = hint;
    const r = await this.http.request('POST', meta.revocation_endpoint, {
      headers: [['Authorization', basicEncoded(this.client.id, this.client.secret)],
        ['Content-Type', 'application/x-www-form-urlencoded']],
      body: form(params),
    });
    return r.status;
  }

  async userinfo(token) {
    const meta = await this.metadata();
    const r = await this.http.request('GET', meta.userinfo_endpoint,
      { headers: [['Accept', 'application/json'], ['Authorization', `Bearer ${token}`]] });
    return { status: r.status, body: r.json() };
  }

  async callApi(token) {
    const headers = [['Accept', 'application/json']];
    if (token !== undefined) headers.push(['Authorization', `Bearer ${token}`]);
    const r = await this.http.request('GET', `${this.a.apiOrigin}/api/profile`, { headers });
    return { status: r.status, body: r.json(), headers: r.headers };
  }
}

export class Application {
  constructor({ issuer, recorder, proxyUrl }) {
    this.issuer = issuer;
    this.recorder = recorder;
    this.proxyUrl = proxyUrl;
    this.sessions = new Map();
    this.configure({});
  }

  // via: how the back end's and the API's own requests are seen ('proxy', 'dump', 'direct').
  configure({ via = 'direct', knobs = {}, spa = {} }) {
    this.via = via;
    this.knobs = knobs;
    this.spa = { clientId: 'spa', scope: 'openid profile api:read', ...spa };
    this.http = new HttpClient({
      via,
      proxyUrl: this.proxyUrl,
      recorder: this.recorder,
      userAgent: 'notes-webapp/2.3.0 (node)',
    });
    this.apiHttp = new HttpClient({
      via,
      proxyUrl: this.proxyUrl,
      recorder: this.recorder,
      userAgent: 'notes-api/1.8.1 (node)',
    });
    this.web = new WebApp(this, knobs);
    this.sessions = new Map();
    this.jwks = undefined;
    this.lastTokens = undefined;
  }

  async start() {
    this.appServer = http.createServer((req, res) => this.handleApp(req, res).catch((err) => {
      console.error(`[app] ${req.method} ${req.url}: ${err.stack}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
    }));
    this.apiServer = http.createServer((req, res) => this.handleApi(req, res).catch((err) => {
      console.error(`[api] ${req.method} ${req.url}: ${err.stack}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
    }));
    this.appServer.keepAliveTimeout = 500;
    this.apiServer.keepAliveTimeout = 500;
    this.origin = `http://127.0.0.1:${await listen(this.appServer)}`;
    this.apiOrigin = `http://127.0.0.1:${await listen(this.apiServer)}`;
  }

  async stop() {
    for (const s of [this.appServer, this.apiServer]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(() => r()));
    }
  }

  session(req, res) {
    let sid = cookies(req).sid;
    if (!sid || !this.sessions.has(sid)) {
      sid = random(18);
      this.sessions.set(sid, {});
      res.setHeader('Set-Cookie', `sid=${sid}; Path=/app; HttpOnly; SameSite=Lax`);
    }
    return this.sessions.get(sid);
  }

  async handleApp(req, res) {
    const url = new URL(req.url, this.origin);
    const p = url.pathname;
    if (p === '/spa/' || p === '/spa/callback') return this.spaPage(res);
    if (p === '/spa/app.js') {
      return send(res, 200, 'text/javascript; charset=utf-8', fs.readFileSync(path.join(HERE, 'spa.js')));
    }
    if (p === '/app/') return this.webHome(req, res);
    if (p === '/app/me') {
      const s = this.session(req, res);
      if (!s.user) return json(res, 401, { error: 'not_signed_in' });
      return json(res, 200, { sub: s.user.sub, name: s.user.name });
    }
    if (p === '/app/login') {
      const s = this.session(req, res);
      res.writeHead(302, { Location: await this.web.authorizeUrl(s) });
      return res.end();
    }
    if (p === '/app/callback') return this.webCallback(req, res, url);
    if (p === '/app/data') return this.webData(req, res);
    return send(res, 404, 'text/plain; charset=utf-8', 'Not Found');
  }

  spaPage(res) {
    const config = {
      issuer: this.issuer,
      clientId: this.spa.clientId,
      redirectUri: `${this.origin}/spa/callback`,
      scope: this.spa.scope,
      api: this.apiOrigin,
    };
    return html(res, 200, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Notes</title>
<script type="application/json" id="config">${JSON.stringify(config)}</script>
<script src="/spa/app.js" defer></script></head>
<body><h1>Notes</h1>
<button id="login">Sign in</button> <button id="call-api">Load profile</button>
<pre id="status"></pre></body></html>
`);
  }

  webHome(req, res) {
    this.session(req, res);
    return html(res, 200, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Notes (web)</title></head>
<body><h1>Notes</h1><p id="who">checking…</p><a id="login" href="/app/login">Sign in</a>
<pre id="status"></pre>
<script>
(async () => {
  const who = document.getElementById('who');
  const me = await fetch('/app/me');
  if (me.status !== 200) { who.textContent = 'not signed in'; document.body.dataset.done = 'anonymous'; return; }
  who.textContent = 'signed in as ' + (await me.json()).name;
  const data = await fetch('/app/data');
  document.getElementById('status').textContent = data.status + ' ' + await data.text();
  document.body.dataset.done = data.ok ? 'ok' : 'error';
})();
</script></body></html>
`);
  }

  async webCallback(req, res, url) {
    const s = this.session(req, res);
    const q = url.searchParams;
    const fail = (status, what) => html(res, status, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p id="error">${esc(what)}</p><a href="/app/">Back</a></body></html>
`);
    if (q.get('error')) return fail(400, `${q.get('error')}: ${q.get('error_description') ?? ''}`);
    if (!q.get('code')) return fail(400, 'missing code');
    if (q.get('state') !== s.state) return fail(400, 'state does not match the sign-in request');
    const r = await this.web.exchange(s, q.get('code'));
    if (r.status !== 200) {
      // relays the identity provider's answer
      return fail(502, `token request failed: ${r.status} ${r.body.error ?? ''}: ${r.body.error_description ?? r.text.slice(0, 200)}`);
    }
    s.tokens = r.body;
    this.lastTokens = r.body;
    const claims = r.body.id_token ? decodeJwt(r.body.id_token).payload : {};
    s.user = { sub: claims.sub, name: claims.name ?? claims.sub };
    res.writeHead(302, { Location: '/app/' });
    return res.end();
  }

  async webData(req, res) {
    const s = this.session(req, res);
    if (!s.tokens) return json(res, 401, { error: 'not_signed_in' });
    const token = this.knobs.dataToken ? this.knobs.dataToken(s.tokens) : s.tokens.access_token;
    const r = this.knobs.dataViaUserinfo ? await this.web.userinfo(token) : await this.web.callApi(token);
    if (r.status !== 200) return json(res, 502, { error: 'upstream', status: r.status, detail: r.body });
    return json(res, 200, r.body);
  }

  // ---- the resource API ------------------------------------------------------------------

  cors(req) {
    const origin = req.headers.origin;
    return origin === this.origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
  }

  async handleApi(req, res) {
    const url = new URL(req.url, this.apiOrigin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...this.cors(req),
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'authorization',
        'Access-Control-Max-Age': '600',
      });
      return res.end();
    }
    if (url.pathname !== '/api/profile') return json(res, 404, { error: 'not_found' }, this.cors(req));
    const deny = (status, error, description) => {
      const params = ['realm="notes-api"'];
      if (error) params.push(`error="${error}"`);
      if (description) params.push(`error_description="${description}"`);
      if (error === 'insufficient_scope') params.push('scope="api:read"');
      return json(res, status, error ? { error, error_description: description } : { message: 'authentication required' },
        { ...this.cors(req), 'WWW-Authenticate': `Bearer ${params.join(', ')}` });
    };
    const authz = req.headers.authorization;
    if (!authz) return deny(401);
    const m = /^Bearer (.+)$/i.exec(authz);
    if (!m) return deny(400, 'invalid_request', 'the Authorization header is not a bearer token');
    const token = m[1].trim();
    let claims;
    if (token.split('.').length === 3) {
      let decoded;
      try {
        decoded = decodeJwt(token);
      } catch {
        return deny(401, 'invalid_token', 'the access token is malformed');
      }
      if (!this.jwks) {
        const meta = await this.apiHttp.request('GET', `${this.issuer}/.well-known/openid-configuration`, { headers: [['Accept', 'application/json']] });
        this.jwks = (await this.apiHttp.request('GET', meta.json().jwks_uri, { headers: [['Accept', 'application/json']] })).json();
      }
      if (!verifyRs256(token, this.jwks)) return deny(401, 'invalid_token', 'signature verification failed');
      if (decoded.header.typ !== 'at+jwt') return deny(401, 'invalid_token', 'the token is not an access token (typ)');
      claims = decoded.payload;
      const aud = [].concat(claims.aud ?? []);
      if (claims.iss !== this.issuer || !aud.includes(API_RESOURCE)) return deny(401, 'invalid_token', 'audience mismatch');
      if (claims.exp <= Math.floor(Date.now() / 1000)) return deny(401, 'invalid_token', 'the access token expired');
    } else {
      const meta = await this.apiHttp.request('GET', `${this.issuer}/.well-known/openid-configuration`, { headers: [['Accept', 'application/json']] });
      const api = CLIENTS['resource-api'];
      const r = await this.apiHttp.request('POST', meta.json().introspection_endpoint, {
        headers: [['Authorization', basicEncoded(api.id, api.secret)], ['Accept', 'application/json'],
          ['Content-Type', 'application/x-www-form-urlencoded']],
        body: form({ token }),
      });
      const info = r.json() ?? {};
      if (r.status !== 200 || !info.active) return deny(401, 'invalid_token', 'the access token is not active');
      if (![].concat(info.aud ?? []).includes(OPAQUE_RESOURCE)) return deny(401, 'invalid_token', 'audience mismatch');
      claims = info;
    }
    if (!(claims.scope ?? '').split(' ').includes('api:read')) {
      return deny(403, 'insufficient_scope', 'the api:read scope is required');
    }
    return json(res, 200, { sub: claims.sub ?? claims.client_id, notes: 3 }, this.cors(req));
  }
}
