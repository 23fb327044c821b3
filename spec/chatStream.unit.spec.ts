import { chatStream$, type FetchLike } from '../lib';
import { collect } from './helpers/collect';
import { request, textTurn, toSse } from './helpers/sse';

// Unit specs of parsing and teardown with an injected fetch that returns a real
// `Response` over a `ReadableStream` we control byte by byte.

interface Call {
  url: string;
  init: Parameters<FetchLike>[1];
  cancelled: boolean;
}

/** A fetch whose body is the given chunks, then (optionally) held open. */
function fakeFetch(chunks: Uint8Array[], options: { holdOpen?: boolean } = {}): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = { url, init, cancelled: false };
    calls.push(call);
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++]);
        else if (!options.holdOpen) controller.close();
      },
      cancel() {
        call.cancelled = true;
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return { fetch, calls };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('chatStream$ (injected fetch)', () => {
  // Every split point of a whole transcript: the parser must not care where the
  // network cuts the bytes (inside "data:", inside JSON, inside a 4-byte emoji,
  // between CR and LF).
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('should emit the same events for a split at every byte index (%s)', async (_name, eol) => {
    const all = bytes(toSse(textTurn, { eol, done: true }));
    for (let at = 0; at <= all.length; at++) {
      const { fetch } = fakeFetch([all.subarray(0, at), all.subarray(at)]);
      const out = await collect(chatStream$(request, { fetch, apiKey: 'k' }));
      if (!out.completed) throw new Error(`split at ${at} (${eol === '\n' ? 'LF' : JSON.stringify(eol)}) failed: ${String(out.error)}`);
      expect(out.values).toEqual(textTurn);
    }
  });

  it('should not abort after a normal completion', async () => {
    const { fetch, calls } = fakeFetch([bytes(toSse(textTurn))]);
    const out = await collect(chatStream$(request, { fetch, apiKey: 'k' }));
    expect(out.completed).toBe(true);
    expect(calls[0]!.init.signal!.aborted).toBe(false);
    expect(calls[0]!.cancelled).toBe(false);
  });

  it('should abort the fetch and cancel the reader on unsubscribe', async () => {
    const { fetch, calls } = fakeFetch([bytes(toSse(textTurn.slice(0, 2)))], { holdOpen: true });
    const seen: unknown[] = [];
    const sub = chatStream$(request, { fetch, apiKey: 'k' }).subscribe((e) => seen.push(e));
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 5));
    expect(calls[0]!.init.signal!.aborted).toBe(true);
    expect(calls[0]!.cancelled).toBe(true);
  });

  it('should not mutate the request object', async () => {
    const { fetch, calls } = fakeFetch([bytes(toSse(textTurn))]);
    const req = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    const copy = JSON.parse(JSON.stringify(req)) as unknown;
    await collect(chatStream$(req, { fetch, apiKey: 'k' }));
    expect(req).toEqual(copy);
    expect(JSON.parse(calls[0]!.init.body!)).toEqual({ ...req, stream: true });
  });

  it('should accept a body that is an async iterable of byte chunks', async () => {
    const sse = bytes(toSse(textTurn));
    const fetch: FetchLike = async () => ({
      ok: true,
      status: 200,
      headers: { get: (name: string) => (name === 'content-type' ? 'text/event-stream' : null) },
      text: async () => '',
      body: (async function* () {
        for (let i = 0; i < sse.length; i += 3) yield sse.subarray(i, i + 3);
      })(),
    });
    const out = await collect(chatStream$(request, { fetch, apiKey: 'k' }));
    expect(out.values).toEqual(textTurn);
    expect(out.completed).toBe(true);
  });
});
