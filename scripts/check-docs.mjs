#!/usr/bin/env node
// npm run check:docs — type-checks every ```ts block of README.md and docs/*.md
// against the library's own types, so the docs cannot drift from the code.
//
// Each block becomes a module of its own in .check-docs/ (gitignored). A block
// without imports gets the public names of cohere-rx and rxjs imported for it,
// and every block may use the "givens" of scripts/check-docs-givens.d.ts (a
// `request`, some `tools`, an Angular `Component`…): the context a snippet
// assumes without writing it. A block that is deliberately not TypeScript on
// its own (a shape written as a type literal, a quote of a file checked
// elsewhere) is marked by an HTML comment on the line before its fence:
//   <!-- check-docs: skip (why) -->
//
// Usage: node scripts/check-docs.mjs [file.md ...]   (default: README.md docs/*.md)
// Exits 1 and prints file:line for every type error.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');

const SKIP = /<!--\s*check-docs:\s*skip\b/;
const QUOTE = /<!--\s*check-docs:\s*quote\s+(\S+)\s*-->/;
const outDir = join(root, '.check-docs');

const docs = process.argv.slice(2).length
  ? process.argv.slice(2).map((f) => resolve(f))
  : [
      join(root, 'README.md'),
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(root, 'docs', f)),
    ];

/** Every name an entry point exports, read from its barrel (so new exports are available at once). */
function exportedNames(barrel) {
  // Commented-out exports (deliberately left out) are not exports.
  const text = readFileSync(join(root, barrel), 'utf8').replace(/\/\/.*$/gm, '');
  const names = new Set();
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  }
  return [...names];
}

/** The value and type names rxjs exports at its root. */
function rxjsNames() {
  const rx = require('rxjs');
  return Object.keys(rx).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
}

const libNames = exportedNames('lib/index.ts');
const rxNames = rxjsNames().filter((n) => !libNames.includes(n));
/** The imports a block without its own gets: every public name it does not declare itself. */
function autoImportsFor(code) {
  const declared = new Set([...code.matchAll(/\b(?:interface|type|class|function|const|let|var)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  const keep = (names) => names.filter((n) => !declared.has(n)).join(', ');
  return [`import { ${keep(libNames)} } from 'cohere-rx';`, `import { ${keep(rxNames)} } from 'rxjs';`];
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** Snippet file → where its first line came from. */
const origins = new Map();
let blocks = 0;
let skipped = 0;
let quotes = 0;
let errors = 0;
for (const doc of docs) {
  const lines = readFileSync(doc, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end);
    i = end;
    const marker = lines[start - 2] ?? '';
    if (SKIP.test(marker)) {
      skipped++;
      continue;
    }
    const quote = QUOTE.exec(marker);
    if (quote) {
      quotes++;
      const source = readFileSync(join(root, quote[1]), 'utf8').trimEnd();
      if (body.join('\n').trimEnd() !== source) {
        console.error(`${relative(root, doc)}:${start + 1} - the block no longer quotes ${quote[1]} exactly: copy the file again`);
        errors++;
      }
      continue;
    }
    blocks++;
    const hasImports = body.some((l) => /^\s*import\s/.test(l));
    const header = hasImports ? [] : autoImportsFor(body.join('\n'));
    const name = `${relative(root, doc).replace(/[^\w]+/g, '_')}_${start + 1}.ts`;
    const file = join(outDir, name);
    writeFileSync(file, [...header, ...body, 'export {};', ''].join('\n'));
    origins.set(file, { doc, firstLine: start + 1, headerLines: header.length });
  }
}

const configPath = join(root, 'tsconfig.json');
const base = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const options = {
  ...base.options,
  noEmit: true,
  declaration: false,
  noUnusedLocals: false,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: ['node', 'jest'],
};
const ambient = ['check-docs-givens.d.ts', 'check-docs-angular.d.ts'].map((f) => join(root, 'scripts', f));
ambient.push(join(root, 'lib', 'testing', 'sse.d.ts'));
const program = ts.createProgram([...origins.keys(), ...ambient], options);
const diagnostics = ts
  .getPreEmitDiagnostics(program)
  .filter((d) => !d.file || origins.has(resolve(d.file.fileName)) || !d.file.fileName.includes('node_modules'));

for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const origin = d.file && origins.get(resolve(d.file.fileName));
  if (origin) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const docLine = origin.firstLine + line - origin.headerLines;
    console.error(`${relative(root, origin.doc)}:${docLine}:${character + 1} - error TS${d.code}: ${message}`);
  } else {
    console.error(`${d.file ? relative(root, d.file.fileName) : '(config)'} - error TS${d.code}: ${message}`);
  }
  errors++;
}
if (!process.env.KEEP_CHECK_DOCS) rmSync(outDir, { recursive: true, force: true });
console.log(`check:docs: ${blocks} block(s) type-checked, ${quotes} quote(s) compared, ${skipped} marked skip, ${errors} error(s)`);
process.exit(errors > 0 ? 1 : 0);
