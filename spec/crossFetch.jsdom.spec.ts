/**
 * @jest-environment jsdom
 */
// cross-fetch is the fallback for runtimes without a global fetch. Jest's
// jsdom environment (where Angular and React apps run their unit tests) is
// one: no fetch, no TextDecoder, no ReadableStream. These specs stream from a
// real loopback replay server there, through cross-fetch, and show that an
// injected fetch wins over both the global one and the fallback.
import { accumulateMessage, chatStream$, textOnly, type FetchLike } from 'cohere-rx';
import { startReplayServer, type ReplayServer } from 'cohere-rx/testing';
import { lastValueFrom, scan, toArray } from 'rxjs';
import { sseHeaders, startLoopback } from './helpers/loopback';
import { textTurn, toSse } from './helpers/sse';

const request = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: 'Write a haiku about streams' }] };

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer({ delayMs: 0 });
});
afterAll(() => server.close());

describe('in a runtime without fetch (jest jsdom)', () => {
  it('should have no global fetch, TextDecoder or ReadableStream, so the fallback is what runs', () => {
    expect(typeof (globalThis as { fetch?: unknown }).fetch).toBe('undefined');
    expect(typeof (globalThis as { TextDecoder?: unknown }).TextDecoder).toBe('undefined');
    expect(typeof (globalThis as { ReadableStream?: unknown }).ReadableStream).toBe('undefined');
  });

  it('should stream a whole answer through cross-fetch', async () => {
    const before = server.requests.length;
    const pieces = await lastValueFrom(chatStream$(request, { baseUrl: server.url, apiKey: 'k' }).pipe(textOnly(), toArray()));
    expect(pieces.length).toBeGreaterThan(5); // pieces, not one blob
    expect(pieces.join('')).toMatch(/^Streams of tokens flow,/);
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests[server.requests.length - 1]!.body).toMatchObject({ stream: true });
  });

  it('should decode multi-byte text split inside characters, through cross-fetch', async () => {
    // Three bytes per write splits every CJK character and the emoji. (The body
    // has a Content-Length: node-fetch 2 under jsdom misreads some tiny chunked
    // endings as "Premature close", a quirk of its own, not of this path.)
    const body = Buffer.from(toSse(textTurn), 'utf8');
    const loopback = await startLoopback(async (_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'content-length': String(body.length) });
      // (jsdom has no setImmediate, which writeInPieces yields with.)
      for (let i = 0; i < body.length; i += 3) {
        res.write(body.subarray(i, i + 3));
        await new Promise((r) => setTimeout(r, 0));
      }
      res.end();
    });
    try {
      const text = await lastValueFrom(
        chatStream$(request, { baseUrl: loopback.url, apiKey: 'k' }).pipe(
          textOnly(),
          scan((all, t) => all + t, ''),
        ),
      );
      expect(text).toBe('Bonjour, café 日本語 🦀!');
    } finally {
      await loopback.close();
    }
  });

  it('should use an injected fetch rather than the fallback', async () => {
    const calls: string[] = [];
    const crossFetch: FetchLike = (await import('cross-fetch')).default;
    const mine: FetchLike = (url, init) => {
      calls.push(url);
      return crossFetch(url, init);
    };
    const final = await lastValueFrom(chatStream$(request, { baseUrl: server.url, apiKey: 'k', fetch: mine }).pipe(accumulateMessage()));
    expect(calls).toEqual([`${server.url}/v2/chat`]);
    expect(final.finish_reason).toBe('COMPLETE');
  });
});

describe('in a runtime with a global fetch', () => {
  it('should use an injected fetch rather than the global one', async () => {
    let globalCalls = 0;
    const g = globalThis as { fetch?: unknown };
    g.fetch = () => {
      globalCalls++;
      throw new Error('the global fetch must not be used');
    };
    try {
      const crossFetch: FetchLike = (await import('cross-fetch')).default;
      let mine = 0;
      const out = await lastValueFrom(
        chatStream$(request, { baseUrl: server.url, apiKey: 'k', fetch: (u, i) => (mine++, crossFetch(u, i)) }).pipe(textOnly(), toArray()),
      );
      expect(out.join('')).toMatch(/^Streams of tokens flow,/);
      expect(mine).toBe(1);
      expect(globalCalls).toBe(0);
    } finally {
      delete g.fetch;
    }
  });
});
