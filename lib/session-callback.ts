/**
 * express-session's callback style beside the promises: what Passport,
 * connect-flash and csrf-sync call on `req.session` (`save(cb)`,
 * `regenerate(cb)`…). Called once, with the error or `null`.
 */
export type SessionCallback = (error: unknown) => void;

/**
 * Hand `promise`'s outcome to `callback` (when given) exactly once, and still
 * return the promise. Given a callback, the caller has handled the error:
 * the promise is marked handled, so an unawaited one is never an unhandled
 * rejection. An exception thrown by the callback itself is the caller's and
 * surfaces as uncaught, as it would from express-session's store callback;
 * it is never fed back into the callback.
 */
export function settle<T>(promise: Promise<T>, callback: SessionCallback | undefined): Promise<T> {
  if (callback === undefined) return promise;
  if (typeof callback !== 'function') {
    throw new TypeError('Session: the callback must be a function');
  }
  const call = (error: unknown): void => {
    try {
      callback(error);
    } catch (thrown) {
      process.nextTick(() => {
        throw thrown;
      });
    }
  };
  promise.then(
    () => call(null),
    (error: unknown) => call(error),
  );
  return promise;
}
