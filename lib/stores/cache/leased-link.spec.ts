import { afterEach, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { RedisClientLike } from '../redis/redis-client.js';
import { InvalidationBus, type RedisSubscriberLike } from './invalidation-bus.js';
import { LeasedLink } from './leased-link.js';

/**
 * The connection-state logic of a link, driven by a hand-made subscriber
 * whose PING can be made to hang, as on a half-open socket. (Real Redis
 * coherence is tested in cached.store.spec.ts and test/cached/.)
 */
class ScriptedSubscriber extends EventEmitter implements RedisSubscriberLike {
  status = 'ready';
  answering = true;
  reconnects = 0;
  subscribe = async (): Promise<unknown> => 1;
  unsubscribe = async (): Promise<unknown> => 1;
  ping = (): Promise<unknown> => (this.answering ? Promise.resolve('PONG') : new Promise(() => undefined));
  disconnect(reconnect?: boolean): void {
    this.status = 'reconnecting';
    this.emit('close');
    if (reconnect) this.reconnects++;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LeasedLink', () => {
  let link: LeasedLink | undefined;
  afterEach(() => link?.close());

  function start(sub: ScriptedSubscriber, pingInterval = 20, maxStaleness = 100) {
    const events = { losses: 0 };
    link = new LeasedLink(
      sub,
      async () => undefined,
      () => events.losses++,
      { pingInterval, maxStaleness },
    );
    return events;
  }

  it('is fresh only once set up, and flushes then', async () => {
    const sub = new ScriptedSubscriber();
    const events = start(sub);
    expect(link!.fresh()).toBe(false);
    await sleep(0);
    expect(link!.fresh()).toBe(true);
    expect(events.losses).toBe(1);
  });

  it.each(['close', 'end', 'reconnecting', 'error'])('flushes and stops trusting on %s (#67)', async (event) => {
    const sub = new ScriptedSubscriber();
    const events = start(sub);
    await sleep(0);
    sub.status = 'reconnecting';
    sub.emit(event, new Error('gone'));
    expect(link!.fresh()).toBe(false);
    expect(events.losses).toBe(2);
    // Back: set up again, flushed once more (messages may have been lost), trusted again.
    sub.status = 'ready';
    sub.emit('ready');
    await sleep(0);
    expect(link!.fresh()).toBe(true);
    expect(events.losses).toBe(3);
  });

  it('the lease ends maxStaleness after the last answered PING was sent, then the link is dropped and reconnected (#69)', async () => {
    const sub = new ScriptedSubscriber();
    const events = start(sub, 20, 100);
    await sleep(70);
    expect(link!.fresh()).toBe(true); // renewed by the PINGs
    sub.answering = false;
    const cut = performance.now();
    while (link!.fresh() && performance.now() - cut < 500) await sleep(2);
    // Last answered PING was sent at most one interval before the cut.
    expect(performance.now() - cut).toBeLessThanOrEqual(100 + 20);
    await sleep(80);
    expect(sub.reconnects).toBeGreaterThanOrEqual(1);
    expect(events.losses).toBeGreaterThanOrEqual(2);
  });

  it('close() removes its listeners from the connection', async () => {
    const sub = new ScriptedSubscriber();
    start(sub);
    link!.close();
    link = undefined;
    expect(sub.listenerCount('close') + sub.listenerCount('ready') + sub.listenerCount('error')).toBe(0);
  });
});

describe('InvalidationBus (pub/sub)', () => {
  const publisher: RedisClientLike = { status: 'ready', call: async () => 1, on: () => undefined };

  it('applies other instances’ messages and ignores its own and malformed ones (#75); close() detaches', async () => {
    const sub = new ScriptedSubscriber();
    const events = { flushes: 0, invalidated: [] as string[] };
    const bus = new InvalidationBus(
      { subscriber: sub, publisher, channel: 'ch', instanceId: 'me', pingInterval: 20, maxStaleness: 100 },
      { invalidate: (id) => events.invalidated.push(id), flush: () => events.flushes++ },
    );
    await sleep(0);
    expect(bus.fresh()).toBe(true);
    for (const message of ['me a', 'x', ' y', 'other ', 'other b', 'other *']) sub.emit('message', 'ch', message);
    sub.emit('message', 'another-channel', 'other c');
    expect(events.invalidated).toEqual(['b']);
    expect(events.flushes).toBe(2); // the subscribe flush + 'other *'
    await bus.close();
    expect(sub.listenerCount('message') + sub.listenerCount('close') + sub.listenerCount('ready')).toBe(0);
  });
});
