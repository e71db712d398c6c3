// Opens oauth-doctor's HTML reports in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core over its DevTools pipe) and runs Markdown reports' Mermaid blocks
// through the real Mermaid parser and renderer in the same browser. It reports what it saw as
// JSON on stdout; the Rust test (tests/browser.rs) decides what must hold.
//
//   node check.mjs manifest.json
//
// manifest: { "html": [{ "name", "path", "screenshot"?: "out.png", "viewport"?: {width, height} }],
//             "mermaid": [{ "name", "text" }] }

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const executablePath = process.env.OAUTH_DOCTOR_CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // A closed network: no background traffic of the browser's own (rust.md's probe flags).
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});

// Contrast of every visible text element against its background (WCAG 2.1 relative luminance).
function contrastFailures() {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const background = (el) => {
    // SVG text in a step: its band is painted behind it.
    if (el instanceof SVGElement) {
      const step = el.closest('.step');
      const band = step && step.querySelector('rect.band');
      if (band) {
        const c = parse(getComputedStyle(band).fill);
        if (c && c[3] > 0.5) return c;
      }
      const gap = el.closest('.gap');
      const r = gap && gap.querySelector('rect');
      if (r) {
        const c = parse(getComputedStyle(r).fill);
        if (c && c[3] > 0.5) return c;
      }
      const lane = el.closest('.lane');
      const box = lane && lane.querySelector('rect');
      if (box && el.tagName === 'text') {
        const c = parse(getComputedStyle(box).fill);
        if (c && c[3] > 0.5) return c;
      }
    }
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0.5) return c;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor) || [255, 255, 255, 1];
  };
  const out = [];
  const all = document.querySelectorAll('body *');
  for (const el of all) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    if (el.closest('title, style, script')) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const cs = getComputedStyle(el);
    const fg = parse(el instanceof SVGElement ? cs.fill : cs.color);
    if (!fg) continue;
    const bg = background(el);
    const size = parseFloat(cs.fontSize);
    const bold = parseInt(cs.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const need = large ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < need) {
      out.push({ text: el.textContent.trim().slice(0, 60), tag: el.tagName, ratio: Math.round(r * 100) / 100, need, fg: cs.color, bg: bg.join(',') });
    }
  }
  return out;
}

// Standard deviation of the luminance of a PNG, measured by drawing it on a canvas.
async function pixelSpread(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0, sum = 0, sq = 0;
    for (let i = 0; i < d.length; i += 16) {
      const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
      n++; sum += y; sq += y * y;
    }
    const mean = sum / n;
    return { width: c.width, height: c.height, stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
  }, png.toString('base64'));
}

async function checkHtml(item) {
  const url = pathToFileURL(path.resolve(item.path)).href;
  const context = await browser.newContext({ viewport: item.viewport || { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  const consoleErrors = [];
  const requests = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(`${r.method()} ${r.url()}`);
  });
  // Anything but the report itself is refused, and recorded above.
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  if (item.screenshot) {
    // The top of the page as a reader first sees it.
    writeFileSync(item.screenshot, await page.screenshot({ fullPage: false }));
  }
  const dom = await page.evaluate(() => {
    const top = document.querySelector('#top-cause');
    return {
      title: document.title,
      failing: [...document.querySelectorAll('svg .step.failing')].map((a) => a.getAttribute('data-exchanges')),
      steps: document.querySelectorAll('svg .step').length,
      gaps: document.querySelectorAll('svg .gap').length,
      topRule: top ? top.getAttribute('data-rule') : null,
      topText: top ? top.textContent : '',
      ticket: (document.querySelector('#ticket-text') || {}).textContent || '',
      evidenceLinks: [...document.querySelectorAll('#top-cause ul.evidence a')].map((a) => a.getAttribute('href')),
      brokenLinks: [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href')).filter((h) => h.length > 1 && !document.getElementById(decodeURIComponent(h.slice(1)))),
      duplicateIds: (() => {
        const seen = new Set(), dup = new Set();
        for (const e of document.querySelectorAll('[id]')) { if (seen.has(e.id)) dup.add(e.id); seen.add(e.id); }
        return [...dup];
      })(),
    };
  });
  const light = await page.evaluate(contrastFailures);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(contrastFailures);
  await page.emulateMedia({ colorScheme: 'light' });

  // Keyboard: Tab from the top reaches the failing arrow; Enter follows it and opens its card.
  let keyboard = null;
  if (dom.failing.length > 0) {
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    let reached = false;
    let first = null;
    for (let i = 0; i < 400 && !reached; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const a = document.activeElement;
        return a ? { cls: a.getAttribute('class') || '', text: (a.textContent || '').trim().slice(0, 40) } : null;
      });
      if (i === 0) first = info;
      reached = !!info && info.cls.split(' ').includes('failing');
    }
    let opened = false;
    let hash = '';
    if (reached) {
      await page.keyboard.press('Enter');
      await page.waitForTimeout(50);
      ({ hash, opened } = await page.evaluate(() => {
        const id = decodeURIComponent(location.hash.slice(1));
        const el = id && document.getElementById(id);
        return { hash: location.hash, opened: !!(el && el.tagName === 'DETAILS' && el.open) };
      }));
    }
    keyboard = { firstTab: first, reached, hash, opened };
  }

  // Print: the buttons go, and every folded section opens.
  await page.emulateMedia({ media: 'print' });
  const print = await page.evaluate(() => {
    window.dispatchEvent(new Event('beforeprint'));
    const actions = document.querySelector('.actions');
    return {
      actionsHidden: !actions || getComputedStyle(actions).display === 'none',
      closedDetails: document.querySelectorAll('details:not([open])').length,
    };
  });
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });

  const png = await page.screenshot({ fullPage: true });
  const spread = await pixelSpread(page, png);
  await context.close();
  return { name: item.name, consoleErrors, requests, dom, contrast: { light, dark }, keyboard, print, screenshot: spread };
}

async function checkMermaid(items) {
  if (items.length === 0) return [];
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent('<!DOCTYPE html><html><body><div id="out"></div></body></html>');
  await page.addScriptTag({ path: path.join(here, 'node_modules/mermaid/dist/mermaid.min.js') });
  const results = await page.evaluate(async (items) => {
    // eslint-disable-next-line no-undef
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const out = [];
    let n = 0;
    for (const it of items) {
      const r = { name: it.name, parsed: false, rendered: false, error: null, svgText: '' };
      try {
        // eslint-disable-next-line no-undef
        const p = await mermaid.parse(it.text);
        r.parsed = !!p;
        // eslint-disable-next-line no-undef
        const { svg } = await mermaid.render('m' + n++, it.text);
        const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
        doc.querySelectorAll("style").forEach((s) => s.remove()); r.svgText = doc.documentElement.textContent;
        r.rendered = svg.includes('<svg');
      } catch (e) {
        r.error = String(e && e.message ? e.message : e);
      }
      out.push(r);
    }
    return out;
  }, items);
  await context.close();
  return results.map((r) => ({ ...r, pageErrors: errors }));
}

const html = [];
for (const item of manifest.html || []) {
  html.push(await checkHtml(item));
}
const mermaid = await checkMermaid(manifest.mermaid || []);
await browser.close();
process.stdout.write(JSON.stringify({ html, mermaid }) + '\n');
