import { chatStream$, CohereApiError, isCohereApiError } from '../lib';
import { collect, errorOf } from './helpers/collect';
import { startLoopback, type Loopback } from './helpers/loopback';
import { request } from './helpers/sse';

// CohereApiError over real HTTP: what the server said is quoted, bounded, on
// one line; the whole body stays in `.body`.
const KEY = 'api-error-spec-key-5d1c';
const PREFIX = 'Cohere API request failed with status';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves `body` once with `status` and `contentType`, then returns the error chatStream$ ended with. */
async function failWith(status: number, body: string, contentType = 'application/json'): Promise<CohereApiError> {
  server = await startLoopback((_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  });
  const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: server.url, maxRetries: 0 }));
  expect(out.error).toBeInstanceOf(CohereApiError);
  return errorOf(out, isCohereApiError);
}

/** The part of the message after the status. */
const quoted = (err: CohereApiError): string => err.message.slice(`${PREFIX} ${err.status}`.length);

describe('CohereApiError', () => {
  it('should cut a huge JSON message to a bounded length with an ellipsis and keep the body whole', async () => {
    const message = `quota exceeded ${'x'.repeat(123_457)} end`;
    const err = await failWith(429, JSON.stringify({ id: 'r1', message }));
    expect(err.message).toBe(`${PREFIX} 429: ${message.slice(0, 200)}…`);
    expect(err.message.length).toBeLessThan(300);
    expect(err.body).toEqual({ id: 'r1', message });
    expect((err.body as { message: string }).message).toHaveLength(message.length);
  });

  it('should cut a huge text body the same way, keeping it whole in body', async () => {
    const text = `<html>${'<p>gateway error</p>'.repeat(7_000)}</html>`;
    const err = await failWith(502, text, 'text/html');
    expect(err.message).toBe(`${PREFIX} 502: ${text.slice(0, 200)}…`);
    expect(err.body).toBe(text);
  });

  it('should not cut a message that fits, and keep it on one line', async () => {
    expect((await failWith(400, JSON.stringify({ message: 'bad model' }))).message).toBe(`${PREFIX} 400: bad model`);
    await server?.close();
    const multi = await failWith(400, JSON.stringify({ message: 'line one\n  line two\r\n' }));
    expect(multi.message).toBe(`${PREFIX} 400: line one line two`);
    expect(multi.body).toEqual({ message: 'line one\n  line two\r\n' });
  });

  it.each([
    ['a number message', { message: 404 }, ': 404'],
    ['an object message', { message: { detail: 'no such model' } }, ': {"detail":"no such model"}'],
    ['a null message', { message: null, code: 'E1' }, ': {"message":null,"code":"E1"}'],
    ['an OpenAI-style body', { error: { message: 'nope' } }, ': {"error":{"message":"nope"}}'],
    ['an array body', [{ message: 'a' }, 2], ': [{"message":"a"},2]'],
    ['a number body', 503, ': 503'],
    ['a string body', 'overloaded', ': overloaded'],
    ['an empty object', {}, ''],
    ['an empty array', [], ''],
    ['null', null, ''],
  ])('should describe a JSON body with %s sensibly and keep it in body', async (_label, body, expected) => {
    const err = await failWith(400, JSON.stringify(body));
    expect(quoted(err)).toBe(expected);
    expect(err.body).toEqual(body);
  });

  it('should bound a huge non-string message and a huge array body too', async () => {
    const big = Array.from({ length: 9_001 }, (_, i) => i);
    const a = await failWith(400, JSON.stringify({ message: big }));
    expect(quoted(a)).toBe(`: ${JSON.stringify(big).slice(0, 200)}…`);
    expect(a.body).toEqual({ message: big });
    await server?.close();
    const b = await failWith(400, JSON.stringify(big));
    expect(quoted(b)).toBe(`: ${JSON.stringify(big).slice(0, 200)}…`);
    expect(b.body).toEqual(big);
  });

  it('should survive a body that is not JSON-serialisable when built by hand', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(new CohereApiError(500, cyclic).message).toBe(`${PREFIX} 500`);
    expect(new CohereApiError(500, { message: { n: 10n } }).message).toBe(`${PREFIX} 500`);
    expect(new CohereApiError(500, { message: 10n }).message).toBe(`${PREFIX} 500: 10`);
  });
});
