import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

// The type tests of spec/types/schema.types.ts, compiled by the TypeScript
// compiler with the project's options, so that `npm test` (and CI) fails when
// a type goes wrong: Jest itself only transpiles. Each `@ts-expect-error`
// there must meet an error (else TS2578); the same file with the directives
// stripped must fail once per directive, which proves the check can fail.
const root = resolve(__dirname, '..', '..');
const file = join(root, 'spec', 'types', 'schema.types.ts');
const stripped = join(root, 'spec', 'types', 'schema.types.stripped.ts');

function compile(): { own: readonly ts.Diagnostic[]; strippedErrorLines: Set<number>; directives: number[] } {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (!config) throw new Error('tsconfig.json did not parse');
  const source = readFileSync(file, 'utf8');
  const lines = source.split('\n');
  // The directive lines, 0-based; stripping one makes the error land on the line after it.
  const directives = lines.flatMap((line, i) => (/^\s*\/\/ @ts-expect-error/.test(line) ? [i] : []));
  const strippedSource = lines.map((line) => line.replace(/\/\/ @ts-expect-error.*$/, '')).join('\n');
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    resolve(name) === stripped ? ts.createSourceFile(name, strippedSource, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === stripped || fileExists(name);
  const program = ts.createProgram({ rootNames: [file, stripped], options: { ...config.options, noEmit: true }, host });
  const own = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
  const strippedFile = program.getSourceFile(stripped)!;
  const strippedErrorLines = new Set(
    ts.getPreEmitDiagnostics(program, strippedFile).map((d) => strippedFile.getLineAndCharacterOfPosition(d.start ?? 0).line),
  );
  return { own, strippedErrorLines, directives };
}

// A `.once` suite: the compiler's verdict does not depend on the Node that runs
// it, and it reads node_modules' RxJS types whatever jest maps `rxjs` to, so CI
// runs it once (the main Node leg), not in every Node leg nor the RxJS matrix.

describe('type tests (spec/types/schema.types.ts)', () => {
  let result: ReturnType<typeof compile>;
  beforeAll(() => {
    result = compile();
  });

  it('should compile with no error: every type as expected, every @ts-expect-error met', () => {
    const messages = result.own.map((d) => {
      const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  });

  it('should fail on each misuse once its @ts-expect-error is removed', () => {
    expect(result.directives.length).toBeGreaterThanOrEqual(14);
    const missed = result.directives.filter((line) => !result.strippedErrorLines.has(line + 1));
    expect(missed.map((line) => line + 1)).toEqual([]);
  });
});
