import { randomBytes } from 'node:crypto';
import type { RedisClientLike } from '../redis/redis-client.js';

/** A second ioredis connection, used only to receive invalidations. */
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

export interface InvalidationBusOptions {
  subscriber: RedisSubscriberLike;
  publisher: RedisClientLike;
  channel: string;
  instanceId?: string;
  /** How often the subscriber is PINGed; an unanswered PING flushes and reconnects. 0 = never. */
  pingInterval: number;
}

export interface InvalidationHandlers {
  /** Another process changed or removed this session. */
  invalidate(id: string): void;
  /** Anything may have been missed: drop every local entry. */
  flush(): void;
}

/** Message format: `<instanceId> <id>`, or `<instanceId> *` for "drop everything". */
const ALL = '*';

/**
 * Redis pub/sub between the processes that share one store. Publishes after
 * every successful write, applies the others' messages, and tells the cache
 * when it can no longer trust what it holds: the subscriber connection
 * dropped, errored, reconnected, or stopped answering PING. Until the
 * subscription is confirmed (at start and after every reconnect) `healthy`
 * is false and the cache is bypassed.
 */
export class InvalidationBus {
  readonly instanceId: string;
  private healthy = false;
  private closed = false;
  private pinger: NodeJS.Timeout | undefined;
  private readonly listeners: Array<[string, (...args: string[]) => void]> = [];

  constructor(
    private readonly options: InvalidationBusOptions,
    private readonly handlers: InvalidationHandlers,
  ) {
    this.instanceId = options.instanceId ?? randomBytes(8).toString('hex');
    if (/\s/.test(this.instanceId)) throw new TypeError('CachedStore: option "instanceId" must not contain whitespace');
    const { subscriber } = options;
    const down = (): void => this.markDown();
    this.listen('message', (channel: string, message: string) => this.receive(channel, message));
    this.listen('close', down);
    this.listen('end', down);
    this.listen('reconnecting', down);
    this.listen('error', down);
    this.listen('ready', () => void this.subscribe());
    if (subscriber.status === 'ready' || subscriber.status === 'wait') void this.subscribe();
    if (options.pingInterval > 0) {
      this.pinger = setInterval(() => void this.ping(), options.pingInterval);
      this.pinger.unref();
    }
  }

  /** True while every message published by others reaches this process. */
  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Tell the other processes to drop `id` (or everything). Awaited before the write is acknowledged. */
  async publish(id: string = ALL): Promise<void> {
    await this.options.publisher.call('publish', this.options.channel, `${this.instanceId} ${id}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.healthy = false;
    if (this.pinger) clearInterval(this.pinger);
    for (const [event, listener] of this.listeners) this.options.subscriber.removeListener(event, listener);
    // The subscriber belongs to the app: leave it connected, just stop listening on our channel.
    if (this.options.subscriber.status === 'ready') {
      await this.options.subscriber.unsubscribe(this.options.channel).catch(() => undefined);
    }
  }

  private listen(event: string, listener: (...args: string[]) => void): void {
    this.listeners.push([event, listener]);
    (this.options.subscriber.on as (e: string, l: (...args: string[]) => void) => unknown)(event, listener);
  }

  /**
   * (Re)subscribe, then trust the cache again. The cache was flushed when the
   * connection went down, and is flushed once more here: a message published
   * between the drop and this point was lost.
   */
  private async subscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.options.subscriber.subscribe(this.options.channel);
    } catch {
      this.markDown();
      return;
    }
    if (this.closed || this.options.subscriber.status !== 'ready') return;
    this.handlers.flush();
    this.healthy = true;
  }

  private markDown(): void {
    this.healthy = false;
    this.handlers.flush();
  }

  /** Half-open sockets send no FIN: only an unanswered PING reveals them (checklist #69). */
  private async ping(): Promise<void> {
    const { subscriber, pingInterval } = this.options;
    if (this.closed || subscriber.status !== 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('PING timed out')), pingInterval);
    });
    try {
      await Promise.race([subscriber.ping(), timeout]);
    } catch {
      this.markDown();
      subscriber.disconnect(true);
    } finally {
      clearTimeout(timer);
    }
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
