// ESLint (flat config): typescript-eslint's type-checked recommended rules over
// the library, the specs, the benchmarks and the examples, plus the RxJS rules
// that catch the mistakes an Observable library cannot afford.
import js from '@eslint/js';
import rxjs from 'eslint-plugin-rxjs-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'build-tsc/**',
      'coverage/**',
      'docs/api/**',
      '.check-docs/**',
      '.bench-out/**',
      '.pack/**',
      '.exp/**',
      'examples/*/node_modules/**',
      'examples/*/dist/**',
      'examples/angular/.angular/**',
      // The Angular app is type-checked and built by the Angular CLI against
      // its own dependencies (npm run e2e); they are not installed here.
      'examples/angular/**',
      // Type-only givens of check:docs snippets, not code.
      'scripts/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'bench/*.mjs', 'scripts/*.mjs', 'examples/*/*.mjs', 'examples/browser/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      // Unused names are a compile error already (noUnusedLocals); `_` marks a deliberate one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'rxjs-x': rxjs },
    rules: {
      // The RxJS mistakes that matter here (they need type information): a
      // nested subscribe loses cancellation, takeUntil must come last, a
      // notifier's values must not be ignored.
      'rxjs-x/no-nested-subscribe': 'error',
      'rxjs-x/no-unsafe-takeuntil': 'error',
      'rxjs-x/no-ignored-notifier': 'error',
    },
  },
  {
    // Plain JavaScript (benchmarks, scripts, the CommonJS leak child): no type information to check against.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['spec/**/*.ts', 'docs/examples/**/*.ts', 'examples/e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // Jest's asymmetric matchers (expect.objectContaining…) and JSON.parse of
      // recorded bodies are `any` by design; fakes of async APIs are async
      // without awaiting anything.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['examples/browser/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
