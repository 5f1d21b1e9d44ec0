import { MemoryStore } from '../../lib/index.js';
import type { SessionRecord } from '../../lib/index.js';

/** A MemoryStore whose chosen operations fail on demand, like a store losing its backend. */
export class FlakyMemoryStore extends MemoryStore {
  failing = new Set<'get' | 'destroy' | 'create' | 'patch' | 'touch'>();

  override async get(id: string): Promise<SessionRecord | null> {
    if (this.failing.has('get')) throw new Error('backend down');
    return super.get(id);
  }

  override async destroy(id: string): Promise<void> {
    if (this.failing.has('destroy')) throw new Error('backend down');
    return super.destroy(id);
  }

  override async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    if (this.failing.has('create')) throw new Error('backend down');
    return super.create(id, record, ttlMs);
  }
}

/** A MemoryStore that ignores TTLs, like a store that keeps records forever: expiry must come from the record. */
export class KeepForeverStore extends MemoryStore {
  constructor() {
    super({ reapInterval: 0 });
  }

  override async set(id: string, record: SessionRecord): Promise<void> {
    return super.set(id, record, 0);
  }

  override async create(id: string, record: SessionRecord): Promise<boolean> {
    return super.create(id, record, 0);
  }

  override async touch(id: string, record: SessionRecord): Promise<void> {
    return super.touch(id, record, 0);
  }

  override async patch(id: string, changes: Parameters<MemoryStore['patch']>[1]): Promise<boolean> {
    return super.patch(id, changes, 0);
  }
}

/** A store whose promises never settle (checklist #44). */
export class NeverAnsweringStore extends MemoryStore {
  override get(): Promise<SessionRecord | null> {
    return new Promise(() => undefined);
  }
}
