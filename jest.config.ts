// This file is CommonJS written in TypeScript's erasable syntax only: a type-only
// import and `module.exports`, no `export default`. Jest loads a .ts config in
// two ways: on Node with built-in type stripping (22.18+, 23.6+) it require()s
// the file natively; on older Node it compiles it with ts-node. The package is
// "type": "commonjs", so the native path reads this file as CommonJS: with an
// `export default` it failed with "Failed to load the ES module … jest.config.ts"
// (printed as a warning) before Jest fell back to ts-node. Written this way,
// both paths load the same file the same way. See docs/decisions.md.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  // docs/examples holds the runnable examples quoted in docs/testing.md.
  roots: ['<rootDir>/spec', '<rootDir>/docs/examples'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'spec/tsconfig.json', diagnostics: { warnOnly: false } }],
    '^.+\\.sse$': '<rootDir>/spec/helpers/textTransform.cjs',
    // ArkType ships ES modules only; the specs that use it get them as CommonJS.
    '/node_modules/(arktype|@ark/[^/]+|arkregex)/.+\\.js$': '<rootDir>/spec/helpers/esmToCjs.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!(arktype|@ark/[^/]+|arkregex)/)'],
  // The testing entry point imports the core by its package name, as users do.
  moduleNameMapper: {
    '^cohere-rx$': '<rootDir>/lib/index.ts',
    '^cohere-rx/testing$': '<rootDir>/lib/testing/index.ts',
    '^cohere-rx/server$': '<rootDir>/lib/server/index.ts',
    '^cohere-rx/telemetry$': '<rootDir>/lib/telemetry/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json', 'sse'],
  // Loopback-HTTP specs open real sockets; keep them isolated per file.
  maxWorkers: 2,
  testTimeout: 20_000,
};

// scripts/rxjs-matrix.sh runs the suite against another RxJS installed outside
// node_modules: COHERE_RX_RXJS_DIR is that package's folder, and
// COHERE_RX_RXJS_VERSION the version the setup file checks was really loaded.
const otherRxjs = process.env['COHERE_RX_RXJS_DIR'];
if (otherRxjs) {
  config.moduleNameMapper = {
    ...config.moduleNameMapper,
    '^rxjs$': otherRxjs,
    '^rxjs/(.*)$': `${otherRxjs}/$1`,
  };
  config.setupFiles = ['<rootDir>/scripts/rxjs-version-check.cjs'];
}

module.exports = config;
