// What a cohere-rx/server relay adds to Cohere's own stream, shared by the
// relay (lib/server) and the browser's chatStream$ (lib/stream). Kept here,
// with no imports, so that the browser core never imports lib/server.

/**
 * The response header a relay sets. Its value says how many messages follow:
 * `single-message` (one model turn, as Cohere streams it) or `multi-message`
 * (a server-side tool loop: every turn, with `tool-result` and `step-end`
 * between them). Either value also says that the relay's own frames may come.
 */
export const RELAY_HEADER = 'x-cohere-rx-stream';
export const SINGLE_MESSAGE = 'single-message';
export const MULTI_MESSAGE = 'multi-message';

/**
 * The response header of a relay that keeps generations (one with a `store`):
 * the id of the generation the response streams. Its frames then carry
 * `id: <seq>`; `GET {base}/v2/chat/{id}` with `Last-Event-ID` resumes it and
 * `DELETE {base}/v2/chat/{id}` stops it (docs/server.md).
 */
export const GENERATION_HEADER = 'x-cohere-rx-generation';

/** A relay's generation id: URL-safe (RFC 3986 unreserved characters), as the relay makes them (a UUID); checked before it goes into a path. */
export const GENERATION_ID = /^[\w.~-]{1,200}$/; // \w: A–Z a–z 0–9 _

/**
 * The SSE `event:` names the relay writes its own frames under all start with
 * this; the relay never writes an upstream event under such a name (one whose
 * `type` starts with it goes out with no `event:` line). So the browser tells
 * the relay's frames from the upstream's by the SSE name alone, and an
 * upstream `{"type":"cohere-rx-error"}` or `{"type":"step-end"}` is an
 * unknown event there, never an error, a step or an end.
 */
export const RESERVED_PREFIX = 'cohere-rx-';

/** The relay's error frame: its SSE name and its data's `type`. */
export const RELAY_ERROR = 'cohere-rx-error';
/** The loop's `tool-result` event, as a relay frame (its data's `type` stays `tool-result`). */
export const RELAY_TOOL_RESULT = 'cohere-rx-tool-result';
/** The loop's `step-end` event, as a relay frame (its data's `type` stays `step-end`). */
export const RELAY_STEP_END = 'cohere-rx-step-end';
/**
 * The loop's `tool-approval-request` event, as a relay frame (its data's
 * `type` stays `tool-approval-request`; it carries the call's `token`).
 */
export const RELAY_APPROVAL_REQUEST = 'cohere-rx-approval-request';

/**
 * The key of the relay's internal hooks in the options of `chatStream$()`
 * (and of `runTools$()`, which passes its options on to every turn). A
 * registered symbol: the core (`dist/index.*`) and the server entry
 * (`dist/server.*`) are bundled apart, and only `Symbol.for` gives both the
 * same key. JSON cannot produce it, so a request body can never set it.
 */
export const RELAY_HOOKS: unique symbol = Symbol.for('cohere-rx/relay-hooks');

/**
 * What a relay plugs into `chatStream$()`'s read loop. Internal: never part
 * of `ChatStreamOptions`' documented surface. A page never sets it, and pays
 * one property read per subscription and one per chunk for it.
 */
export interface RelayHooks {
  /**
   * Called with each decoded event and its `data:` text exactly as received,
   * just before the event is emitted (synchronously, with the same object),
   * so a relay can forward the upstream's bytes instead of serialising the
   * event again.
   */
  tap?: ((event: object, data: string) => void) | undefined;
  /**
   * Called before each read of the upstream body. A Promise returned is
   * awaited before reading on: the relay's client is not keeping up, and not
   * reading lets TCP slow the upstream down. While it waits, the idle time
   * limit is off (the upstream is not silent: it is not being read).
   * `undefined`: read on at once.
   */
  ready?: (() => Promise<void> | undefined) | undefined;
  /**
   * Takes the decoder's text before its SSE parser does, to forward the
   * messages the relay need not read as the text they came in: given
   * `parse` (the parser's feed) and `emit` (sends one event, with how many
   * upstream messages it stands for, as a decoded event is sent; it has no
   * data text of its own), it returns the function each piece of text goes to instead
   * (`end`: the body ended; what is held back goes to `parse`). It hands
   * `parse` whole messages only, in order with what it emits, so the
   * parser never holds part of a message it took (but one it takes piece by
   * piece, to its end). `limit` is the decoder's `maxBufferSize`: longer
   * messages go to `parse`, which applies it to their data.
   */
  split?:
    | ((
        parse: (text: string) => void,
        emit: (event: object, count: number) => void,
        limit: number,
      ) => (text: string, end?: boolean) => void)
    | undefined;
}

/** Options carrying the relay's hooks. */
export interface WithRelayHooks {
  [RELAY_HOOKS]?: RelayHooks | undefined;
}

/** What the error frame says about the error the relay's stream failed with. */
export interface RelayErrorInfo {
  /** The error class's `name` on the server (`CohereApiError`, …; `CohereError` for anything else). */
  name: string;
  /** Its message, scrubbed of the server's key; for `CohereApiError`, the upstream's own words. */
  message: string;
  /** `CohereApiError`: the upstream HTTP status. */
  status?: number;
  /** `CohereConnectionError` (`request`/`body`) and `CohereTimeoutError` (`headers`/`idle`). */
  phase?: string;
  /** `CohereTimeoutError`: the limit that ran out. */
  timeoutMs?: number;
  /** `CohereGenerationError`: `ERROR` or `TIMEOUT`, and the server's `delta.error` text. */
  finishReason?: string;
  serverError?: string;
  /** `CohereMaxStepsError`: the limit that was reached. */
  maxSteps?: number;
}

/** The error frame's data: `{"type":"cohere-rx-error","error":{…}}`. */
export interface RelayErrorFrame {
  type: typeof RELAY_ERROR;
  error: RelayErrorInfo;
}
