// The wire types, checked by the TypeScript compiler itself (its API, with the
// project's tsconfig.json):
// - spec/types/wire.types.ts: what each type must accept and refuse
//   (`@ts-expect-error` lines, which fail when a fix is undone);
// - spec/types/sdk.types.ts: our types against the official SDK's wire types;
// - every event of every recorded stream (the replay server's transcripts and
//   spec/fixtures/wire/*.sse, modelled on live streams and on the SDK's own
//   wire tests) assigned to `ChatStreamEvent`, and every recorded non-streaming
//   response (spec/fixtures/wire/responses.json) to `ChatResponse`, as object
//   literals, so that a field our types lack or mistype is an error;
// - and a deliberately wrong file, to show that the check can fail.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const here = join(root, 'spec', 'types');
const RECORDED = join(here, 'recorded.generated.ts');
const WRONG = join(here, 'wrong.generated.ts');

/** The JSON of each `data:` field of an SSE text, with where it was (`[DONE]` is no event). */
function dataFields(text: string): { line: number; json: string }[] {
  const out: { line: number; json: string }[] = [];
  let data: string[] = [];
  let start = 0;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    if (line === '') {
      if (data.length > 0 && data.join('\n').trim() !== '[DONE]') out.push({ line: start + 1, json: data.join('\n') });
      data = [];
    } else if (line.startsWith('data:')) {
      if (data.length === 0) start = i;
      data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
  });
  return out;
}

const streams = [join(root, 'lib', 'testing', 'transcripts'), join(root, 'spec', 'fixtures', 'wire')].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.sse'))
    .map((name) => join(dir, name)),
);
const responses = JSON.parse(readFileSync(join(root, 'spec', 'fixtures', 'wire', 'responses.json'), 'utf8')) as Record<string, unknown>;

/** One constant per recorded event or response, typed by our types, its source in a comment. */
function recordedSource(): { source: string; events: number; perFile: Map<string, number> } {
  const lines = [`import type { ChatResponse, ChatStreamEvent } from '../../lib';`];
  const perFile = new Map<string, number>();
  let events = 0;
  for (const file of streams) {
    const name = relative(root, file);
    for (const { line, json } of dataFields(readFileSync(file, 'utf8'))) {
      lines.push(`// ${name}:${line}`, `export const event${events++}: ChatStreamEvent = ${json};`);
      perFile.set(name, (perFile.get(name) ?? 0) + 1);
    }
  }
  Object.entries(responses).forEach(([what, body], i) => {
    lines.push(`// responses.json: ${what}`, `export const response${i}: ChatResponse = ${JSON.stringify(body)};`);
  });
  return { source: lines.join('\n') + '\n', events, perFile };
}

/** Events and a response our types must refuse, one per line. */
const wrongSource = [
  `import type { ChatResponse, ChatStreamEvent } from '../../lib';`,
  `export const a: ChatStreamEvent = {"type":"content-delta","index":"0"};`,
  `export const b: ChatStreamEvent = {"type":"message-end","delta":{"finish_reason":"DONE"}};`,
  `export const c: ChatStreamEvent = {"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"args":"{}"}}}}};`,
  `export const d: ChatResponse = {"id":"r","message":{"role":"assistant","content":[]}};`,
  '',
].join('\n');

/** Compiles the type files and the generated ones in one program; diagnostics by file. */
function compile(generated: Map<string, string>): Map<string, ts.Diagnostic[]> {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  // The project's options, without the ambient types of node and jest, which these files do not use (faster).
  const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, root).options, types: [] };
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => generated.get(file) ?? read(file);
  host.fileExists = (file) => generated.has(file) || exists(file);
  host.getSourceFile = (file, language, ...rest) =>
    generated.has(file) ? ts.createSourceFile(file, generated.get(file)!, language, true) : getSourceFile(file, language, ...rest);
  const files = [join(here, 'wire.types.ts'), join(here, 'sdk.types.ts'), ...generated.keys()];
  const program = ts.createProgram(files, { ...options, noEmit: true }, host);
  const byFile = new Map<string, ts.Diagnostic[]>(files.map((f) => [f, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '(global)';
    byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
  }
  return byFile;
}

/** Each diagnostic as `file:line: message`, with the line's text for the generated files. */
function explain(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const before = d.file.text.split('\n')[line - 1] ?? '';
    return `${relative(root, d.file.fileName)}:${line + 1} (${before.startsWith('//') ? before.slice(3) : ''}): ${message}`;
  });
}

// A `.once` suite: the compiler's verdict does not depend on the Node that runs
// it, and it reads node_modules' RxJS types whatever jest maps `rxjs` to, so CI
// runs it once (the main Node leg), not in every Node leg nor the RxJS matrix.

describe('wire types, checked by the compiler', () => {
  const recorded = recordedSource();
  let results: Map<string, ts.Diagnostic[]>;
  beforeAll(() => {
    results = compile(
      new Map([
        [RECORDED, recorded.source],
        [WRONG, wrongSource],
      ]),
    );
  });

  it('should read every recorded stream and response (none of them empty)', () => {
    expect([...recorded.perFile.keys()].sort()).toEqual(streams.map((f) => relative(root, f)).sort());
    for (const count of recorded.perFile.values()) expect(count).toBeGreaterThan(2);
    expect(recorded.events).toBeGreaterThan(300);
    expect(Object.keys(responses).length).toBeGreaterThanOrEqual(5);
  });

  it('should accept what the API accepts and refuse what it refuses (wire.types.ts, every @ts-expect-error used)', () => {
    expect(explain(results.get(join(here, 'wire.types.ts'))!)).toEqual([]);
  });

  it("should agree with the official SDK's wire types (sdk.types.ts)", () => {
    expect(explain(results.get(join(here, 'sdk.types.ts'))!)).toEqual([]);
  });

  it('should type every event of the recorded streams as ChatStreamEvent, and every recorded response as ChatResponse', () => {
    expect(explain(results.get(RECORDED)!)).toEqual([]);
  });

  it('should fail on events and a response our types do not describe (the check can fail)', () => {
    const lines = explain(results.get(WRONG)!).map((d) => Number(/:(\d+) /.exec(d)?.[1]));
    expect([...new Set(lines)].sort()).toEqual([2, 3, 4, 5]);
  });

  it('should leave nothing else with an error', () => {
    expect(explain(results.get('(global)') ?? [])).toEqual([]);
  });
});
