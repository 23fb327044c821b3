import { chatStream$, isCohereError, type ChatStreamOptions } from '../../lib';
import { collect, errorOf } from '../helpers/collect';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

// A recognisable fake key, through every error path — including servers that
// echo it back in what they send. It must never show in anything an error
// exposes, and the library must log nothing.
const KEY = 'co-FAKE-KEY-5a1f-e2c9-RECOGNISABLE';

type Mode = 'api' | 'parse' | 'generation' | 'html' | 'truncate' | 'stall' | 'silent' | 'reset';

let server: Loopback;
let mode: Mode = 'api';
beforeAll(async () => {
  server = await startLoopback((req, res) => {
    const echo = String(req.headers['authorization']);
    switch (mode) {
      case 'api':
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `invalid api token: ${echo}`, got: { authorization: echo } }));
        return;
      case 'parse':
        res.writeHead(200, sseHeaders);
        res.end(`${toSse(textTurn.slice(0, 1))}data: {"oops":"${echo}"\n\n`);
        return;
      case 'generation':
        res.writeHead(200, sseHeaders);
        res.end(toSse([textTurn[0], { type: 'message-end', delta: { finish_reason: 'ERROR', error: `quota exceeded for ${echo}` } }]));
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html>Signed in as ${echo}</html>`);
        return;
      case 'truncate':
        res.writeHead(200, sseHeaders);
        res.end(toSse(textTurn.slice(0, 2)));
        return;
      case 'stall':
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 1)));
        return;
      case 'silent':
        return; // never answers: header timeout
      case 'reset':
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 1)));
        setTimeout(() => res.socket?.destroy(), 10);
        return;
    }
  });
});
afterAll(() => server.close());

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** Every way an error can be shown: message, String(), stack, JSON, and the same for its causes. */
function everythingShown(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const e = current as Error;
    parts.push(String(e), e.message ?? '', e.stack ?? '', JSON.stringify(e) ?? '', JSON.stringify(Object.entries(e)));
    current = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

describe('the API key', () => {
  const paths: [Mode, string, ChatStreamOptions][] = [
    ['api', 'CohereApiError', {}],
    ['parse', 'CohereParseError', {}],
    ['generation', 'CohereGenerationError', {}],
    ['html', 'CohereContentTypeError', {}],
    ['truncate', 'CohereIncompleteStreamError', {}],
    ['stall', 'CohereTimeoutError', { idleTimeoutMs: 80 }],
    ['silent', 'CohereTimeoutError', { timeoutMs: 80 }],
    ['reset', 'CohereConnectionError', {}],
  ];

  it.each(paths)('should never show in a %s failure (%s), nor be logged', async (m, name, options) => {
    mode = m;
    const spies = consoleMethods.map((method) => jest.spyOn(console, method).mockImplementation(() => undefined));
    try {
      const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: server.url, maxRetries: 0, ...options }));
      expect(isCohereError(out.error)).toBe(true);
      expect(errorOf(out, isCohereError).name).toBe(name);
      expect(everythingShown(out.error)).not.toContain(KEY);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });

  it('should not show in a connection failure to an unreachable host', async () => {
    const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: 'http://127.0.0.1:9', maxRetries: 0 }));
    expect(errorOf(out, isCohereError).name).toBe('CohereConnectionError');
    expect(everythingShown(out.error)).not.toContain(KEY);
  });

  it('should be scrubbed from an abort reason that quotes it', async () => {
    mode = 'stall';
    const controller = new AbortController();
    const done = collect(chatStream$(request, { apiKey: KEY, baseUrl: server.url, signal: controller.signal }));
    setTimeout(() => controller.abort(new Error(`stopped by ${KEY}`)), 50);
    const out = await done;
    expect(errorOf(out, isCohereError).name).toBe('CohereAbortError');
    expect(everythingShown(out.error)).not.toContain(KEY);
    expect(everythingShown(out.error)).toContain('stopped by [REDACTED]');
  });

  it('should be replaced by [REDACTED] where a server echoed it', async () => {
    mode = 'api';
    const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: server.url }));
    expect(errorOf(out, isCohereError).message).toBe('Cohere API request failed with status 401: invalid api token: Bearer [REDACTED]');
  });
});
