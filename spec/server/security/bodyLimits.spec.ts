import fc from 'fast-check';
import type { ServerResponse } from 'node:http';
import { chatStream$, CohereApiError, type ChatRequest } from '../../../lib';
import { collect } from '../../helpers/collect';
import { sseHeaders } from '../../helpers/loopback';
import { request, textTurn, toSse } from '../../helpers/sse';
import { browser, closeAll, endlessChunks, FLAVOURS, post, rawExchange, rawHead, setUp, sleep, until } from '../harness';

// The attacks: a body that never ends (or is far too large), a body that
// trickles in a byte at a time (a connection held for free), and JSON built
// to break the parser or what comes after it.
const answer = (_req: unknown, res: ServerResponse) => {
  res.writeHead(200, sseHeaders);
  res.end(toSse(textTurn));
};
const MAX = 1000;
/**
 * What a relay's server may read past the limit, whatever the body: the
 * 64 KiB drain, plus what Node's socket and HTTP parser buffer on their own
 * (a few 64 KiB reads; about 190 KiB here, more on a loaded machine). The
 * bodies below are 10 MiB, or endless.
 */
const SLACK = 512 * 1024;

afterEach(closeAll);

describe('a body larger than maxBodyBytes', () => {
  it('should answer 413 by Content-Length at once, with Connection: close and x-should-retry: false, and close', async () => {
    const { up, relay } = await setUp('node:http', answer, { maxBodyBytes: MAX });
    const head = rawHead(relay, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
    const exchange = await rawExchange(relay.url, head, endlessChunks(16 * 1024, 640)); // it would send 10 MiB
    expect(exchange.status).toBe(413);
    expect(exchange.headers).toMatchObject({ connection: 'close', 'x-should-retry': 'false', 'content-type': 'application/json' });
    expect(JSON.parse(exchange.text)).toEqual({ message: `the request body is larger than ${MAX} bytes` });
    expect(exchange.closedByServer).toBe(true);
    await until(() => relay.bytesRead.length === 1);
    expect(relay.bytesRead[0]).toBeLessThan(SLACK);
    expect(up.requests).toHaveLength(0);
  });

  it('should answer an endless chunked body 413 once the count passes the limit, read at most a short drain more, then close', async () => {
    const { up, relay } = await setUp('node:http', answer, { maxBodyBytes: MAX });
    const head = rawHead(relay, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const exchange = await rawExchange(relay.url, head, endlessChunks());
    expect(exchange.status).toBe(413);
    expect(exchange.headers).toMatchObject({ connection: 'close', 'x-should-retry': 'false' });
    expect(exchange.closedByServer).toBe(true);
    // The client kept writing until the close; the relay stopped reading long before.
    await until(() => relay.bytesRead.length === 1);
    expect(relay.bytesRead[0]).toBeLessThan(SLACK);
    expect(up.requests).toHaveLength(0);
  });

  it('should read the rest of a body that ends within the short drain, so the client sees a clean close, not a reset', async () => {
    const { relay } = await setUp('node:http', answer, { maxBodyBytes: MAX });
    // Refused by its Content-Length at once; the rest of it still on its way, in four pieces.
    async function* pieces(): AsyncGenerator<string> {
      for (let i = 0; i < 4; i++) {
        await sleep(40);
        yield 'x'.repeat(1024);
      }
    }
    const head = rawHead(relay, { 'content-type': 'application/json', 'content-length': String(4 * 1024) });
    const exchange = await rawExchange(relay.url, head, pieces());
    expect(exchange.status).toBe(413);
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.reset).toBe(false);
    expect(exchange.written).toBe(head.length + 4 * 1024);
  });

  it("should give the browser's chatStream$ the 413 as a CohereApiError, not retried", async () => {
    const { up, relay } = await setUp('node:http', answer, { maxBodyBytes: MAX });
    const big = { ...request, messages: [{ role: 'user', content: 'x'.repeat(2 * MAX) }] } as ChatRequest;
    const outcome = await collect(chatStream$(big, browser(relay, { maxRetries: 2 })));
    expect((outcome.error as CohereApiError).status).toBe(413);
    expect(relay.hits).toBe(1);
    expect(up.requests).toHaveLength(0);
  });

  it('should count a body express.json() parsed already, and answer 413 over the limit', async () => {
    const { up, relay } = await setUp('express', answer, { maxBodyBytes: MAX });
    const refused = await post(relay, JSON.stringify({ ...request, padding: 'x'.repeat(2 * MAX) }));
    expect(refused.status).toBe(413);
    expect(refused.headers['x-should-retry']).toBe('false');
    expect(up.requests).toHaveLength(0);
  });

  it('should close an endless body in an Express app whose relay route comes before express.json() (as docs/server.md advises)', async () => {
    const { up, relay } = await setUp('express', answer, { maxBodyBytes: MAX }, { relayFirst: true });
    const head = rawHead(relay, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const exchange = await rawExchange(relay.url, head, endlessChunks());
    expect(exchange.status).toBe(413);
    expect(exchange.headers).toMatchObject({ connection: 'close', 'x-should-retry': 'false' });
    expect(exchange.closedByServer).toBe(true);
    await until(() => relay.bytesRead.length === 1);
    expect(relay.bytesRead[0]).toBeLessThan(SLACK);
    expect(up.requests).toHaveLength(0);
  });
});

describe('a body that trickles in', () => {
  /** One byte every `everyMs`, `count` times. */
  async function* trickle(count: number, everyMs: number): AsyncGenerator<string> {
    for (let i = 0; i < count; i++) {
      await sleep(everyMs);
      yield '{';
    }
  }

  it('should answer 408 with Connection: close when the body is not whole within bodyTimeoutMs', async () => {
    const { up, relay } = await setUp('node:http', answer, { bodyTimeoutMs: 200 });
    const head = rawHead(relay, { 'content-type': 'application/json', 'content-length': '1000' });
    const exchange = await rawExchange(relay.url, head, trickle(1000, 20));
    expect(exchange.status).toBe(408);
    expect(exchange.headers).toMatchObject({ connection: 'close' });
    expect(exchange.headers['x-should-retry']).toBeUndefined(); // a slow upload may work next time; nothing went upstream
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.written).toBeLessThan(head.length + 1000);
    expect(up.requests).toHaveLength(0);
  });

  it('should time out a trickling body in an Express app too, when the relay route comes before the body parsers', async () => {
    const { up, relay } = await setUp('express', answer, { bodyTimeoutMs: 200 }, { relayFirst: true });
    const head = rawHead(relay, { 'content-type': 'application/json', 'content-length': '1000' });
    const exchange = await rawExchange(relay.url, head, trickle(1000, 20));
    expect(exchange.status).toBe(408);
    expect(exchange.closedByServer).toBe(true);
    expect(up.requests).toHaveLength(0);
  });

  it('should not time out a body that arrives whole in time', async () => {
    const { up, relay } = await setUp('node:http', answer, { bodyTimeoutMs: 5000 });
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.completed).toBe(true);
    expect(up.requests).toHaveLength(1);
  });
});

describe.each(FLAVOURS)('bad JSON sent to a relay served by %s', (flavour) => {
  const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

  it('should answer 400, never 500, to JSON nested far deeper than a chat request (45 000 levels)', async () => {
    let prepared = 0;
    const { up, relay } = await setUp(flavour, answer, { prepare: () => void prepared++ });
    // Under express.json()'s 100 kB limit, so that its parser reads them too.
    for (const text of [
      `{"model":"m","messages":[],"x":${nested(45_000, '[', ']')}}`,
      `{"model":"m","messages":[],"x":${nested(15_000, '{"a":', '}')}}`,
      nested(45_000, '[', ']'),
    ]) {
      const refused = await post(relay, text);
      expect(refused.status).toBe(400);
      expect(refused.text).not.toMatch(/RangeError|call stack/);
    }
    expect(prepared).toBe(0);
    expect(up.requests).toHaveLength(0);
  });

  it('should answer 400 to JSON 101 levels deep and take 100', async () => {
    const { up, relay } = await setUp(flavour, answer);
    // `depth` levels of objects and arrays: the body, then depth - 1 arrays.
    const at = (depth: number) => JSON.stringify({ ...request, x: JSON.parse(nested(depth - 1, '[', ']')) as unknown });
    expect((await post(relay, at(101))).status).toBe(400);
    expect((await post(relay, at(100))).status).toBe(200);
    expect(up.requests).toHaveLength(1);
  });

  it('should answer 400 to messages that are not an array of objects, before prepare', async () => {
    let prepared = 0;
    const { up, relay } = await setUp(flavour, answer, { prepare: () => void prepared++ });
    for (const messages of ['hi', 1, null, {}, [1], ['hi'], [null], [[]]]) {
      const refused = await post(relay, JSON.stringify({ model: 'm', messages }));
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toEqual({ message: 'invalid request: messages must be an array of message objects' });
    }
    expect(prepared).toBe(0);
    expect(up.requests).toHaveLength(0);
  });

  it('should answer any body 400 or pass it upstream, never 500 (property: arbitrary text and JSON)', async () => {
    const { relay } = await setUp(flavour, answer, {
      // What a prepare written from the docs does with what it gets.
      prepare: (body) => ({ ...body, messages: [...(body.messages ?? [])] }),
    });
    const bodies = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 6 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ model: 'm', messages: v })),
      fc
        .dictionary(fc.constantFrom('model', 'messages', '__proto__', 'constructor', 'tools', 'stream'), fc.jsonValue({ maxDepth: 3 }))
        .map((v) => JSON.stringify(v)),
      fc.integer({ min: 95, max: 2000 }).map((depth) => `{"messages":${nested(depth, '[', ']', '{}')}}`),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (text) => {
        const { status } = await post(relay, text);
        expect([200, 400]).toContain(status);
      }),
      { numRuns: 120 },
    );
  }, 60_000);
});
