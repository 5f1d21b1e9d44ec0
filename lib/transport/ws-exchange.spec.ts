import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { exchangeFromWsContext, handshakeOf, UnknownHandshakeError, WsHandshakeCapture } from './ws-exchange.js';

function upgradeRequest(): IncomingMessage {
  return { headers: { cookie: 'sid=x' }, socket: {}, url: '/' } as unknown as IncomingMessage;
}

/** An HTTP server stand-in behind an HttpAdapterHost. */
function hostWith(server: EventEmitter): HttpAdapterHost {
  return { httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost;
}

function wsContext(args: unknown[]): ExecutionContext {
  return {
    getArgs: () => args,
    getType: () => 'ws',
    switchToWs: () => ({ getClient: () => args[0] }),
  } as unknown as ExecutionContext;
}

describe('handshakeOf', () => {
  it('finds a socket.io handshake on client.request', () => {
    const request = upgradeRequest();
    expect(handshakeOf({ request })).toBe(request);
  });

  it('finds a ws client’s upgrade request through its TCP socket once captured, and only then', () => {
    const server = new EventEmitter();
    const capture = new WsHandshakeCapture(hostWith(server));
    const request = upgradeRequest();
    const client = { _socket: request.socket };
    expect(handshakeOf(client)).toBeUndefined();
    capture.onModuleInit();
    server.emit('upgrade', request);
    expect(handshakeOf(client)).toBe(request);
    expect(handshakeOf({ _socket: {} })).toBeUndefined();
  });

  it('runs before listeners the WebSocket adapter added earlier, and is removed at shutdown', () => {
    const server = new EventEmitter();
    const request = upgradeRequest();
    let seenByAdapter: IncomingMessage | undefined;
    server.on('upgrade', () => {
      seenByAdapter = handshakeOf({ _socket: request.socket });
    });
    const capture = new WsHandshakeCapture(hostWith(server));
    capture.onModuleInit();
    server.emit('upgrade', request);
    expect(seenByAdapter).toBe(request);
    capture.onApplicationShutdown();
    expect(server.listenerCount('upgrade')).toBe(1);
  });

  it('does nothing without an HTTP adapter (standalone contexts, microservices)', () => {
    expect(() =>
      new WsHandshakeCapture({ httpAdapter: undefined } as unknown as HttpAdapterHost).onModuleInit(),
    ).not.toThrow();
    expect(() => new WsHandshakeCapture(undefined).onModuleInit()).not.toThrow();
  });

  it('ignores clients that are not objects', () => {
    expect(handshakeOf(undefined)).toBeUndefined();
    expect(handshakeOf('socket')).toBeUndefined();
  });
});

describe('exchangeFromWsContext', () => {
  it('gives one exchange per message (shared by guards and interceptors), none of them with a response', () => {
    const client = { request: upgradeRequest() };
    const args = [client, { a: 1 }, 'event'];
    const first = exchangeFromWsContext(wsContext(args));
    expect(exchangeFromWsContext(wsContext(args))).toBe(first);
    const next = exchangeFromWsContext(wsContext([client, { a: 1 }, 'event']));
    expect(next).not.toBe(first);
    expect(next.request).not.toBe(first.request);
    expect(first).toMatchObject({ raw: client.request, response: undefined, reply: undefined, client });
    expect((first.request as { headers: unknown }).headers).toBe(client.request.headers);
  });

  it('throws a clear error for a socket whose handshake is unknown', () => {
    expect(() => exchangeFromWsContext(wsContext([{ _socket: {} }, {}, 'event']))).toThrow(UnknownHandshakeError);
    expect(() => exchangeFromWsContext(wsContext([{ _socket: {} }, {}, 'event']))).toThrow(/without a port/);
  });
});
