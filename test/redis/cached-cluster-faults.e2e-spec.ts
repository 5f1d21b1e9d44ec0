import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisCluster, waitFor, type RedisCluster, type RedisServer } from '../support/redis-server.js';

/**
 * CachedStore(RedisStore) on a Redis Cluster of 3 masters with a replica
 * each (cluster-node-timeout 1 s), two real app processes: A writes, B
 * reads. A master is frozen (SIGSTOP), then another killed; each time its
 * replica takes over. Writes of sessions on the other masters must all
 * succeed (nothing is published: Redis reports changes on B's own link to
 * each node), and B must never serve a value older than an answered write
 * past the bound.
 */

const BOUND = 1_000;
const PREFIX = 'ccf:';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClusterNode {
  port: number;
  flags: string[];
  /** Slot ranges, for a master. */
  slots: Array<[number, number]>;
}

/** `CLUSTER NODES` as seen by `node`. */
async function clusterNodes(node: RedisServer): Promise<ClusterNode[]> {
  const text = String(await node.command('CLUSTER', 'NODES'));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address, flags, , , , , , ...slots] = line.split(' ');
      return {
        port: Number(address!.split('@')[0]!.split(':')[1]),
        flags: flags!.split(','),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => s.split('-').map(Number))
          .map(([lo, hi]) => [lo!, hi ?? lo!] as [number, number]),
      };
    });
}

describe('CachedStore on a Redis Cluster with replicas: a frozen and a killed master', () => {
  let cluster: RedisCluster;
  let a: AppProcess;
  let b: AppProcess;
  const sessions: Array<{ cookie: string; id: string; slot: number }> = [];
  const caching = async (p: AppProcess): Promise<boolean> =>
    (await request(p.url).get('/cache').timeout(3_000)).body.caching === true;

  beforeAll(async () => {
    cluster = await startRedisCluster(3, { replicas: 1, nodeTimeout: 1_000 });
    const env = {
      REDIS_CLUSTER: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
      SESSION_PREFIX: PREFIX,
      STORE_TIMEOUT: '1000',
    };
    [a, b] = await Promise.all([0, 1].map(() => startAppProcess('test/fixtures/cached-app/main.js', env)));
    await waitFor('both processes to cache', async () => (await caching(a)) && (await caching(b)), 15_000);
    for (let i = 0; i < 24; i++) {
      const res = await request(a.url)
        .post('/login')
        .send({ userId: `u${i}` });
      expect(res.status).toBe(200);
      const id = res.body.id as string;
      const slot = Number(await cluster.nodes[0]!.command('CLUSTER', 'KEYSLOT', `${PREFIX}{${id}}`));
      sessions.push({ cookie: sessionCookie(res)!, id, slot });
    }
  }, 90_000);

  afterAll(async () => {
    for (const node of cluster?.nodes ?? []) if (node.pid !== undefined) node.thaw();
    await Promise.all([a, b].map((p) => p?.stop()));
    await cluster?.stop();
  }, 30_000);

  /** The node currently master of `slot`, as a live node other than `not` sees it. */
  async function masterOf(slot: number, not?: RedisServer): Promise<RedisServer> {
    const viewer = cluster.nodes.find((n) => n !== not && n.pid !== undefined)!;
    const nodes = await clusterNodes(viewer);
    const master = nodes.find(
      (n) =>
        n.flags.includes('master') && !n.flags.includes('fail') && n.slots.some(([lo, hi]) => slot >= lo && slot <= hi),
    );
    return cluster.nodes.find((n) => n.port === master?.port)!;
  }

  const write = (cookie: string, v: string) =>
    request(a.url).post('/write').set('Cookie', cookie).send({ v }).timeout(5_000);
  const readB = (cookie: string) => request(b.url).get('/read').set('Cookie', cookie).timeout(5_000);

  /**
   * B's answers after A's write of `v` was acknowledged: ms until B serves
   * `v`. An older value served later than BOUND after the write fails the
   * test (stale); so does any 503, unless `movedFrom` says the session's
   * master was just lost (B's client may need a while to find the new one:
   * unavailable is not stale).
   */
  async function seenByB(cookie: string, v: string, movedFrom?: RedisServer): Promise<number> {
    const started = performance.now();
    for (;;) {
      const res = await readB(cookie);
      const elapsed = performance.now() - started;
      if (res.status === 200 && res.body.data.v === v) return elapsed;
      if (res.status === 200 && elapsed > BOUND)
        throw new Error(`B still served ${res.body.data.v} ${elapsed} ms after the write of ${v}`);
      if (res.status !== 200 && !movedFrom) throw new Error(`B answered ${res.status} for a session on a live master`);
      if (elapsed > 15_000) throw new Error(`B did not serve ${v} within 15 s`);
      await sleep(20);
    }
  }

  /** Every session not on `down` is written by A (all must succeed) and read fresh by B. */
  async function writeOthers(down: RedisServer, v: string): Promise<number[]> {
    const delays: number[] = [];
    for (const s of sessions) {
      if ((await masterOf(s.slot, down)) === down) continue;
      const res = await write(s.cookie, v);
      expect(res.status).toBe(200);
      delays.push(await seenByB(s.cookie, v));
    }
    return delays;
  }

  /** Wait until `down`'s slots have a new master, then until A's writes of `moved` succeed again (B then fresh). */
  async function failedOver(down: RedisServer, moved: typeof sessions, v: string): Promise<void> {
    await waitFor(
      'a replica to take over',
      async () => {
        const nodes = await clusterNodes(cluster.nodes.find((n) => n !== down && n.pid !== undefined)!);
        const masters = nodes.filter((n) => n.flags.includes('master') && n.slots.length > 0);
        return nodes.some((n) => n.port === down.port && n.flags.includes('fail')) && masters.length === 3;
      },
      15_000,
    );
    for (const s of moved) {
      await waitFor('the moved session to be writable', async () => (await write(s.cookie, v)).status === 200, 10_000);
      await seenByB(s.cookie, v, down);
    }
  }

  /** Sessions whose slot `master` holds now. */
  async function sessionsOn(master: RedisServer): Promise<typeof sessions> {
    const found = [];
    for (const s of sessions) if ((await masterOf(s.slot)) === master) found.push(s);
    return found;
  }

  it('a frozen master: sessions on the other masters keep working, B is never stale; its replica takes over', async () => {
    for (const s of sessions) {
      expect((await write(s.cookie, 'v0')).status).toBe(200);
      await seenByB(s.cookie, 'v0');
      await readB(s.cookie); // cached in B now
    }
    const counts = new Map<RedisServer, number>();
    for (const s of sessions) {
      const m = await masterOf(s.slot);
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    const frozen = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0];
    const onFrozen = await sessionsOn(frozen);
    expect(onFrozen.length).toBeGreaterThan(0);

    frozen.freeze();
    try {
      const delays = await writeOthers(frozen, 'v1');
      expect(delays.length).toBe(sessions.length - onFrozen.length);
      expect(Math.max(...delays)).toBeLessThanOrEqual(BOUND);
      await failedOver(frozen, onFrozen, 'v2');
      // The frozen node left the topology: B's links to the others (its successor's included) let it cache again.
      await waitFor('B to cache again', () => caching(b), 10_000);
    } finally {
      frozen.thaw(); // it comes back as a replica of its successor
    }
    for (const s of sessions) expect((await readB(s.cookie)).body.data.v).not.toBe('v0');
  }, 60_000);

  it('a killed master: writes of sessions on the other masters all succeed, B is never stale; its replica takes over', async () => {
    const victim = await masterOf(sessions[0]!.slot);
    const onVictim = await sessionsOn(victim);
    await victim.kill();
    const delays = await writeOthers(victim, 'v3');
    expect(delays.length).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(BOUND);
    await failedOver(victim, onVictim, 'v4');
    await waitFor('B to cache again', () => caching(b), 10_000);
  }, 60_000);
});
