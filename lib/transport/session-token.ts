import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';

/** What `genid` may produce: 22 to 128 base64url characters (≥ 128 bits at 22). */
export const SECRET_ID_FORMAT = /^[A-Za-z0-9_-]{22,128}$/;
/** A base64url HMAC-SHA256 is always 43 characters. */
const MAC_LENGTH = 43;
const MAX_TOKEN_LENGTH = 128 + 1 + MAC_LENGTH;
/** Tokens whose verification (successful ones only) or signature is remembered, per signer. */
const VERIFIED_CACHE_SIZE = 10_000;

/** Secret ids drawn from one call to the CSPRNG (as Node's `randomUUID` caches its entropy). */
const IDS_PER_DRAW = 128;
const ID_BYTES = 32;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * 32 random bytes from the OS CSPRNG, base64url (43 characters). A call to
 * the CSPRNG costs more than the rest of an id, so 128 ids' worth is drawn
 * at once and each id takes its own 32 bytes of it, never handed out twice.
 */
export function randomSecretId(): string {
  if (poolOffset === pool.length) {
    pool = randomBytes(IDS_PER_DRAW * ID_BYTES);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  pool.fill(0, poolOffset, poolOffset + ID_BYTES); // nothing of a handed-out id stays in memory here
  poolOffset += ID_BYTES;
  return id;
}

/**
 * The public session id: SHA-256 of the secret id. Stores are keyed by it and
 * `session.id` shows it; it cannot be turned back into a usable token.
 */
export function publicIdOf(secretId: string): string {
  // The one-shot hash: no Hash object for a 43-character input.
  return hash('sha256', secretId, 'base64url');
}

/** A token that passed verification. `resign` is set when an older secret matched. */
export interface VerifiedToken {
  secretId: string;
  id: string;
  resign: boolean;
}

/**
 * Signs and verifies session tokens `<secretId>.<mac>`. The first secret
 * signs; every secret verifies, so secrets can be rotated without logging
 * anybody out, and a token verified by an older one is re-signed.
 */
export class TokenSigner {
  private readonly keys: HmacSha256[];
  /**
   * Full token text → its verification, for tokens that verified. A token is
   * presented on every request of its session, and the HMAC and SHA-256 it
   * needs cost more than the rest of a read. Keyed by the whole token, so a
   * token differing in any character (a forged MAC included) never hits;
   * failures are never cached. Bounded: the oldest entry goes first.
   */
  private readonly verified = new Map<string, VerifiedToken>();
  /** Secret id → its token under the first secret: the cookie re-sent on every write or touch. */
  private readonly signed = new Map<string, string>();

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((s) => new HmacSha256(Buffer.from(s, 'utf8')));
  }

  sign(secretId: string): string {
    const cached = this.signed.get(secretId);
    if (cached !== undefined) return cached;
    const token = `${secretId}.${this.keys[0]!.mac(secretId)}`;
    remember(this.signed, secretId, token);
    return token;
  }

  /**
   * The verified token, or null for anything malformed, unsigned or forged.
   * The format and length checks run before any HMAC; the MAC comparison is
   * constant-time and only ever sees buffers of equal length.
   */
  verify(token: string | undefined | null): VerifiedToken | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const cached = this.verified.get(token);
    if (cached) return cached;
    const result = this.check(token);
    if (result) {
      remember(this.verified, token, result);
      if (!result.resign) remember(this.signed, result.secretId, token);
    }
    return result;
  }

  private check(token: string): VerifiedToken | null {
    const dot = token.lastIndexOf('.');
    if (dot < 0 || token.length - dot - 1 !== MAC_LENGTH) return null;
    const secretId = token.slice(0, dot);
    const macText = token.slice(dot + 1);
    if (!SECRET_ID_FORMAT.test(secretId) || !/^[A-Za-z0-9_-]{43}$/.test(macText)) return null;
    // Compare the text, not decoded bytes: base64url's last character has
    // spare bits, so decoding would accept more than one spelling of a MAC.
    const presented = Buffer.from(macText, 'latin1');
    for (let i = 0; i < this.keys.length; i++) {
      const expected = Buffer.from(this.keys[i]!.mac(secretId), 'latin1');
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) {
        return Object.freeze({ secretId, id: publicIdOf(secretId), resign: i > 0 });
      }
    }
    return null;
  }

  /** A keyed hash (first secret) for values the store should not hold in clear. */
  keyedHash(value: string, secretIndex = 0): string {
    return this.keys[secretIndex]!.mac(`fp\n${value}`);
  }

  get secretCount(): number {
    return this.keys.length;
  }
}

/** Add to a bounded cache, dropping the oldest entry when full. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= VERIFIED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}
