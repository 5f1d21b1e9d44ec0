import type { LoggerService } from '@nestjs/common';
import { SessionStoreUnavailableException } from '../session.exceptions.js';
import type { SessionStore } from '../stores/session-store.js';
import type { SessionPatch, SessionRecord, StoredSession } from '../stores/session-record.js';

/** Store failures are logged at most this often, so an outage does not flood the logs. */
const LOG_EVERY_MS = 10_000;

/**
 * Every store call the module makes goes through here: each gets a deadline
 * (`storeTimeout`), and any failure or timeout becomes a
 * SessionStoreUnavailableException (503). A store whose promise never settles
 * cannot hold a request forever.
 */
export class StoreGateway {
  private lastLogged = 0;
  private suppressed = 0;

  /**
   * @param inProcess Whether the store's `operation` answers without I/O
   *   (MemoryStore's own methods): no deadline timer is armed for it.
   * @param localCopy A copy of `id` the store holds in this process
   *   (CachedStore's near cache), or undefined when it must be asked: such a
   *   read needs no deadline either.
   */
  constructor(
    readonly store: SessionStore,
    private readonly timeoutMs: number,
    private readonly logger: LoggerService | null,
    private readonly inProcess: (operation: string) => boolean = () => false,
    private readonly localCopy?: (id: string) => SessionRecord | null | undefined,
  ) {}

  get(id: string): Promise<SessionRecord | null> {
    const copy = this.localCopy?.(id);
    if (copy !== undefined) return Promise.resolve(copy);
    return this.call('get', () => this.store.get(id));
  }

  /** Write only if absent; stores without `create` fall back to get + set. */
  create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    const store = this.store;
    if (store.create) return this.call('create', () => store.create!(id, record, ttlMs));
    return this.call('create', async () => {
      if (await store.get(id)) return false;
      await store.set(id, record, ttlMs);
      return true;
    });
  }

  /**
   * Write the changed keys. Stores without `patch` get the whole record; the
   * record must still exist, so a destroyed session is not written back.
   */
  patch(id: string, changes: SessionPatch, full: SessionRecord, ttlMs: number): Promise<boolean> {
    const store = this.store;
    if (store.patch) return this.call('patch', () => store.patch!(id, changes, ttlMs));
    return this.call('patch', async () => {
      if (!(await store.get(id))) return false;
      await store.set(id, full, ttlMs);
      return true;
    });
  }

  /** Extend expiry; stores without `touch` rewrite the record. */
  touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const store = this.store;
    if (store.touch) return this.call('touch', () => store.touch!(id, record, ttlMs));
    return this.call('touch', () => store.set(id, record, ttlMs));
  }

  destroy(id: string): Promise<void> {
    return this.call('destroy', () => this.store.destroy(id));
  }

  /** Live sessions of one owner: the store's index, or a scan of `all()`. */
  listByOwner(owner: string): Promise<StoredSession[]> {
    const store = this.store;
    if (store.listByOwner) return this.call('listByOwner', () => store.listByOwner!(owner));
    if (!store.all) {
      return Promise.reject(new TypeError('The session store supports neither listByOwner() nor all()'));
    }
    return this.call('all', async () => (await store.all!()).filter((s) => s.record.meta.owner === owner));
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.inProcess(operation)) {
      try {
        return await run();
      } catch (error) {
        this.report(operation, error);
        throw new SessionStoreUnavailableException(error);
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`session store ${operation}() did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([run(), deadline]);
    } catch (error) {
      this.report(operation, error);
      throw new SessionStoreUnavailableException(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private report(operation: string, error: unknown): void {
    if (!this.logger) return;
    const now = Date.now();
    if (now - this.lastLogged < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more failures since the last report)` : '';
    this.lastLogged = now;
    this.suppressed = 0;
    // The error's message only: store errors carry no session id (stores see hashes).
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.error(`Session store ${operation}() failed: ${reason}${more}`);
  }
}
