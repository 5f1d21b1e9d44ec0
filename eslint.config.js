// ESLint flat config: type-aware rules where they catch real session bugs
// (an unawaited store call in the interceptor is a lost write).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.sample-dist/**',
      'node_modules/**',
      'coverage/**',
      'test-output/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  // test/consumers/<project>/ are apps of their own (own tsconfig, own dependencies), not part of this project.
  { ignores: ['test/consumers/*/**'] },
  // test/types/<case>/ are type-test programs compiled on their own (see test/types/session-data-types.e2e-spec.ts).
  { ignores: ['test/types/*/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
);
