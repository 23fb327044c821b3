import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// npm run check:docs type-checks the docs' snippets against the library: it
// must fail on a snippet that misuses a type, and on a quote that drifted.
const root = resolve(__dirname, '..');
const script = join(root, 'scripts', 'check-docs.mjs');

function checkDocs(markdown: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'check-docs-'));
  try {
    const file = join(dir, 'page.md');
    writeFileSync(file, markdown);
    const result = spawnSync(process.execPath, [script, file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('check:docs', () => {
  it('should pass a snippet that uses the library as typed', () => {
    const out = checkDocs('# ok\n\n```ts\nconst text$: Observable<string> = chatStream$(request).pipe(textOnly());\n```\n');
    expect(out.output).toContain('1 block(s) type-checked');
    expect(out.status).toBe(0);
  });

  it('should fail on a snippet that assigns an Observable to a number, naming the line', () => {
    const out = checkDocs('# bad\n\ntext\n\n```ts\nconst n: number = chatStream$(request).pipe(usage());\n```\n');
    expect(out.status).toBe(1);
    expect(out.output).toMatch(/page\.md:6:\d+ - error TS2322/);
  });

  it('should fail on a quote that no longer matches its file', () => {
    const out = checkDocs('<!-- check-docs: quote package.json -->\n```ts\n{ "name": "not-it" }\n```\n');
    expect(out.status).toBe(1);
    expect(out.output).toContain('no longer quotes package.json exactly');
  });
});
