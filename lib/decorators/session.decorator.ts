import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { stateForContext } from '../lifecycle/context-state.js';
import { currentRequest } from '../lifecycle/current-request.js';
import type { RequestState } from '../lifecycle/request-state.js';
import { SessionRuntime } from '../lifecycle/session-runtime.js';
import type { SessionKey, SessionValues } from '../session-data.js';
import type { SessionMembers } from '../session.js';

/**
 * What `@Session()` resolves to before its pipe runs: the context, the key
 * asked for, and for a gateway message its state. Nest hands a parameter
 * factory a copy of the message's arguments, not the array guards and
 * interceptors share, so the message is found the way the interceptor
 * passes it on: as the async context it runs the handler in.
 */
class PendingSession {
  constructor(
    readonly ctx: ExecutionContext,
    readonly key: string | undefined,
    readonly message: RequestState | undefined,
  ) {}
}

function pendingSession(key: string | undefined, ctx: ExecutionContext): PendingSession {
  if (ctx.getType() !== 'ws') return new PendingSession(ctx, key, undefined);
  const state = currentRequest();
  const mine = state?.exchange.client === ctx.switchToWs().getClient<object>() ? state : undefined;
  return new PendingSession(ctx, key, mine);
}

/**
 * @internal Hydrates the session for the parameter (Nest awaits a parameter's pipes
 * before it calls the handler). A class, so Nest builds it with its
 * application's injector: the session engine comes from the application the
 * handler runs in, whatever the handler's name or wrapper, with no lookup.
 */
@Injectable()
export class SessionPipe implements PipeTransform {
  constructor(private readonly runtime: SessionRuntime) {}

  transform(value: unknown): unknown {
    if (!(value instanceof PendingSession)) return value;
    const key = value.key;
    return this.runtime
      .hydrate(value.message ?? stateForContext(this.runtime, value.ctx))
      .then((session) => (key === undefined ? session : session[key]));
  }
}

const sessionParameter = createParamDecorator<string | undefined>(pendingSession);

/**
 * The session of this request, or one property of its data. The session is
 * loaded when a handler asks for it this way (or through SessionService);
 * handlers without it cost no store call. Works in controllers, GraphQL
 * resolvers and, with `@UseSession()`, WebSocket gateways.
 *
 * @example
 * declare module 'nest-sessions' {
 *   interface SessionData { userId?: string; visits?: number }
 * }
 *
 * ＠Get('counter')
 * count(＠Session() session: Session) {
 *   session.visits = (session.visits ?? 0) + 1;
 *   return { visits: session.visits };
 * }
 *
 * ＠Get('me')
 * me(＠Session('userId') userId: SessionData['userId']) { return { userId }; }
 */
export const Session: (key?: SessionKey) => ParameterDecorator = (key?: string) => sessionParameter(key, SessionPipe);

/**
 * The type of what `@Session()` gives (same name as the decorator, as users
 * write `@Session() session: Session`): the session's members and its data,
 * typed by `SessionData`.
 */
export type Session = SessionMembers & SessionValues;
