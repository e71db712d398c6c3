// A real OpenID provider (panva/oidc-provider) for oauth-doctor's live-mode integration tests.
//
//   PORT=0 node tests/live/server.mjs        (or: node tests/live/server.mjs 0)
//
// Listens on 127.0.0.1 only. Once listening, prints exactly one line on stdout:
//
//   READY http://127.0.0.1:<port>
//
// and nothing else on stdout (library notices and a one-line log of every error the provider
// reports, `[op] <event>: <error>: <description> (<detail>)`, go to stderr).
// Exits when stdin closes (so a test harness that dies never leaves it behind), and on
// SIGTERM / SIGINT. Everything is kept in memory; every start is a clean provider.
// See README.md next to this file for clients, secrets and the interaction pages.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// oidc-provider writes notices with console.info (stdout). Keep stdout for the READY line only.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const { default: Provider, errors } = await import('oidc-provider');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';
const requestedPort = Number.parseInt(process.env.PORT ?? process.argv[2] ?? '0', 10);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  console.error(`invalid port: ${process.env.PORT ?? process.argv[2]}`);
  process.exit(2);
}

// The default resource server: access tokens issued for it are JWTs (RFC 9068, typ at+jwt).
// oidc-provider refuses to introspect or revoke JWT access tokens (unsupported_token_type),
// so a second resource server issues opaque access tokens with the same scope.
const API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque-api.example.test';
const API_SCOPES = 'api:read';

// Two deliberate deviations from stock oidc-provider, to behave like most deployed servers
// (both off with STOCK_OIDC_PROVIDER=1):
//  - oidc-provider accepts client_secret_basic and client_secret_post interchangeably for a
//    client registered with either; here the registered method is enforced (401 invalid_client).
//  - oidc-provider answers a grant_type the client is not registered for with invalid_request
//    ("requested grant type is not allowed for this client"); here it is RFC 6749 §5.2's
//    unauthorized_client, with the same description.
const STOCK = process.env.STOCK_OIDC_PROVIDER === '1';

const REDIRECT = 'http://127.0.0.1:8976/cb';
// The scenario recorder's client application (tests/live/scenarios): its origin is passed in
// APP_ORIGIN (the recorder picks a free port); the default only keeps the registrations valid.
const APP = process.env.APP_ORIGIN ?? 'http://127.0.0.1:8977';
const SPA_REDIRECT = `${APP}/spa/callback`;
const WEBAPP_REDIRECT = `${APP}/app/callback`;
const CODE_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const OIDC_SCOPES = 'openid email profile offline_access';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

// private_key_jwt client: its public key is derived from the committed private key.
const pkjwtPublicJwk = {
  ...crypto.createPublicKey(fs.readFileSync(path.join(HERE, 'keys', 'pkjwt-client.pem'))).export({ format: 'jwk' }),
  kid: 'pkjwt-client-1',
  use: 'sig',
};

const clients = [
  {
    client_id: 'conf-basic',
    client_secret: 'conf-basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: CODE_GRANTS,
    response_types: ['code'],
    redirect_uris: [REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    client_id: 'conf-post',
    client_secret: 'conf-post-secret',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: CODE_GRANTS,
    response_types: ['code'],
    redirect_uris: [REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    client_id: 'conf-special',
    client_secret: 's3cr%t+with/special:chars=',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'public-pkce',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    client_id: 'device-client',
    token_endpoint_auth_method: 'none',
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    scope: OIDC_SCOPES,
  },
  {
    // like public-pkce, but its access tokens live 2 s (expiry tests at userinfo).
    client_id: 'short-lived',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    client_id: 'cc-only',
    client_secret: 'cc-only-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'jwt-client',
    client_secret: 'jwt-client-secret-that-is-long-enough-0123456789',
    token_endpoint_auth_method: 'client_secret_jwt',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'pkjwt-client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [pkjwtPublicJwk] },
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  // The scenario recorder's application (tests/live/scenarios): a single-page app, a
  // server-side web app and the resource API that introspects tokens.
  {
    // may not ask for `email` (invalid_scope).
    client_id: 'spa',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [SPA_REDIRECT],
    scope: 'openid profile offline_access',
  },
  {
    // like spa; its access tokens live 3 s.
    client_id: 'spa-short',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [SPA_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    // like spa, but CORS at the token endpoint allows only its production origin (CORS_ORIGINS).
    client_id: 'spa-cors',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [SPA_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    client_id: 'webapp',
    client_secret: 'webapp-secret-7d1f0c2b9a',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEBAPP_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    // a second registration of the same web app (another environment's client_id).
    client_id: 'webapp-staging',
    client_secret: 'webapp-staging-secret-41e8c6',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEBAPP_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    // like webapp; its authorization codes live 5 s.
    client_id: 'webapp-quick',
    client_secret: 'webapp-quick-secret-0b5e2d',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEBAPP_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    // like webapp; its refresh tokens live 4 s.
    client_id: 'webapp-rotate',
    client_secret: 'webapp-rotate-secret-93aa1f',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEBAPP_REDIRECT],
    scope: OIDC_SCOPES,
  },
  {
    // the resource API's own registration, used to introspect tokens.
    client_id: 'resource-api',
    client_secret: 'resource-api-secret-9c2e71',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    // device flow with a 10 s device code and an enforced polling interval of 5 s
    // (polling sooner is slow_down, RFC 8628 §3.5).
    client_id: 'device-tv',
    token_endpoint_auth_method: 'none',
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    scope: OIDC_SCOPES,
  },
];

// Clients whose CORS origins are a fixed list instead of oidc-provider's default (the origins of
// their redirect URIs).
const CORS_ORIGINS = new Map([['spa-cors', ['https://spa.example.test']]]);

// Accounts with a password: a wrong one is refused on the login page (see checkPassword).
// Every other login is accepted with any password, as devInteractions does.
const PASSWORDS = new Map([['carol', 'correct-horse-battery-staple']]);

// Clients with TTLs other than the defaults in `configuration.ttl`.
const ACCESS_TOKEN_TTL = new Map([['short-lived', 2], ['spa-short', 3]]);
const CODE_TTL = new Map([['webapp-quick', 5]]);
const REFRESH_TTL = new Map([['webapp-rotate', 4]]);
const DEVICE_CODE_TTL = new Map([['device-tv', 10]]);
const DEVICE_INTERVAL = new Map([['device-tv', 5]]);

const configuration = {
  clients,
  // Any login is accepted by devInteractions; the login becomes the subject.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: true,
          name: id,
          preferred_username: id,
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    deviceFlow: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // client_credentials always targets the API; an authorization (code or device)
      // targets it when the scope asks for an API scope. Otherwise the access token is
      // the opaque one for userinfo.
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf;
        if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') {
          return API;
        }
        const scope = ctx.oidc.params?.scope;
        if (typeof scope === 'string' && scope.split(' ').includes(API_SCOPES)) {
          return API;
        }
        return undefined;
      },
      // at the token endpoint, keep the resource that was granted at authorization.
      async useGrantedResource() {
        return true;
      },
      async getResourceServerInfo(ctx, resourceIndicator) {
        if (resourceIndicator === API) {
          return {
            scope: API_SCOPES,
            audience: API,
            accessTokenTTL: 60,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        }
        if (resourceIndicator === OPAQUE_API) {
          return {
            scope: API_SCOPES,
            audience: OPAQUE_API,
            accessTokenTTL: 60,
            accessTokenFormat: 'opaque',
          };
        }
        throw new errors.InvalidTarget();
      },
    },
  },
  // PKCE (S256 only in oidc-provider 9) is required for public clients only.
  pkce: {
    required(ctx, client) {
      return client.clientAuthMethod === 'none';
    },
  },
  // Always issue a refresh token when the client may use the refresh_token grant
  // (code and device grants), offline_access or not; rotate it on every use.
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  rotateRefreshToken: true,
  // oidc-provider honours expiry with 15 s of tolerance by default; 1 s keeps the short
  // lifetimes below testable without long waits (every client here shares this machine's clock).
  clockTolerance: 1,
  ttl: {
    AccessToken: (ctx, token, client) => ACCESS_TOKEN_TTL.get(client?.clientId) ?? 60,
    AuthorizationCode: (ctx, code, client) => CODE_TTL.get(client?.clientId) ?? 30,
    ClientCredentials: 60,
    DeviceCode: (ctx, code, client) => DEVICE_CODE_TTL.get(client?.clientId) ?? 60,
    IdToken: 60,
    RefreshToken: (ctx, token, client) => REFRESH_TTL.get(client?.clientId) ?? 120,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  // fixed cookie keys: nothing secret here, it is a test provider.
  cookies: { keys: ['oauth-doctor-live-test-cookie-key'] },
  clientBasedCORS(ctx, origin, client) {
    if (origin === 'null') return false;
    const allowed = CORS_ORIGINS.get(client.clientId);
    if (allowed) return allowed.includes(origin);
    if (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') {
      return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
    }
    return false;
  },
};

const issuerFor = (port) => `http://${HOST}:${port}`;

// Port 0: pick a free port first so that the issuer (which must be known at construction)
// matches the port the server ends up on.
async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Endpoints that authenticate clients (paths from oidc-provider's default `routes`).
const CLIENT_AUTH_PATHS = new Set([
  '/token', '/token/introspection', '/token/revocation', '/device/auth', '/request',
]);

// Reads a urlencoded request body once and leaves it on req.body, where oidc-provider's body
// parser takes it from (it warns once about that). Returns the parsed form.
async function formBody(ctx) {
  if (typeof ctx.req.body !== 'string') {
    const chunks = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += chunk.length;
      if (size > 64 * 1024) ctx.throw(413, 'request entity too large');
      chunks.push(chunk);
    }
    ctx.req.body = Buffer.concat(chunks).toString('utf8');
  }
  return new URLSearchParams(ctx.req.body);
}

function strictClientAuth(provider) {
  return async function enforceRegisteredSecretMethod(ctx, next) {
    if (ctx.method !== 'POST' || !CLIENT_AUTH_PATHS.has(ctx.path)
      || !ctx.is('application/x-www-form-urlencoded')) {
      return next();
    }
    const body = await formBody(ctx);

    let used;
    let clientId;
    const authz = ctx.get('authorization');
    if (/^basic /i.test(authz)) {
      used = 'client_secret_basic';
      try {
        const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
      } catch {}
    } else if (body.has('client_secret')) {
      used = 'client_secret_post';
      clientId = body.get('client_id') ?? undefined;
    }
    if (used && clientId) {
      const client = await provider.Client.find(clientId).catch(() => undefined);
      const registered = client?.clientAuthMethod;
      if ((registered === 'client_secret_basic' || registered === 'client_secret_post')
        && registered !== used) {
        console.error(`[op] strict client auth: ${clientId} is registered for ${registered} but used ${used} on ${ctx.path}`);
        ctx.status = 401;
        ctx.set('Cache-Control', 'no-store');
        if (used === 'client_secret_basic') {
          ctx.set('WWW-Authenticate', `Basic realm="${provider.issuer}", error="invalid_client", error_description="client authentication failed"`);
        }
        ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
        return undefined;
      }
    }
    return next();
  };
}

function rfcUnauthorizedClient() {
  return async function grantTypeNotAllowedIsUnauthorizedClient(ctx, next) {
    await next();
    if (ctx.path === '/token' && ctx.status === 400 && ctx.body?.error === 'invalid_request'
      && ctx.body.error_description === 'requested grant type is not allowed for this client') {
      ctx.body = { ...ctx.body, error: 'unauthorized_client' };
    }
  };
}

// Accounts in PASSWORDS must give their password on the login page. A wrong one gets the login
// page again with an error, as oidc-provider's example application does (200, no redirect).
function checkPassword(provider) {
  return async function refuseWrongPassword(ctx, next) {
    const m = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (ctx.method !== 'POST' || !m || !ctx.is('application/x-www-form-urlencoded')) return next();
    const body = await formBody(ctx);
    const login = body.get('login');
    if (body.get('prompt') !== 'login' || !PASSWORDS.has(login)
      || PASSWORDS.get(login) === body.get('password')) {
      return next();
    }
    console.error(`[op] login: wrong password for ${login}`);
    const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign-in</title></head>
<body><div class="login-card"><h1>Sign-in</h1>
<p class="error">Invalid login or password.</p>
<form autocomplete="off" action="${esc(provider.issuer)}/interaction/${esc(m[1])}" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" value="${esc(login)}">
  <input required type="password" name="password" placeholder="and password" autofocus="on">
  <button type="submit" class="login login-submit">Sign-in</button>
</form></div></body></html>`;
    return undefined;
  };
}

// Clients in DEVICE_INTERVAL get `interval` in the device authorization response and
// `slow_down` when they poll the token endpoint sooner than that after their last poll
// (RFC 8628 §3.5); oidc-provider itself never answers slow_down.
function devicePollingInterval() {
  const lastPoll = new Map();
  return async function enforceInterval(ctx, next) {
    if (ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')
      || (ctx.path !== '/token' && ctx.path !== '/device/auth')) {
      return next();
    }
    const body = await formBody(ctx);
    const interval = DEVICE_INTERVAL.get(body.get('client_id'));
    if (!interval) return next();
    if (ctx.path === '/device/auth') {
      await next();
      if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
        ctx.body = { ...ctx.body, interval };
      }
      return undefined;
    }
    const deviceCode = body.get('device_code');
    if (body.get('grant_type') !== DEVICE_GRANT || !deviceCode) return next();
    const now = Date.now();
    const last = lastPoll.get(deviceCode);
    lastPoll.set(deviceCode, now);
    if (last !== undefined && now - last < interval * 1000) {
      console.error(`[op] device polling: ${body.get('client_id')} polled after ${now - last} ms`);
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'slow_down', error_description: 'you are polling too quickly and should back off at a reasonable rate' };
      return undefined;
    }
    return next();
  };
}

function shutdown(code) {
  process.exit(code);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();

async function start() {
  let attempts = requestedPort === 0 ? 5 : 1;
  for (;;) {
    const port = requestedPort === 0 ? await freePort() : requestedPort;
    const provider = new Provider(issuerFor(port), configuration);
    provider.proxy = false;
    if (!STOCK) {
      provider.use(rfcUnauthorizedClient());
      provider.use(strictClientAuth(provider));
    }
    provider.use(checkPassword(provider));
    provider.use(devicePollingInterval());

    // concise log on stderr of every error the provider reports, to help diagnose tests.
    for (const event of [
      'server_error', 'authorization.error', 'grant.error', 'introspection.error',
      'revocation.error', 'userinfo.error', 'device_authorization.error',
      'code_verification.error', 'end_session.error', 'jwks.error', 'discovery.error',
    ]) {
      provider.on(event, (ctx, err) => {
        const detail = err?.error_detail ? ` (${err.error_detail})` : '';
        const cause = err?.cause?.message ? ` [cause: ${err.cause.message}]` : '';
        console.error(`[op] ${event}: ${err?.error || err?.name}: ${err?.error_description || err?.message}${detail}${cause}`);
      });
    }

    const server = provider.listen(port, HOST);
    const ok = await new Promise((resolve, reject) => {
      server.once('listening', () => resolve(true));
      server.once('error', (err) => {
        if (err.code === 'EADDRINUSE' && attempts > 1) resolve(false);
        else reject(err);
      });
    });
    if (ok) {
      process.stdout.write(`READY ${issuerFor(server.address().port)}\n`);
      return;
    }
    attempts -= 1;
  }
}

start().catch((err) => {
  console.error(err);
  process.exit(1);
});
