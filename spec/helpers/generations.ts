// What the generation specs share: reading a relay's SSE as a browser whose
// connection breaks, and the frames and ids in what it read.

/** The SSE frames (with their blank line) complete in `text`; comments (heartbeats) left out. */
export function frames(text: string): string[] {
  const blocks = text.split('\n\n');
  blocks.pop(); // what follows the last blank line: an incomplete frame, or nothing
  return blocks.filter((block) => !block.split('\n').every((line) => line.startsWith(':'))).map((block) => `${block}\n\n`);
}

export const idOf = (frame: string): number => Number(/^id: (\d+)\n/.exec(frame)?.[1] ?? NaN);

/**
 * Reads `response`'s body until at least `cut` bytes came (then aborts the
 * request: the connection breaks) or the body ends; returns the text read.
 */
export async function readCut(response: Response, controller: AbortController, cut = Infinity): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (bytes >= cut) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      return text;
    }
  }
}
