/** What a link needs of an ioredis connection in subscriber mode. */
export interface LinkConnection {
  readonly status: string;
  ping(): Promise<unknown>;
  on(event: 'ready' | 'close' | 'end' | 'reconnecting' | 'error', listener: () => void): unknown;
  removeListener(event: string, listener: (...args: string[]) => void): unknown;
  /** ioredis: drop the socket; with `true`, reconnect. */
  disconnect(reconnect?: boolean): unknown;
}

export interface LinkTiming {
  /** PING this often, ms. */
  pingInterval: number;
  /** Longest a proof of delivery is trusted, ms: the staleness bound. */
  maxStaleness: number;
}

/**
 * One subscriber connection whose messages the cache relies on, and a lease
 * on it. Redis answers a connection's commands in order, and sends its pushed
 * messages on the same stream: when the reply to a PING sent at time `t`
 * arrives, every message Redis produced for this connection before `t` has
 * arrived too. So the link is `fresh` only while the last answered PING was
 * sent less than `maxStaleness` ago; a stalled server, a half-open socket or
 * a black-holed link ends freshness within that bound, whatever the timers
 * do. A PING left unanswered for `maxStaleness` counts as a dead link: the
 * cache is flushed and the connection dropped and reconnected. After every
 * (re)connect `setup` runs again (subscribe, tracking...), then the cache is
 * flushed once more (messages of the gap were lost) and the link is fresh.
 */
export class LeasedLink {
  private up = false;
  private closed = false;
  /** Bumped on every down and every setup, so a late reply of an old round is ignored. */
  private round = 0;
  private proofSentAt = 0;
  /** Send times of the PINGs not yet answered, oldest first (replies come in order). */
  private readonly pending: number[] = [];
  private settingUpSince: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: Array<['ready' | 'close' | 'end' | 'reconnecting' | 'error', () => void]> = [];

  constructor(
    private readonly connection: LinkConnection,
    private readonly setup: () => Promise<void>,
    /** The link went down or came back: anything cached may be stale. */
    private readonly onLoss: () => void,
    private readonly timing: LinkTiming,
  ) {
    const down = (): void => this.down();
    this.listen('close', down);
    this.listen('end', down);
    this.listen('reconnecting', down);
    this.listen('error', down);
    this.listen('ready', () => void this.establish());
    this.timer = setInterval(() => this.tick(), timing.pingInterval);
    this.timer.unref();
    if (connection.status === 'ready') void this.establish();
  }

  /** True while every message sent to this connection up to `maxStaleness` ago is known to have arrived. */
  fresh(now = performance.now()): boolean {
    return this.up && now - this.proofSentAt < this.timing.maxStaleness;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Send time of the last answered PING (-Infinity while down): every message Redis produced before it has arrived. */
  get proof(): number {
    return this.up ? this.proofSentAt : -Infinity;
  }

  close(): void {
    this.closed = true;
    this.up = false;
    this.round++;
    clearInterval(this.timer);
    for (const [event, listener] of this.listeners) this.connection.removeListener(event, listener);
  }

  private listen(event: 'ready' | 'close' | 'end' | 'reconnecting' | 'error', listener: () => void): void {
    this.listeners.push([event, listener]);
    this.connection.on(event, listener);
  }

  private async establish(): Promise<void> {
    if (this.closed) return;
    const round = ++this.round;
    this.up = false;
    this.pending.length = 0;
    const started = performance.now();
    this.settingUpSince = started;
    try {
      await this.setup();
    } catch {
      if (round === this.round) this.down();
      return;
    }
    if (round !== this.round || this.closed || this.connection.status !== 'ready') return;
    this.settingUpSince = undefined;
    this.onLoss();
    this.proofSentAt = started;
    this.up = true;
  }

  private down(): void {
    this.round++;
    this.pending.length = 0;
    const wasUp = this.up;
    this.up = false;
    // Flush on every loss, also when not up yet: a setup under way may have let messages through.
    if (!this.closed && (wasUp || this.settingUpSince !== undefined)) this.onLoss();
    this.settingUpSince = undefined;
  }

  private tick(): void {
    if (this.closed) return;
    const now = performance.now();
    const { maxStaleness } = this.timing;
    const stuck =
      (this.up && this.pending.length > 0 && now - this.pending[0]! >= maxStaleness) ||
      (this.settingUpSince !== undefined && now - this.settingUpSince >= 2 * maxStaleness);
    if (stuck) {
      // Unanswered for the whole bound: a hung server or a half-open socket (checklist #69).
      this.down();
      this.connection.disconnect(true);
      return;
    }
    if (!this.up) {
      // Down on a connection that stayed open (a failed setup, an 'error' without 'close'): start over on
      // a fresh one, since this one may be half set up (subscribed connections accept no CLIENT command).
      if (this.settingUpSince === undefined && this.connection.status === 'ready') this.connection.disconnect(true);
      return;
    }
    const round = this.round;
    this.pending.push(now);
    this.connection.ping().then(
      () => {
        if (round !== this.round) return;
        const sentAt = this.pending.shift();
        if (sentAt !== undefined && sentAt > this.proofSentAt) this.proofSentAt = sentAt;
      },
      () => {
        // Rejected (a command timeout, say): treated as unanswered.
        if (round !== this.round) return;
        this.down();
        this.connection.disconnect(true);
      },
    );
  }
}
