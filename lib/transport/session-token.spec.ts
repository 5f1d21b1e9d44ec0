import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { publicIdOf, randomSecretId, SECRET_ID_FORMAT, TokenSigner } from './session-token.js';

const A = 'first-secret-of-at-least-thirty-two-chars';
const B = 'second-secret-of-at-least-thirty-two-chars';

describe('TokenSigner', () => {
  it('verifies what it signed and returns the public id', () => {
    const signer = new TokenSigner([A]);
    const secretId = randomSecretId();
    const verified = signer.verify(signer.sign(secretId));
    expect(verified).toEqual({ secretId, id: publicIdOf(secretId), resign: false });
  });

  it('#9 accepts an older secret with resign set, and refuses a removed one', () => {
    const secretId = randomSecretId();
    const oldToken = new TokenSigner([B]).sign(secretId);
    expect(new TokenSigner([A, B]).verify(oldToken)?.resign).toBe(true);
    expect(new TokenSigner([A]).verify(oldToken)).toBeNull();
  });

  it('rejects every one-character change of the MAC (no spare-bit malleability)', () => {
    const signer = new TokenSigner([A]);
    const token = signer.sign(randomSecretId());
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.length - 1;
    for (const c of alphabet) {
      if (c === token[last]) continue;
      expect(signer.verify(token.slice(0, last) + c)).toBeNull();
    }
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['a lone dot', '.'],
    ['no signature', randomSecretId()],
    ['wrong MAC length', `${randomSecretId()}.abc`],
    ['pattern characters', `${'*'.repeat(43)}.${'A'.repeat(43)}`],
    ['CRLF', `${'A'.repeat(41)}\r\n.${'A'.repeat(43)}`],
    ['10 KB', 'A'.repeat(10_000)],
  ])('rejects a malformed token (%s) without throwing', (_label, token) => {
    expect(new TokenSigner([A]).verify(token)).toBeNull();
  });

  it('#8 compares MACs with timingSafeEqual after a length check, never with ===', () => {
    const source = readFileSync(new URL('./session-token.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/presented\.length === expected\.length && timingSafeEqual\(presented, expected\)/);
    expect(source).not.toMatch(/mac\w*\s*===\s*\w*mac/i);
  });
});

describe('session ids', () => {
  it('#1 are unique (100 000), 43 base64url characters, 32 random bytes', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) ids.add(randomSecretId());
    expect(ids.size).toBe(100_000);
    for (const id of [...ids].slice(0, 1000)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(SECRET_ID_FORMAT.test(id)).toBe(true);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    }
  });

  it('have a public id that is a SHA-256 and differs from the secret id', () => {
    const secretId = randomSecretId();
    expect(publicIdOf(secretId)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publicIdOf(secretId)).not.toBe(secretId);
    expect(publicIdOf(secretId)).toBe(publicIdOf(secretId));
  });
});
