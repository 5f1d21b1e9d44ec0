import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
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

function sessionOf(data: string | undefined, ctx: ExecutionContext): unknown {
  const session = stateFor(ctx)?.session;
  if (!session) {
    throw new Error(
      '@Session() found no session: is SessionModule imported, and its interceptor not replaced? ' +
        'Outside route handlers, use `await sessionService.load(ctx)`.',
    );
  }
  return data === undefined ? session : session[data];
}

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
export const Session: (key?: string) => ParameterDecorator = createParamDecorator<string | undefined>(sessionOf) as (
  key?: string,
) => ParameterDecorator;

/** The type of what `@Session()` gives: same name as the decorator, as users write `@Session() session: Session`. */
export type Session = SessionObject;
