// Module resolution hooks for fixture app processes on the Nest 11 line (see
// nest-line-register.mjs): `@nestjs/*` and `ioredis` imports resolve in
// test/nest11/node_modules when that line has the package, as the Nest 11
// jest run's moduleNameMapper does in-process. Nest 11's own packages are
// CommonJS and find each other there by Node's usual lookup.
import { existsSync } from 'node:fs';

const base = new URL('../nest11/node_modules/', import.meta.url);
const MAPPED = /^(@nestjs\/[^/]+|ioredis)(\/.*)?$/;

export async function resolve(specifier, context, nextResolve) {
  const match = MAPPED.exec(specifier);
  if (match && existsSync(new URL(`${match[1]}/package.json`, base))) {
    return nextResolve(specifier, { ...context, parentURL: new URL('index.js', base).href });
  }
  return nextResolve(specifier, context);
}
