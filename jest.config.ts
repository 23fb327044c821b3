import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  // docs/examples holds the runnable examples quoted in docs/testing.md.
  roots: ['<rootDir>/spec', '<rootDir>/docs/examples'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'spec/tsconfig.json', diagnostics: { warnOnly: false } }],
    '^.+\\.sse$': '<rootDir>/spec/helpers/textTransform.cjs',
  },
  // The testing entry point imports the core by its package name, as users do.
  moduleNameMapper: {
    '^cohere-rx$': '<rootDir>/lib/index.ts',
    '^cohere-rx/testing$': '<rootDir>/lib/testing/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json', 'sse'],
  // Loopback-HTTP specs open real sockets; keep them isolated per file.
  maxWorkers: 2,
  testTimeout: 20_000,
};

export default config;
