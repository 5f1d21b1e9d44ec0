import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { RESOLVED_SESSION_OPTIONS, SESSION_LOGGER } from '../session.constants.js';
import type { ResolvedSessionOptions } from '../session.options.js';
import type { Session } from '../session.js';
import type { HttpExchange } from '../transport/exchange.js';
import { TokenSigner } from '../transport/session-token.js';
import { holdResponse } from './commit-hooks.js';
import { exposeOn } from './exposed-session.js';
import { RejectedTokenMonitor } from './rejected-token-monitor.js';
import { readRequestToken } from './request-token.js';
import { setState, stateOf, type RequestState } from './request-state.js';
import { SessionCommitter } from './session-commit.js';
import { SessionFactory } from './session-factory.js';
import { internalsFor } from './session-internals.js';
import { isExpired } from './session-meta.js';
import { SessionMethods } from './session-methods.js';
import { StoreGateway } from './store-gateway.js';
import { TokenDelivery } from './token-delivery.js';
import { TokenSessions } from './token-sessions.js';

/**
 * @internal One application's session engine: the request side (attach a
 * request's state, hydrate its session once, commit it), built from the
 * parts that read tokens, build sessions, commit them and run their methods.
 * The `@Session()` pipe, the interceptor, the commit hooks and SessionService
 * all go through this one object.
 */
@Injectable()
export class SessionRuntime {
  readonly signer: TokenSigner;
  readonly methods: SessionMethods;
  readonly tokens: TokenSessions;
  private readonly probes: RejectedTokenMonitor;
  private readonly factory: SessionFactory;
  private readonly committer: SessionCommitter;

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) readonly options: ResolvedSessionOptions,
    readonly gateway: StoreGateway,
    @Inject(SESSION_LOGGER) private readonly logger: LoggerService | null,
  ) {
    this.signer = new TokenSigner(options.secrets);
    this.probes = new RejectedTokenMonitor(logger);
    const delivery = new TokenDelivery(options, logger);
    this.factory = new SessionFactory(options, this.signer, () => this.methods);
    this.committer = new SessionCommitter(options, gateway, delivery, this.signer, this.factory, logger);
    this.methods = new SessionMethods(options, gateway, this.committer, this.factory, delivery);
    this.tokens = new TokenSessions(options, this.signer, gateway, this.factory, this.methods);
  }

  /** The request's state, created on first use: reads and verifies the token (no store call). */
  attach(exchange: HttpExchange): RequestState {
    const existing = stateOf(exchange.request);
    if (existing) {
      // A guard or middleware attached it with the request alone: the response is known now.
      existing.exchange.response ??= exchange.response;
      existing.exchange.reply ??= exchange.reply;
      return existing;
    }
    const state: RequestState = {
      exchange,
      ...readRequestToken(exchange, this.options, this.signer, this.probes),
      loading: undefined,
      session: undefined,
      committed: false,
      replying: false,
      held: false,
    };
    setState(exchange.request, state);
    return state;
  }

  /**
   * Load the request's session once (later calls share the same promise),
   * and hold the response until it is committed.
   */
  hydrate(state: RequestState): Promise<Session> {
    if (state.loading) return state.loading;
    holdResponse(this, state);
    const loading = this.load(state).then((session) => {
      state.session = session;
      // Nest's own @Session() from @nestjs/common, and middleware, read req.session:
      // on Fastify a middleware is handed Node's request, the route Fastify's.
      const { request, raw } = state.exchange;
      exposeOn(request, session);
      if (raw !== request) exposeOn(raw, session);
      return session;
    });
    state.loading = loading;
    // A failed load (store down) may be retried by a later call.
    loading.catch(() => {
      if (state.loading === loading) state.loading = undefined;
    });
    return loading;
  }

  /** True when committing would do nothing: no session loaded, or the commit's plan is "nothing". */
  idle(state: RequestState): boolean {
    if (!state.loading) return true;
    const session = state.session;
    if (!session) return false;
    const i = internalsFor(session, this.methods);
    return i.busy === 0 && this.committer.plan(session, i) === 'nothing';
  }

  /** Persist what changed and put the token on the response. */
  async commit(state: RequestState): Promise<void> {
    if (!state.loading) return;
    const session = state.session ?? (await state.loading);
    await this.methods.save(session);
  }

  private async load(state: RequestState): Promise<Session> {
    const token = state.token;
    if (token) {
      const record = await this.gateway.get(token.id);
      if (record) {
        if (isExpired(record.meta, this.options, Date.now())) {
          // Expired by its stored deadlines, whatever the store's TTL said.
          await this.gateway.destroy(token.id);
        } else if (!this.factory.fingerprintMatches(record.meta, state)) {
          this.logger?.warn(
            `Session ${token.id} was presented with another client fingerprint; a fresh session was issued`,
          );
        } else {
          return this.factory.fromRecord(token, record, state, token.resign);
        }
      } else {
        // Strict mode: a signed id the store does not know is never adopted.
        this.logger?.debug?.(`Unknown session ${token.id} presented; a fresh session was issued`);
      }
    }
    return this.factory.fresh(state, this.options.maxAge);
  }
}
