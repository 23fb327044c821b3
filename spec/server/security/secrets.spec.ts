import fc from 'fast-check';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { chatStream$, CohereApiError, CohereGenerationError } from '../../../lib';
import { createChatHandler, toEventStream, toNodeHandler } from '../../../lib/server';
import { collect } from '../../helpers/collect';
import { sseHeaders, startLoopback, type Loopback } from '../../helpers/loopback';
import { request, textTurn, toSse } from '../../helpers/sse';
import { browser, closeAll, FLAVOURS, keep, post, serveRelay, sseMessages, type RelayServer } from '../harness';

// The attack: an upstream (or a proxy before it) echoes the key it was sent
// in an error, JSON-escaped (`\u0073k…`, `\/`, any mix, or JSON text inside
// JSON text), so that a scrubber looking for the key as it was sent misses
// it, and the key reaches an error message, a body, or a browser.

/** Keys as they come: visible ASCII, here with the characters JSON may escape (`/`). */
const keys = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_./-]{23,39}$/);

/** How each character of the key is written: as it is, `\uXXXX` (either case), or `\/` for a slash. */
type Way = 'raw' | 'lower' | 'upper' | 'slash';
const ways = fc.array(fc.constantFrom<Way>('raw', 'lower', 'upper', 'slash'), { minLength: 40, maxLength: 40 });
function escaped(key: string, how: Way[]): string {
  return [...key]
    .map((char, i) => {
      const way = how[i % how.length]!;
      const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
      if (way === 'lower') return `\\u${hex}`;
      if (way === 'upper') return `\\u${hex.toUpperCase()}`;
      if (way === 'slash' && char === '/') return '\\/';
      return char;
    })
    .join('');
}
/** The JSON text of a string whose value is `inner` (already JSON-escaped text). */
const jsonString = (inner: string) => `"${inner}"`;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

/** Every window of 8 characters of the key: none may survive anywhere. */
function expectNoPiece(text: string, key: string): void {
  for (let i = 0; i + 8 <= key.length; i++) expect(text).not.toContain(key.slice(i, i + 8));
}

/** An upstream answering what `current` says; one for every run of a property. */
let current: (res: ServerResponse) => void = (res) => res.end();
let upstream: Loopback;
beforeAll(async () => {
  upstream = await startLoopback((_req, res) => current(res));
});
afterAll(() => upstream.close());
afterEach(closeAll);

/** An error body echoing the key three ways: in `message`, deep in a field, and as JSON text inside a string. */
function echoBody(key: string, how: Way[]): string {
  const e = escaped(key, how);
  const inner = `{\\"detail\\":\\"token ${e.replace(/\\/g, '\\\\')}\\"}`;
  return `{"message":${jsonString(`invalid api token: ${e}`)},"echo":{"deep":[${jsonString(e)}]},"nested":${jsonString(inner)}}`;
}

describe('a key echoed in JSON escapes', () => {
  it("should be masked in CohereApiError's message, body and inspect output (chatStream$ with the key)", async () => {
    await fc.assert(
      fc.asyncProperty(keys, ways, fc.constantFrom(400, 401, 500), async (key, how, status) => {
        current = (res) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(echoBody(key, how));
        };
        const outcome = await collect(chatStream$(request, { apiKey: key, baseUrl: upstream.url, maxRetries: 0 }));
        const error = outcome.error as CohereApiError;
        expect(error).toBeInstanceOf(CohereApiError);
        expect((error.body as { message: string }).message).toMatch(/^invalid api token: /);
        for (const text of [error.message, JSON.stringify(error.body), inspect(error, { depth: 10 }), String(error.stack)]) {
          expectNoPiece(text, key);
        }
      }),
      { numRuns: 30 },
    );
  });

  it.each(FLAVOURS)(
    'should be masked in what a relay answers before the first event, and in the browser that reads it (%s)',
    async (flavour) => {
      let relay: RelayServer | undefined;
      let relayKey = '';
      const handler = { current: toNodeHandler(createChatHandler()) };
      relay = keep(await serveRelay(flavour, (req, res) => handler.current(req, res)));
      await fc.assert(
        fc.asyncProperty(keys, ways, async (key, how) => {
          if (key !== relayKey) {
            relayKey = key;
            handler.current = toNodeHandler(createChatHandler({ apiKey: key, baseUrl: upstream.url, maxRetries: 0 }));
          }
          current = (res) => {
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(echoBody(key, how));
          };
          const raw = await post(relay!, JSON.stringify(request));
          expect(raw.status).toBe(400);
          const { message } = JSON.parse(raw.text) as { message: string };
          expect(message).toMatch(/^invalid api token: /);
          expectNoPiece(message, key);
          expectNoPiece(raw.text, key);
          const outcome = await collect(chatStream$(request, browser(relay!)));
          const error = outcome.error as CohereApiError;
          expectNoPiece(`${error.message}${JSON.stringify(error.body)}`, key);
        }),
        { numRuns: 25 },
      );
      relay = undefined;
    },
  );

  it.each(FLAVOURS)(
    "should be masked in a relayed message-end's error, its error frame, and the browser's CohereGenerationError (%s)",
    async (flavour) => {
      await fc.assert(
        fc.asyncProperty(keys, ways, async (key, how) => {
          const relay = await serveRelay(flavour, toNodeHandler(createChatHandler({ apiKey: key, baseUrl: upstream.url, maxRetries: 0 })));
          try {
            current = (res) => {
              res.writeHead(200, sseHeaders);
              res.write(toSse(textTurn.slice(0, 3)));
              res.end(
                `event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":${jsonString(`bad key ${escaped(key, how)}`)}}}\n\n`,
              );
            };
            const raw = await post(relay, JSON.stringify(request));
            for (const { data } of sseMessages(raw.text)) expectNoPiece(JSON.stringify(data), key);
            const outcome = await collect(chatStream$(request, browser(relay)));
            const error = outcome.error as CohereGenerationError;
            expect(error).toBeInstanceOf(CohereGenerationError);
            expect(error.serverError).toMatch(/^bad key /);
            expectNoPiece(`${error.message}${error.serverError}${JSON.stringify(error.event)}${JSON.stringify(outcome.values)}`, key);
          } finally {
            await relay.close();
          }
        }),
        { numRuns: 20 },
      );
    },
  );

  it("should be masked in toEventStream's error frame of a chatStream$ that met it", async () => {
    await fc.assert(
      fc.asyncProperty(keys, ways, async (key, how) => {
        current = (res) => {
          res.writeHead(422, { 'content-type': 'application/json' });
          res.end(echoBody(key, how));
        };
        const text = await readAll(
          toEventStream(chatStream$(request, { apiKey: key, baseUrl: upstream.url, maxRetries: 0 }), { heartbeatMs: 0 }),
        );
        const [frame] = sseMessages(text);
        expect(frame?.name).toBe('cohere-rx-error');
        expect((frame?.data as { error: { message: string } }).error.message).toMatch(/^invalid api token: /);
        expectNoPiece(JSON.stringify(frame?.data), key);
      }),
      { numRuns: 25 },
    );
  });
});
