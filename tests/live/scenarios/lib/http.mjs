// The HTTP client of the application's back end and of the scripted user agents.
//
// `via` decides what sees the traffic:
//   'proxy'  - sent to the recording proxy as an absolute-form request (recorded there);
//   'dump'   - sent directly and pushed to the recorder by the client itself, as an
//              application that logs its own exchanges does;
//   'direct' - sent directly, recorded nowhere (steps outside the capture, e.g. the user
//              approving a device on their phone).

import * as http from 'node:http';
import { forward } from './proxy.mjs';

export class HttpClient {
  constructor({ via, proxyUrl, recorder, userAgent }) {
    this.via = via;
    this.proxyUrl = proxyUrl;
    this.recorder = recorder;
    this.userAgent = userAgent;
  }

  // headers: [[name, value], …] in the order they are sent; body: string or undefined.
  async request(method, url, { headers = [], body } = {}) {
    const target = new URL(url);
    const raw = ['Host', target.host];
    if (!headers.some(([n]) => n.toLowerCase() === 'user-agent')) raw.push('User-Agent', this.userAgent);
    for (const [n, v] of headers) raw.push(n, v);
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    if (payload !== undefined) raw.push('Content-Length', String(payload.length));
    raw.push('Connection', 'close');

    if (this.via === 'proxy') return viaProxy(this.proxyUrl, method, url, raw, payload);
    const flow = await forward({ method, url, rawHeaders: raw, body: payload });
    if (this.via === 'dump') this.recorder.push(flow);
    if (!flow.response) throw new Error(`${method} ${url}: ${flow.error}`);
    return answer(flow.response.status, flow.response.headers.map((h) => [h.name, h.value]), flow.response.body);
  }
}

function answer(status, headerPairs, body) {
  const text = body.toString('utf8');
  const headers = {};
  for (const [n, v] of headerPairs) {
    const k = n.toLowerCase();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return {
    status,
    headers,
    text,
    json() {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    },
  };
}

function viaProxy(proxyUrl, method, url, raw, payload) {
  const p = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: p.hostname,
      port: p.port,
      method,
      path: url,
      headers: raw,
      setHost: false,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve(answer(res.statusCode, pairs, Buffer.concat(chunks)));
      });
    });
    req.end(payload);
  });
}

export function form(params) {
  return new URLSearchParams(params).toString();
}

export function basic(id, secret) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

// RFC 6749 §2.3.1: client_id and secret are form-urlencoded before they are joined.
export function basicEncoded(id, secret) {
  const enc = (v) => encodeURIComponent(v).replace(/%20/g, '+');
  return basic(enc(id), enc(secret));
}
