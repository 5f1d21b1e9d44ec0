import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { SessionRecord } from '../../lib/index.js';

/**
 * The two RedisStore layouts, as tests see them in Redis: a writer of the
 * v1 layout exactly as nest-sessions 0.1 stored a session (one hash), and a
 * reader of the v2 text (one string) that gives back its data fields.
 */

/** What 0.1 wrote for `store.set(id, record, ttlMs)`: the hash, its PEXPIRE, and the owner index entry. */
export async function writeV1Session(
  client: Redis,
  prefix: string,
  id: string,
  record: SessionRecord,
  ttlMs: number,
): Promise<void> {
  const { owner, ...meta } = record.meta;
  const key = `${prefix}{${id}}`;
  const fields: (string | number)[] = ['v', 1, 'm', JSON.stringify(meta)];
  if (owner !== undefined) fields.push('o', owner, 'ix', Date.now() + 2 * ttlMs);
  for (const [name, value] of Object.entries(record.data)) fields.push(`d:${name}`, JSON.stringify(value));
  await client.del(key);
  await client.hset(key, ...fields);
  await client.pexpire(key, ttlMs);
  if (owner !== undefined) {
    const indexKey = `${prefix}owner:{${createHash('sha256').update(owner).digest('base64url')}}`;
    await client.zadd(indexKey, Date.now(), id);
    await client.pexpire(indexKey, 2 * ttlMs);
  }
}

/** The parts of a v2 session text: owner (JSON), ix, meta, and each data key's stored text. */
export function v2Parts(text: string): { owner: string; ix: string; meta: string; data: Record<string, string> } {
  const [head, ...entries] = text.split('\x1f');
  const [version, owner, ix, meta] = head!.split('\x1e');
  if (version !== '2') throw new Error(`not a v2 session text: ${JSON.stringify(text.slice(0, 20))}`);
  const data: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('\x1e');
    data[JSON.parse(entry.slice(0, at)) as string] = entry.slice(at + 1);
  }
  return { owner: owner!, ix: ix!, meta: meta!, data };
}

/** Each data key's stored text (its JSON, by default) of the session under `key`; {} when there is none. */
export async function storedFields(client: Redis, key: string): Promise<Record<string, string>> {
  const text = await client.get(key);
  return text === null ? {} : v2Parts(text).data;
}
