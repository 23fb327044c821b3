// npm run size: what cohere-rx costs a browser app, gzipped, against a budget.
//
// Bundles two small apps from the built package (dist/index.mjs, as a bundler
// sees `import … from 'cohere-rx'`) with esbuild: browser platform, ESM,
// minified, RxJS bundled in. Gzips each (level 9) and fails (exit 1) when one
// is over its budget in size-budget.json beside this file, or when a browser
// bundle pulls in a Node built-in or cross-fetch. Then reports the size of each
// entry point of the package as built.
//
//   node scripts/size.mjs                      check against size-budget.json
//   node scripts/size.mjs --budget app-a=5000  override one budget (bytes gzip), e.g. to see it fail
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { browserPageOptions, isNodeBuiltin } from './browser-bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const budgets = JSON.parse(readFileSync(join(here, 'size-budget.json'), 'utf8'));

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const m = args[i] === '--budget' ? /^([\w-]+)=(\d+)$/.exec(args[++i] ?? '') : null;
  if (!m || !budgets.apps[m[1]]) {
    console.error(`usage: size.mjs [--budget APP=BYTES]…, APP one of ${Object.keys(budgets.apps).join(', ')}`);
    process.exit(2);
  }
  budgets.apps[m[1]].gzip = Number(m[2]);
}

if (!existsSync(join(root, 'dist', 'index.mjs'))) {
  console.error('dist/index.mjs is missing: run npm run build first');
  process.exit(1);
}

/** The two apps, as a user would write them. */
const apps = {
  'app-a': {
    what: 'chatStream$ + textOnly',
    source: `
import { chatStream$, textOnly } from 'cohere-rx';
const out = document.querySelector('output');
chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] }, { apiKey: 'key' })
  .pipe(textOnly())
  .subscribe((piece) => out.append(piece));
`,
  },
  'app-b': {
    what: 'chatStream$ + every operator',
    source: `
import { share } from 'rxjs';
import { accumulateMessage, chatStream$, collectCitations, parseToolCallArguments, textOnly, thinkingOnly, toolCalls, toolPlan, usage } from 'cohere-rx';
const events$ = chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] }, { apiKey: 'key' }).pipe(share());
const show = (name) => (value) => console.log(name, value);
events$.pipe(textOnly()).subscribe(show('text'));
events$.pipe(thinkingOnly()).subscribe(show('thinking'));
events$.pipe(toolPlan()).subscribe(show('plan'));
events$.pipe(accumulateMessage()).subscribe(show('message'));
events$.pipe(collectCitations()).subscribe(show('citations'));
events$.pipe(toolCalls()).subscribe((call) => show('call')(parseToolCallArguments(call)));
events$.pipe(usage()).subscribe(show('usage'));
`,
  },
  'app-ui': {
    what: 'chatStream$ + the UI operators (partialToolCalls, partialJson, smoothText)',
    source: `
import { share } from 'rxjs';
import { chatStream$, partialJson, partialToolCalls, smoothText, textOnly } from 'cohere-rx';
const events$ = chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] }, { apiKey: 'key' }).pipe(share());
events$.pipe(partialToolCalls()).subscribe((call) => console.log(call.name, call.arguments));
events$.pipe(textOnly(), partialJson()).subscribe((value) => console.log(value));
events$.pipe(textOnly(), smoothText()).subscribe((piece) => console.log(piece));
`,
  },
  'app-loop': {
    what: 'runTools$ + textOnly',
    source: `
import { defineTool, runTools$, textOnly } from 'cohere-rx';
const get_time = defineTool({ description: 'Now', execute: () => ({ now: Date.now() }) });
runTools$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'time?' }] }, { apiKey: 'key', tools: { get_time } })
  .pipe(textOnly())
  .subscribe((piece) => console.log(piece));
`,
  },
};

const forbiddenPackages = /[\\/]node_modules[\\/](cross-fetch|node-fetch|whatwg-fetch)[\\/]/;

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let failed = false;
const fail = (message) => {
  failed = true;
  console.log(`FAIL  ${message}`);
};

for (const [name, app] of Object.entries(apps)) {
  const found = [];
  const result = await build({
    ...browserPageOptions(name, app.source, root),
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          // Record (instead of esbuild's resolve error) every import of a Node
          // built-in, with the file that made it, and keep going.
          b.onResolve({ filter: /.*/ }, (a) => {
            if (!isNodeBuiltin(a.path)) return undefined;
            found.push(`${a.path} (imported by ${relative(root, a.importer) || a.importer})`);
            return { path: a.path, external: true };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0].contents;
  const gzip = gzipSync(code, { level: 9 }).length;
  const budget = budgets.apps[name].gzip;
  const line = `${name} (${app.what}): ${kb(code.length)} minified, ${kb(gzip)} gzip (${gzip} B; budget ${budget} B)`;
  if (gzip > budget) fail(`${line}: over budget by ${gzip - budget} B`);
  else console.log(`ok    ${line}`);

  for (const f of found) fail(`${name}: imports the Node built-in ${f}`);
  const bundled = Object.keys(result.metafile.inputs).filter((p) => forbiddenPackages.test(`/${p}`));
  for (const p of bundled) fail(`${name}: bundles ${p}`);
  // What the output still loads at run time. A Node built-in, by any kind of
  // import, fails; so does a static import or require of cross-fetch. The
  // dynamic import("cross-fetch") is allowed: it is the fallback for a runtime
  // without a global fetch (never a browser), written with a non-literal
  // specifier so that bundlers leave it out; esbuild's minifier folds the
  // specifier into a literal only after the bundling, as the metafile check
  // above shows.
  const text = new TextDecoder().decode(code);
  for (const [, how, spec] of text.matchAll(/(from|import\s*\(|require\s*\()\s*["']([^"']+)["']/g)) {
    if (isNodeBuiltin(spec)) fail(`${name}: the bundle loads the Node built-in ${spec}`);
    else if (/^(cross-fetch|node-fetch)$/.test(spec) && !how.startsWith('import')) fail(`${name}: the bundle loads ${spec} statically`);
  }
  if (!text.includes('content-delta')) fail(`${name}: the bundle does not contain the library (no 'content-delta')`);
}

console.log('\nentry points as built (each alone, without its dependencies):');
for (const file of ['index.mjs', 'testing.mjs', 'server.mjs', 'telemetry.mjs']) {
  const path = join(root, 'dist', file);
  if (!existsSync(path)) continue;
  const code = readFileSync(path);
  console.log(`      dist/${file}: ${kb(code.length)}, ${kb(gzipSync(code, { level: 9 }).length)} gzip`);
}

if (failed) {
  console.log('\nsize: FAILED');
  process.exitCode = 1;
} else {
  console.log('\nsize: ok');
}
