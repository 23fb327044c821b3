// Synthetic Cohere v2 transcripts for the benchmarks: realistic framing
// (`event:` + `data:` + blank line, ~110 bytes per text delta) and tokens that
// mix ASCII, accented, CJK and emoji text.

const TOKENS = [
  ' the',
  ' stream',
  ' of',
  ' tokens',
  ' flows',
  ',',
  ' and',
  ' café',
  ' naïve',
  ' résumé',
  ' Zürich',
  ' 日本語',
  ' 中文',
  '字',
  ' 한국어',
  ' 🦀',
  ' 🚀',
  '🌊',
  ' data',
  ' subscriber',
  '.',
  ' observable',
  ' émigré',
];

/** The i-th token of the synthetic answer (deterministic). */
export const token = (i) => TOKENS[(i * 7 + (i >> 3)) % TOKENS.length];

const encoder = new TextEncoder();
const frame = (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

export const headFrames = () => [
  frame({
    id: 'bench-0000',
    type: 'message-start',
    delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
  }),
  frame({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
];
export const deltaFrame = (i) => frame({ type: 'content-delta', index: 0, delta: { message: { content: { text: token(i) } } } });
export const tailFrames = (n) => [
  frame({ type: 'content-end', index: 0 }),
  frame({
    type: 'message-end',
    delta: {
      finish_reason: 'COMPLETE',
      usage: { billed_units: { input_tokens: 12, output_tokens: n }, tokens: { input_tokens: 80, output_tokens: n } },
    },
  }),
  'data: [DONE]\n\n',
];

/** The whole transcript of `n` text deltas, one Uint8Array per SSE event. */
export function eventChunks(n) {
  const frames = [...headFrames()];
  for (let i = 0; i < n; i++) frames.push(deltaFrame(i));
  frames.push(...tailFrames(n));
  return frames.map((f) => encoder.encode(f));
}

/** Joins event chunks and cuts them into `size`-byte chunks. */
export function rechunk(chunks, size) {
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const out = [];
  for (let i = 0; i < total; i += size) out.push(all.subarray(i, i + size));
  return out;
}

/** The answer text of `n` deltas. */
export function answerText(n) {
  let text = '';
  for (let i = 0; i < n; i++) text += token(i);
  return text;
}

/** A fetch `Response` whose body hands out `chunks` from memory, one per read. */
export function responseOf(chunks) {
  let i = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** A `Response` generating `n` deltas on the fly, one event per read: nothing held in memory. */
export function generatedResponse(n) {
  const head = headFrames();
  const tail = tailFrames(n);
  let i = -head.length;
  const body = new ReadableStream({
    pull(controller) {
      if (i < 0) controller.enqueue(encoder.encode(head[head.length + i]));
      else if (i < n) controller.enqueue(encoder.encode(deltaFrame(i)));
      else if (i < n + tail.length) controller.enqueue(encoder.encode(tail[i - n]));
      else controller.close();
      i++;
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}
