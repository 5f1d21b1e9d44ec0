/**
 * The same suites on the lowest supported Nest 11 minor and ioredis 5 (the
 * dependency set in test/nest11, installed by test/run-suite.mjs before this run): every
 * import of @nestjs/* and ioredis, the library's own included, resolves
 * there. ts-jest only transpiles (tsconfig's isolatedModules); the types are
 * checked once per `npm test`, against the root's Nest 12, by the runner's
 * `tsc --noEmit` step.
 */
import base from './jest.config.js';

const nest11 = '<rootDir>/test/nest11/node_modules';
// Read by test/e2e/nest-line.e2e-spec.ts, which checks that this run loads Nest 11.
process.env.NEST_LINE = '11';

export default {
  ...base,
  displayName: 'nest 11',
  moduleNameMapper: {
    '^(@nestjs/[^/]+|ioredis)$': `${nest11}/$1`,
    '^(@nestjs/[^/]+|ioredis)/(.*)$': `${nest11}/$1/$2`,
    ...base.moduleNameMapper,
  },
  // The packed tarball and the consumer projects bring their own Nest: they run once.
  // The type tests check against the root's Nest 12 types in the Nest 12 run.
  testPathIgnorePatterns: ['/node_modules/', '/test/packaging/', '/test/consumers/', '/test/types/'],
};
