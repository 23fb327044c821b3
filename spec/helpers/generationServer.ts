import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sseHeaders, startLoopback, type Handler, type Loopback, type RecordedRequest } from './loopback';

// A small stand-in for a cohere-rx/server relay that keeps generations
// (docs/server.md, DESIGN "Resumable generations"), written here so that the
// browser's side is tested on its own, over real loopback HTTP:
//
//   POST {base}/v2/chat            → X-Cohere-Rx-Generation: <id>, frames `id: 1`, `id: 2`…
//   GET  {base}/v2/chat/{id}       → the frames after Last-Event-ID (all without it)
//   DELETE {base}/v2/chat/{id}     → 204, recorded as a stop
//   an unknown id                  → 404, Cohere-shaped JSON
//
// Every response can be cut at a chosen frame (see `cuts`).

/** How a response is cut. */
export type CutKind =
  /** The socket is destroyed after half of the next frame: the body fails mid-frame. */
  | 'destroy'
  /** The response ends cleanly after whole frames, before the end: a premature EOF. */
  | 'end';

export interface GenerationServerOptions {
  /** The events of the generation, in order; frame `n` (1-based) carries `events[n - 1]`. */
  events: readonly object[];
  /**
   * Where each response is cut: response `k` (0 the POST, then each GET)
   * stops once frame `cuts[k]` has been sent (counting from the generation's
   * start: a value at or below the response's first frame cuts it before
   * any). Responses past the list run to the end.
   */
  cuts?: readonly number[] | undefined;
  /** How each cut is made. @default 'destroy' */
  cutKind?: CutKind | undefined;
  /** No X-Cohere-Rx-Generation header and no `id:` lines: a relay without a store (or Cohere). */
  noGeneration?: boolean | undefined;
  /** Send the relay's `X-Cohere-Rx-Stream` header with this value. */
  relayStream?: string | undefined;
  /** After this many frames of a response, send nothing more and keep it open (until the client goes). */
  holdAfter?: number | undefined;
  /** `holdAfter` holds the POST's response only (a silent dead connection); the resumes run on. */
  holdFirstOnly?: boolean | undefined;
  /** Answer GETs with this status (Cohere-shaped JSON) instead of resuming: 404 forgets every id. */
  getStatus?: number | undefined;
  /** Answer the first this many POSTs 503 (Cohere-shaped JSON, `retry-after: 0`): retried, with no generation. */
  failPosts?: number | undefined;
  /** Leave the first this many GETs unanswered (no headers ever: a dead instance); the later ones resume. */
  silentGets?: number | undefined;
  /** Send this as X-Cohere-Rx-Generation instead of the id (one unfit for a URL, say). */
  headerId?: string | undefined;
  /** Ignore Last-Event-ID: every GET replays the generation from its first frame. */
  replayFromStart?: boolean | undefined;
  /** Pause between frames, in ms (0: a setImmediate). @default 0 */
  frameDelayMs?: number | undefined;
  /** Answers the requests that are not for `…/v2/chat` (a page's files, say). @default 404 */
  fallback?: Handler | undefined;
}

export interface GenerationServer {
  /** The base URL to give `chatStream$` (`{ baseUrl }`). */
  url: string;
  /** The id of the generation the POST started (fixed up front). */
  id: string;
  loopback: Loopback;
  requests: RecordedRequest[];
  posts(): RecordedRequest[];
  gets(): RecordedRequest[];
  deletes(): RecordedRequest[];
  /** Resolves at the next DELETE (or at once if one came). */
  deleted(): Promise<void>;
  /** Resolves at the next request whose method is `method` (or at once when there are `count` already). */
  requestsOf(method: string, count: number): Promise<void>;
  close(): Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

/** An event's SSE `event:` name when it is not its `type` (a relay's own frames: `cohere-rx-step-end`); JSON leaves it out. */
export const SSE_NAME: unique symbol = Symbol('sse event name');

/** One SSE frame: `id:`, `event:` and `data:` (no `id:` for `noGeneration`). */
export function frameOf(seq: number, event: object, withId = true): string {
  const type = (event as { [SSE_NAME]?: string })[SSE_NAME] ?? (event as { type?: string }).type;
  return `${withId ? `id: ${seq}\n` : ''}${type ? `event: ${type}\n` : ''}data: ${JSON.stringify(event)}\n\n`;
}

/** Starts the server on a free loopback port. */
export async function startGenerationServer(options: GenerationServerOptions): Promise<GenerationServer> {
  const id = randomUUID();
  const { events, cuts = [], cutKind = 'destroy', noGeneration = false } = options;
  let responses = 0;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const now = waiters;
    waiters = [];
    now.forEach((w) => w());
  };

  const stream = async (res: ServerResponse, after: number): Promise<void> => {
    const index = responses++;
    const cut = cuts[index];
    const hold = options.holdFirstOnly && index > 0 ? undefined : options.holdAfter;
    res.writeHead(200, {
      ...sseHeaders,
      ...(noGeneration ? {} : { 'x-cohere-rx-generation': options.headerId ?? id }),
      ...(options.relayStream ? { 'x-cohere-rx-stream': options.relayStream } : {}),
    });
    res.flushHeaders();
    let sent = 0;
    for (let seq = after + 1; seq <= events.length; seq++) {
      await pause(options.frameDelayMs ?? 0);
      if (res.destroyed) return;
      if (hold !== undefined && sent >= hold) return; // held open: the client ends it
      const frame = frameOf(seq, events[seq - 1]!, !noGeneration);
      if (cut !== undefined && seq > cut) {
        if (cutKind === 'end') res.end();
        else {
          res.write(frame.slice(0, Math.ceil(frame.length / 2)));
          await pause(0);
          res.destroy();
        }
        return;
      }
      res.write(frame);
      sent++;
    }
    res.end();
  };

  const loopback = await startLoopback(async (req, res) => {
    wake();
    const path = (req.url ?? '').split('?')[0]!;
    const match = /\/v2\/chat(?:\/([^/]+))?$/.exec(path);
    if (!match) return options.fallback ? options.fallback(req, res, 0) : void res.writeHead(404).end();
    const given = match[1];
    if (req.method === 'POST' && given === undefined) {
      if (loopback.requests.filter((r) => r.method === 'POST').length > (options.failPosts ?? 0)) return stream(res, 0);
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ message: 'busy' }));
      return;
    }
    const known = given === id && options.getStatus !== 404;
    if (!known) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'generation not found' }));
      return;
    }
    if (req.method === 'DELETE') return void res.writeHead(204).end();
    if (req.method === 'GET') {
      if (options.getStatus) {
        res.writeHead(options.getStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'try again' }));
        return;
      }
      if (loopback.requests.filter((r) => r.method === 'GET').length <= (options.silentGets ?? 0)) return;
      const last = req.headers['last-event-id'];
      return stream(res, last === undefined || options.replayFromStart ? 0 : Number(last));
    }
    res.writeHead(405).end();
  });

  const of = (method: string) => () => loopback.requests.filter((r) => r.method === method);
  const requestsOf = async (method: string, count: number): Promise<void> => {
    while (of(method)().length < count) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    url: loopback.url,
    id,
    loopback,
    requests: loopback.requests,
    posts: of('POST'),
    gets: of('GET'),
    deletes: of('DELETE'),
    deleted: () => requestsOf('DELETE', 1),
    requestsOf,
    close: () => loopback.close(),
  };
}
