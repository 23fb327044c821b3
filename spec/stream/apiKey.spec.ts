// `apiKey` as a function (a secret manager, a gateway's short-lived token):
// called once per request, before it, its key checked and scrubbed like any
// other, its failure a CohereConfigError with nothing sent. Against a real
// loopback server that records the Authorization header of every request.
import { inspect } from 'node:util';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import {
  chatStream$,
  CohereApiError,
  isCohereApiError,
  isCohereConfigError,
  runTools$,
  type ChatRequest,
  type ChatStreamOptions,
} from '../../lib';
import { answerEvents, toolCallEvents } from '../../lib/testing/eventSequences';
import { collect, errorOf, isError, narrow } from '../helpers/collect';
import { sseHeaders, startLoopback, type Handler, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

const KEY_1 = 'rotating-key-one-7f3a9c21d4';
const KEY_2 = 'rotating-key-two-b81e06f5a2';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const answer: Handler = (_req, res) => {
  res.writeHead(200, sseHeaders);
  res.end(toSse(textTurn));
};
async function start(handler: Handler = answer): Promise<Loopback> {
  server = await startLoopback(handler);
  return server;
}
const authorizations = (s: Loopback) => s.requests.map((r) => r.headers['authorization']);
const options = (s: Loopback, apiKey: ChatStreamOptions['apiKey'], extra: ChatStreamOptions = {}): ChatStreamOptions => ({
  baseUrl: s.url,
  apiKey,
  maxRetries: 0,
  ...extra,
});

/** Every string an error shows anywhere (message, stack, inspect, JSON, causes). */
function everything(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 10, showHidden: true })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

describe('apiKey as a function', () => {
  it('should send the key a synchronous function returns', async () => {
    const s = await start();
    const out = await collect(
      chatStream$(
        request,
        options(s, () => KEY_1),
      ),
    );
    expect(out.completed).toBe(true);
    expect(authorizations(s)).toEqual([`Bearer ${KEY_1}`]);
  });

  it('should wait for the key a Promise gives before sending the request', async () => {
    const s = await start();
    const out = await collect(
      chatStream$(
        request,
        options(s, () => new Promise<string>((r) => setTimeout(() => r(KEY_1), 20))),
      ),
    );
    expect(out.completed).toBe(true);
    expect(authorizations(s)).toEqual([`Bearer ${KEY_1}`]);
  });

  it('should call it once per subscription, so a rotated key is used by the next request', async () => {
    const s = await start();
    const keys = [KEY_1, KEY_2];
    let calls = 0;
    const chat$ = chatStream$(
      request,
      options(s, async () => keys[calls++]!),
    );
    expect(calls).toBe(0); // cold: nothing before subscribe
    await lastValueFrom(chat$);
    await lastValueFrom(chat$);
    expect(calls).toBe(2);
    expect(authorizations(s)).toEqual([`Bearer ${KEY_1}`, `Bearer ${KEY_2}`]);
  });

  it('should reuse the subscription’s key for its retries', async () => {
    const s = await start((req, res, index) => {
      if (index === 0) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ message: 'try again' }));
      } else void answer(req, res, index);
    });
    let calls = 0;
    const out = await collect(
      chatStream$(
        request,
        options(s, () => (calls++ === 0 ? KEY_1 : KEY_2), { maxRetries: 1 }),
      ),
    );
    expect(out.completed).toBe(true);
    expect(calls).toBe(1);
    expect(authorizations(s)).toEqual([`Bearer ${KEY_1}`, `Bearer ${KEY_1}`]);
  });

  it('should call it for each step of runTools$, each step sending the key it gave', async () => {
    const s = await start((_req, res, index) => {
      res.writeHead(200, sseHeaders);
      res.end(toSse(index === 0 ? toolCallEvents([{ name: 'now' }]) : answerEvents('It is noon.')));
    });
    const keys = [KEY_1, KEY_2];
    let calls = 0;
    const events = await lastValueFrom(
      runTools$(request as ChatRequest, { ...options(s, async () => keys[calls++]!), tools: { now: { execute: () => 'noon' } } }).pipe(
        toArray(),
      ),
    );
    expect(events.filter((e) => e.type === 'step-end')).toHaveLength(2);
    expect(authorizations(s)).toEqual([`Bearer ${KEY_1}`, `Bearer ${KEY_2}`]);
  });

  it("should send no key when it gives '' (an app's own backend adds it), and let a headers Authorization win", async () => {
    const s = await start();
    await lastValueFrom(
      chatStream$(
        request,
        options(s, () => ''),
      ),
    );
    await lastValueFrom(
      chatStream$(
        request,
        options(s, () => KEY_1, { headers: { Authorization: `Bearer ${KEY_2}` } }),
      ),
    );
    expect(authorizations(s)).toEqual([undefined, `Bearer ${KEY_2}`]);
  });

  it('should send nothing after an unsubscribe while the key is on its way', async () => {
    const s = await start();
    const key = new Subject<string>();
    const sub = chatStream$(
      request,
      options(s, () => lastValueFrom(key)),
    ).subscribe();
    sub.unsubscribe();
    key.next(KEY_1);
    key.complete();
    await new Promise((r) => setTimeout(r, 50));
    expect(s.requests).toHaveLength(0);
  });

  describe('failures: a CohereConfigError naming apiKey, nothing sent', () => {
    afterEach(() => {
      expect(server!.requests).toHaveLength(0);
    });

    it('should fail when the function throws, with a scrubbed copy of what it threw as the cause', async () => {
      const s = await start();
      const leaky = new TypeError(`vault refused token ${KEY_2}`);
      const out = await collect(
        chatStream$(
          request,
          options(
            s,
            () => {
              throw leaky;
            },
            { headers: { 'x-vault': 'a' }, clientName: 'spec' },
          ),
        ),
      );
      const error = errorOf(out, isCohereConfigError);
      expect(error.option).toBe('apiKey');
      expect(error.message).toContain('the apiKey function failed (see the cause)');
      const cause = narrow(error.cause, isError);
      expect(cause).not.toBe(leaky);
      expect(cause.name).toBe('TypeError');
      expect(cause.message).toContain('vault refused token');
    });

    it('should fail when its Promise rejects, scrubbing every key known to the subscription from the cause', async () => {
      const s = await start();
      const out = await collect(
        chatStream$(
          request,
          options(s, () => Promise.reject(new Error(`gateway said no to ${KEY_2}`)), { headers: { authorization: `Bearer ${KEY_2}` } }),
        ),
      );
      const error = errorOf(out, isCohereConfigError);
      expect(error.option).toBe('apiKey');
      expect(error.message).toContain('the apiKey function failed (see the cause)');
      expect(narrow(error.cause, isError).message).toMatch(/^gateway said no to ?\[REDACTED\]$/);
      expect(everything(error)).not.toContain(KEY_2.slice(0, 8));
    });

    it('should fail when it gives something that is not a key, never quoting it', async () => {
      const s = await start();
      const notAString = await collect(chatStream$(request, options(s, (() => ({ key: KEY_1 })) as unknown as () => string)));
      expect(errorOf(notAString, isCohereConfigError).message).toContain('the apiKey function gave object, not a string');
      const twoLines = await collect(
        chatStream$(
          request,
          options(s, async () => `${KEY_1}\n${KEY_2}`),
        ),
      );
      const error = errorOf(twoLines, isCohereConfigError);
      expect(error.message).toContain('options.apiKey holds a line break at position 27');
      expect(everything(notAString.error) + everything(error)).not.toContain(KEY_1.slice(0, 8));
      expect(everything(error)).not.toContain(KEY_2.slice(0, 8));
    });
  });

  it('should scrub the key it gave from an error that echoes it', async () => {
    const s = await start((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `invalid api token: ${KEY_1}` }));
    });
    const out = await collect(
      chatStream$(
        request,
        options(s, async () => KEY_1),
      ),
    );
    const error = errorOf(out, isCohereApiError);
    expect(error).toBeInstanceOf(CohereApiError);
    expect(error.message).toContain('invalid api token: [REDACTED]');
    expect(everything(error)).not.toContain(KEY_1.slice(0, 8));
  });
});
