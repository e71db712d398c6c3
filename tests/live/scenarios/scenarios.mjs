// The scenarios: each injects exactly one mistake through a knob of the client application
// (or none, for the healthy ones). The label (`accept`) is the root cause of the injected
// mistake in the categories of docs/json-output.md; `expect` must match what the provider
// (its answer or its log of the hidden detail) or the application really saw, or the
// recording fails: a label never rests on a mistake that did not happen.
//
// mode: 'browser' - headless Chromium, Playwright's recordHar (a Chromium HAR);
//       'proxy'   - everything through the recording proxy (a mitmproxy-style HAR);
//       'dump'    - the back end's own log, oauth-doctor/exchanges/v1 NDJSON.

import { sleep, pkjwtAssertion, secretJwtAssertion } from './lib/oauth.mjs';
import { CLIENTS, OPAQUE_RESOURCE } from './lib/app.mjs';
import { form, basic } from './lib/http.mjs';
import { approveDevice, settled } from './lib/env.mjs';
import {
  drive, spaSignIn, webSignIn, returningUser, tokensBeforeCapture, deviceStart, devicePoll, said, outcome,
} from './flows.mjs';

// The returning user signs in again in the web app (recorded), through the proxy.
async function webAgain(t, page) {
  await page.goto(`${t.app.origin}/app/`);
  await settled(page);
  await Promise.all([page.waitForNavigation(), page.click('#login')]);
  await page.waitForLoadState('load');
  return outcome(t, page);
}

// A back-end job with client credentials; `auth` as in WebApp.token.
// scope: null sends none.
async function clientCredentials(t, client, { scope = 'api:read', auth = 'basic', extra = {}, opts = {} } = {}) {
  const params = { grant_type: 'client_credentials', ...extra };
  if (scope) params.scope = scope;
  return t.app.web.token(params, { as: CLIENTS[client], auth, ...opts });
}

async function pkjwt(t, assertion, { scope = 'api:read' } = {}) {
  const meta = await t.app.web.metadata();
  return t.app.web.token({
    grant_type: 'client_credentials',
    scope,
    client_id: 'pkjwt-client',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: typeof assertion === 'function' ? assertion(meta) : assertion,
  }, { auth: 'neither' });
}

export const SCENARIOS = [
  // ---- healthy ---------------------------------------------------------------------------
  {
    name: 'healthy-spa-code-pkce',
    mode: 'browser',
    clean: true,
    mistake: 'none: the SPA signs in with code + PKCE, redeems the code with fetch and calls the API',
    expect: /api 200/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'healthy-spa-silent-sign-in',
    mode: 'browser',
    clean: true,
    session: true,
    mistake: 'none: a user with a provider session signs in to the SPA with prompt=none',
    spaKnobs: { prompt: 'none' },
    expect: /api 200/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'healthy-webapp-bff',
    mode: 'browser',
    clean: true,
    mistake: 'none: the web app signs the user in (its "who am I" check answers 401 before), exchanges the code in its back end and shows data from the API',
    expect: /^200 /,
    run: (t) => webSignIn(t, t.page),
  },
  {
    name: 'healthy-webapp-mitm',
    mode: 'proxy',
    clean: true,
    mistake: 'none: browser and back end through one proxy, a full sign-in, the code exchange and an API call',
    expect: /^200 /,
    run: async (t) => webSignIn(t, await t.proxiedPage()),
  },
  {
    name: 'healthy-client-credentials-api',
    mode: 'proxy',
    clean: true,
    mistake: 'none: a back-end job gets a client_credentials token (Basic, form-encoded) and calls the API',
    expect: /^200 200\n/,
    run: async (t) => {
      const r = await clientCredentials(t, 'conf-basic');
      const api = await t.app.web.callApi(r.body.access_token);
      return `${r.status} ${api.status}`;
    },
  },
  {
    name: 'healthy-refresh-rotation',
    mode: 'proxy',
    clean: true,
    mistake: 'none: the back end refreshes twice, each time with the refresh token the last refresh returned, and calls the API',
    expect: /^200 200 200\n/,
    run: async (t) => {
      let tokens = await tokensBeforeCapture(t);
      const a = await t.app.web.refresh(tokens.refresh_token);
      tokens = a.body;
      const b = await t.app.web.refresh(tokens.refresh_token);
      const api = await t.app.web.callApi(b.body.access_token);
      return `${a.status} ${b.status} ${api.status}`;
    },
  },
  {
    name: 'healthy-device-flow',
    mode: 'proxy',
    clean: true,
    mistake: 'none: a command-line client polls every 5 s (authorization_pending until the user approves on another device), then gets tokens',
    expect: /^200\n/,
    run: async (t) => {
      const d = await deviceStart(t, 'device-client');
      const approve = (async () => { await sleep(6000); await approveDevice(t.browser, d.verification_uri_complete); })();
      const r = await devicePoll(t, 'device-client', d.device_code, { everyMs: 5000 });
      await approve;
      return `${r.status}`;
    },
  },
  {
    name: 'healthy-introspection-opaque',
    mode: 'proxy',
    clean: true,
    mistake: 'none: the web app asks for the opaque-token API (resource indicator); the API introspects the token (active) and answers',
    knobs: { resource: OPAQUE_RESOURCE, scope: 'openid profile api:read' },
    expect: /^200 /,
    run: async (t) => webAgain(t, await returningUser(t, { knobs: t.s.knobs })),
  },
  {
    name: 'healthy-logout-revocation',
    mode: 'proxy',
    clean: true,
    mistake: 'none: at logout the back end revokes the refresh token and checks by introspection that it is gone (active: false), then stops using it',
    expect: /^200 false\n/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t);
      const status = await t.app.web.revoke(tokens.refresh_token, 'refresh_token');
      const meta = await t.app.web.metadata();
      const r = await t.app.http.request('POST', meta.introspection_endpoint, {
        headers: [['Authorization', basic('webapp', CLIENTS.webapp.secret)], ['Accept', 'application/json'],
          ['Content-Type', 'application/x-www-form-urlencoded']],
        body: form({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
      });
      return `${status} ${r.json().active}`;
    },
  },
  {
    name: 'healthy-pkjwt-client-credentials',
    mode: 'dump',
    clean: true,
    mistake: 'none: private_key_jwt client credentials with a fresh assertion, then an API call',
    expect: /^200 200\n/,
    run: async (t) => {
      const r = await pkjwt(t, (meta) => pkjwtAssertion({ aud: meta.token_endpoint }));
      const api = await t.app.web.callApi(r.body.access_token);
      return `${r.status} ${api.status}`;
    },
  },
  {
    name: 'healthy-conf-special-encoded',
    mode: 'dump',
    clean: true,
    mistake: 'none: a secret with reserved characters, form-encoded before Basic encoding (RFC 6749 §2.3.1)',
    expect: /^200\n/,
    run: async (t) => `${(await clientCredentials(t, 'conf-special', { scope: null })).status}`,
  },

  // ---- PKCE ------------------------------------------------------------------------------
  {
    name: 'spa-pkce-verifier-regenerated',
    mode: 'browser',
    accept: ['pkce'],
    mistake: 'the SPA generates a new code_verifier at the callback instead of the one whose challenge it sent',
    spaKnobs: { regenerateVerifier: true },
    expect: /code_verifier does not match code_challenge/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'spa-pkce-verifier-from-other-tab',
    mode: 'browser',
    accept: ['pkce'],
    mistake: 'two tabs start a sign-in; the verifier kept in localStorage is the second tab\'s when the first tab redeems its code',
    expect: /code_verifier does not match code_challenge/,
    run: async (t) => {
      const first = t.page;
      const second = await t.context.newPage();
      await first.goto(`${t.app.origin}/spa/`);
      await settled(first);
      await Promise.all([first.waitForNavigation(), first.click('#login')]);
      await second.goto(`${t.app.origin}/spa/`);
      await settled(second);
      await Promise.all([second.waitForNavigation(), second.click('#login')]);
      await drive(t, first);
      return outcome(t, first);
    },
  },
  {
    name: 'spa-pkce-plain-method',
    mode: 'browser',
    accept: ['pkce', 'parameters'],
    mistake: 'the SPA sends code_challenge_method=plain, which the provider does not support',
    spaKnobs: { challengeMethod: 'plain' },
    expect: /invalid_request.*code_challenge_method/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'spa-pkce-challenge-not-hashed',
    mode: 'browser',
    accept: ['pkce'],
    mistake: 'the SPA sends the verifier itself as code_challenge with method S256 (not hashed)',
    spaKnobs: { unhashedChallenge: true },
    expect: /code_verifier does not match code_challenge/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'spa-pkce-missing',
    mode: 'browser',
    accept: ['pkce', 'parameters'],
    mistake: 'the SPA (a public client) sends no code_challenge',
    spaKnobs: { noPkce: true },
    expect: /requires PKCE/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'webapp-pkce-verifier-missing',
    mode: 'proxy',
    accept: ['pkce', 'parameters'],
    mistake: 'the web app sends a code_challenge at authorization but no code_verifier in the token request',
    knobs: { pkce: true, omitVerifier: true },
    expect: /PKCE|code_verifier/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },

  // ---- redirect_uri ----------------------------------------------------------------------
  {
    name: 'webapp-redirect-uri-trailing-slash',
    mode: 'proxy',
    accept: ['redirect_uri'],
    mistake: 'the web app\'s token request carries the redirect_uri with a trailing slash',
    setup: (t) => { t.s.knobs.tokenRedirectUri = `${t.app.origin}/app/callback/`; },
    expect: /redirect_uri mismatch/,
    run: async (t) => webSignIn(t, await t.proxiedPage()),
  },
  {
    name: 'webapp-redirect-uri-other-port',
    mode: 'proxy',
    accept: ['redirect_uri'],
    mistake: 'the web app builds the token request\'s redirect_uri from its internal port (8080) instead of the registered one',
    setup: (t) => { t.s.knobs.tokenRedirectUri = 'http://127.0.0.1:8080/app/callback'; },
    expect: /redirect_uri mismatch/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'webapp-redirect-uri-double-encoded',
    mode: 'dump',
    accept: ['redirect_uri', 'content_type_encoding'],
    mistake: 'the back end percent-encodes the redirect_uri twice in the token request body',
    knobs: { doubleEncodeRedirect: true },
    expect: /redirect_uri mismatch/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'spa-redirect-uri-not-registered',
    mode: 'browser',
    accept: ['redirect_uri'],
    mistake: 'the SPA sends a redirect_uri with a trailing slash, which is not registered, in the authorization request',
    setup: (t) => { t.s.spaKnobs = { authorizeRedirectUri: `${t.app.origin}/spa/callback/` }; },
    expect: /redirect_uri did not match any of the client's registered redirect_uris/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'webapp-redirect-uri-localhost',
    mode: 'browser',
    accept: ['redirect_uri'],
    mistake: 'the web app sends http://localhost:<port>/app/callback as redirect_uri; only the 127.0.0.1 one is registered',
    setup: (t) => {
      t.s.knobs = { authorizeRedirectUri: `${t.app.origin.replace('127.0.0.1', 'localhost')}/app/callback` };
    },
    expect: /redirect_uri did not match any of the client's registered redirect_uris/,
    run: (t) => webSignIn(t, t.page),
  },
  {
    name: 'spa-redirect-uri-differs-at-token',
    mode: 'browser',
    accept: ['redirect_uri'],
    mistake: 'the SPA sends its page URL (/spa/) as redirect_uri in the token request instead of /spa/callback',
    setup: (t) => { t.s.spaKnobs = { tokenRedirectUri: `${t.app.origin}/spa/` }; },
    expect: /redirect_uri mismatch/,
    run: (t) => spaSignIn(t, t.page),
  },

  // ---- codes redeemed twice, late, or by another client --------------------------------------
  {
    name: 'webapp-code-redeemed-twice-retry',
    mode: 'proxy',
    accept: ['grant_type'],
    mistake: 'the web app\'s callback handler runs the code exchange a second time after the first succeeded',
    knobs: { retryExchange: true },
    expect: /authorization code already consumed/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'spa-callback-reloaded',
    mode: 'browser',
    accept: ['grant_type'],
    mistake: 'the SPA leaves the code in the URL and the user reloads the callback page, which redeems the code again',
    spaKnobs: { keepCodeInUrl: true },
    expect: /authorization code already consumed/,
    run: async (t) => {
      await spaSignIn(t, t.page);
      await t.page.reload();
      return outcome(t, t.page);
    },
  },
  {
    name: 'spa-callback-effect-twice',
    mode: 'browser',
    accept: ['grant_type'],
    mistake: 'the SPA\'s callback effect runs twice at once (a component mounted twice), both runs redeem the same code',
    spaKnobs: { effectTwice: true },
    expect: /authorization code already consumed/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'webapp-bff-callback-replayed',
    mode: 'browser',
    accept: ['grant_type'],
    mistake: 'after signing in the user opens the callback URL again (history), and the web app redeems the same code again',
    expect: /authorization code already consumed/,
    run: async (t) => {
      let callback;
      t.page.on('request', (r) => { if (r.url().includes('/app/callback?')) callback = r.url(); });
      await webSignIn(t, t.page);
      await t.page.goto(callback);
      return outcome(t, t.page);
    },
  },
  {
    name: 'webapp-code-expired',
    mode: 'proxy',
    accept: ['token_expiry'],
    mistake: 'the web app (its codes live 5 s) queues the callback and redeems the code 7 s after it was issued',
    knobs: { client: 'webapp-quick', exchangeDelayMs: 7000 },
    expect: /authorization code (is expired|not found)/,
    run: async (t) => webAgain(t, await returningUser(t, { knobs: { client: 'webapp-quick' } })),
  },
  {
    name: 'webapp-code-other-client',
    mode: 'proxy',
    accept: ['grant_type', 'credentials'],
    mistake: 'the web app redeems the code with the credentials of its other registration (webapp-staging), not the client the code was issued to',
    knobs: { exchangeAs: 'webapp-staging' },
    expect: /client mismatch/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },

  // ---- refresh tokens --------------------------------------------------------------------
  {
    name: 'webapp-refresh-reused-after-rotation',
    mode: 'proxy',
    accept: ['grant_type'],
    mistake: 'the back end keeps the old refresh token after a refresh rotated it and uses it again',
    expect: /rotated|already|revoked|consumed/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t);
      const a = await t.app.web.refresh(tokens.refresh_token);
      const api = await t.app.web.callApi(a.body.access_token);
      const b = await t.app.web.refresh(tokens.refresh_token);
      return `${a.status}, api ${api.status}, then ${said(b)}`;
    },
  },
  {
    name: 'webapp-refresh-after-revocation',
    mode: 'proxy',
    accept: ['token_expiry'],
    mistake: 'at logout the back end revokes the refresh token, then a background job still refreshes with it',
    expect: /invalid_grant/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t);
      const status = await t.app.web.revoke(tokens.refresh_token, 'refresh_token');
      await sleep(1500);
      const r = await t.app.web.refresh(tokens.refresh_token);
      return `revocation ${status}, then ${said(r)}`;
    },
  },
  {
    name: 'webapp-refresh-other-client',
    mode: 'proxy',
    accept: ['grant_type', 'credentials'],
    mistake: 'a refresh token issued to webapp (by the refresh at the start of the capture) is sent with the credentials of webapp-staging',
    expect: /client mismatch/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t);
      const a = await t.app.web.refresh(tokens.refresh_token);
      const r = await t.app.web.refresh(a.body.refresh_token, { as: CLIENTS['webapp-staging'] });
      return `${a.status}, then ${said(r)}`;
    },
  },
  {
    name: 'webapp-refresh-expired',
    mode: 'proxy',
    accept: ['token_expiry'],
    mistake: 'the back end refreshes with a refresh token of webapp-rotate (lifetime 4 s) 6 s after it was issued',
    knobs: { client: 'webapp-rotate' },
    expect: /refresh token (is expired|not found)/,
    run: async (t) => {
      const a = await tokensBeforeCapture(t, { client: 'webapp-rotate' });
      // the capture starts with a refresh that works, whose new refresh token then expires
      const first = await t.app.web.refresh(a.refresh_token);
      await sleep(6000);
      const r = await t.app.web.refresh(first.body.refresh_token);
      return `${first.status}, then ${said(r)}`;
    },
  },
  {
    name: 'webapp-access-token-as-refresh-token',
    mode: 'proxy',
    accept: ['parameters'],
    mistake: 'after a refresh, the back end sends the new access token as refresh_token in the next refresh request',
    expect: /invalid_grant/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t, { scope: 'openid profile' });
      const a = await t.app.web.refresh(tokens.refresh_token);
      const api = await t.app.web.userinfo(a.body.access_token);
      const r = await t.app.web.refresh(a.body.access_token);
      return `${a.status}, userinfo ${api.status}, then ${said(r)}`;
    },
  },

  // ---- access tokens at the resource ------------------------------------------------------
  {
    name: 'spa-access-token-expired-at-api',
    mode: 'browser',
    accept: ['token_expiry'],
    mistake: 'the SPA (its access tokens live 3 s) calls the API again 6 s after sign-in with the same access token',
    spa: { clientId: 'spa-short' },
    expect: /api 401 .*expired/,
    run: async (t) => {
      await spaSignIn(t, t.page);
      await sleep(6000);
      await t.page.click('#call-api');
      return outcome(t, t.page);
    },
  },
  {
    name: 'webapp-id-token-at-userinfo',
    mode: 'proxy',
    accept: ['audience_issuer', 'parameters'],
    mistake: 'the back end sends the ID token as the bearer token to the userinfo endpoint',
    knobs: { scope: 'openid profile', dataViaUserinfo: true, dataToken: (tokens) => tokens.id_token },
    expect: /invalid_token/,
    run: async (t) => webAgain(t, await returningUser(t, { knobs: { scope: 'openid profile' } })),
  },
  {
    name: 'webapp-id-token-at-api',
    mode: 'proxy',
    accept: ['audience_issuer', 'parameters'],
    mistake: 'the back end sends the ID token as the bearer token to the resource API',
    knobs: { dataToken: (tokens) => tokens.id_token },
    expect: /not an access token/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'spa-api-call-without-token',
    mode: 'browser',
    accept: ['parameters'],
    mistake: 'the SPA calls the API without an Authorization header',
    spaKnobs: { apiWithoutToken: true },
    expect: /api 401/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'webapp-userinfo-token-at-api',
    mode: 'proxy',
    accept: ['audience_issuer'],
    mistake: 'the web app asks for no API scope or resource, so its access token is for userinfo only, and sends it to the API',
    knobs: { scope: 'openid profile' },
    expect: /audience mismatch/,
    run: async (t) => webAgain(t, await returningUser(t, { knobs: { scope: 'openid profile' } })),
  },
  {
    name: 'cc-token-without-api-scope',
    mode: 'proxy',
    accept: ['scope_consent'],
    mistake: 'a client_credentials job asks for no scope and calls the API, which needs api:read',
    expect: /insufficient_scope/,
    run: async (t) => {
      const r = await clientCredentials(t, 'cc-only', { scope: null });
      const api = await t.app.web.callApi(r.body.access_token);
      return `token ${r.status}, api ${api.status} ${api.body?.error}`;
    },
  },
  {
    name: 'webapp-api-token-revoked',
    mode: 'proxy',
    accept: ['token_expiry'],
    mistake: 'the user logged out (the app revoked the access token) but a worker keeps calling the API with it; introspection says active: false',
    expect: /not active/,
    run: async (t) => {
      const tokens = await tokensBeforeCapture(t, { resource: OPAQUE_RESOURCE, scope: 'openid profile api:read' });
      const ok = await t.app.web.callApi(tokens.access_token);
      const status = await t.app.web.revoke(tokens.access_token, 'access_token');
      const api = await t.app.web.callApi(tokens.access_token);
      return `api ${ok.status}, revocation ${status}, api ${api.status} ${api.body?.error_description}`;
    },
  },

  // ---- device flow -----------------------------------------------------------------------
  {
    name: 'device-user-code-as-device-code',
    mode: 'proxy',
    accept: ['parameters'],
    mistake: 'the command-line client polls with the user_code in the device_code parameter',
    expect: /invalid_grant/,
    run: async (t) => {
      const d = await deviceStart(t, 'device-client');
      const r = await devicePoll(t, 'device-client', d.user_code, { everyMs: 5000, max: 1 });
      return said(r);
    },
  },
  {
    name: 'device-polled-too-fast',
    mode: 'proxy',
    accept: ['rate_limit'],
    mistake: 'the command-line client polls every second, ignoring the interval of 5 s, and gives up at slow_down',
    expect: /slow_down/,
    run: async (t) => {
      const d = await deviceStart(t, 'device-tv');
      const r = await devicePoll(t, 'device-tv', d.device_code, { everyMs: 1000 });
      return said(r);
    },
  },
  {
    name: 'device-code-expired',
    mode: 'proxy',
    accept: ['token_expiry'],
    mistake: 'nobody approves the device in time; the client polls until its device code (10 s) expires',
    expect: /expired_token/,
    run: async (t) => {
      const d = await deviceStart(t, 'device-tv');
      const r = await devicePoll(t, 'device-tv', d.device_code, { everyMs: 5100 });
      return said(r);
    },
  },
  {
    name: 'device-user-denied',
    mode: 'proxy',
    accept: ['scope_consent'],
    mistake: 'the user denies the device on the confirmation page',
    expect: /access_denied/,
    run: async (t) => {
      const d = await deviceStart(t, 'device-tv');
      const deny = (async () => { await sleep(1000); await approveDevice(t.browser, d.verification_uri_complete, { deny: true }); })();
      const r = await devicePoll(t, 'device-tv', d.device_code, { everyMs: 5200 });
      await deny;
      return said(r);
    },
  },

  // ---- client authentication, endpoints, parameters ----------------------------------------
  {
    name: 'cc-token-path-not-in-metadata',
    mode: 'proxy',
    accept: ['endpoint_url'],
    mistake: 'after reading the discovery document the job posts to /oauth2/token, a path the metadata does not list',
    expect: /^404/,
    run: async (t) => {
      const r = await clientCredentials(t, 'conf-basic', { opts: { endpoint: `${t.issuer}/oauth2/token` } });
      return said(r);
    },
  },
  {
    name: 'cc-wrong-secret-basic',
    mode: 'proxy',
    accept: ['credentials'],
    mistake: 'the job sends a rotated-away secret for conf-basic (client_secret_basic)',
    expect: /invalid_client/,
    run: async (t) => said(await t.app.web.token({ grant_type: 'client_credentials', scope: 'api:read' },
      { as: { id: 'conf-basic', secret: 'conf-basic-secret-2025' } })),
  },
  {
    name: 'cc-wrong-secret-post',
    mode: 'dump',
    accept: ['credentials'],
    mistake: 'the job sends a wrong client_secret in the body for conf-post (client_secret_post)',
    expect: /invalid_client/,
    run: async (t) => said(await t.app.web.token({ grant_type: 'client_credentials', scope: 'api:read' },
      { as: { id: 'conf-post', secret: 'conf-post-secret ' }, auth: 'post' })),
  },
  {
    name: 'cc-basic-for-post-client',
    mode: 'proxy',
    accept: ['credentials'],
    mistake: 'the job authenticates conf-post, registered for client_secret_post, with HTTP Basic',
    expect: /registered for client_secret_post but used client_secret_basic/,
    run: async (t) => said(await clientCredentials(t, 'conf-post', { auth: 'basic' })),
  },
  {
    name: 'webapp-secret-in-body-for-basic-client',
    mode: 'proxy',
    accept: ['credentials'],
    mistake: 'the web app, registered for client_secret_basic, sends its secret in the token request body',
    knobs: { auth: 'post' },
    expect: /registered for client_secret_basic but used client_secret_post/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'cc-special-secret-not-form-encoded',
    mode: 'proxy',
    accept: ['credentials', 'content_type_encoding'],
    mistake: 'the job puts conf-special\'s secret (with % + / : =) into Basic without form-encoding it first',
    expect: /not properly encoded/,
    run: async (t) => said(await clientCredentials(t, 'conf-special', { scope: null, auth: 'basic-raw' })),
  },
  {
    name: 'webapp-token-request-json-body',
    mode: 'proxy',
    accept: ['content_type_encoding'],
    mistake: 'the web app posts the token request as JSON instead of a form',
    knobs: { format: 'json' },
    expect: /^502|token request failed/,
    run: async (t) => webAgain(t, await returningUser(t)),
  },
  {
    name: 'cc-grant-type-missing',
    mode: 'dump',
    accept: ['parameters'],
    mistake: 'the job\'s token request has no grant_type',
    expect: /grant_type/,
    run: async (t) => said(await t.app.web.token({ scope: 'api:read' }, { as: CLIENTS['cc-only'] })),
  },
  {
    name: 'webapp-client-credentials-not-allowed',
    mode: 'proxy',
    accept: ['grant_type'],
    mistake: 'the web app asks for client_credentials, a grant its registration does not allow',
    expect: /unauthorized_client/,
    run: async (t) => said(await clientCredentials(t, 'webapp')),
  },
  {
    name: 'spa-scope-not-allowed',
    mode: 'browser',
    accept: ['scope_consent'],
    mistake: 'the SPA asks for the email scope, which its registration does not allow',
    spaKnobs: { scope: 'openid profile email api:read' },
    expect: /invalid_scope/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'cc-resource-not-registered',
    mode: 'proxy',
    accept: ['audience_issuer'],
    mistake: 'the job asks for the resource https://api.example.test/v2, which the provider does not know',
    expect: /invalid_target/,
    run: async (t) => said(await clientCredentials(t, 'cc-only', { extra: { resource: 'https://api.example.test/v2' } })),
  },
  {
    name: 'spa-prompt-none-without-session',
    mode: 'browser',
    accept: ['account_state'],
    mistake: 'the SPA tries a silent sign-in (prompt=none) for a user who has no session at the provider',
    spaKnobs: { prompt: 'none' },
    expect: /login_required/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'spa-user-denies-consent',
    mode: 'browser',
    accept: ['scope_consent'],
    mistake: 'the user cancels on the provider\'s consent page',
    expect: /access_denied/,
    run: (t) => spaSignIn(t, t.page, { deny: true }),
  },
  {
    name: 'webapp-wrong-password',
    mode: 'browser',
    accept: ['credentials', 'account_state'],
    mistake: 'the user types a wrong password on the provider\'s login page, which shows the form again',
    expect: /Invalid login or password|wrong password/,
    run: (t) => webSignIn(t, t.page, { user: 'carol', password: 'correct-horse-battery-stable' }),
  },
  {
    name: 'pkjwt-assertion-clock-behind',
    mode: 'proxy',
    accept: ['clock_skew'],
    mistake: 'the job mints its private_key_jwt assertion (60 s lifetime) on a clock 6 minutes behind, so it arrives expired',
    expect: /jwt expired/,
    run: async (t) => said(await pkjwt(t, (meta) => pkjwtAssertion({ aud: meta.token_endpoint, now: Date.now() - 6 * 60 * 1000 }))),
  },
  {
    name: 'pkjwt-assertion-clock-ahead',
    mode: 'dump',
    accept: ['clock_skew'],
    mistake: 'the job mints its assertion (iat and nbf) on a clock 5 minutes ahead, so it is not valid yet',
    expect: /not active yet/,
    run: async (t) => said(await pkjwt(t, (meta) => {
      const now = Date.now() + 5 * 60 * 1000;
      return pkjwtAssertion({ aud: meta.token_endpoint, now, extra: { nbf: Math.floor(now / 1000) } });
    })),
  },
  {
    name: 'pkjwt-assertion-stale',
    mode: 'proxy',
    accept: ['credentials'],
    mistake: 'the job reuses an assertion minted 3 hours ago (5-minute lifetime) from its configuration instead of minting one per request',
    expect: /jwt expired/,
    run: async (t) => said(await pkjwt(t, (meta) => pkjwtAssertion({ aud: meta.token_endpoint, now: Date.now() - 3 * 3600 * 1000, lifetime: 300 }))),
  },
  {
    name: 'pkjwt-assertion-replayed',
    mode: 'proxy',
    accept: ['credentials'],
    mistake: 'the job caches its assertion and sends the same one (same jti) again for the next token',
    expect: /must only be used once/,
    run: async (t) => {
      const meta = await t.app.web.metadata();
      const assertion = pkjwtAssertion({ aud: meta.token_endpoint, lifetime: 300 });
      const a = await pkjwt(t, assertion);
      const api = await t.app.web.callApi(a.body.access_token);
      await sleep(2000);
      const b = await pkjwt(t, assertion);
      return `${a.status}, api ${api.status}, then ${said(b)}`;
    },
  },
  {
    name: 'pkjwt-assertion-wrong-audience',
    mode: 'dump',
    accept: ['audience_issuer', 'credentials'],
    mistake: 'the job sets the assertion\'s aud to the API (https://api.example.test) instead of the provider',
    expect: /audience/,
    run: async (t) => said(await pkjwt(t, pkjwtAssertion({ aud: 'https://api.example.test' }))),
  },
  {
    name: 'jwt-client-wrong-secret',
    mode: 'dump',
    accept: ['credentials', 'signature_key'],
    mistake: 'the job signs its client_secret_jwt assertion with an old secret',
    expect: /invalid_client/,
    run: async (t) => {
      const meta = await t.app.web.metadata();
      return said(await t.app.web.token({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: secretJwtAssertion({
          clientId: 'jwt-client', secret: 'jwt-client-secret-from-last-year-0123456789', aud: meta.token_endpoint,
        }),
      }, { auth: 'neither' }));
    },
  },
  {
    name: 'spa-token-cors-blocked',
    mode: 'browser',
    accept: ['other'],
    mistake: 'the SPA runs on an origin the provider does not allow for its client (spa-cors), so the browser blocks the token response',
    spa: { clientId: 'spa-cors' },
    expect: /not allowed for client/,
    run: (t) => spaSignIn(t, t.page),
  },
  {
    name: 'webapp-bff-wrong-secret',
    mode: 'browser',
    accept: ['credentials'],
    mistake: 'the web app\'s back end has a wrong client secret; its callback page relays the provider\'s invalid_client',
    knobs: { exchangeAs: 'webapp-wrong' },
    setup: () => { CLIENTS['webapp-wrong'] = { id: 'webapp', secret: 'webapp-secret-from-staging' }; },
    expect: /invalid_client/,
    run: (t) => webSignIn(t, t.page),
  },
];
