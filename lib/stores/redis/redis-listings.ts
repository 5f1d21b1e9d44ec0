import type { SessionRecord, StoredSession } from '../session-record.js';
import type { RedisClientLike } from './redis-client.js';

/** SCAN page size: large enough to be quick, small enough that no call blocks Redis. */
const SCAN_COUNT = 1_000;

type Load = (id: string) => Promise<SessionRecord | null>;

/** Escape Redis glob characters, so a prefix is matched literally by SCAN MATCH. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/** SCAN with MATCH and COUNT (never KEYS), on each master of a Cluster; full keys, deduplicated. */
async function scanKeys(client: RedisClientLike, pattern: string): Promise<string[]> {
  const nodes = client.nodes ? client.nodes('master') : [client];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = (await node.call('scan', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)) as [
        string,
        string[],
      ];
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}

/** ioredis `keyPrefix`, added by the client to every key but not to SCAN patterns. */
const keyPrefixOf = (client: RedisClientLike): string => client.options?.keyPrefix ?? '';

/** Public ids of every session key of a store prefix, over every master of a Cluster. */
export async function sessionIds(client: RedisClientLike, prefix: string): Promise<string[]> {
  const keyPrefix = keyPrefixOf(client);
  const start = keyPrefix.length + prefix.length + 1;
  const keys = await scanKeys(client, `${globEscape(keyPrefix + prefix)}{*}`);
  return keys.map((key) => key.slice(start, -1));
}

export async function allSessions(client: RedisClientLike, prefix: string, load: Load): Promise<StoredSession[]> {
  const ids = await sessionIds(client, prefix);
  const records = await Promise.all(ids.map(load));
  return ids.flatMap((id, i) => (records[i] ? [{ id, record: records[i] }] : []));
}

/**
 * Delete the two kinds of key a store writes, not `<prefix>*`: a store whose
 * prefix merely starts with ours (`sess:` and `sess:admin:`) keeps its sessions.
 */
export async function clearKeys(client: RedisClientLike, prefix: string): Promise<void> {
  const keyPrefix = keyPrefixOf(client);
  const start = globEscape(keyPrefix + prefix);
  const keys = [...(await scanKeys(client, `${start}{*}`)), ...(await scanKeys(client, `${start}owner:{*}`))];
  // One DEL per key: on a Cluster the keys live in different slots.
  await Promise.all(keys.map((key) => client.call('del', key.slice(keyPrefix.length))));
}

/** The live sessions an owner index lists; ids whose session ended or changed owner are pruned from it. */
export async function listIndexed(
  client: RedisClientLike,
  indexKey: string,
  owner: string,
  load: Load,
): Promise<StoredSession[]> {
  const ids = (await client.call('zrange', indexKey, 0, -1)) as string[];
  const records = await Promise.all(ids.map(load));
  const live: StoredSession[] = [];
  const dead: string[] = [];
  ids.forEach((id, i) => {
    const record = records[i];
    if (record && record.meta.owner === owner) live.push({ id, record });
    else dead.push(id);
  });
  if (dead.length > 0) await client.call('zrem', indexKey, ...dead);
  return live;
}
