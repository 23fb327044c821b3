// Jest setup file for scripts/rxjs-matrix.sh (see jest.config.ts): fails every
// spec file when the RxJS that `rxjs` resolves to is not the one asked for, so a
// mapping that silently fell back to node_modules cannot pass as another version.
const expected = process.env.COHERE_RX_RXJS_VERSION;
const loaded = require('rxjs/package.json').version;
if (expected && loaded !== expected) {
  throw new Error(`rxjs ${loaded} loaded, expected ${expected} (COHERE_RX_RXJS_DIR=${process.env.COHERE_RX_RXJS_DIR})`);
}
