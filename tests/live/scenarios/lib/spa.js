// The single-page app: authorization code + PKCE (RFC 7636) in the browser, the code
// exchanged with fetch, then a call to the resource API. The verifier is kept in localStorage
// (shared by every tab of the origin), the state in sessionStorage (one per tab).
// window.__KNOBS, set by the recorder before the page loads, injects one mistake.
(() => {
  const cfg = JSON.parse(document.getElementById('config').textContent);
  const knobs = window.__KNOBS || {};
  const status = document.getElementById('status');
  const log = (msg) => { status.textContent += `${msg}\n`; };
  const done = (state) => { document.body.dataset.done = state; };

  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));
  const s256 = async (v) => b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v)));

  let meta;
  async function discovery() {
    if (!meta) meta = await (await fetch(`${cfg.issuer}/.well-known/openid-configuration`)).json();
    return meta;
  }

  async function signIn() {
    const m = await discovery();
    const verifier = random(32);
    const state = random(16);
    localStorage.setItem('pkce_verifier', verifier);
    sessionStorage.setItem('oauth_state', state);
    const p = new URLSearchParams({
      client_id: cfg.clientId,
      response_type: 'code',
      redirect_uri: knobs.authorizeRedirectUri || cfg.redirectUri,
      scope: knobs.scope || cfg.scope,
      state,
    });
    if (!knobs.noPkce) {
      if (knobs.challengeMethod === 'plain') {
        p.set('code_challenge', verifier);
        p.set('code_challenge_method', 'plain');
      } else {
        p.set('code_challenge', knobs.unhashedChallenge ? verifier : await s256(verifier));
        p.set('code_challenge_method', 'S256');
      }
    }
    if (knobs.prompt) p.set('prompt', knobs.prompt);
    location.assign(`${m.authorization_endpoint}?${p}`);
  }

  async function callApi() {
    const tokens = JSON.parse(sessionStorage.getItem('tokens') || '{}');
    const headers = knobs.apiWithoutToken ? {} : { Authorization: `Bearer ${tokens.access_token}` };
    try {
      const r = await fetch(`${cfg.api}/api/profile`, { headers });
      log(`api ${r.status} ${await r.text()}`);
      done(r.ok ? 'ok' : 'error');
    } catch (e) {
      log(`api call failed: ${e}`);
      done('error');
    }
  }

  async function exchange(code) {
    const m = await discovery();
    const verifier = knobs.regenerateVerifier ? random(32) : localStorage.getItem('pkce_verifier');
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: knobs.tokenRedirectUri || cfg.redirectUri,
      client_id: cfg.clientId,
    });
    if (verifier && !knobs.omitVerifier) body.set('code_verifier', verifier);
    let r;
    try {
      r = await fetch(m.token_endpoint, { method: 'POST', body });
    } catch (e) {
      log(`token request failed: ${e}`);
      return false;
    }
    const tokens = await r.json();
    if (!r.ok) {
      log(`token error ${r.status} ${tokens.error}: ${tokens.error_description}`);
      return false;
    }
    sessionStorage.setItem('tokens', JSON.stringify(tokens));
    return true;
  }

  async function callback() {
    const q = new URLSearchParams(location.search);
    if (q.get('error')) {
      log(`sign-in failed: ${q.get('error')}: ${q.get('error_description')}`);
      return done('error');
    }
    if (!q.get('code')) return done('idle');
    if (q.get('state') !== sessionStorage.getItem('oauth_state')) {
      log('state mismatch');
      return done('error');
    }
    let ok;
    if (knobs.effectTwice) {
      // the callback effect runs twice (a component mounted twice), each run redeems the code
      const runs = await Promise.all([exchange(q.get('code')), exchange(q.get('code'))]);
      ok = runs[1];
    } else {
      ok = await exchange(q.get('code'));
    }
    if (!ok) return done('error');
    if (!knobs.keepCodeInUrl) history.replaceState(null, '', '/spa/');
    if (knobs.noApiCall) return done('ok');
    return callApi();
  }

  document.getElementById('login').addEventListener('click', () => { signIn().catch((e) => { log(String(e)); done('error'); }); });
  document.getElementById('call-api').addEventListener('click', () => { done(''); callApi(); });
  if (location.pathname.endsWith('/callback')) callback().catch((e) => { log(String(e)); done('error'); });
  else done('idle');
})();
