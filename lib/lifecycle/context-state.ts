import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { USE_SESSION_METADATA } from '../session.constants.js';
import { exchangeFromContext } from '../transport/context-exchange.js';
import type { RequestState } from './request-state.js';
import type { SessionRuntime } from './session-runtime.js';

const reflector = new Reflector();

/** Thrown when a gateway handler asks for the session where nothing would save it. */
export class MissingUseSessionError extends Error {
  constructor() {
    super(
      'The session of a WebSocket gateway message is saved by the module interceptor, which gateways opt into: ' +
        'add @UseSession() (from nest-sessions) to the gateway class or to this handler.',
    );
    this.name = 'MissingUseSessionError';
  }
}

/** Whether the module's interceptor runs for the handler in `ctx`: `@UseSession()` on it or its class, or `rolling`. */
export function interceptorRuns(ctx: ExecutionContext, rolling: boolean): boolean {
  return (
    rolling ||
    reflector.getAllAndOverride<boolean | undefined>(USE_SESSION_METADATA, [ctx.getHandler(), ctx.getClass()]) === true
  );
}

/**
 * The state of the request, gateway message or GraphQL operation in `ctx`,
 * for the `@Session()` pipe and `load(ctx)`. HTTP (GraphQL included) is
 * committed by the response hooks; a gateway message has no response, so
 * only the interceptor can commit it, and without it the session is refused
 * with an error that says what to add.
 */
export function stateForContext(runtime: SessionRuntime, ctx: ExecutionContext): RequestState {
  if (ctx.getType() === 'ws' && !interceptorRuns(ctx, runtime.options.rolling)) throw new MissingUseSessionError();
  return runtime.attach(exchangeFromContext(ctx));
}
