import fc from 'fast-check';
import { chatStream$, type ChatStreamEvent, type FetchLike } from '../../lib';
import { collect } from '../helpers/collect';

// Property: however the bytes are framed and cut, the events are the same.
//
// Random transcripts (every event type, any Unicode text including astral
// characters, JSON with random whitespace spread over several `data:` lines),
// random SSE decoration (comments, `id:`, `retry:`, BOM, `[DONE]`), a random
// line-ending style, and random split points, with extra weight on the hard
// ones: after a CR, inside a multi-byte character, inside `data:`.
//
// CI runs a fixed seed. More runs locally:
//   FC_RUNS=5000 npx jest spec/reliability/chunking     (fixed seed, more runs)
//   FC_SEED=random FC_RUNS=2000 npx jest spec/reliability/chunking
// A failure prints the seed and the shrunk counterexample to replay.
const SEED = process.env['FC_SEED'] === 'random' ? Date.now() : Number(process.env['FC_SEED'] ?? 0xc0ffee);
const RUNS = Number(process.env['FC_RUNS'] ?? 500);

const text = fc.string({ unit: 'binary', maxLength: 12 });
const index = fc.nat({ max: 4 });
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const source = fc.oneof(
  fc.record({ type: fc.constant('document'), id: text, document: fc.dictionary(text, text, { maxKeys: 2 }) }),
  fc.record({ type: fc.constant('tool'), id: text, tool_output: fc.dictionary(text, json, { maxKeys: 2 }) }),
);

// Every event type but message-end, which closes the transcript.
const middleEvent: fc.Arbitrary<object> = fc.oneof(
  fc.record({
    type: fc.constant('content-start'),
    index,
    delta: fc.record({
      message: fc.record({
        content: fc.oneof(
          fc.record({ type: fc.constant('text'), text: fc.constant('') }),
          fc.record({ type: fc.constant('thinking'), thinking: fc.constant('') }),
        ),
      }),
    }),
  }),
  fc.record({
    type: fc.constant('content-delta'),
    index,
    delta: fc.record({ message: fc.record({ content: fc.oneof(fc.record({ text }), fc.record({ thinking: text })) }) }),
  }),
  fc.record({
    type: fc.constant('content-delta'),
    index,
    delta: fc.record({ message: fc.record({ content: fc.record({ text }) }) }),
    logprobs: fc.record({
      text,
      token_ids: fc.array(fc.nat(), { maxLength: 3 }),
      logprobs: fc.array(fc.double({ min: -20, max: 0, noNaN: true }), { maxLength: 3 }),
    }),
  }),
  fc.record({ type: fc.constant('content-end'), index }),
  fc.record({ type: fc.constant('tool-plan-delta'), delta: fc.record({ message: fc.record({ tool_plan: text }) }) }),
  fc.record({
    type: fc.constant('tool-call-start'),
    index,
    delta: fc.record({
      message: fc.record({
        tool_calls: fc.record({ id: text, type: fc.constant('function'), function: fc.record({ name: text, arguments: fc.constant('') }) }),
      }),
    }),
  }),
  fc.record({
    type: fc.constant('tool-call-delta'),
    index,
    delta: fc.record({ message: fc.record({ tool_calls: fc.record({ function: fc.record({ arguments: text }) }) }) }),
  }),
  fc.record({ type: fc.constant('tool-call-end'), index }),
  fc.record({
    type: fc.constant('citation-start'),
    index,
    delta: fc.record({
      message: fc.record({
        citations: fc.record({
          start: fc.nat(),
          end: fc.nat(),
          text,
          sources: fc.array(source, { maxLength: 2 }),
          type: fc.constantFrom('TEXT_CONTENT', 'THINKING_CONTENT', 'PLAN'),
        }),
      }),
    }),
  }),
  fc.record({ type: fc.constant('citation-end'), index }),
  fc.record({ type: fc.constant('debug'), prompt: text }),
  fc.record({ type: fc.constantFrom('future-event', 'x-vendor'), payload: json }),
);
const messageStart = fc.record({
  id: text,
  type: fc.constant('message-start'),
  delta: fc.constant({ message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } }),
});
const messageEnd = fc.record({
  type: fc.constant('message-end'),
  delta: fc.record({
    finish_reason: fc.constantFrom('COMPLETE', 'MAX_TOKENS', 'TOOL_CALL', 'STOP_SEQUENCE'),
    usage: fc.record({ tokens: fc.record({ input_tokens: fc.nat(), output_tokens: fc.nat() }) }),
  }),
});
const transcript = fc.tuple(messageStart, fc.array(middleEvent, { maxLength: 12 }), messageEnd).map(([s, m, e]) => [s, ...m, e]);

interface Decoration {
  indent: 0 | 1 | 2 | '\t';
  eol: '\n' | '\r\n' | '\r' | 'mixed';
  bom: boolean;
  done: boolean;
  noSpaceAfterColon: boolean;
  extras: ('comment' | 'id' | 'retry' | 'none')[];
}
const decoration: fc.Arbitrary<Decoration> = fc.record({
  indent: fc.constantFrom(0 as const, 1 as const, 2 as const, '\t' as const),
  eol: fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const, 'mixed' as const),
  bom: fc.boolean(),
  done: fc.boolean(),
  noSpaceAfterColon: fc.boolean(),
  extras: fc.array(fc.constantFrom('comment' as const, 'id' as const, 'retry' as const, 'none' as const), { maxLength: 16 }),
});

/** Frames events as SSE. With `plain`, the canonical LF form: one `data:` line each, nothing else. */
function frame(events: object[], d: Decoration | 'plain'): string {
  if (d === 'plain') return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
  const endings = ['\n', '\r\n', '\r'];
  let n = 0;
  let previous = '';
  // Mixed endings: a CR that ends a line, followed by an LF that ends the next
  // (empty) line, would read as one CRLF, so an empty line after a CR ends in CR too.
  const eol = (emptyLine = false): string => {
    if (d.eol !== 'mixed') return d.eol;
    let ending = endings[n++ % 3]!;
    if (emptyLine && previous === '\r' && ending === '\n') ending = '\r';
    previous = ending;
    return ending;
  };
  let out = d.bom ? '\uFEFF' : '';
  events.forEach((event, i) => {
    const extra = d.extras[i % Math.max(1, d.extras.length)];
    if (extra === 'comment') out += `: keep-alive ${i}${eol()}`;
    if (extra === 'id') out += `id: ${i}${eol()}`;
    if (extra === 'retry') out += `retry: ${1000 + i}${eol()}`;
    out += `event: ${(event as { type: string }).type}${eol()}`;
    // Pretty JSON spreads over several data: lines; SSE joins them with \n.
    for (const line of JSON.stringify(event, null, d.indent).split('\n')) {
      out += `data:${d.noSpaceAfterColon ? '' : ' '}${line}${eol()}`;
    }
    out += eol(true);
  });
  if (d.done) out += `data: [DONE]${eol()}${eol(true)}`;
  return out;
}

/** Split points of interest in `bytes`: after a CR, inside a UTF-8 sequence, inside "data:". */
function hardSpots(bytes: Uint8Array): number[] {
  const spots: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (bytes[i - 1] === 13 || (b & 0xc0) === 0x80 || (bytes[i - 1] === 100 && b === 97)) spots.push(i);
  }
  return spots;
}

function fetchOf(chunks: Uint8Array[]): FetchLike {
  return async () => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++]);
        else controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
}

function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of sorted) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

async function eventsOf(chunks: Uint8Array[]): Promise<ChatStreamEvent[]> {
  const out = await collect(chatStream$({ model: 'm', messages: [] }, { fetch: fetchOf(chunks), apiKey: 'k' }));
  if (!out.completed) throw out.error instanceof Error ? out.error : new Error(String(out.error));
  return out.values;
}

const encoder = new TextEncoder();

describe('SSE conformance (property-based)', () => {
  it('should emit the events of the unsplit LF transcript, whatever the framing and the split points', async () => {
    await fc.assert(
      fc.asyncProperty(
        transcript,
        decoration,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 24 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        async (events, d, randomCuts, hardCuts) => {
          const wire = JSON.parse(JSON.stringify(events)) as ChatStreamEvent[];
          const expected = await eventsOf([encoder.encode(frame(events, 'plain'))]);
          expect(expected).toEqual(wire);

          const bytes = encoder.encode(frame(events, d));
          const spots = hardSpots(bytes);
          const points = [
            ...randomCuts.map((r) => Math.floor(r * bytes.length)),
            ...hardCuts.map((r) => spots[Math.floor(r * spots.length)] ?? 0),
          ];
          expect(await eventsOf(cut(bytes, points))).toEqual(expected);
        },
      ),
      { seed: SEED, numRuns: RUNS, verbose: 1 },
    );
  });

  it('should survive one byte per chunk for a decorated transcript', async () => {
    const [sample] = fc.sample(fc.tuple(transcript, decoration), { seed: SEED, numRuns: 1 });
    const [events, d] = sample!;
    const bytes = encoder.encode(frame(events, { ...d, eol: 'mixed' }));
    const ones = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await eventsOf(ones)).toEqual(JSON.parse(JSON.stringify(events)));
  });
});
