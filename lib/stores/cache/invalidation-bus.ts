import { randomBytes } from 'node:crypto';
import type { RedisClientLike } from '../redis/redis-client.js';
import type { InvalidationFeed, InvalidationHandlers } from './invalidation-feed.js';
import { LeasedLink, type LinkTiming } from './leased-link.js';

/**
 * A second ioredis connection, for invalidations. In front of a RedisStore,
 * CachedStore opens its own connection(s) from it with `duplicate()` (one
 * per node of a `Cluster`) and leaves this one alone; in front of another
 * store, it subscribes on this connection itself.
 */
export interface RedisSubscriberLike {
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close' | 'end' | 'reconnecting', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: string[]) => void): unknown;
  /** ioredis: drop the socket and reconnect (used when PING goes unanswered). */
  disconnect(reconnect?: boolean): unknown;
}

export interface InvalidationBusOptions extends LinkTiming {
  subscriber: RedisSubscriberLike;
  publisher: RedisClientLike;
  channel: string;
  instanceId?: string;
}

/** Message format: `<instanceId> <id>`, or `<instanceId> *` for "drop everything". */
const ALL = '*';

/**
 * Redis pub/sub between the processes that share a store other than
 * RedisStore (which uses server-assisted invalidation, see TrackingFeed).
 * The writer publishes after every write, whatever its outcome; the others
 * apply the messages, and trust their cache only while the subscriber link
 * holds its lease (LeasedLink).
 */
export class InvalidationBus implements InvalidationFeed {
  readonly instanceId: string;
  private readonly link: LeasedLink;
  private readonly onMessage = (channel: string, message: string): void => this.receive(channel, message);

  constructor(
    private readonly options: InvalidationBusOptions,
    private readonly handlers: InvalidationHandlers,
  ) {
    this.instanceId = options.instanceId ?? randomBytes(8).toString('hex');
    if (/\s/.test(this.instanceId)) throw new TypeError('CachedStore: option "instanceId" must not contain whitespace');
    const { subscriber } = options;
    subscriber.on('message', this.onMessage);
    this.link = new LeasedLink(
      subscriber,
      async () => {
        await subscriber.subscribe(options.channel);
      },
      () => handlers.flush(),
      options,
    );
  }

  fresh(now?: number): boolean {
    return this.link.fresh(now);
  }

  /** Tell the other processes to drop `id` (or everything). */
  async publish(id: string = ALL): Promise<void> {
    await this.options.publisher.call('publish', this.options.channel, `${this.instanceId} ${id}`);
  }

  async close(): Promise<void> {
    this.link.close();
    const { subscriber, channel } = this.options;
    subscriber.removeListener('message', this.onMessage as (...args: string[]) => void);
    // The subscriber belongs to the app: leave it connected, just stop listening on our channel.
    if (subscriber.status === 'ready') await subscriber.unsubscribe(channel).catch(() => undefined);
  }

  /** Malformed, foreign and self-originated messages are ignored; at worst a valid one drops one entry. */
  private receive(channel: string, message: string): void {
    if (channel !== this.options.channel || typeof message !== 'string') return;
    const space = message.indexOf(' ');
    if (space <= 0) return;
    const from = message.slice(0, space);
    const id = message.slice(space + 1);
    if (from === this.instanceId || id === '') return;
    if (id === ALL) this.handlers.flush();
    else this.handlers.invalidate(id);
  }
}
