import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

// `cohere-rx/testing` in a browser test runner (Karma, Vitest browser mode):
// bundling it for the browser must not pull in Node built-ins, and its event
// builders must run where there is no `require`, `process` or `Buffer`.
// (The replay server loads node:http only when it starts.)
describe('the cohere-rx/testing entry point in a browser bundle', () => {
  it('should bundle for the browser and run its event builders without Node', async () => {
    const result = await build({
      stdin: {
        contents:
          "import { answerEvents, textDelta } from './dist/testing.mjs'; globalThis.out = { events: answerEvents('Hi there!'), one: textDelta('x') };",
        resolveDir: resolve(__dirname, '..'),
      },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/node:http|require\(/);
    const sandbox: { out?: { events: { type: string }[]; one: unknown } } = {};
    runInNewContext(code, { globalThis: sandbox });
    expect(sandbox.out!.events.map((e) => e.type)).toEqual([
      'message-start',
      'content-start',
      'content-delta',
      'content-delta',
      'content-delta',
      'content-end',
      'message-end',
    ]);
    expect(sandbox.out!.one).toEqual({ type: 'content-delta', index: 0, delta: { message: { content: { text: 'x' } } } });
  });
});
