// How the replay server writes a transcript to a response: the SSE frames,
// their timing (delay and jitter), how the bytes are cut into writes, and the
// faults that strike mid-stream (stall, truncate, reset, malformed).
import type { ServerResponse } from 'node:http';
import type { ChatStreamEvent } from 'cohere-rx';
import { sseFrame, SSE_DONE } from '../server/sseFrame';
import type { ReplayFault } from './replayServer';

/** The timing and chunking of one response, with the server's defaults applied. */
export interface ReplayPacing {
  delayMs: number;
  jitterMs: number;
  chunking: 'event' | number;
}

/** Frames events as SSE, with the closing `[DONE]`. */
export function frameEvents(events: readonly ChatStreamEvent[]): string[] {
  const frames = events.map(sseFrame);
  frames.push(SSE_DONE);
  return frames;
}

/** Writes `frames` at the given pace, breaking off as `fault` says, then ends the response (unless stalled). */
export async function streamFrames(
  res: ServerResponse,
  frames: string[],
  fault: ReplayFault | undefined,
  pacing: ReplayPacing,
): Promise<void> {
  const { delayMs: delay, jitterMs: jitter, chunking } = pacing;
  const stopAt = fault && 'afterEvents' in fault ? fault.afterEvents : Infinity;
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed) return;
    if (i === stopAt) {
      switch (fault?.kind) {
        case 'stall':
          return; // keep the connection open, say nothing more
        case 'truncate':
          res.end();
          return;
        case 'reset': {
          const next = frames[i] ?? '';
          if ('midEvent' in fault && fault.midEvent) await write(res, next.slice(0, Math.floor(next.length / 2)), chunking);
          await sleep(10);
          res.socket?.destroy();
          return;
        }
        case 'malformed':
          await write(res, `data: ${fault.line ?? '{"type":"content-delta","index":0,"delta":'}\n\n`, chunking);
          break;
      }
    }
    if (delay > 0 || jitter > 0) await sleep(delay + Math.random() * jitter);
    if (res.destroyed) return;
    await write(res, frames[i]!, chunking);
  }
  if (fault?.kind === 'stall' && stopAt >= frames.length) return;
  res.end();
}

async function write(res: ServerResponse, text: string, chunking: 'event' | number): Promise<void> {
  if (chunking === 'event') {
    res.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length && !res.destroyed; i += chunking) {
    res.write(bytes.subarray(i, i + chunking));
    await new Promise((r) => setImmediate(r));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
