// Building blocks the scenarios share: a user signing in through the app in Chromium, the
// returning user whose provider session already exists, tokens obtained before the capture
// starts, and the device flow's command-line client.

import { login, consent, settled } from './lib/env.mjs';
import { sleep } from './lib/oauth.mjs';
import { form } from './lib/http.mjs';

// Goes through the provider's login and consent pages until the browser leaves the provider
// or stays on one of its pages (an error page, or the login page shown again).
export async function drive(t, page, { user, password, deny = false } = {}) {
  let loggedIn = false;
  for (let i = 0; i < 8; i += 1) {
    await page.waitForLoadState('load');
    const u = new URL(page.url());
    if (u.origin !== t.issuer || !u.pathname.startsWith('/interaction/')) return;
    if (await page.$('input[name="login"]')) {
      if (loggedIn) return;
      await login(page, user, password);
      loggedIn = true;
    } else if (await page.$('input[name="prompt"][value="consent"]')) {
      await consent(page, { deny });
    } else {
      return;
    }
  }
}

// What the page shows once it settles: the app's status text, its error paragraph, or the
// provider's page text.
export async function outcome(t, page) {
  const u = new URL(page.url());
  if (u.origin === t.app.origin) {
    if (await page.$('#error')) return (await page.textContent('#error')).trim();
    await settled(page);
    return (await page.textContent('#status')).trim();
  }
  return (await page.textContent('body')).replace(/\s+/g, ' ').trim().slice(0, 200);
}

// The SPA: open it, click "Sign in", go through the provider, wait for the app.
export async function spaSignIn(t, page, opts = {}) {
  await page.goto(`${t.app.origin}/spa/`);
  await settled(page);
  await Promise.all([page.waitForNavigation(), page.click('#login')]);
  await drive(t, page, opts);
  return outcome(t, page);
}

// The web app: open it (its "who am I" check answers 401), click "Sign in", go through the
// provider, wait for the app.
export async function webSignIn(t, page, opts = {}) {
  await page.goto(`${t.app.origin}/app/`);
  await settled(page);
  await Promise.all([page.waitForNavigation(), page.click('#login')]);
  await drive(t, page, opts);
  return outcome(t, page);
}

// A returning user: signs in once with the knobs off and nothing recorded, so the provider
// session and the consent exist; the app forgets its own session. Resolves with the page.
export async function returningUser(t, { knobs = {} } = {}) {
  const page = await t.proxiedPage();
  await t.offRecord(async () => {
    await webSignIn(t, page);
  }, knobs);
  return page;
}

// Tokens of the web app obtained before the capture starts (a sign-in nobody recorded).
export async function tokensBeforeCapture(t, knobs = {}) {
  let tokens;
  await t.offRecord(async () => {
    const ctx = await t.browser.newContext();
    const page = await ctx.newPage();
    await webSignIn(t, page);
    tokens = t.app.lastTokens;
    await ctx.close();
  }, knobs);
  if (!tokens?.refresh_token) throw new Error('sign-in before the capture gave no tokens');
  return tokens;
}

// The command-line device client: starts a device authorization and returns its answer.
export async function deviceStart(t, clientId) {
  const meta = await t.app.web.metadata();
  const r = await t.app.http.request('POST', meta.device_authorization_endpoint, {
    headers: [['Accept', 'application/json'], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: form({ client_id: clientId, scope: 'openid profile offline_access' }),
  });
  return r.json();
}

// Polls the token endpoint every `everyMs` until an answer other than authorization_pending
// (or `stopOn` says stop); returns the last answer.
export async function devicePoll(t, clientId, deviceCode, { everyMs, stopOn = () => false, max = 20 }) {
  const meta = await t.app.web.metadata();
  let last;
  for (let i = 0; i < max; i += 1) {
    await sleep(everyMs);
    const r = await t.app.http.request('POST', meta.token_endpoint, {
      headers: [['Accept', 'application/json'], ['Content-Type', 'application/x-www-form-urlencoded']],
      body: form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: clientId }),
    });
    last = { status: r.status, body: r.json() ?? {} };
    if (stopOn(last)) break;
    if (last.body.error !== 'authorization_pending') break;
  }
  return last;
}

export const said = (r) => `${r.status} ${r.body?.error ?? ''}${r.body?.error_description ? ` ("${r.body.error_description}")` : ''}`.trim();
