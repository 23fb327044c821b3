// The two things a cohere-rx/server relay adds to Cohere's own stream, shared
// by the relay (lib/server) and the browser's chatStream$ (lib/stream). Kept
// here, with no imports, so that the browser core never imports lib/server.

/**
 * The response header a relay sets. Its value says how many messages follow:
 * `single-message` (one model turn, as Cohere streams it) or `multi-message`
 * (a server-side tool loop: every turn, with `tool-result` and `step-end`
 * between them). Either value also says that a final error frame may come.
 */
export const RELAY_HEADER = 'x-cohere-rx-stream';
export const SINGLE_MESSAGE = 'single-message';
export const MULTI_MESSAGE = 'multi-message';

/**
 * The `type` (and SSE `event:` name) of the relay's error frame. Namespaced so
 * that it can never be mistaken for one of Cohere's event types.
 */
export const RELAY_ERROR = 'cohere-rx-error';

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
