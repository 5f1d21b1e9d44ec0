import {
  Injectable,
  Optional,
  type ExecutionContext,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { HttpExchange, PlatformRequest } from './exchange.js';

/**
 * WebSocket gateways carry no request per message: the session comes from
 * the handshake (the HTTP request that opened the socket). How to find it
 * depends on the adapter, and that difference lives here:
 *
 * - socket.io keeps it on every socket as `client.request`;
 * - a `ws` WebSocket keeps no reference to it, only to its TCP socket, so
 *   the module records upgrade requests of the application's HTTP server by
 *   TCP socket ({@link WsHandshakeCapture}) and finds them again from the
 *   client's socket.
 */
const upgrades = new WeakMap<object, IncomingMessage>();

function isIncomingMessage(value: unknown): value is IncomingMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IncomingMessage).headers === 'object' &&
    (value as IncomingMessage).headers !== null
  );
}

/** The handshake request of a gateway client, or undefined when it cannot be known. */
export function handshakeOf(client: unknown): IncomingMessage | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const request = (client as { request?: unknown }).request;
  if (isIncomingMessage(request)) return request;
  // `_socket` is how `ws` has named a WebSocket's TCP socket since its first
  // versions; it is the `socket` of the upgrade request captured below.
  const tcp = (client as { _socket?: unknown })._socket;
  return typeof tcp === 'object' && tcp !== null ? upgrades.get(tcp) : undefined;
}

/** Thrown when a gateway handler asks for the session of a socket whose handshake is unknown. */
export class UnknownHandshakeError extends Error {
  constructor() {
    super(
      '@Session() in a WebSocket gateway needs the handshake request of the socket. ' +
        'socket.io gateways have it on any port; `ws` gateways must share the application HTTP server ' +
        '(@WebSocketGateway() without a port).',
    );
    this.name = 'UnknownHandshakeError';
  }
}

/**
 * Exchanges of gateway messages, keyed by the argument array Nest builds once
 * per message and hands to guards and interceptors alike: a guard's
 * `SessionService.load(ctx)` and the interceptor then share one state.
 */
const messages = new WeakMap<object, HttpExchange>();

/**
 * The exchange of one gateway message: a fresh request object per message
 * (so each message reloads the session and commits only its own changes),
 * headers and socket from the handshake, and no response (a socket cannot
 * take a cookie).
 */
export function exchangeFromWsContext(ctx: ExecutionContext): HttpExchange {
  const args = ctx.getArgs();
  const known = messages.get(args);
  if (known) return known;
  const client = ctx.switchToWs().getClient<object>();
  const handshake = handshakeOf(client);
  if (!handshake) throw new UnknownHandshakeError();
  const request: PlatformRequest & Pick<IncomingMessage, 'headers' | 'socket' | 'url'> = {
    headers: handshake.headers,
    socket: handshake.socket,
    url: handshake.url,
  };
  const exchange: HttpExchange = { request, raw: handshake, response: undefined, reply: undefined, client };
  messages.set(args, exchange);
  return exchange;
}

/**
 * @internal Records the upgrade requests of the application's HTTP server (Express or Fastify), so `ws`
 * gateways sharing it can find the handshake of a client. Socket.io needs none of this.
 */
@Injectable()
export class WsHandshakeCapture implements OnModuleInit, OnApplicationShutdown {
  private server: NodeJS.EventEmitter | undefined;
  private readonly record = (request: IncomingMessage): void => {
    upgrades.set(request.socket, request);
  };

  constructor(@Optional() private readonly host?: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP adapter in standalone contexts and microservices: nothing to capture.
    const server: unknown = this.host?.httpAdapter?.getHttpServer?.();
    if (typeof (server as NodeJS.EventEmitter | undefined)?.prependListener !== 'function') return;
    this.server = server as NodeJS.EventEmitter;
    // Before the WebSocket adapter's own listener, which completes the upgrade.
    this.server.prependListener('upgrade', this.record);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.record);
    this.server = undefined;
  }
}
