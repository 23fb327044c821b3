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

  /**
   * A {@link ForwardedRun}'s messages as frames, to `each`: the run's text as
   * it is (it is already framed as {@link upstream} would), or one frame per
   * message, each with its id, with `ids`.
   */
  forwarded(run: ForwardedRun, each: (frame: string) => void): void {
    if (!this.ids) return each(run.text);
    const text = run.text;
    for (let at = 0, stop = text.indexOf('\n\n'); stop >= 0; at = stop + 2, stop = text.indexOf('\n\n', at)) {
      each(`id: ${++this.lastId}\n${text.slice(at, stop + 2)}`);
    }
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

/** A line feed's char code. */
const LF = 10;

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
 * Upstream messages a relay forwards as the text they came in, emitted as
 * one event of the relay's upstream stream ({@link splitForwarded}): `text`
 * is `count` whole SSE messages, each exactly `event: <type>\ndata: <data>`
 * and a blank line, with `<type>` one of the forwarded types and `<data>`
 * one line starting `{"type":"<type>"`. That is also how the relay would
 * frame each of them ({@link FrameWriter.forwarded}).
 */
export class ForwardedRun {
  /** Not a Cohere type, and reserved: nothing else is framed under it by mistake. */
  readonly type = 'cohere-rx-forwarded';
  constructor(
    readonly text: string,
    readonly count: number,
  ) {}
}

/** Text held back for a message cut short, past which that message goes to the parser as it comes. */
const HOLD = 64 * 1024;

/**
 * A relay's splitter (`RelayHooks.split`): the upstream's text, before the
 * SSE parser. Each run of whole messages in the forwarded form (see
 * {@link ForwardedRun}) is emitted as one `ForwardedRun`, with no parsing,
 * no `JSON.parse` and no event per message; every other whole message goes
 * to `parse`, in order. A message cut short waits for the next text, up to
 * 64 KiB (or `limit`, if less): past that, it goes to `parse` piece by piece
 * as it comes (no text is held and scanned again with each chunk), and the
 * splitter takes over again after its blank line. A CR anywhere (CRLF or CR
 * line ends), and everything goes to `parse` from then on. Messages longer
 * than `limit` go to `parse` too, which applies `maxBufferSize` to their data.
 *
 * A forwarded message's data text goes to the browser as received, whose
 * decoder parses it (and rejects it, typed, when it is not JSON).
 */
export function splitForwarded(
  parse: (text: string) => void,
  emit: (event: object, count: number) => void,
  limit: number,
): (text: string, end?: boolean) => void {
  const most = Math.min(limit, HOLD);
  /** Text after the last whole message, not split yet (it holds no blank line). */
  let rest = '';
  /** A long message is going to the parser as it comes, up to its blank line. */
  let passing = false;
  /** The text held in `rest`, or passed so far of the long message, ends in a line feed (kept here: `rest` is a rope that a read would flatten). */
  let lf = false;
  /** The parser takes everything from now on. */
  let plain = false;
  /** Keeps `held`, the start of a message cut short, for the next text; or, past `most`, passes it on as it comes. */
  const hold = (held: string): void => {
    if (held.length > most) {
      passing = true;
      rest = '';
      parse(held);
    } else {
      rest = held;
    }
  };
  return (text, end) => {
    if (plain) return parse(text);
    if (text.indexOf('\r') >= 0) {
      plain = true;
      const all = rest + text;
      rest = '';
      return parse(all);
    }
    let s = text;
    if (passing) {
      // Just after the long message's blank line (1: its two line feeds fell either side of the cut), if here.
      const blank = s.indexOf('\n\n');
      const after = lf && s.charCodeAt(0) === LF ? 1 : blank < 0 ? -1 : blank + 2;
      if (after < 0) {
        if (s !== '') lf = s.charCodeAt(s.length - 1) === LF;
        parse(s);
        if (end) plain = true;
        return;
      }
      passing = false;
      parse(s.slice(0, after));
      s = s.slice(after);
    } else if (rest !== '') {
      if (!end && !(lf && s.charCodeAt(0) === LF) && s.indexOf('\n\n') < 0) {
        // Still no blank line: the message held stays cut short; only the new text was looked at.
        if (s !== '') lf = s.charCodeAt(s.length - 1) === LF;
        hold(rest + s);
        return;
      }
      s = rest + s;
      rest = '';
    }
    let at = 0;
    let run = -1;
    let count = 0;
    for (;;) {
      const next = forwardedEnd(s, at, limit);
      if (next > 0) {
        if (run < 0) run = at;
        count++;
        at = next;
        continue;
      }
      // Anything else: the whole message (up to its blank line) to the parser, or, cut short, kept for later.
      const stop = s.indexOf('\n\n', at);
      if (stop < 0) break;
      if (run >= 0) emit(new ForwardedRun(s.slice(run, at), count), count);
      run = -1;
      count = 0;
      parse(s.slice(at, stop + 2));
      at = stop + 2;
    }
    if (run >= 0) emit(new ForwardedRun(s.slice(run, at), count), count);
    const left = at === 0 ? s : s.slice(at);
    if (end) {
      plain = true;
      if (left !== '') parse(left);
    } else {
      lf = left.charCodeAt(left.length - 1) === LF;
      hold(left);
    }
  };
}

/**
 * Where the message at `at` of `s` ends (after its blank line), when it is
 * whole and in the forwarded form (`event: <type>`, one `data:` line
 * starting `{"type":"<type>"`, a blank line) and not over `limit`; else -1.
 * One pass over the message: the data line is scanned once, for its end.
 */
function forwardedEnd(s: string, at: number, limit: number): number {
  if (!s.startsWith('event: ', at)) return -1;
  const line = s.indexOf('\n', at + 7);
  const start = line < 0 ? undefined : FORWARDED.get(s.slice(at + 7, line));
  if (start === undefined || !s.startsWith('data: ', line + 1) || !s.startsWith(start, line + 7)) return -1;
  const end = s.indexOf('\n', line + 7 + start.length);
  // Followed by the blank line (not by another field, nor by the end of the text so far).
  return end >= 0 && s.charCodeAt(end + 1) === LF && end - at <= limit ? end + 2 : -1;
}

/** An SSE comment (`: <text>`), which every client ignores: the heartbeat of a silent stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
