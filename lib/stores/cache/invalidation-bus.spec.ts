import { afterEach, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { RedisClientLike } from '../redis/redis-client.js';
import { InvalidationBus, type RedisSubscriberLike } from './invalidation-bus.js';

/**
 * The connection-state logic of the bus, driven by a hand-made subscriber
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

const publisher: RedisClientLike = { status: 'ready', call: async () => 1, on: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('InvalidationBus', () => {
  let bus: InvalidationBus | undefined;
  afterEach(async () => bus?.close());

  function start(subscriber: ScriptedSubscriber, pingInterval = 0) {
    const events = { flushes: 0, invalidated: [] as string[] };
    bus = new InvalidationBus(
      { subscriber, publisher, channel: 'ch', instanceId: 'me', pingInterval },
      { invalidate: (id) => events.invalidated.push(id), flush: () => events.flushes++ },
    );
    return events;
  }

  it('is healthy only once subscribed, and flushes then', async () => {
    const sub = new ScriptedSubscriber();
    const events = start(sub);
    expect(bus!.isHealthy).toBe(false);
    await sleep(0);
    expect(bus!.isHealthy).toBe(true);
    expect(events.flushes).toBe(1);
  });

  it.each(['close', 'end', 'reconnecting', 'error'])(
    'flushes and stops trusting the cache on %s (#67)',
    async (event) => {
      const sub = new ScriptedSubscriber();
      const events = start(sub);
      await sleep(0);
      sub.emit(event, new Error('gone'));
      expect(bus!.isHealthy).toBe(false);
      expect(events.flushes).toBe(2);
      // Back: resubscribes, flushes once more (messages may have been lost), trusts again.
      sub.emit('ready');
      await sleep(0);
      expect(bus!.isHealthy).toBe(true);
      expect(events.flushes).toBe(3);
    },
  );

  it('an unanswered PING flushes, stops trusting the cache and forces a reconnect (#69)', async () => {
    const sub = new ScriptedSubscriber();
    const events = start(sub, 30);
    await sleep(40);
    expect(bus!.isHealthy).toBe(true);
    sub.answering = false;
    await sleep(120);
    expect(bus!.isHealthy).toBe(false);
    expect(sub.reconnects).toBeGreaterThanOrEqual(1);
    expect(events.flushes).toBeGreaterThanOrEqual(2);
  });

  it('applies other instances’ messages and ignores its own and malformed ones (#75)', async () => {
    const sub = new ScriptedSubscriber();
    const events = start(sub);
    await sleep(0);
    for (const message of ['me a', 'x', ' y', 'other ', 'other b', 'other *']) sub.emit('message', 'ch', message);
    sub.emit('message', 'another-channel', 'other c');
    expect(events.invalidated).toEqual(['b']);
    expect(events.flushes).toBe(2); // the subscribe flush + 'other *'
  });

  it('close() removes its listeners from the app’s subscriber', async () => {
    const sub = new ScriptedSubscriber();
    start(sub);
    await bus!.close();
    bus = undefined;
    expect(sub.listenerCount('message') + sub.listenerCount('close') + sub.listenerCount('ready')).toBe(0);
  });
});
