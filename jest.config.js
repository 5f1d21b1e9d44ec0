/** Jest in ESM mode: Nest 12 ships ES modules only. Run through `npm test`. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/lib', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // test/consumers/<project>/ are apps with their own jest, run by test/consumers/consumer-projects.e2e-spec.ts.
  testPathIgnorePatterns: ['/node_modules/', '/test/consumers/[^/]+/'],
  // NodeNext imports end in .js; the TypeScript sources do not.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  testTimeout: 20000,
};
