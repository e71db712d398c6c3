// Small protocol helpers for the recorder: random values, PKCE, JWT client assertions.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

export function random(bytes = 32) {
  return b64url(crypto.randomBytes(bytes));
}

export function s256(verifier) {
  return b64url(crypto.createHash('sha256').update(verifier).digest());
}

function jwt(header, payload, sign) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign(Buffer.from(input)))}`;
}

const PKJWT_KEY = crypto.createPrivateKey(fs.readFileSync(path.join(LIVE, 'keys', 'pkjwt-client.pem')));

// A private_key_jwt client assertion of `pkjwt-client` (RFC 7523 §3), minted at `now` (ms):
// iat = now, exp = now + lifetime, jti random; `extra` overrides claims.
export function pkjwtAssertion({ aud, now = Date.now(), lifetime = 60, extra = {} }) {
  const iat = Math.floor(now / 1000);
  const payload = {
    iss: 'pkjwt-client',
    sub: 'pkjwt-client',
    aud,
    jti: random(16),
    iat,
    exp: iat + lifetime,
    ...extra,
  };
  return jwt({ alg: 'RS256', typ: 'JWT', kid: 'pkjwt-client-1' }, payload,
    (input) => crypto.sign('sha256', input, PKJWT_KEY));
}

// A client_secret_jwt assertion (HS256 with the client secret as the key).
export function secretJwtAssertion({ clientId, secret, aud, now = Date.now(), lifetime = 60 }) {
  const iat = Math.floor(now / 1000);
  const payload = { iss: clientId, sub: clientId, aud, jti: random(16), iat, exp: iat + lifetime };
  return jwt({ alg: 'HS256', typ: 'JWT' }, payload,
    (input) => crypto.createHmac('sha256', secret).update(input).digest());
}

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

export function verifyRs256(token, jwks) {
  const [h, p, s] = token.split('.');
  const { kid, alg } = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  if (alg !== 'RS256') return false;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
