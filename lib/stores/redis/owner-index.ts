import { createHash } from 'node:crypto';
import { parseStored } from '../record-codec.js';
import type { RedisClientLike } from './redis-client.js';
import { INDEX_ADD, MARK_INDEXED, runScript } from './redis-scripts.js';

/** How many owner index keys are remembered (a few hundred KB at most). */
const KEPT = 1_000;

/** Owner index keys, `<prefix>owner:{<sha256 of owner>}`; the last few are remembered (every owned write needs one). */
export class OwnerKeys {
  private readonly known = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  of(owner: string): string {
    let key = this.known.get(owner);
    if (key === undefined) {
      if (this.known.size >= KEPT) this.known.clear();
      key = `${this.prefix}owner:{${createHash('sha256').update(owner).digest('base64url')}}`;
      this.known.set(owner, key);
    }
    return key;
  }
}

/** The owner a script answered (JSON, '' for none). */
export function ownerOf(json: string): string | undefined {
  if (!json) return undefined;
  const owner = parseStored(json);
  return typeof owner === 'string' ? owner : undefined;
}

/**
 * Keep the owner index in step where the script could not: drop the id from
 * a previous owner's index, and when the script says so ("due": a Cluster, or
 * a touch that found another owner), add it to the owner's, extend that
 * index's life to twice this TTL, and mark the session (so the next writes
 * need not).
 */
export async function syncOwnerIndex(
  client: RedisClientLike,
  keys: OwnerKeys,
  sessionKey: string,
  id: string,
  write: { previous: string; owner: string | undefined; due: number; ttlMs: number },
): Promise<void> {
  const { owner, due, ttlMs } = write;
  const previous = ownerOf(write.previous);
  if (previous !== undefined && previous !== owner) await client.call('zrem', keys.of(previous), id);
  if (owner === undefined || due !== 1) return;
  const now = Date.now();
  const life = ttlMs === 0 ? 0 : 2 * ttlMs;
  await runScript(client, INDEX_ADD, [keys.of(owner)], [life, now, id]);
  const ix = life === 0 ? 'inf' : String(now + life);
  await runScript(client, MARK_INDEXED, [sessionKey], [ix, JSON.stringify(owner)]);
}
