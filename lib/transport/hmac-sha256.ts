import { createHmac, hash } from 'node:crypto';

/** SHA-256's block size, bytes: a longer key is hashed first (RFC 2104). */
const BLOCK = 64;
/** Messages up to this many bytes take the fast path; longer ones go to `createHmac`. */
const MAX_FAST_MESSAGE = 256;

/**
 * HMAC-SHA256 under one key, as RFC 2104 defines it: H((K ⊕ opad) ‖ H((K ⊕
 * ipad) ‖ m)), with the two padded keys computed once. Each MAC is two
 * one-shot `crypto.hash` calls over preallocated buffers: `createHmac` builds
 * a KeyObject, an Hmac object and its stream state for every token signed
 * or verified, which cost a login more than the hashing itself. The
 * message bytes are wiped from the buffer after each MAC, as the session
 * token's CSPRNG pool wipes each handed-out id.
 */
export class HmacSha256 {
  private readonly inner: Buffer;
  private readonly outer: Buffer;

  constructor(private readonly key: Buffer) {
    const k = key.length > BLOCK ? hash('sha256', key, 'buffer') : key;
    this.inner = Buffer.alloc(BLOCK + MAX_FAST_MESSAGE);
    this.outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      this.inner[i] = 0x36 ^ (k[i] ?? 0);
      this.outer[i] = 0x5c ^ (k[i] ?? 0);
    }
  }

  /** The MAC of `message` (UTF-8), in base64url (43 characters). */
  mac(message: string): string {
    if (message.length * 3 > MAX_FAST_MESSAGE && Buffer.byteLength(message) > MAX_FAST_MESSAGE) {
      return createHmac('sha256', this.key).update(message).digest('base64url');
    }
    const length = this.inner.write(message, BLOCK, 'utf8');
    const innerHash = hash('sha256', this.inner.subarray(0, BLOCK + length), 'buffer');
    this.inner.fill(0, BLOCK, BLOCK + length);
    innerHash.copy(this.outer, BLOCK);
    const mac = hash('sha256', this.outer, 'base64url');
    this.outer.fill(0, BLOCK);
    return mac;
  }
}
