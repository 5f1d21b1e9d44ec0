/**
 * Type test (compiled by test/types/session-data-types.e2e-spec.ts, never
 * run): with keys declared in SessionData, sessions and the token-level API
 * are typed by them and other keys are compile errors. Each `@ts-expect-error`
 * must be an error, or tsc fails the test ("unused directive").
 */
import { Controller, Get, Injectable } from '@nestjs/common';
import { Session, SessionService, type SessionData, type SessionKey } from 'nest-sessions';

function expectType<T>(value: T): T {
  return value;
}
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const yes = <T extends true>(): T | undefined => undefined;

@Controller()
export class TypedController {
  @Get('counter')
  count(@Session() session: Session): number {
    // Declared keys are typed (optional: a new session holds none).
    session.visits = (session.visits ?? 0) + 1;
    expectType<number | undefined>(session.visits);
    expectType<string | undefined>(session.userId);
    yes<Equal<typeof session.cart, { sku: string; qty: number }[] | undefined>>();
    // @ts-expect-error a declared key keeps its type
    session.visits = 'many';
    // @ts-expect-error an undeclared key is an error once keys are declared
    session.nope = 1;
    // @ts-expect-error reading one is too
    void session.nope;
    // The members are there beside the data.
    expectType<string>(session.id);
    expectType<boolean>(session.isNew);
    // A per-session lifetime ("remember me"), the express-session way.
    session.cookie.maxAge = 30 * 86_400_000;
    session.cookie.expires = new Date(Date.now() + 86_400_000);
    session.cookie = { maxAge: 86_400_000 };
    expectType<number | null>(session.cookie.originalMaxAge);
    // @ts-expect-error the cookie's other attributes are the module's
    session.cookie.path = '/elsewhere';
    // @ts-expect-error a lifetime is a number of ms
    session.cookie.maxAge = '30d';
    // express-session's callbacks beside the promises.
    void session.save((error) => expectType<unknown>(error));
    void session.regenerate({ keep: ['cart'] }, () => undefined);
    void session.regenerate(() => undefined);
    void session.destroy(() => undefined);
    // @ts-expect-error regenerate's options come first
    void session.regenerate(() => undefined, { keep: ['cart'] });
    return session.visits ?? 0;
  }

  @Get('me')
  me(@Session('userId') userId: SessionData['userId']): string | undefined {
    yes<Equal<typeof userId, string | undefined>>();
    return userId;
  }

  // @ts-expect-error @Session() accepts only declared keys
  @Get('nope') nope(@Session('nope') value: unknown): unknown {
    return value;
  }

  async regenerated(@Session() session: Session): Promise<void> {
    // regenerate and reload resolve to the same typed Session.
    const again = await session.regenerate({ keep: ['cart'] });
    expectType<string | undefined>(again.userId);
    const reloaded = await session.reload();
    expectType<number | undefined>(reloaded.visits);
  }
}

yes<Equal<SessionKey, 'userId' | 'visits' | 'cart'>>();

@Injectable()
export class TokenClient {
  constructor(private readonly sessions: SessionService) {}

  async run(): Promise<void> {
    const token = await this.sessions.create({ userId: 'ann', visits: 1 });
    // @ts-expect-error create() takes the declared shape
    await this.sessions.create({ userId: 7 });
    // @ts-expect-error and no undeclared key
    await this.sessions.create({ nope: true });
    const data = await this.sessions.get(token);
    expectType<string | undefined>(data?.userId);
    // @ts-expect-error get() gives the declared shape
    void data?.nope;
    await this.sessions.update(token, { visits: 2 });
    // @ts-expect-error update() takes the declared shape
    await this.sessions.update(token, { visits: '2' });
    const loaded = await this.sessions.load({ headers: {} } as never);
    expectType<number | undefined>(loaded.visits);
  }
}
