import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { SessionInterceptor } from '../lifecycle/session.interceptor.js';
import { USE_SESSION_METADATA } from '../session.constants.js';

/**
 * Runs the module's interceptor on a WebSocket gateway (class) or handler,
 * or on an `@Sse()` route: where there is no HTTP response to hold, it saves
 * the session after each message, or before each event is sent. Gateways
 * need it for `@Session()` and `load(ctx)`; HTTP routes and GraphQL
 * resolvers do not (their response carries the commit).
 *
 * @example
 * ＠UseSession()
 * ＠WebSocketGateway()
 * export class ChatGateway {
 *   ＠SubscribeMessage('whoami')
 *   whoami(＠Session('userId') userId?: string) { return { userId }; }
 * }
 */
export function UseSession(): ClassDecorator & MethodDecorator {
  return applyDecorators(SetMetadata(USE_SESSION_METADATA, true), UseInterceptors(SessionInterceptor));
}
