import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// npm run lint is a real gate: ESLint (type-checked rules) rejects a debugger
// statement in lib/. The file is linted from stdin under its own path, so
// nothing on disk changes.
const root = resolve(__dirname, '..');
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lintAs(path: string, code: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', path], {
    cwd: root,
    input: code,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// ESLint 10 runs on Node 20.19 and later; the Node 18 run of the matrix skips this.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const eslintRuns = major > 20 || (major === 20 && minor >= 19);

(eslintRuns ? describe : describe.skip)('npm run lint', () => {
  it('should fail on a debugger statement in lib/', () => {
    const path = 'lib/operators/textOnly.ts';
    const source = readFileSync(join(root, path), 'utf8');
    const out = lintAs(path, `${source}\nexport function probe(): void {\n  debugger;\n}\n`);
    expect(out.status).toBe(1);
    expect(out.output).toContain('no-debugger');
    // The only problem is the one added: the file itself lints clean.
    expect(out.output).toContain('1 problem');
  });
});
