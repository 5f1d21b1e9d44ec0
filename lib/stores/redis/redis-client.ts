/**
 * The part of an ioredis `Redis` or `Cluster` the Redis stores use. A small
 * structural type, so the published `.d.ts` never imports ioredis (an
 * optional peer): any ioredis 5/6 client fits it as is.
 */
export interface RedisClientLike {
  /** ioredis connection state: 'wait', 'connecting', 'connect', 'ready', 'reconnecting', 'close', 'end'. */
  readonly status: string;
  /** Send any command; ioredis routes it by its key on a Cluster. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount?(event: string): number;
  /** ioredis `keyPrefix`, added by the client to every key but not to SCAN patterns. */
  readonly options?: { keyPrefix?: string };
  /** Present on a Cluster: its master nodes, each scanned for listings. */
  nodes?(role: 'master'): RedisClientLike[];
}

/**
 * ioredis options that keep a request from waiting on a dead or hung Redis.
 * Pass them when you create the client the store uses:
 * `new Redis(url, recommendedRedisOptions)`.
 */
export const recommendedRedisOptions = {
  /** Reject a command Redis has not answered within 1 s (a hung or paused server). */
  commandTimeout: 1_000,
  /** Fail a command after one reconnect attempt instead of twenty. */
  maxRetriesPerRequest: 1,
  /** Give up on a connection attempt after 2 s. */
  connectTimeout: 2_000,
  /** Reconnect with a short, capped backoff so service resumes soon after Redis is back. */
  retryStrategy: (attempt: number): number => Math.min(attempt * 100, 1_000),
  /**
   * A failover leaves a replica answering READONLY: reconnect (to the new
   * master, with Sentinel), and fail the command. Not 2 (resend): a resent
   * write loops through reconnects while the node stays a replica, and can
   * land after its request was already answered 503 (checklist #43).
   */
  reconnectOnError: (error: Error): boolean => error.message.startsWith('READONLY'),
} as const;

/** States in which ioredis would only queue a command: the store fails fast instead. */
const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * Throws at once while the connection is down, so requests get their 503 now
 * rather than piling up in ioredis's offline queue (checklist #83).
 */
export function assertConnected(client: RedisClientLike, lastError: string | undefined): void {
  if (DOWN.has(client.status)) {
    throw new Error(`Redis connection is ${client.status}${lastError ? ` (${lastError})` : ''}`);
  }
}
