import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

// @opentelemetry/api is an optional peer dependency, loaded by the
// cohere-rx/telemetry entry point only: an app without telemetry ships and
// runs nothing of it. (npm test builds dist/ first.)
const root = resolve(__dirname, '..', '..');
const dist = (file: string): string => readFileSync(join(root, 'dist', file), 'utf8');
const imports = (code: string): string[] =>
  [...new Set([...code.matchAll(/(?:from\s*|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!))].sort();

describe('the cohere-rx/telemetry entry point', () => {
  it('should be the only entry point that loads @opentelemetry/api', () => {
    for (const file of ['index.mjs', 'index.js', 'server.mjs', 'server.js', 'testing.mjs', 'testing.js']) {
      expect(`${file}: ${dist(file)}`).not.toContain('@opentelemetry');
    }
    expect(imports(dist('telemetry.mjs'))).toEqual(['@opentelemetry/api', 'cohere-rx', 'rxjs']);
    expect(imports(dist('telemetry.js'))).toEqual(['@opentelemetry/api', 'cohere-rx', 'rxjs']);
  });

  it('should declare @opentelemetry/api an optional peer dependency, >=1.9 <2', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(pkg['peerDependencies']!['@opentelemetry/api']).toBe('>=1.9 <2');
    expect(pkg['peerDependenciesMeta']!['@opentelemetry/api']).toEqual({ optional: true });
    expect(pkg['dependencies']!['@opentelemetry/api']).toBeUndefined();
    expect(pkg['exports']!['./telemetry']).toBeDefined();
  });

  it('should bundle for the browser (a page can trace its chats) with no Node built-in', async () => {
    const result = await build({
      stdin: { contents: "export { openTelemetry } from './dist/telemetry.mjs';", resolveDir: root },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      external: ['cohere-rx', 'rxjs'],
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/node:|require\(/);
  });

  it('should leave @opentelemetry/api out of a page that uses chatStream$ and runTools$ without telemetry', async () => {
    const result = await build({
      stdin: {
        contents: "import { chatStream$, runTools$ } from './dist/index.mjs'; globalThis.x = [chatStream$, runTools$];",
        resolveDir: root,
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs).filter((path) => path.includes('@opentelemetry'))).toEqual([]);
  });
});
