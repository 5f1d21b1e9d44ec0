import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { UseSession } from '../decorators/use-session.decorator.js';
import { MissingUseSessionError, stateForContext } from './context-state.js';
import type { SessionRuntime } from './session-runtime.js';

class BareGateway {
  message(): void {}
}

@UseSession()
class SessionGateway {
  message(): void {}
}

class MethodGateway {
  @UseSession()
  message(): void {}
}

/** A gateway message's context, as Nest builds it, for a client whose handshake is known. */
function wsContext(type: new () => { message(): void }): ExecutionContext {
  const client = { request: { headers: {}, socket: {}, url: '/' } };
  const args = [client, {}];
  return {
    getType: () => 'ws',
    getClass: () => type,
    getHandler: () => type.prototype.message,
    getArgs: () => args,
    switchToWs: () => ({ getClient: () => client, getData: () => ({}), getPattern: () => 'message' }),
  } as unknown as ExecutionContext;
}

function runtime(rolling = false): SessionRuntime {
  return { options: { rolling }, attach: () => ({ attached: true }) } as unknown as SessionRuntime;
}

describe('stateForContext on a gateway message', () => {
  it('refuses without @UseSession(), saying exactly what to add', () => {
    expect(() => stateForContext(runtime(), wsContext(BareGateway))).toThrow(MissingUseSessionError);
    expect(() => stateForContext(runtime(), wsContext(BareGateway))).toThrow(
      /add @UseSession\(\) \(from nest-sessions\) to the gateway class or to this handler/,
    );
  });

  it('attaches with @UseSession() on the class or the handler, or with rolling (the interceptor is global)', () => {
    for (const [type, rolling] of [
      [SessionGateway, false],
      [MethodGateway, false],
      [BareGateway, true],
    ] as const) {
      expect(stateForContext(runtime(rolling), wsContext(type))).toEqual({ attached: true });
    }
  });
});
