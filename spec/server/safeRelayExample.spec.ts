import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest } from 'cohere-rx';
import { toNodeHandler } from 'cohere-rx/server';
import { startReplayServer, type ReplayServer } from 'cohere-rx/testing';
import { createAppRelay, type Sessions } from '../../docs/examples/safeRelay';

// The relay of docs/server.md ("Where to authenticate and rate-limit"), as
// quoted there: its cap holds for any JSON value, and its session check is
// a real one.
const sessions: Sessions = { get: async (id) => (id === 'live-session' ? { userId: 'ada' } : undefined) };
let limited = false;
let upstream: ReplayServer;
let relay: Server;
let url = '';
beforeAll(async () => {
  upstream = await startReplayServer({ apiKey: 'server-key' });
  relay = createServer(
    toNodeHandler(createAppRelay(sessions, () => !limited, { apiKey: 'server-key', baseUrl: upstream.url, maxRetries: 0 })),
  );
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/api/v2/chat`;
});
afterAll(async () => {
  await new Promise((resolve) => relay.close(resolve));
  await upstream.close();
});

const post = (body: unknown, cookie?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
const ask = { model: 'anything', messages: [{ role: 'user', content: 'hi' }] };

describe("the docs' relay", () => {
  it('should cap max_tokens to a whole number from 1 to 1000, whatever JSON the page sends', async () => {
    const values = fc.oneof(
      fc.constantFrom<unknown>('lots', -1, {}, 1e9, 0, 0.5, 1500.5, null, [], true, '500'),
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer(),
    );
    await fc.assert(
      fc.asyncProperty(values, async (maxTokens) => {
        const before = upstream.requests.length;
        const response = await post({ ...ask, max_tokens: maxTokens }, 'theme=dark; session=live-session');
        expect(response.status).toBe(200);
        await response.text();
        const sent = upstream.requests[before]!.body as unknown as ChatRequest;
        expect(Number.isInteger(sent.max_tokens)).toBe(true);
        expect(sent.max_tokens).toBeGreaterThanOrEqual(1);
        expect(sent.max_tokens).toBeLessThanOrEqual(1000);
        if (typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens >= 1 && maxTokens <= 1000)
          expect(sent.max_tokens).toBe(maxTokens);
        expect(sent.model).toBe('command-a-03-2025');
        expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are the help desk of Example Inc.' });
      }),
      { numRuns: 40 },
    );
  });

  it('should refuse a missing, unknown or merely present session cookie with 401, and a limited user with 429', async () => {
    const before = upstream.requests.length;
    for (const cookie of [undefined, 'session=', 'session=guessed', 'xsession=live-session', 'theme=dark']) {
      expect((await post(ask, cookie)).status).toBe(401);
    }
    limited = true;
    try {
      const response = await post(ask, 'session=live-session');
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('10');
    } finally {
      limited = false;
    }
    expect(upstream.requests).toHaveLength(before);
  });
});
