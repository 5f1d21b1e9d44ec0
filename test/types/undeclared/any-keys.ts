/**
 * Type test (compiled by test/types/session-data-types.e2e-spec.ts, never
 * run): with nothing declared in SessionData, any key is allowed and reads as
 * `unknown`, and `@Session(key)` takes any string.
 */
import { Controller, Get, Injectable } from '@nestjs/common';
import { Session, SessionService, type SessionKey } from 'nest-sessions';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const yes = <T extends true>(): T | undefined => undefined;

@Controller()
export class UntypedController {
  @Get('counter')
  count(@Session() session: Session): number {
    session.anything = { deep: [1, 2] };
    yes<Equal<typeof session.visits, unknown>>();
    // @ts-expect-error unknown until narrowed: no arithmetic on it
    session.visits = session.visits + 1;
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    // @ts-expect-error the members keep their types
    session.id = 'mine';
    return session.visits as number;
  }

  @Get('any')
  any(@Session('whatever') value: unknown): unknown {
    return value;
  }
}

yes<Equal<SessionKey, string>>();

@Injectable()
export class TokenClient {
  constructor(private readonly sessions: SessionService) {}

  async run(): Promise<void> {
    const token = await this.sessions.create({ userId: 7, roles: ['a'] });
    const data = await this.sessions.get(token);
    yes<Equal<typeof data, Record<string, unknown> | null>>();
    await this.sessions.update(token, { anything: true });
  }
}
