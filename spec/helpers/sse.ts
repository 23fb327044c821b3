/** Frames event objects as an SSE body, the way Cohere does: `event:` + `data:` + blank line. */
export function toSse(events: readonly object[], options: { eol?: string; done?: boolean } = {}): string {
  const eol = options.eol ?? '\n';
  let out = '';
  for (const event of events) {
    const type = (event as { type?: string }).type;
    if (type !== undefined) out += `event: ${type}${eol}`;
    out += `data: ${JSON.stringify(event)}${eol}${eol}`;
  }
  if (options.done) out += `data: [DONE]${eol}${eol}`;
  return out;
}

/** A short answer whose text mixes ASCII, accents, CJK and an astral emoji. */
export const textTurn = [
  {
    id: 'f0c1d2e3-0000-4000-8000-000000000001',
    type: 'message-start',
    delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
  },
  { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Bonjour, ' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: 'café ' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: '日本語 ' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: '🦀!' } } } },
  { type: 'content-end', index: 0 },
  {
    type: 'message-end',
    delta: {
      finish_reason: 'COMPLETE',
      usage: { billed_units: { input_tokens: 5, output_tokens: 6 }, tokens: { input_tokens: 70, output_tokens: 6 } },
    },
  },
] as const;

export const request = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: 'Say hello' }] };
