import { isCohereError } from 'cohere-rx';
import { GENERATION_HEADER, MULTI_MESSAGE, RELAY_HEADER, SINGLE_MESSAGE, type RelayErrorInfo } from '../internal/relay';
import type { Scrub } from '../internal/secret';

/** What a browser is told about an error that is not cohere-rx's own: nothing of its text. */
const OPAQUE = 'the stream failed on the server';
/** The longest piece of upstream text (Cohere's `message`) passed on to a browser. */
export const MAX_UPSTREAM_WORDS = 500;
/** Upstream statuses that say the relay's own credentials were refused: never the page's business. */
const REFUSED = new Set([401, 403, 407, 498]);

/** The words for failures to reach or read the upstream: never its host, port or bytes. */
export const UNREACHABLE = 'the relay could not reach its upstream';
export const BROKEN = "the relay's connection to its upstream broke";
export const NOT_A_STREAM = "the relay's upstream did not send a valid chat stream";

/** The header a relay's error answers carry: `false` when retrying cannot help, or the relay retried already. */
export const SHOULD_RETRY = 'x-should-retry';

/** The headers of a refusal that retrying cannot change. */
export const FINAL: Readonly<Record<string, string>> = { [SHOULD_RETRY]: 'false' };

type Fields = Record<string, unknown>;

/**
 * The error frame's description of `error`: its class `name` and a message
 * fit for the browser, with the fields the browser needs to rebuild the
 * same class. Upstream failures are translated as for an answer before the
 * first event (see {@link errorResponseOf}); an error that is not a
 * `CohereError` (a bug, a database failure) is described as a plain
 * `CohereError`, without its text, which may hold anything.
 */
export function relayErrorInfo(error: unknown, scrub: Scrub): RelayErrorInfo {
  if (!isCohereError(error)) return { name: 'CohereError', message: OPAQUE };
  const e = error as unknown as Fields;
  switch (error.name) {
    case 'CohereApiError': {
      const { status, message } = upstreamAnswer(e, scrub);
      return { name: 'CohereApiError', message, status };
    }
    case 'CohereConnectionError':
      return { name: error.name, message: e['phase'] === 'request' ? UNREACHABLE : BROKEN, phase: String(e['phase']) };
    case 'CohereContentTypeError':
    case 'CohereParseError':
      return { name: 'CohereError', message: NOT_A_STREAM };
  }
  const info: RelayErrorInfo = { name: error.name, message: bounded(scrub(error.message)) };
  if (typeof e['phase'] === 'string') info.phase = e['phase'];
  if (typeof e['timeoutMs'] === 'number') info.timeoutMs = e['timeoutMs'];
  if (typeof e['finishReason'] === 'string') info.finishReason = e['finishReason'];
  if (typeof e['serverError'] === 'string') info.serverError = bounded(scrub(e['serverError']));
  if (typeof e['maxSteps'] === 'number') info.maxSteps = e['maxSteps'];
  return info;
}

/**
 * How a handler answers an error that came before the first event: the
 * status, the JSON body `{ message }` in Cohere's shape (what the browser's
 * `chatStream$()` reads into a `CohereApiError`), and headers.
 *
 * - `CohereApiError` (the upstream refused): its status, except 401, 403,
 *   407 and 498 (the relay's own key refused: 502, never "you are not signed
 *   in"); Cohere's `message` field, bounded and scrubbed, or a generic text
 *   (never the body as it came); `Retry-After` passed on;
 * - `CohereRelayError` (from `prepare`): its status, message and headers;
 * - `CohereTimeoutError`: 504; other failures to reach or read the upstream
 *   (connection, content type, parse, a body that ended at once): 502, in
 *   words that never name the upstream's host or port;
 * - `CohereAbortError` (the client went away): 499, which nobody reads;
 * - `CohereStoreError` (a generation store): 404 for `'not-found'`, else
 *   503 without `x-should-retry` (nothing went upstream: a retry may do better);
 * - anything else (a bad server option, a bug): 500, without its text.
 *
 * Every answer but `prepare`'s own says `x-should-retry: false`: the relay
 * retried already (its `maxRetries`), or retrying cannot help; so one
 * browser call makes at most `1 + maxRetries` upstream requests.
 */
export function errorResponseOf(error: unknown, scrub: Scrub): { status: number; message: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { [SHOULD_RETRY]: 'false' };
  if (!isCohereError(error)) return { status: 500, message: 'internal server error', headers };
  const e = error as unknown as Fields;
  switch (error.name) {
    case 'CohereApiError': {
      const retryAfterMs = e['retryAfterMs'];
      if (typeof retryAfterMs === 'number') headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
      return { ...upstreamAnswer(e, scrub), headers };
    }
    case 'CohereRelayError':
      return {
        status: httpStatus(e['status'], 500),
        message: scrub(error.message),
        headers: { ...(e['headers'] as Record<string, string>) },
      };
    case 'CohereTimeoutError':
      return { status: 504, message: scrub(error.message).replace('the Cohere API', "the relay's upstream"), headers };
    case 'CohereConnectionError':
      return { status: 502, message: e['phase'] === 'request' ? UNREACHABLE : BROKEN, headers };
    case 'CohereContentTypeError':
    case 'CohereParseError':
    case 'CohereIncompleteStreamError':
      return { status: 502, message: NOT_A_STREAM, headers };
    case 'CohereAbortError':
      return { status: 499, message: 'the client went away', headers };
    case 'CohereStoreError':
      // The store's fixed words (never its address). Unreachable: nothing went upstream, so a retry may do better.
      if (e['reason'] === 'not-found') return { status: 404, message: error.message, headers };
      return { status: 503, message: error.message, headers: {} };
  }
  return { status: 500, message: 'internal server error', headers };
}

/** The status and words a browser gets for an upstream's refusal. */
function upstreamAnswer(e: Fields, scrub: Scrub): { status: number; message: string } {
  const upstream = httpStatus(e['status'], 502);
  if (REFUSED.has(upstream)) {
    return { status: 502, message: `the relay's upstream refused the relay's credentials (status ${upstream})` };
  }
  const body = e['body'];
  const words = body !== null && typeof body === 'object' ? (body as Fields)['message'] : undefined;
  const message = typeof words === 'string' && words.trim() !== '' ? bounded(scrub(words)) : `the relay's upstream answered ${upstream}`;
  return { status: upstream, message };
}

/** An error status the HTTP layer accepts (400–599), else `fallback`. */
function httpStatus(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : fallback;
}

/** `text` on one line, cut to `MAX_UPSTREAM_WORDS` characters with `…`. */
export function bounded(text: string, max = MAX_UPSTREAM_WORDS): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * The headers of a relay's event stream: the POST's answer, and with a store
 * every resume's, which also name the generation (`id`).
 */
export function streamHeaders(multi: boolean, id?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-content-type-options': 'nosniff',
    // nginx and some hosts buffer responses unless told not to.
    'x-accel-buffering': 'no',
    [RELAY_HEADER]: multi ? MULTI_MESSAGE : SINGLE_MESSAGE,
    // Lets a page on another origin read the relay's headers (when your CORS layer allows the origin).
    'access-control-expose-headers': id === undefined ? RELAY_HEADER : `${RELAY_HEADER}, ${GENERATION_HEADER}`,
  };
  if (id !== undefined) headers[GENERATION_HEADER] = id;
  return headers;
}

/** A Cohere-shaped JSON error: `{ "message": … }`, with its length (so a client has it whole before a close). */
export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  const body = new TextEncoder().encode(JSON.stringify({ message }));
  return new Response(body, {
    status,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(body.byteLength),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
