import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { hydrateForParameter } from '../lifecycle/route-binding.js';
import { currentRequest } from '../lifecycle/current-request.js';
import { stateOf, type RequestState } from '../lifecycle/request-state.js';
import { registerSessionParamFactory } from '../lifecycle/route-usage.js';
import type { Session as SessionObject } from '../session.js';

/**
 * The state of the request or gateway message being handled. A socket carries
 * many messages, possibly at once, so a message's state is not on the client
 * but in the async context the interceptor runs the handler in.
 */
function stateFor(ctx: ExecutionContext): RequestState | undefined {
  if (ctx.getType() !== 'ws') return stateOf(ctx.switchToHttp().getRequest<object>());
  const state = currentRequest();
  return state?.exchange.client === ctx.switchToWs().getClient<object>() ? state : undefined;
}

/**
 * What `@Session()` resolves to before its pipe runs: the session (or one of
 * its keys) when the interceptor already hydrated it, else a request for the
 * pipe to hydrate it (routes the interceptor is not bound to).
 */
class PendingSession {
  constructor(
    readonly ctx: ExecutionContext,
    readonly key: string | undefined,
  ) {}
}

function sessionOf(data: string | undefined, ctx: ExecutionContext): unknown {
  const session = stateFor(ctx)?.session;
  if (!session) return new PendingSession(ctx, data);
  return data === undefined ? session : session[data];
}

/**
 * Hydrates a pending session: Nest awaits a parameter's pipes before it calls
 * the handler, which is all a handler-only route needs (no interceptor).
 */
const hydrateParameter: PipeTransform = {
  async transform(value: unknown): Promise<unknown> {
    if (!(value instanceof PendingSession)) return value;
    const session = await hydrateForParameter(value.ctx);
    if (!session) {
      throw new Error(
        '@Session() found no session: is SessionModule imported, and its interceptor not replaced? ' +
          'Outside route handlers, use `await sessionService.load(ctx)`.',
      );
    }
    return value.key === undefined ? session : session[value.key];
  },
};

registerSessionParamFactory(sessionOf);

/**
 * The session of this request, or one property of its data.
 * Its presence on a handler is what makes the module load the session for
 * that route; handlers without it cost no store call.
 *
 * @example
 * ＠Get('counter')
 * count(＠Session() session: Session) {
 *   session.visits = ((session.visits as number) ?? 0) + 1;
 *   return { visits: session.visits };
 * }
 *
 * ＠Get('me')
 * me(＠Session('userId') userId?: string) { return { userId }; }
 */
const sessionParameter = createParamDecorator<string | undefined>(sessionOf);

export const Session: (key?: string) => ParameterDecorator = (key?: string) => sessionParameter(key, hydrateParameter);

/** The type of what `@Session()` gives: same name as the decorator, as users write `@Session() session: Session`. */
export type Session = SessionObject;
