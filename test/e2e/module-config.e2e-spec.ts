import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  MemoryStore,
  SessionModule,
  SessionService,
  SessionStore,
  type SessionModuleOptions,
  type SessionOptionsFactory,
} from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { SECRET } from '../support/session-harness.js';
import { LoggedInGuard, TestController } from '../support/test-controller.js';

/** A config provider, as an app's ConfigModule would offer. */
@Injectable()
class AppConfig {
  readonly sessionSecret = SECRET;
  readonly sessionName = 'app.sid';
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

@Injectable()
class SessionConfig implements SessionOptionsFactory {
  constructor(private readonly config: AppConfig) {}
  createSessionOptions(): SessionModuleOptions {
    return { secret: this.config.sessionSecret, name: this.config.sessionName, logger: false };
  }
}

@Module({ imports: [AppConfigModule], providers: [SessionConfig], exports: [SessionConfig] })
class SessionConfigModule {}

async function boot(imports: unknown[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    controllers: [TestController],
    providers: [LoggedInGuard],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** A session round trip: the cookie named `name` carries the counter across requests. */
async function roundTrip(app: INestApplication, name: string): Promise<void> {
  const first = await request(app.getHttpServer()).get('/counter');
  const cookie = sessionCookie(first, name);
  expect(cookie).toBeDefined();
  const second = await request(app.getHttpServer()).get('/counter').set('Cookie', cookie!);
  expect(second.body.visits).toBe(2);
}

describe('SessionModule configuration', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('forRoot with options', async () => {
    app = await boot([SessionModule.forRoot({ secret: SECRET, name: 'plain.sid', logger: false })]);
    await roundTrip(app, 'plain.sid');
  });

  it('forRootAsync with a synchronous useFactory', async () => {
    app = await boot([
      SessionModule.forRootAsync({ useFactory: () => ({ secret: SECRET, name: 'sync.sid', logger: false }) }),
    ]);
    await roundTrip(app, 'sync.sid');
  });

  it('forRootAsync with an async useFactory + imports + inject from a config provider', async () => {
    app = await boot([
      SessionModule.forRootAsync({
        imports: [AppConfigModule],
        inject: [AppConfig],
        useFactory: async (config: AppConfig) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { secret: config.sessionSecret, name: config.sessionName, logger: false };
        },
      }),
    ]);
    await roundTrip(app, 'app.sid');
  });

  it('forRootAsync with useClass', async () => {
    app = await boot([SessionModule.forRootAsync({ imports: [AppConfigModule], useClass: SessionConfig })]);
    await roundTrip(app, 'app.sid');
  });

  it('forRootAsync with useExisting', async () => {
    app = await boot([SessionModule.forRootAsync({ imports: [SessionConfigModule], useExisting: SessionConfig })]);
    await roundTrip(app, 'app.sid');
  });

  it('injects the active store by its abstract class, and lets tests override it', async () => {
    const store = new MemoryStore();
    app = await boot([SessionModule.forRoot({ secret: SECRET, store, logger: false })]);
    expect(app.get(SessionStore)).toBe(store);
    expect(app.get(SessionService)).toBeInstanceOf(SessionService);

    class OtherStore extends MemoryStore {}
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: SECRET, logger: false })],
      controllers: [TestController],
      providers: [LoggedInGuard],
    })
      .overrideProvider(SessionStore)
      .useClass(OtherStore)
      .compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.init();
    expect(other.get(SessionStore)).toBeInstanceOf(OtherStore);
    await roundTrip(other, 'sid');
    await other.close();
  });

  it('instantiates a store given as a class', async () => {
    app = await boot([SessionModule.forRoot({ secret: SECRET, store: MemoryStore, logger: false })]);
    expect(app.get(SessionStore)).toBeInstanceOf(MemoryStore);
  });

  it.each([
    [{ secret: 'too-short' }, /option "secret"/],
    [{ secret: '' }, /option "secret"/],
    [{ secret: SECRET, maxAge: -5 }, /option "maxAge"/],
    [{ secret: SECRET, transport: 'carrier-pigeon' }, /option "transport"/],
    [{ secret: SECRET, name: '__Host-sid', cookie: { secure: true, domain: 'example.com' } }, /option "cookie.domain"/],
  ])('fails at startup on bad options %j, naming the option', async (options, pattern) => {
    await expect(boot([SessionModule.forRoot(options as SessionModuleOptions)])).rejects.toThrow(pattern);
  });

  it('fails at startup when an async factory returns bad options', async () => {
    await expect(boot([SessionModule.forRootAsync({ useFactory: () => ({ secret: 'short' }) })])).rejects.toThrow(
      /option "secret"/,
    );
  });

  describe('logger', () => {
    const original = process.env.NODE_ENV;
    afterEach(() => {
      process.env.NODE_ENV = original;
    });

    function spyLogger(): LoggerService & { warn: jest.Mock } {
      return { log: jest.fn(), error: jest.fn(), warn: jest.fn() } as unknown as LoggerService & { warn: jest.Mock };
    }

    it('warns once through the given logger when MemoryStore runs with NODE_ENV=production', async () => {
      process.env.NODE_ENV = 'production';
      const logger = spyLogger();
      app = await boot([SessionModule.forRoot({ secret: SECRET, logger })]);
      await roundTrip(app, 'sid');
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(String(logger.warn.mock.calls[0]![0])).toMatch(/MemoryStore.*production/);
    });

    it('does not warn outside production', async () => {
      process.env.NODE_ENV = 'test';
      const logger = spyLogger();
      app = await boot([SessionModule.forRoot({ secret: SECRET, logger })]);
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it('is silent with logger: false', async () => {
      process.env.NODE_ENV = 'production';
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      app = await boot([SessionModule.forRoot({ secret: SECRET, logger: false })]);
      const printed = stdout.mock.calls.map((c) => String(c[0])).join('');
      stdout.mockRestore();
      warn.mockRestore();
      expect(printed).not.toMatch(/MemoryStore/);
    });
  });

  it('stops the MemoryStore reaper when the app closes', async () => {
    const store = new MemoryStore({ reapInterval: 50 });
    const close = jest.spyOn(store, 'close');
    app = await boot([SessionModule.forRoot({ secret: SECRET, store, logger: false })]);
    await app.close();
    app = undefined;
    expect(close).toHaveBeenCalled();
  });
});
