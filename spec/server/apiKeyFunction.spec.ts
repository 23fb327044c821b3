// A relay whose `apiKey` is a function (a rotating server key): it is called
// for each relayed browser request, and that request's scrubber learns the key
// it gave, so an upstream that echoes it never shows it to the browser. The
// handler answers web Requests; the upstream is a real loopback server.
import { isCohereConfigError } from '../../lib';
import { createChatHandler, type ChatHandlerOptions } from '../../lib/server';
import { messageEnd } from '../../lib/testing/events';
import { sseHeaders, startLoopback, type Handler, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

const KEY_1 = 'relay-rotating-one-0c5e91ab7d';
const KEY_2 = 'relay-rotating-two-f4a82d6c13';

let upstream: Loopback | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function relay(handler: Handler, options: ChatHandlerOptions): Promise<(body?: object) => Promise<{ status: number; text: string }>> {
  upstream = await startLoopback(handler);
  const handle = createChatHandler({ baseUrl: upstream.url, maxRetries: 0, ...options });
  return async (body = request) => {
    const response = await handle(
      new Request('http://relay.test/api/v2/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    return { status: response.status, text: await response.text() };
  };
}

const answer: Handler = (_req, res) => {
  res.writeHead(200, sseHeaders);
  res.end(toSse(textTurn));
};

describe('createChatHandler with an apiKey function', () => {
  it('should call it for each relayed request and send upstream the key it gave', async () => {
    const keys = [KEY_1, KEY_2];
    let calls = 0;
    const post = await relay(answer, { apiKey: async () => keys[calls++]! });
    expect(calls).toBe(0); // not at set-up
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect(calls).toBe(2);
    expect(upstream!.requests.map((r) => r.headers['authorization'])).toEqual([`Bearer ${KEY_1}`, `Bearer ${KEY_2}`]);
  });

  it("should scrub each request's key from what the upstream echoes, before and after the first event", async () => {
    const keys = [KEY_1, KEY_2];
    let calls = 0;
    const post = await relay(
      (req, res, index) => {
        const key = String(req.headers['authorization']).replace('Bearer ', '');
        if (index === 0) {
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `slow down, ${key}` }));
        } else {
          res.writeHead(200, sseHeaders);
          res.end(toSse([textTurn[0], messageEnd('ERROR', undefined, `internal failure for ${key}`)]));
        }
      },
      { apiKey: () => keys[calls++]! },
    );
    const before = await post();
    expect(before.status).toBe(429);
    expect(before.text).toContain('slow down');
    expect(before.text).not.toContain(KEY_1.slice(0, 8));
    const after = await post();
    expect(after.status).toBe(200);
    expect(after.text).toContain('internal failure for');
    expect(after.text).not.toContain(KEY_2.slice(0, 8));
  });

  it('should answer 500 without its words when the function fails, and give onError the CohereConfigError', async () => {
    const seen: unknown[] = [];
    const post = await relay(answer, {
      apiKey: () => Promise.reject(new Error('the vault is sealed')),
      onError: (error) => seen.push(error),
    });
    const out = await post();
    expect(out.status).toBe(500);
    expect(out.text).not.toContain('vault');
    expect(upstream!.requests).toHaveLength(0);
    expect(seen).toHaveLength(1);
    expect(isCohereConfigError(seen[0]) && seen[0].option).toBe('apiKey');
  });
});
