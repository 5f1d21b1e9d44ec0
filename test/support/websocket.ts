import {
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type WebSocketAdapter,
} from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Session, SessionService, UseSession } from '../../lib/index.js';

/** Every message carries an id the reply echoes, so concurrent calls on one socket can be told apart. */
type Message = { id: number } & Record<string, unknown>;

/** A guard that reads the session of a gateway message (guards run before parameter pipes). */
@Injectable()
export class WsLoggedInGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load(ctx);
    if (typeof session.userId !== 'string') throw new WsException('not logged in');
    return true;
  }
}

/** A gateway on the application's own HTTP server, one behaviour per message. */
@UseSession()
@WebSocketGateway()
export class SessionGateway {
  constructor(private readonly sessions: SessionService) {}

  @SubscribeMessage('whoami')
  whoami(@Session('userId') userId: string | undefined, @MessageBody() body: Message): Message {
    return { id: body.id, userId: userId ?? null };
  }

  @SubscribeMessage('read')
  read(@Session() session: Session, @MessageBody() body: Message): Message {
    return { id: body.id, sessionId: session.id, isNew: session.isNew, data: { ...session } };
  }

  @SubscribeMessage('set')
  async set(@Session() session: Session, @MessageBody() body: Message): Promise<Message> {
    if (typeof body.delay === 'number') await new Promise((resolve) => setTimeout(resolve, body.delay as number));
    session[body.key as string] = body.value;
    return { id: body.id, ok: true };
  }

  @SubscribeMessage('guarded')
  @UseGuards(WsLoggedInGuard)
  guarded(@Session('userId') userId: string, @MessageBody() body: Message): Message {
    return { id: body.id, userId };
  }

  @SubscribeMessage('via-service')
  async viaService(@MessageBody() body: Message): Promise<Message> {
    // No session argument: the service finds the current message's session.
    const session = await this.sessions.reload();
    session.viaService = true;
    await this.sessions.save();
    return { id: body.id, ok: true };
  }

  @SubscribeMessage('logout')
  async logout(@Session() session: Session, @MessageBody() body: Message): Promise<Message> {
    await session.destroy();
    return { id: body.id, ok: true };
  }

  @SubscribeMessage('ping')
  ping(@MessageBody() body: Message): Message {
    return { id: body.id, pong: true };
  }
}

/** A connected test client. `call` sends one message and resolves to its reply. */
export interface TestSocket {
  call(event: string, data?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface WsVariant {
  name: string;
  adapter(app: INestApplication): WebSocketAdapter;
  /** Connect to the app on `port`, sending `headers` with the handshake. */
  connect(port: number, headers: Record<string, string>): Promise<TestSocket>;
}

const REPLY_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply to ${what} within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const ws: WsVariant = {
  name: 'ws',
  adapter: (app) => new WsAdapter(app),
  async connect(port, headers) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
      'the ws handshake',
    );
    const pending = new Map<number, (reply: Record<string, unknown>) => void>();
    socket.on('message', (raw) => {
      const reply = JSON.parse(String(raw)) as Message;
      pending.get(reply.id)?.(reply);
      pending.delete(reply.id);
    });
    let seq = 0;
    return {
      call(event, data = {}) {
        const id = ++seq;
        const reply = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve));
        socket.send(JSON.stringify({ event, data: { ...data, id } }));
        return withTimeout(reply, `"${event}"`);
      },
      async close() {
        if (socket.readyState === WebSocket.CLOSED) return;
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.close();
        await closed;
      },
    };
  },
};

const socketIo: WsVariant = {
  name: 'socket.io',
  adapter: (app) => new IoAdapter(app),
  async connect(port, headers) {
    // Default transports: the handshake is an HTTP long-polling request, then the socket upgrades.
    const socket = io(`http://127.0.0.1:${port}`, { extraHeaders: headers, reconnection: false, forceNew: true });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      }),
      'the socket.io handshake',
    );
    let seq = 0;
    return {
      call(event, data = {}) {
        return socket.timeout(REPLY_TIMEOUT_MS).emitWithAck(event, { ...data, id: ++seq }) as Promise<
          Record<string, unknown>
        >;
      },
      async close() {
        socket.disconnect();
      },
    };
  },
};

/** The WebSocket adapters the gateway suite runs on. */
export const wsVariants: WsVariant[] = [ws, socketIo];
