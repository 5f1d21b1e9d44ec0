// Module resolution hooks for the app processes the suite forks on the Nest 11
// line (see nest11-register.mjs): @nestjs/* and ioredis resolve from
// test/nest11, as jest.nest11.config.js maps them for the suites themselves.
const nest11 = new URL('../nest11/package.json', import.meta.url).href;
const MAPPED = /^(@nestjs\/[^/]+|ioredis)(\/|$)/;

export async function resolve(specifier, context, next) {
  return next(specifier, MAPPED.test(specifier) ? { ...context, parentURL: nest11 } : context);
}
