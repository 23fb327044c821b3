import fc from 'fast-check';
import type { ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { chatStream$, CohereApiError, CohereConnectionError, type ChatStreamOptions } from '../../../lib';
import { collect } from '../../helpers/collect';
import { sseHeaders, startLoopback } from '../../helpers/loopback';
import { request, textTurn, toSse } from '../../helpers/sse';
import { browser, closeAll, FLAVOURS, keep, KEY, post, setUp, sleep } from '../harness';

// The misbehaving upstream: it refuses the relay's key (the page must not
// think it is its own login that failed), sends bodies meant for nobody,
// cannot be reached (its address must stay private), or fails again and
// again while browsers and relay both retry.
const body = JSON.stringify(request);
const failWith =
  (status: number, payload: string, headers: Record<string, string> = {}) =>
  (_req: unknown, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(payload);
  };

afterEach(closeAll);

describe.each(FLAVOURS)('upstream failures through a relay served by %s', (flavour) => {
  it.each([401, 403, 498])(
    "should answer an upstream %i (the relay's own key refused) 502, not as the page's own failure",
    async (status) => {
      const { relay } = await setUp(flavour, failWith(status, JSON.stringify({ message: `invalid api token ${KEY}`, id: 'req-1' })));
      const refused = await post(relay, body);
      expect(refused.status).toBe(502);
      expect(JSON.parse(refused.text)).toEqual({ message: `the relay's upstream refused the relay's credentials (status ${status})` });
      expect(refused.headers['x-should-retry']).toBe('false');
      const outcome = await collect(chatStream$(request, browser(relay)));
      expect(outcome.error).toBeInstanceOf(CohereApiError);
      expect((outcome.error as CohereApiError).status).toBe(502);
    },
  );

  it("should pass on Cohere's own message, bounded and on one line, and never the rest of the body", async () => {
    const long = `too many tokens: ${'x'.repeat(5000)}\nsecond line`;
    const { relay } = await setUp(
      flavour,
      failWith(400, JSON.stringify({ id: 'internal-trace-9f2', message: long, debug: { shard: 'eu-7' } })),
    );
    const refused = await post(relay, body);
    expect(refused.status).toBe(400);
    const { message } = JSON.parse(refused.text) as { message: string };
    expect(message.startsWith('too many tokens: xxx')).toBe(true);
    expect(message.length).toBeLessThanOrEqual(501);
    expect(message).not.toContain('\n');
    expect(refused.text).not.toContain('internal-trace');
    expect(refused.text).not.toContain('eu-7');
  });

  it('should answer a body without a message (an HTML error page, a JSON without one) with words of its own', async () => {
    const html = '<html><body>nginx/1.25 at 10.0.3.7 — upstream gateway.internal:8443 failed</body></html>';
    for (const [payload, type] of [
      [html, 'text/html'],
      [JSON.stringify({ detail: 'pod eu-7 crashed' }), 'application/json'],
      ['', 'text/plain'],
    ] as const) {
      const { relay } = await setUp(flavour, failWith(503, payload, { 'content-type': type }));
      const refused = await post(relay, body);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text)).toEqual({ message: "the relay's upstream answered 503" });
      await closeAll();
    }
  });

  it('should never name the upstream host or port when it cannot be reached', async () => {
    // A port that refuses connections: bound, then closed.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { relay } = await setUp(flavour, () => undefined, { baseUrl: `http://127.0.0.1:${port}` });
    const refused = await post(relay, body);
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.text)).toEqual({ message: 'the relay could not reach its upstream' });
    expect(refused.text).not.toContain(String(port));
    expect(refused.text).not.toContain('127.0.0.1');
    expect(refused.text).not.toContain('ECONNREFUSED');
  });

  it('should never name the upstream in the error frame when the connection breaks mid-stream', async () => {
    const { up, relay } = await setUp(flavour, async (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(toSse(textTurn.slice(0, 3)));
      await sleep(20);
      res.socket?.destroy();
    });
    const raw = await post(relay, body);
    expect(raw.text).toContain('"name":"CohereConnectionError","message":"the relay\'s connection to its upstream broke","phase":"body"');
    expect(raw.text).not.toContain(new URL(up.url).port);
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.error).toBeInstanceOf(CohereConnectionError);
    expect((outcome.error as Error).message).toBe("The connection broke while streaming: the relay's connection to its upstream broke");
  });
});

describe('no retry storms', () => {
  /** Counts the upstream's requests while it fails every one the `way` given. */
  const failing = {
    503: failWith(503, '{"message":"overloaded"}', { 'retry-after': '0' }),
    429: failWith(429, '{"message":"slow down"}', { 'retry-after': '0' }),
    500: failWith(500, '{"message":"oops"}', { 'retry-after': '0' }),
    408: failWith(408, '{"message":"timeout"}', { 'retry-after': '0' }),
    cut: (_req: unknown, res: ServerResponse) => {
      res.socket?.destroy();
    },
  };

  it.each(Object.keys(failing) as (keyof typeof failing)[])(
    'should make at most 1 + maxRetries upstream requests for one browser call, with browser and relay defaults (upstream: %s)',
    async (way) => {
      // The relay's defaults (maxRetries 2), and the browser's (maxRetries 2).
      const { up, relay } = await setUp('node:http', failing[way], { maxRetries: undefined });
      const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: `${relay.url}/api` }));
      expect(outcome.error).toBeDefined();
      expect(up.requests).toHaveLength(3); // not 3 × 3
      expect(relay.hits).toBe(1);
    },
    20_000,
  );

  it('should answer x-should-retry: false to every failure it answers, retried or final', async () => {
    for (const status of [400, 404, 422, 429, 500, 503]) {
      const { relay } = await setUp('node:http', failWith(status, '{"message":"no"}', { 'retry-after': '0' }));
      expect((await post(relay, body)).headers['x-should-retry']).toBe('false');
      await closeAll();
    }
  });
});

describe("the browser's chatStream$ and x-should-retry", () => {
  /** A server answering `status` with `should` as x-should-retry, then a stream. */
  async function server(status: number, should: string | undefined, failures = 1) {
    return keep(
      await startLoopback((_req, res, index) => {
        if (index < failures) {
          res.writeHead(status, {
            'content-type': 'application/json',
            'retry-after': '0',
            ...(should === undefined ? {} : { 'x-should-retry': should }),
          });
          res.end('{"message":"x"}');
        } else {
          res.writeHead(200, sseHeaders);
          res.end(toSse(textTurn));
        }
      }),
    );
  }
  const options = (url: string): ChatStreamOptions => ({ apiKey: 'k', baseUrl: url, maxRetries: 2 });

  it('should never retry a response that says x-should-retry: false, whatever its status', async () => {
    for (const status of [408, 429, 500, 503]) {
      const s = await server(status, 'false');
      const outcome = await collect(chatStream$(request, options(s.url)));
      expect((outcome.error as CohereApiError).status).toBe(status);
      expect(s.requests).toHaveLength(1);
    }
  });

  it('should retry a response that says x-should-retry: true, whatever its status, within maxRetries', async () => {
    const once = await server(400, 'true');
    expect((await collect(chatStream$(request, options(once.url)))).completed).toBe(true);
    expect(once.requests).toHaveLength(2);
    const always = await server(409, 'true', Infinity);
    await collect(chatStream$(request, options(always.url)));
    expect(always.requests).toHaveLength(3);
  });

  it('should retry a 408 like a 429 when the header says nothing, and not a 400', async () => {
    const timeout = await server(408, undefined);
    expect((await collect(chatStream$(request, options(timeout.url)))).completed).toBe(true);
    expect(timeout.requests).toHaveLength(2);
    const bad = await server(400, undefined);
    await collect(chatStream$(request, options(bad.url)));
    expect(bad.requests).toHaveLength(1);
  });

  it('should read only the words true and false (property: other header values fall back to the status)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 8 }).filter((v) => v !== 'true' && v !== 'false' && /^[\x21-\x7e]*$/.test(v)),
        fc.constantFrom(400, 503),
        async (value, status) => {
          const s = await server(status, value);
          await collect(chatStream$(request, options(s.url)));
          expect(s.requests).toHaveLength(status === 503 ? 2 : 1);
        },
      ),
      { numRuns: 15 },
    );
  });
});
