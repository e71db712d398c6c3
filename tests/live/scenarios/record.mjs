#!/usr/bin/env node
// Records the labelled failure scenarios of fixtures/scenarios.
//
//   node tests/live/scenarios/record.mjs [NAME...]    (no name: every scenario)
//   node tests/live/scenarios/record.mjs --list
//   node tests/live/scenarios/record.mjs --readme     (rewrites fixtures/scenarios/README.md only)
//
// Starts the provider (tests/live/server.mjs), the client application (SPA, web app, resource
// API; lib/app.mjs), a recording proxy and headless Chromium, then runs each scenario of
// scenarios.mjs and writes fixtures/scenarios/<name>.har or .ndjson. The scenario's line in
// fixtures/scenarios/expected.jsonl is rewritten; the other lines are kept.
// Needs `npm ci` in tests/live and Chromium (CHROMIUM, default /usr/bin/chromium).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Recorder, startProxy } from './lib/proxy.mjs';
import { Application } from './lib/app.mjs';
import { startProvider, launchBrowser } from './lib/env.mjs';
import { secretsOf, exchangesOf } from './lib/secrets.mjs';
import { spaSignIn } from './flows.mjs';
import { SCENARIOS } from './scenarios.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OUT = path.join(ROOT, 'fixtures', 'scenarios');
const EXPECTED = path.join(OUT, 'expected.jsonl');
const CAPTURE = { browser: 'chromium-har', proxy: 'proxy-har', dump: 'dump' };

function fileOf(s) {
  return `${s.name}.${s.mode === 'dump' ? 'ndjson' : 'har'}`;
}

async function recordOne(spec, env) {
  const { app, recorder, browser, provider, proxy } = env;
  const s = { ...spec, knobs: { ...(spec.knobs ?? {}) }, spaKnobs: { ...(spec.spaKnobs ?? {}) } };
  const via = s.mode === 'browser' ? 'direct' : s.mode;
  const contexts = [];
  const t = { s, issuer: provider.issuer, app, browser, recorder };
  t.offRecord = async (fn, knobs = {}) => {
    recorder.enabled = false;
    app.configure({ via: 'direct', knobs, spa: s.spa });
    try {
      await fn();
    } finally {
      app.configure({ via, knobs: s.knobs, spa: s.spa });
      recorder.enabled = true;
    }
  };
  // A browser page whose traffic the capture holds when the capture is the proxy's; a dump is
  // the back end's own log, so there the browser goes direct.
  t.proxiedPage = async () => {
    const c = await browser.newContext(s.mode === 'proxy' ? { proxy: { server: proxy.url, bypass: '<-loopback>' } } : {});
    contexts.push(c);
    return c.newPage();
  };
  s.setup?.(t);

  recorder.clear();
  recorder.enabled = true;
  app.configure({ via, knobs: s.knobs, spa: s.spa });
  const logFrom = provider.log.length;
  let answer;
  let text;
  if (s.mode === 'browser') {
    const harTmp = path.join(os.tmpdir(), `oauth-doctor-scenario-${process.pid}-${s.name}.har`);
    let storageState;
    if (s.session) {
      // a provider session from an earlier sign-in in this browser, not in the capture
      const c0 = await browser.newContext();
      await t.offRecord(async () => spaSignIn(t, await c0.newPage()));
      storageState = await c0.storageState();
      await c0.close();
    }
    const context = await browser.newContext({ recordHar: { path: harTmp, content: 'embed', mode: 'full' }, storageState });
    await context.addInitScript((k) => { window.__KNOBS = k; }, s.spaKnobs);
    t.context = context;
    t.page = await context.newPage();
    try {
      answer = await s.run(t);
    } finally {
      await context.close();
    }
    text = fs.readFileSync(harTmp, 'utf8');
    fs.rmSync(harTmp);
  } else {
    try {
      answer = await s.run(t);
    } finally {
      for (const c of contexts) await c.close();
    }
    recorder.enabled = false;
    text = s.mode === 'proxy' ? `${JSON.stringify(recorder.har(), null, 2)}\n` : recorder.dump();
  }
  // the provider's log lines come on its stderr a moment after its answers
  await new Promise((r) => setTimeout(r, 300));
  const log = provider.log.slice(logFrom).map((l) => l.replace(/^\[op\] /, ''));
  const seen = `${answer}\n${log.join('\n')}`;
  if (!s.expect.test(seen)) {
    throw new Error(`${s.name}: the mistake did not show as expected (${s.expect}):\n${seen}`);
  }
  const secrets = secretsOf(exchangesOf(text));
  const detail = log.filter((l) => !/authorization_pending/.test(l));
  let truth = `${s.mistake}; the app saw: ${String(answer).replace(/\s+/g, ' ').slice(0, 160)}`;
  if (detail.length) truth += `; provider log: ${detail.slice(0, 2).join(' | ')}`;
  for (const v of secrets) {
    if (v.length >= 8 && truth.includes(v)) throw new Error(`${s.name}: a secret would land in truth`);
  }
  fs.writeFileSync(path.join(OUT, fileOf(s)), text);
  const line = {
    id: s.name,
    file: fileOf(s),
    accept: s.clean ? [] : s.accept,
    provider: 'node-oidc-provider',
    secrets,
    ...(s.clean ? { clean: true } : {}),
    capture: CAPTURE[s.mode],
    truth,
  };
  return line;
}

const KIND = {
  browser: 'Chromium HAR (Playwright `recordHar`)',
  proxy: 'proxy HAR (mitmproxy layout)',
  dump: 'dump (`oauth-doctor/exchanges/v1` NDJSON)',
};

function readme() {
  const rows = SCENARIOS.map((s) => `| \`${s.name}\` | ${s.mode} | ${s.clean ? 'healthy' : s.accept.map((a) => `\`${a}\``).join(', ')} | ${s.mistake.replace(/\|/g, '\\|')} |`);
  const failing = SCENARIOS.filter((s) => !s.clean).length;
  return `# Recorded scenarios

Captures of one client application against the test provider in \`tests/live\`
(panva/oidc-provider 9.13.3 on loopback), each with exactly one injected mistake, or none.
${failing} failing and ${SCENARIOS.length - failing} healthy captures. This file is written by the recorder.

* \`<name>.har\` or \`<name>.ndjson\`: the capture. Three kinds:
  ${Object.entries(KIND).map(([k, v]) => `\`${k}\` = ${v}`).join('; ')}.
* \`expected.jsonl\`: one line per capture: \`id\`, \`file\`, \`accept\` (the categories of
  docs/json-output.md that name the injected mistake's root cause), \`provider\`, \`secrets\`
  (every secret value the capture holds), \`clean\` (healthy), \`capture\` (its kind) and
  \`truth\` (the mistake, what the application saw and the provider's own log of it).

The label comes from the injection, never from oauth-doctor: a knob of the application
(\`tests/live/scenarios/lib/app.mjs\`, \`lib/spa.js\`) injects the mistake, and the recorder checks
that the provider's answer or its log shows it before it writes the capture. The client
application is a single-page app (code + PKCE, fetch to the token endpoint, a cross-origin API
call), a server-side web app whose back end redeems the code and calls the API, the resource API
(verifies JWT access tokens, introspects opaque ones), back-end jobs (client credentials,
refresh, private_key_jwt) and a device-flow command-line client.

\`tests/scenarios.rs\` runs oauth-doctor on every capture and prints the expected categories
against its top-1 and top-3.

## Re-record

\`\`\`sh
cd tests/live && npm ci                              # once
node tests/live/scenarios/record.mjs                 # every scenario (about 2 minutes)
node tests/live/scenarios/record.mjs NAME...         # some of them
node tests/live/scenarios/record.mjs --list
\`\`\`

Needs Node.js ≥ 20.12 and Chromium (\`/usr/bin/chromium\`, or the path in \`CHROMIUM\`). Every
recording gets new ports, values and times; the labels stay.

## Scenarios

| name | kind | accept | injected mistake |
|---|---|---|---|
${rows.join('\n')}
`;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--readme')) {
    fs.writeFileSync(path.join(OUT, 'README.md'), readme());
    return;
  }
  if (args.includes('--list')) {
    for (const s of SCENARIOS) console.log(`${s.name}\t${s.mode}\t${s.clean ? 'healthy' : s.accept.join(',')}`);
    return;
  }
  const unknown = args.filter((a) => !SCENARIOS.some((s) => s.name === a));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')} (--list shows them)`);
    process.exit(2);
  }
  const selected = args.length ? SCENARIOS.filter((s) => args.includes(s.name)) : SCENARIOS;
  fs.mkdirSync(OUT, { recursive: true });
  const lines = new Map();
  if (fs.existsSync(EXPECTED)) {
    for (const l of fs.readFileSync(EXPECTED, 'utf8').split('\n').filter((x) => x.trim())) {
      const v = JSON.parse(l);
      lines.set(v.id, v);
    }
  }

  const recorder = new Recorder();
  const proxy = await startProxy(recorder);
  const app = new Application({ issuer: undefined, recorder, proxyUrl: proxy.url });
  await app.start();
  const provider = await startProvider(app.origin);
  app.issuer = provider.issuer;
  const browser = await launchBrowser();
  const env = { app, recorder, browser, provider, proxy };
  const failed = [];
  try {
    for (const s of selected) {
      const started = Date.now();
      try {
        const line = await recordOne(s, env);
        lines.set(s.name, line);
        console.error(`recorded ${s.name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${line.truth}`);
      } catch (err) {
        failed.push(s.name);
        console.error(`FAILED ${s.name}: ${err.stack ?? err}`);
      }
    }
  } finally {
    await browser.close();
    await provider.stop();
    await app.stop();
    await proxy.close();
  }
  const order = SCENARIOS.map((s) => s.name);
  const out = [...lines.values()]
    .filter((v) => order.includes(v.id))
    .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  fs.writeFileSync(EXPECTED, out.map((v) => JSON.stringify(v)).join('\n') + '\n');
  fs.writeFileSync(path.join(OUT, 'README.md'), readme());
  if (failed.length) {
    console.error(`${failed.length} scenario(s) failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
