import { Injectable, type ExecutionContext } from '@nestjs/common';
import { stateForContext } from './lifecycle/context-state.js';
import { currentRequest } from './lifecycle/current-request.js';
import { SessionRuntime } from './lifecycle/session-runtime.js';
import { forbidCaching } from './lifecycle/token-delivery.js';
import type { Session } from './decorators/session.decorator.js';
import type { SessionValues } from './session-data.js';
import { Session as SessionObject, type RegenerateOptions } from './session.js';
import type { SessionData as StoredData } from './stores/session-record.js';
import type { PlatformRequest } from './transport/exchange.js';
import { exchangeFromRequest } from './transport/http-exchange.js';

/** One entry of `listByOwner`. */
export interface OwnedSession {
  /** Public session id, as `session.id`. */
  id: string;
  createdAt: Date;
  lastActiveAt: Date;
  userAgent?: string;
  /** True for the session of the request that asked. */
  current: boolean;
}

/** Options of `destroyByOwner`. */
export interface DestroyByOwnerOptions {
  /** Keep this session: a Session, its public id (`session.id`), or a token from `create()`. "Log out everywhere else". */
  except?: Session | string;
  /**
   * End only this session (a Session, its public id, or a token), and only if
   * it belongs to the owner: "log out this device" from a list of sessions,
   * safe to call with an id that came from the client.
   */
  only?: Session | string;
}

/**
 * Sessions from code: request-bound methods (the argument is optional and
 * defaults to the current request's session), a token-level API for API
 * clients and services, and the per-owner operations behind "log out everywhere".
 */
@Injectable()
export class SessionService {
  /** @internal Built by Nest's injector. */
  constructor(private readonly runtime: SessionRuntime) {}

  /**
   * Hydrate the session of a request now and return it; idempotent (the
   * handler's `@Session()` gets the same object). For guards (`load(ctx)`,
   * HTTP, GraphQL and gateways) and middleware (`load(req)`); committed
   * before the response like any other.
   */
  load(ctxOrReq: ExecutionContext | PlatformRequest): Promise<Session> {
    const state = isContext(ctxOrReq)
      ? stateForContext(this.runtime, ctxOrReq)
      : this.runtime.attach(exchangeFromRequest(ctxOrReq));
    return this.runtime.hydrate(state) as Promise<Session>;
  }

  /** Save now (the module also saves after the handler when data changed). */
  async save(session?: Session): Promise<void> {
    await (session ?? (await this.current())).save();
  }

  /** Replace the data with what the store holds now. */
  async reload(session?: Session): Promise<Session> {
    return (session ?? (await this.current())).reload();
  }

  /** New id, old record destroyed, data cleared except `keep`. Use at login and on every privilege change. */
  async regenerate(session?: Session, options?: RegenerateOptions): Promise<Session> {
    return (session ?? (await this.current())).regenerate(options ?? {});
  }

  /** Remove the session from the store and clear the client's cookie. */
  async destroy(session?: Session): Promise<void> {
    await (session ?? (await this.current())).destroy();
  }

  /** Extend the expiry now. */
  async touch(session?: Session): Promise<void> {
    await (session ?? (await this.current())).touch();
  }

  /** The session of the request being handled (needs `requestContext`). */
  private current(): Promise<Session> {
    const state = currentRequest();
    if (!state) {
      return Promise.reject(
        new Error(
          this.runtime.options.requestContext
            ? 'SessionService: called without a session outside any request; pass the session explicitly'
            : 'SessionService: called without a session, and the module does not track the current request. ' +
                'Pass the session (`@Session() session` in the handler), or turn on `requestContext: true` in SessionModule.forRoot().',
        ),
      );
    }
    return this.runtime.hydrate(state) as Promise<Session>;
  }

  // ------------------------------------------------------------ tokens

  /**
   * Store `data` as a new session and return its signed token, usable as the
   * header token and as the cookie value. `maxAge` (ms) overrides the module's;
   * `0` = never idles out (`absoluteMaxAge`, when set, still applies). Called
   * during a request, that response is marked `Cache-Control: no-store`, as it
   * presumably carries the token to the client.
   */
  async create(data: SessionValues, options: { maxAge?: number } = {}): Promise<string> {
    const token = await this.runtime.tokens.create(data as StoredData, options.maxAge);
    const state = currentRequest();
    if (state) forbidCaching(state.exchange);
    return token;
  }

  /** The data of a token's session, or null for a bad, forged, unknown or expired token. */
  async get(token: string): Promise<SessionValues | null> {
    const session = await this.runtime.tokens.sessionOf(token);
    return session ? ({ ...session } as SessionValues) : null;
  }

  /**
   * Replace a token session's data with `data` (keys not in it are removed)
   * and extend its expiry. Resolves false when the token is bad or its session is gone.
   */
  update(token: string, data: SessionValues): Promise<boolean> {
    return this.runtime.tokens.replaceData(token, data as StoredData);
  }

  /** Extend a token session's expiry. Resolves false when the token is bad or its session is gone. */
  async refresh(token: string): Promise<boolean> {
    const session = await this.runtime.tokens.sessionOf(token);
    if (!session) return false;
    await session.touch();
    return true;
  }

  /** End a token's session. Resolves false for a token that does not verify (nothing is looked up). */
  async delete(token: string): Promise<boolean> {
    const verified = this.runtime.signer.verify(token);
    if (!verified) return false;
    await this.runtime.tokens.destroyById(verified.id);
    return true;
  }

  // ------------------------------------------------------------ owners

  /**
   * The owner's live sessions (those whose data has `ownerKey` = `ownerId`),
   * oldest first, with public ids. `current` marks `currentSession`, which
   * defaults to the session of the request being handled.
   */
  async listByOwner(ownerId: string | number, currentSession?: Session): Promise<OwnedSession[]> {
    const owner = ownerOf(ownerId);
    const current = currentSession ?? (await this.currentIfAny());
    return this.runtime.tokens.listByOwner(owner, current?.id);
  }

  /**
   * End every live session of the owner, except `options.except` (a Session,
   * its public id, or a token from `create`): "log out everywhere else".
   * When the current request's session is among them, it is destroyed like
   * `session.destroy()` (cookie cleared). Resolves to how many were ended.
   */
  async destroyByOwner(ownerId: string | number, options: DestroyByOwnerOptions = {}): Promise<number> {
    const owner = ownerOf(ownerId);
    const except = this.publicIdOf(options.except, 'except');
    const only = this.publicIdOf(options.only, 'only');
    const current = await this.currentIfAny();
    const doomed = (await this.runtime.tokens.listByOwner(owner)).filter(
      (s) => s.id !== except && (only === undefined || s.id === only),
    );
    await Promise.all(
      doomed.map((s) => (current && s.id === current.id ? current.destroy() : this.runtime.tokens.destroyById(s.id))),
    );
    return doomed.length;
  }

  /** The public id named by `except` or `only`: a Session's id, a verified token's id, or the string as given. */
  private publicIdOf(named: Session | string | undefined, option: string): string | undefined {
    if (named === undefined) return undefined;
    if (named instanceof SessionObject) return named.id;
    if (typeof named !== 'string') {
      throw new TypeError(`destroyByOwner(): ${option} must be a Session or a session id`);
    }
    return this.runtime.signer.verify(named)?.id ?? named;
  }

  /** The current request's session when there is one to find (no store call for a client without a token). */
  private async currentIfAny(): Promise<Session | undefined> {
    const state = currentRequest();
    if (!state || (!state.loading && !state.token)) return undefined;
    return this.runtime.hydrate(state) as Promise<Session>;
  }
}

/** Owner ids are compared as strings; anything else is a caller's bug, not an owner named "undefined". */
function ownerOf(ownerId: string | number): string {
  if ((typeof ownerId !== 'string' || ownerId === '') && !(typeof ownerId === 'number' && Number.isFinite(ownerId))) {
    throw new TypeError('SessionService: the owner id must be a non-empty string or a finite number');
  }
  return String(ownerId);
}

function isContext(value: unknown): value is ExecutionContext {
  return (
    typeof (value as ExecutionContext).switchToHttp === 'function' &&
    typeof (value as ExecutionContext).getType === 'function'
  );
}
