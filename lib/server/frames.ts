import { RELAY_APPROVAL_REQUEST, RELAY_ERROR, RELAY_STEP_END, RELAY_TOOL_RESULT, RESERVED_PREFIX } from '../internal/relay';

/**
 * The relay's own frame names: the only SSE `event:` names in the reserved
 * `cohere-rx-` namespace, and the only names the browser's `chatStream$()`
 * acts on (lib/stream/relayEvents.ts). A later frame (an approval request, a
 * pause) is added here and there.
 */
export type RelayFrameName = typeof RELAY_ERROR | typeof RELAY_TOOL_RESULT | typeof RELAY_STEP_END | typeof RELAY_APPROVAL_REQUEST;

/** Cohere's own event types: written under their name with no further check (the hot path). */
const COHERE_TYPES = new Set([
  'message-start',
  'content-start',
  'content-delta',
  'content-end',
  'tool-plan-delta',
  'tool-call-start',
  'tool-call-delta',
  'tool-call-end',
  'citation-start',
  'citation-end',
  'message-end',
  'debug',
]);

/**
 * The one writer of the relay's SSE frames: every byte a relay (or
 * `toEventStream()`) sends to a browser but heartbeats is made here.
 *
 * - `upstream(event, data)`: an upstream event, under its `type` as the SSE
 *   name (Cohere's style) unless that name is reserved, empty or holds a line
 *   break: then with no `event:` line at all, so the browser reads it as an
 *   unknown event. `data` is the upstream's `data:` text as received, when
 *   the relay has it: forwarded as it is, never parsed and written again.
 * - `relay(name, payload)`: one of the relay's own frames, under its
 *   reserved name.
 *
 * With `ids`, each frame starts with `id: <n>`, n = 1, 2, 3… in the order
 * written (what a resumable generation's `Last-Event-ID` counts); off, no
 * `id:` line is written.
 */
export class FrameWriter {
  /** The id of the last frame written (with `ids`). */
  lastId = 0;

  constructor(private readonly ids = false) {}

  /** An upstream event as a frame; `data` is its data text as received (else it is serialised). */
  upstream(event: unknown, data?: string): string {
    return this.frame(upstreamName(event), data ?? JSON.stringify(event));
  }

  /** One of the relay's own frames, under its reserved name. */
  relay(name: RelayFrameName, payload: object): string {
    return this.frame(name, JSON.stringify(payload));
  }

  private frame(name: string | undefined, data: string): string {
    const id = this.ids ? `id: ${++this.lastId}\n` : '';
    const head = name === undefined ? id : `${id}event: ${name}\n`;
    // Data as received may span lines (SSE joins several `data:` lines with LF): one field per line.
    const body = data.indexOf('\n') < 0 && data.indexOf('\r') < 0 ? data : data.split(/\r\n|\r|\n/).join('\ndata: ');
    return `${head}data: ${body}\n\n`;
  }
}

/** The SSE name an upstream event may be written under: its `type`, when that is safe and not reserved. */
export function upstreamName(event: unknown): string | undefined {
  const type = (event as { type?: unknown } | null | undefined)?.type;
  if (typeof type !== 'string') return undefined;
  if (COHERE_TYPES.has(type)) return type;
  const reserved = type.slice(0, RESERVED_PREFIX.length).toLowerCase() === RESERVED_PREFIX;
  return type === '' || reserved || /[\r\n]/.test(type) ? undefined : type;
}

/** Cohere's event types the relay parses whatever it does: the stream reads `message-start` and `message-end`; `debug` stays as it was. */
const READ_TYPES = new Set(['message-start', 'message-end', 'debug']);
/**
 * The upstream events a relay forwards as received, with nothing in them it
 * reads: Cohere's types but {@link READ_TYPES}. For each, the start its data
 * must have (Cohere writes `type` first) for the SSE name to be taken as its
 * `type`.
 */
const FORWARDED = new Map([...COHERE_TYPES].filter((type) => !READ_TYPES.has(type)).map((type) => [type, `{"type":"${type}"`]));

/**
 * A relay's decoding of an upstream message it only forwards (`RelayHooks.decode`):
 * `{ type }` from its SSE name, with no `JSON.parse`, when its data starts
 * with that same `type`; `undefined` (decode it as usual) for anything else.
 * Its data text goes to the browser as received, whose decoder parses it
 * (and rejects it, typed, when it is not JSON).
 */
export function forwardedEvent(name: string | undefined, data: string): object | undefined {
  const start = name === undefined ? undefined : FORWARDED.get(name);
  return start !== undefined && data.startsWith(start) ? { type: name } : undefined;
}

/** An SSE comment (`: <text>`), which every client ignores: the heartbeat of a silent stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
