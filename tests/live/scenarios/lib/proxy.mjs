// A recording HTTP forward proxy on loopback, and the two file formats it writes.
//
// Clients send absolute-form requests (`GET http://host:port/path HTTP/1.1`) to the proxy, as
// they do to mitmproxy in regular mode; the proxy forwards each one, returns the answer
// unchanged and records the exchange. `har()` lays the recording out as mitmproxy's `hardump`
// does (HAR 1.2: entries in the order their responses completed, ISO dates with microseconds
// and `+00:00`, `timings` with connect/ssl/send/wait/receive, `postData` with mimeType, text and
// params, response `content` with size, compression, mimeType and text, `serverIPAddress`).
// `dump()` writes the same exchanges as `oauth-doctor/exchanges/v1` objects, one per line.

import * as http from 'node:http';
import * as zlib from 'node:zlib';

const REASONS = http.STATUS_CODES;

function isoMicros(epochMs) {
  // Python's datetime.isoformat() of a UTC timestamp: 2026-11-29T02:54:02.534722+00:00
  const whole = Math.floor(epochMs);
  const micros = Math.round((epochMs - whole) * 1000);
  const base = new Date(whole).toISOString().slice(0, 23);
  return `${base}${String(micros).padStart(3, '0')}+00:00`;
}

function pairs(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i], value: raw[i + 1] });
  return out;
}

function header(list, name) {
  const h = list.find((x) => x.name.toLowerCase() === name);
  return h ? h.value : undefined;
}

function headersText(list) {
  return list.map((h) => `${h.name}: ${h.value}\r\n`).join('');
}

function requestCookies(list) {
  const out = [];
  for (const h of list.filter((x) => x.name.toLowerCase() === 'cookie')) {
    for (const part of h.value.split(';')) {
      const i = part.indexOf('=');
      if (i > 0) out.push({ name: part.slice(0, i).trim(), value: part.slice(i + 1).trim() });
    }
  }
  return out;
}

function responseCookies(list) {
  const out = [];
  for (const h of list.filter((x) => x.name.toLowerCase() === 'set-cookie')) {
    const [first, ...attrs] = h.value.split(';').map((s) => s.trim());
    const i = first.indexOf('=');
    if (i <= 0) continue;
    const attr = (n) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.split('=')[1];
    const flag = (n) => attrs.some((a) => a.toLowerCase() === n);
    const cookie = {
      name: first.slice(0, i),
      value: first.slice(i + 1),
      path: attr('path') ?? '/',
      domain: attr('domain') ?? '',
      httpOnly: flag('httponly'),
      secure: flag('secure'),
    };
    const sameSite = attr('samesite');
    if (sameSite) cookie.sameSite = sameSite;
    out.push(cookie);
  }
  return out;
}

function decodeBody(buf, encoding) {
  try {
    switch ((encoding ?? '').toLowerCase()) {
      case 'gzip': return zlib.gunzipSync(buf);
      case 'deflate': return zlib.inflateSync(buf);
      case 'br': return zlib.brotliDecompressSync(buf);
      default: return buf;
    }
  } catch {
    return buf;
  }
}

function mostlyBinary(buf) {
  if (buf.length === 0) return false;
  const sample = buf.subarray(0, 100);
  let bad = 0;
  for (const b of sample) if (b < 9 || (b > 13 && b < 32)) bad += 1;
  return bad / sample.length > 0.3;
}

export class Recorder {
  constructor() {
    this.flows = [];
  }

  clear() {
    this.flows = [];
  }

  // Records one exchange made by `forward` (used by the proxy and by the dump transport).
  push(flow) {
    this.flows.push(flow);
  }

  har() {
    const entries = this.flows.map((f) => this.entry(f));
    return {
      log: {
        version: '1.2',
        creator: {
          name: 'oauth-doctor scenario recorder',
          version: '1',
          comment: 'recording forward proxy, entries laid out as mitmproxy hardump writes them',
        },
        pages: [],
        entries,
      },
    };
  }

  entry(f) {
    const url = new URL(f.url);
    const send = f.requestEnd - f.requestStart;
    const wait = f.response ? f.responseStart - f.requestEnd : 0;
    const receive = f.response ? f.responseEnd - f.responseStart : 0;
    const timings = {
      connect: f.connect ?? -1,
      ssl: -1,
      send,
      receive,
      wait,
    };
    const request = {
      method: f.method,
      url: f.url,
      httpVersion: 'HTTP/1.1',
      cookies: requestCookies(f.requestHeaders),
      headers: f.requestHeaders,
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      headersSize: headersText(f.requestHeaders).length,
      bodySize: f.requestBody.length,
    };
    if (['POST', 'PUT', 'PATCH'].includes(f.method)) {
      const mimeType = header(f.requestHeaders, 'content-type') ?? '';
      const text = f.requestBody.toString('utf8');
      request.postData = {
        mimeType,
        text,
        params: mimeType.startsWith('application/x-www-form-urlencoded')
          ? [...new URLSearchParams(text)].map(([name, value]) => ({ name, value }))
          : [],
      };
    }
    let response;
    if (f.response) {
      const r = f.response;
      const decoded = decodeBody(r.body, header(r.headers, 'content-encoding'));
      const content = {
        size: r.body.length,
        compression: decoded.length - r.body.length,
        mimeType: header(r.headers, 'content-type') ?? '',
      };
      if (mostlyBinary(decoded)) {
        content.text = decoded.toString('base64');
        content.encoding = 'base64';
      } else {
        content.text = decoded.toString('utf8');
      }
      response = {
        status: r.status,
        statusText: r.statusText,
        httpVersion: 'HTTP/1.1',
        cookies: responseCookies(r.headers),
        headers: r.headers,
        content,
        redirectURL: header(r.headers, 'location') ?? '',
        headersSize: headersText(r.headers).length,
        bodySize: r.body.length,
      };
    } else {
      response = {
        status: 0,
        statusText: '',
        httpVersion: '',
        headers: [],
        cookies: [],
        content: {},
        redirectURL: '',
        headersSize: -1,
        bodySize: -1,
        _transferSize: 0,
        _error: f.error ?? null,
      };
    }
    const entry = {
      startedDateTime: isoMicros(f.requestStart),
      time: Object.values(timings).filter((v) => v >= 0).reduce((a, b) => a + b, 0),
      request,
      response,
      cache: {},
      timings,
    };
    if (f.response) entry.serverIPAddress = '127.0.0.1';
    return entry;
  }

  // oauth-doctor/exchanges/v1 objects, one per line (docs/guide.md, "the dump format").
  dump() {
    return this.flows.map((f) => {
      const record = {
        started_at: new Date(f.requestStart).toISOString(),
        request: {
          method: f.method,
          url: f.url,
          headers: f.requestHeaders.map((h) => [h.name, h.value]),
          body: f.requestBody.toString('utf8'),
        },
      };
      if (f.response) {
        record.response = {
          status: f.response.status,
          headers: f.response.headers.map((h) => [h.name, h.value]),
          body: decodeBody(f.response.body, header(f.response.headers, 'content-encoding')).toString('utf8'),
        };
      }
      return JSON.stringify(record);
    }).join('\n') + '\n';
  }
}

// Sends one request directly and resolves with the flow (also the proxy's upstream leg).
// `rawHeaders` is a flat [name, value, …] list sent as is.
export function forward({ method, url, rawHeaders, body }) {
  const target = new URL(url);
  const flow = {
    method,
    url,
    requestHeaders: pairs(rawHeaders),
    requestBody: body ?? Buffer.alloc(0),
    requestStart: performance.timeOrigin + performance.now(),
  };
  return new Promise((resolve) => {
    const req = http.request({
      host: target.hostname,
      port: target.port || 80,
      method,
      path: `${target.pathname}${target.search}`,
      headers: rawHeaders,
      setHost: false,
      agent: false,
    });
    req.on('error', (err) => {
      flow.error = err.message;
      flow.requestEnd = flow.requestEnd ?? performance.timeOrigin + performance.now();
      resolve(flow);
    });
    req.on('response', (res) => {
      flow.responseStart = performance.timeOrigin + performance.now();
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        flow.responseEnd = performance.timeOrigin + performance.now();
        flow.response = {
          status: res.statusCode,
          statusText: res.statusMessage || REASONS[res.statusCode] || '',
          headers: pairs(res.rawHeaders),
          body: Buffer.concat(chunks),
        };
        resolve(flow);
      });
    });
    req.end(flow.requestBody, () => {
      flow.requestEnd = performance.timeOrigin + performance.now();
    });
  });
}

// The forward proxy. Every exchange that passes through it is pushed to `recorder` when its
// response has completed (or failed), like mitmproxy's hardump.
export function startProxy(recorder) {
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (name === 'proxy-connection' || name === 'proxy-authorization') continue;
      raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const flow = await forward({ method: req.method, url: req.url, rawHeaders: raw, body: Buffer.concat(chunks) });
    if (recorder.enabled !== false) recorder.push(flow);
    if (!flow.response) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${flow.error}`);
      return;
    }
    const out = [];
    for (const h of flow.response.headers) {
      const n = h.name.toLowerCase();
      if (n === 'connection' || n === 'keep-alive' || n === 'transfer-encoding') continue;
      out.push(h.name, h.value);
    }
    if (!flow.response.headers.some((h) => h.name.toLowerCase() === 'content-length')) {
      out.push('Content-Length', String(flow.response.body.length));
    }
    res.writeHead(flow.response.status, flow.response.statusText, out);
    res.end(flow.response.body);
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      server,
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}
