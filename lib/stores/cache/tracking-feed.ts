import { LeasedLink, type LinkConnection, type LinkTiming } from './leased-link.js';
import type { InvalidationFeed, InvalidationHandlers } from './invalidation-feed.js';

/** A connection CachedStore opened itself (with `duplicate`), in RESP2, for server-assisted invalidation. */
export interface TrackingConnection extends LinkConnection {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'ready' | 'close' | 'end' | 'reconnecting' | 'error', listener: () => void): unknown;
  on(event: 'messageBuffer', listener: (channel: Buffer, message: unknown) => void): unknown;
}

/** One node of a Cluster, as ioredis lists it. */
export interface TrackingNode {
  readonly options: { host?: string; port?: number };
  duplicate(override: Record<string, unknown>): TrackingConnection;
}

/**
 * What server-assisted invalidation needs of `subscriber`: an ioredis `Redis`
 * (duplicated once) or `Cluster` (each of its nodes duplicated, kept in step
 * with the topology).
 */
export interface TrackingSource {
  readonly status: string;
  duplicate?(override: Record<string, unknown>): TrackingConnection;
  nodes?(role: 'all'): TrackingNode[];
  refreshSlotsCache?(callback?: (error?: Error | null) => void): void;
  on(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

/** The channel Redis sends tracking invalidations on to a RESP2 connection. */
const CHANNEL = '__redis__:invalidate';

/**
 * How our connections differ from the one they are duplicated from: RESP2
 * (ioredis 6 would get RESP3 push frames, which it does not surface), no
 * automatic resubscribe (the setup order matters), nothing queued or resent,
 * every command (the ready check included, which a half-open link would
 * otherwise leave hanging) bounded by the lease, and reconnects with a short
 * capped backoff (Cluster nodes do not reconnect by default).
 */
function ownConnection(timing: LinkTiming): Record<string, unknown> {
  return {
    protocol: 2,
    lazyConnect: false,
    keyPrefix: '',
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    readOnly: false,
    commandTimeout: timing.maxStaleness,
    connectTimeout: Math.max(2 * timing.maxStaleness, 1_000),
    retryStrategy: (attempt: number): number => Math.min(attempt * 100, 1_000),
  };
}

interface Tracked {
  connection: TrackingConnection;
  link: LeasedLink;
}

/**
 * Server-assisted invalidation (Redis 6+): on each node, a connection of its
 * own asks `CLIENT TRACKING on REDIRECT <itself> BCAST PREFIX <prefix>` and
 * subscribes to `__redis__:invalidate`. Redis then reports every change of a
 * key under the prefix — by any client, acknowledged or not, expiry and
 * eviction included — on that connection, in the same event-loop turn as the
 * change. Nothing is published by the writer, so a write never waits on, or
 * fails because of, an invalidation. The cache is trusted only while every
 * node's link holds its lease (see LeasedLink).
 */
export class TrackingFeed implements InvalidationFeed {
  private readonly tracked = new Map<string, Tracked>();
  /** Ids whose report of our own write is still to come, and when the write was acknowledged. */
  private readonly echoes = new Map<string, number>();
  private readonly listeners: Array<[string, () => void]> = [];
  private readonly refresher: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly source: TrackingSource,
    /** Full key prefix (ioredis `keyPrefix` + the store's prefix). */
    private readonly prefix: string,
    private readonly timing: LinkTiming,
    private readonly handlers: InvalidationHandlers,
  ) {
    if (source.nodes) {
      for (const event of ['ready', 'refresh', '+node', '-node']) this.listen(event, () => this.sync());
      // A node that stops answering may have been failed over: ask for the topology until all links are fresh.
      this.refresher = setInterval(() => {
        if (!this.fresh()) source.refreshSlotsCache?.(() => this.sync());
      }, 4 * timing.pingInterval);
      this.refresher.unref();
    }
    this.sync();
  }

  /** True while every node's link is fresh (and, on a Cluster, at least one node is known). */
  fresh(now = performance.now()): boolean {
    if (this.tracked.size === 0) return false;
    for (const { link } of this.tracked.values()) if (!link.fresh(now)) return false;
    return true;
  }

  /**
   * Our write of `id` was acknowledged just now; Redis sent its report before
   * the reply, on the link of the node that holds `id`. Taking that report
   * for someone else's change would drop the copy that a load started after
   * our write is about to cache, which already holds our change. The
   * expectation is void once every link has proof younger than it: by then
   * the report has arrived if it ever will.
   */
  expectEcho(id: string): void {
    if (this.echoes.size >= 10_000) {
      const proof = this.proof();
      for (const [key, at] of this.echoes) if (at < proof) this.echoes.delete(key);
    }
    this.echoes.set(id, performance.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refresher) clearInterval(this.refresher);
    for (const [event, listener] of this.listeners) this.source.removeListener(event, listener);
    for (const key of [...this.tracked.keys()]) this.drop(key);
  }

  /** The oldest of the links' proofs: every report sent before it has arrived, whichever node sent it. */
  private proof(): number {
    let oldest = Infinity;
    for (const { link } of this.tracked.values()) oldest = Math.min(oldest, link.proof);
    return this.tracked.size > 0 ? oldest : -Infinity;
  }

  private flush(): void {
    this.echoes.clear();
    this.handlers.flush();
  }

  private listen(event: string, listener: () => void): void {
    this.listeners.push([event, listener]);
    this.source.on(event, listener);
  }

  /** One tracked connection per node: open the new nodes', close the departed nodes'. */
  private sync(): void {
    if (this.closed) return;
    if (!this.source.nodes) {
      if (this.tracked.size === 0) this.open('single', (override) => this.source.duplicate!(override));
      return;
    }
    const nodes = new Map(this.source.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]));
    for (const key of [...this.tracked.keys()]) if (!nodes.has(key)) this.drop(key);
    for (const [key, node] of nodes) if (!this.tracked.has(key)) this.open(key, (override) => node.duplicate(override));
  }

  private open(key: string, duplicate: (override: Record<string, unknown>) => TrackingConnection): void {
    const connection = duplicate(ownConnection(this.timing));
    connection.on('error', () => undefined);
    connection.on('messageBuffer', (channel: Buffer, message: unknown) => this.receive(channel, message));
    const link = new LeasedLink(
      connection,
      async () => {
        const id = (await connection.call('client', 'id')) as number;
        await connection.call('client', 'tracking', 'on', 'redirect', id, 'bcast', 'prefix', this.prefix);
        await connection.subscribe(CHANNEL);
      },
      () => {
        this.flush();
        // On a Cluster a lost node may mean a failover: learn the new topology now.
        this.source.refreshSlotsCache?.(() => this.sync());
      },
      this.timing,
    );
    this.tracked.set(key, { connection, link });
  }

  private drop(key: string): void {
    const entry = this.tracked.get(key);
    if (!entry) return;
    this.tracked.delete(key);
    entry.link.close();
    entry.connection.disconnect();
  }

  /** `null` means "everything" (FLUSHALL, a full tracking table); otherwise the changed keys. */
  private receive(channel: Buffer, message: unknown): void {
    if (String(channel) !== CHANNEL) return;
    if (message === null || message === undefined) return this.flush();
    for (const key of Array.isArray(message) ? message : [message]) this.changed(String(key));
  }

  /**
   * A session's keys carry its id as their hash tag (`<prefix>…{<id>}…`).
   * Any other key under the prefix (an owner index) names no cached id; an
   * unknown shape drops everything, to be safe.
   */
  private changed(key: string): void {
    if (!key.startsWith(this.prefix)) return;
    const open = key.indexOf('{', this.prefix.length);
    const close = open < 0 ? -1 : key.indexOf('}', open + 1);
    if (close < 0) return this.flush();
    const id = key.slice(open + 1, close);
    const expected = this.echoes.get(id);
    if (expected !== undefined) {
      this.echoes.delete(id);
      if (expected >= this.proof()) return; // the report of our own write
    }
    this.handlers.invalidate(id);
  }
}
