// Jest transform: an ES-module-only package (ArkType and its @ark/* and
// arkregex dependencies) rewritten as CommonJS with esbuild, since Jest's
// CommonJS runtime cannot require ES modules (without
// --experimental-vm-modules). Only for specs: the library imports no schema
// library at all.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const out = transformSync(source, { format: 'cjs', target: 'node18', sourcefile: filename, sourcemap: 'inline', loader: 'js' });
    return { code: out.code };
  },
  getCacheKey(source, filename) {
    return `esm-to-cjs:1:${filename}:${require('node:crypto').createHash('sha1').update(source).digest('hex')}`;
  },
};
