/** What a source of invalidations tells the cache. */
export interface InvalidationHandlers {
  /** This session changed or was removed elsewhere. */
  invalidate(id: string): void;
  /** Anything may have been missed: drop every local entry. */
  flush(): void;
}

/** A source of invalidations: server-assisted (TrackingFeed) or pub/sub between processes (InvalidationBus). */
export interface InvalidationFeed {
  /** True while every invalidation sent up to `maxStaleness` ago is known to have arrived. */
  fresh(now?: number): boolean;
  /** Tell the other processes about a change of `id` (or of everything); pub/sub only. */
  publish?(id?: string): Promise<void>;
  /**
   * Server-assisted only: our own write of `id` just succeeded and changed
   * it, and no report of `id` came while it ran; Redis's report of it is
   * still on its way and must not be taken for someone else's change.
   */
  expectEcho?(id: string): void;
  close(): Promise<void>;
}
