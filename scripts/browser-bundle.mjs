// What scripts/size.mjs and bench/compare.mjs share: how a small page is
// bundled for the browser (the way a user's bundler would see it), and which
// imports are Node built-ins.
import { builtinModules } from 'node:module';

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Whether an import specifier names a Node built-in (`node:fs`, `buffer`, `stream/web`…). */
export function isNodeBuiltin(path) {
  return path.startsWith('node:') || builtins.has(path) || builtins.has(path.split('/')[0]);
}

/**
 * esbuild options for one page given as source: browser platform, ESM,
 * minified, ES2022, `cohere-rx` resolved to this repository's build.
 */
export function browserPageOptions(name, source, root) {
  return {
    stdin: { contents: source, resolveDir: root, sourcefile: `${name}.js`, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    alias: { 'cohere-rx': './dist/index.mjs' },
  };
}
