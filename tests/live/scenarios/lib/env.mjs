// The recorder's environment: the provider (tests/live/server.mjs) as a child process, and
// headless Chromium driven by Playwright, with helpers for the provider's interaction pages.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const LIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(LIVE, 'package.json'));
const { chromium } = require('playwright-core');

// Starts server.mjs with APP_ORIGIN set, resolves with { issuer, stop, log }.
export function startProvider(appOrigin) {
  const child = spawn(process.execPath, [path.join(LIVE, 'server.mjs')], {
    env: { ...process.env, PORT: '0', APP_ORIGIN: appOrigin },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const log = [];
  child.stderr.on('data', (d) => log.push(...d.toString().split('\n').filter((l) => l.startsWith('[op]'))));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('provider did not start in 20 s')), 20000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /^READY (\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          issuer: m[1],
          log,
          stop: () => new Promise((r) => { child.once('exit', r); child.stdin.end(); }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`provider exited with ${code}`)));
  });
}

// The flags this machine's Chromium needs (no network but loopback and the registries).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

// Waits until the app page says it is done (body[data-done] set and not empty).
export async function settled(page, timeout = 15000) {
  await page.waitForFunction(() => document.body && document.body.dataset.done, null, { timeout });
  return page.evaluate(() => document.body.dataset.done);
}

// The provider's devInteractions login page: fills login and password and submits.
export async function login(page, user = 'alice', password = 'alice-password-2026') {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', user);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
}

// The consent page: continues, or cancels with its "[ Cancel ]" link.
export async function consent(page, { deny = false } = {}) {
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  if (deny) {
    await Promise.all([page.waitForNavigation(), page.click('text=[ Cancel ]')]);
  } else {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}

// Approves a device on "the user's phone": a separate browser context nobody records.
export async function approveDevice(browser, verificationUriComplete, { deny = false } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(verificationUriComplete);
  await page.waitForSelector('#op\\.deviceConfirmForm', { state: 'attached' });
  if (deny) {
    await page.evaluate(() => {
      const f = document.getElementById('op.deviceConfirmForm');
      const i = document.createElement('input');
      i.type = 'hidden'; i.name = 'abort'; i.value = 'yes';
      f.appendChild(i);
    });
  }
  await Promise.all([page.waitForNavigation(), page.evaluate(() => document.getElementById('op.deviceConfirmForm').submit())]);
  if (!deny) {
    await login(page);
    await consent(page);
  }
  await ctx.close();
}
