import type { OwnedSession } from '../session.service.js';
import type { ResolvedSessionOptions } from '../session.options.js';
import type { Session } from '../session.js';
import type { SessionData } from '../stores/session-record.js';
import type { TokenSigner } from '../transport/session-token.js';
import type { SessionFactory } from './session-factory.js';
import { assignData, replaceData } from './session-internals.js';
import type { SessionMethods } from './session-methods.js';
import { isExpired } from './session-meta.js';
import type { StoreGateway } from './store-gateway.js';

/**
 * Sessions addressed by token or owner rather than by request: SessionService's
 * `create`/`get`/`update`/`refresh`/`delete` and the per-owner listings.
 */
export class TokenSessions {
  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly signer: TokenSigner,
    private readonly gateway: StoreGateway,
    private readonly factory: SessionFactory,
    private readonly methods: SessionMethods,
  ) {}

  /** A new session holding `data`, saved now; returns its signed token. */
  async create(data: SessionData, maxAge = this.options.maxAge): Promise<string> {
    if (!(Number.isInteger(maxAge) && maxAge >= 0))
      throw new TypeError('create(): maxAge must be a whole number of ms >= 0');
    const session = this.factory.fresh(undefined, maxAge);
    assignData(session, data);
    await this.methods.saveExplicitly(session);
    return this.signer.sign(this.methods.of(session).secretId);
  }

  /** The session behind a token, or null for a bad, unknown or expired token. */
  async sessionOf(token: string): Promise<Session | null> {
    const verified = this.signer.verify(token);
    if (!verified) return null;
    const record = await this.gateway.get(verified.id);
    if (!record) return null;
    if (isExpired(record.meta, this.options, Date.now())) {
      await this.gateway.destroy(verified.id);
      return null;
    }
    return this.factory.fromRecord(verified, record, undefined);
  }

  /** Replace a token session's data. False when the token is bad or its session gone. */
  async replaceData(token: string, data: SessionData): Promise<boolean> {
    const session = await this.sessionOf(token);
    if (!session) return false;
    replaceData(session, {});
    assignData(session, data);
    await this.methods.saveExplicitly(session);
    return !this.methods.of(session).gone;
  }

  /** Remove the session behind a verified id. */
  destroyById(id: string): Promise<void> {
    return this.gateway.destroy(id);
  }

  async listByOwner(owner: string, currentId?: string): Promise<OwnedSession[]> {
    const now = Date.now();
    const found = await this.gateway.listByOwner(owner);
    return found
      .filter(({ record }) => record.meta.owner === owner && !isExpired(record.meta, this.options, now))
      .map(({ id, record }) => ({
        id,
        createdAt: new Date(record.meta.createdAt),
        lastActiveAt: new Date(record.meta.lastActiveAt),
        ...(record.meta.userAgent !== undefined && { userAgent: record.meta.userAgent }),
        current: id === currentId,
      }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}
