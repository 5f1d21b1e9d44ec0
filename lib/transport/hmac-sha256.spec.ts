import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';

const reference = (key: Buffer, message: string): string =>
  createHmac('sha256', key).update(message).digest('base64url');

describe('HmacSha256', () => {
  const keys = [1, 32, 63, 64, 65, 200].map((n) => randomBytes(n));
  keys.push(Buffer.from('clé secrète — 🔑 of more than thirty-two characters', 'utf8'));
  const messages = [
    '',
    'a',
    randomBytes(32).toString('base64url'),
    'fp\nMozilla/5.0 (X11; Linux x86_64) — ünïcödé 🔑',
    'x'.repeat(192), // 64 + 192: the inner block ends exactly at a SHA-256 block boundary
    'y'.repeat(256), // the longest message of the fast path
    'z'.repeat(257), // the first that goes to createHmac
    'é'.repeat(86), // 172 characters of UTF-16, 258 bytes of UTF-8: over the fast path's limit
    '🔑'.repeat(300),
  ];

  it.each(keys.map((key) => ({ n: key.length, key })))('matches createHmac for a $n-byte key', ({ key }) => {
    const hmac = new HmacSha256(key);
    for (const message of messages) expect(hmac.mac(message)).toBe(reference(key, message));
  });

  it('gives the same MAC whatever was computed before (the buffers are reused)', () => {
    const key = randomBytes(48);
    const hmac = new HmacSha256(key);
    const long = randomBytes(150).toString('hex');
    const short = 'abc';
    const first = hmac.mac(short);
    hmac.mac(long);
    expect(hmac.mac(short)).toBe(first);
    expect(first).toBe(reference(key, short));
    for (let i = 0; i < 200; i++) {
      const message = randomBytes(i % 120).toString('base64url');
      expect(hmac.mac(message)).toBe(reference(key, message));
    }
  });

  it('keeps no byte of the message in its buffers after a MAC', () => {
    const hmac = new HmacSha256(randomBytes(40));
    const secretId = randomBytes(32).toString('base64url');
    hmac.mac(secretId);
    const held = Object.values(hmac as unknown as Record<string, unknown>).filter(Buffer.isBuffer);
    expect(held.length).toBeGreaterThan(0);
    for (const buffer of held) {
      expect(buffer.includes(Buffer.from(secretId.slice(0, 12)))).toBe(false);
      expect(buffer.subarray(64).every((byte) => byte === 0)).toBe(true);
    }
  });
});
