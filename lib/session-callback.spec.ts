import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { settle } from './session-callback.js';

describe('settle (express-session callbacks beside promises)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('calls the callback once with null on success and still returns the promise', async () => {
    const calls: unknown[] = [];
    const returned = settle(Promise.resolve(42), (error) => calls.push(error));
    await expect(returned).resolves.toBe(42);
    await tick();
    expect(calls).toEqual([null]);
  });

  it('calls the callback once with the error; an unawaited promise is no unhandled rejection', async () => {
    const failure = new Error('store down');
    const calls: unknown[] = [];
    const returned = settle(Promise.reject(failure), (error) => calls.push(error));
    await tick();
    await tick();
    expect(calls).toEqual([failure]);
    expect(unhandled).toEqual([]);
    // Awaited, the promise still rejects with the error.
    await expect(returned).rejects.toBe(failure);
  });

  it('without a callback, returns the very promise', () => {
    const promise = Promise.resolve();
    expect(settle(promise, undefined)).toBe(promise);
  });

  it('refuses a callback that is not a function', () => {
    expect(() => settle(Promise.resolve(), 'nope' as never)).toThrow(TypeError);
  });
});
