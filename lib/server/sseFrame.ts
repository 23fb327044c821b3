// Server-Sent Events framing in Cohere's own style, as an upstream writes it:
// used by the replay server of cohere-rx/testing, which plays Cohere. What a
// relay writes to a browser is made by FrameWriter (frames.ts) alone.

/** A line break in an event name would end the field early; such a name is left out. */
const LINE_BREAK = /[\r\n]/;

/**
 * One event as an SSE frame: `event: <type>\ndata: <json>\n\n`. JSON text has
 * no raw line breaks, so the data is one line. A value without a string
 * `type` (or with a line break in it) gets the `data:` line only.
 */
export function sseFrame(event: unknown): string {
  const type = (event as { type?: unknown } | null)?.type;
  const data = `data: ${JSON.stringify(event)}\n\n`;
  return typeof type === 'string' && !LINE_BREAK.test(type) ? `event: ${type}\n${data}` : data;
}

/** `data: [DONE]`, the end marker of OpenAI-style gateways (cohere-rx skips it). */
export const SSE_DONE = 'data: [DONE]\n\n';

/** Cuts SSE text into its frames, each with its trailing blank line; line breaks become LF. */
export function splitSseFrames(text: string): string[] {
  const normal = text.replace(/\r\n?/g, '\n');
  return (normal.match(/[^\n](?:[^\n]|\n(?!\n))*\n\n/g) ?? []).filter((f) => f.trim() !== '');
}
