// Bundles the page the way an app would: `cohere-rx` and `rxjs` resolve from
// this folder's node_modules (cohere-rx installed from the packed tarball).
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'main.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  outfile: join(out, 'main.js'),
  absWorkingDir: here,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) cpSync(join(here, file), join(out, file));
