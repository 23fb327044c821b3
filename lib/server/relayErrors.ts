import { isCohereError } from 'cohere-rx';
import type { RelayErrorInfo } from '../internal/relay';
import type { Scrub } from '../internal/secret';

/** What a browser is told about an error that is not cohere-rx's own: nothing of its text. */
const OPAQUE = 'the stream failed on the server';
/** The longest upstream text quoted back to a browser. */
const MAX_WORDS = 1000;

type Fields = Record<string, unknown>;

/**
 * The error frame's description of `error`: its class `name` and scrubbed
 * message, with the fields the browser needs to rebuild the same class. An
 * error that is not a `CohereError` (a bug, a database failure) is described
 * as a plain `CohereError`, without its text, which may hold anything.
 */
export function relayErrorInfo(error: unknown, scrub: Scrub): RelayErrorInfo {
  if (!isCohereError(error)) return { name: 'CohereError', message: OPAQUE };
  const e = error as unknown as Fields;
  const info: RelayErrorInfo = { name: error.name, message: scrub(error.name === 'CohereApiError' ? upstreamWords(e) : error.message) };
  if (typeof e['status'] === 'number') info.status = e['status'];
  if (typeof e['phase'] === 'string') info.phase = e['phase'];
  if (typeof e['timeoutMs'] === 'number') info.timeoutMs = e['timeoutMs'];
  if (typeof e['finishReason'] === 'string') info.finishReason = e['finishReason'];
  if (typeof e['serverError'] === 'string') info.serverError = scrub(e['serverError']);
  if (typeof e['maxSteps'] === 'number') info.maxSteps = e['maxSteps'];
  return info;
}

/**
 * How a handler answers an error that came before the first event: the
 * status, the JSON body `{ message }` in Cohere's shape (what the browser's
 * `chatStream$()` reads into a `CohereApiError`), and headers.
 *
 * - `CohereApiError`: the upstream's status and words, `Retry-After` passed on;
 * - `CohereRelayError` (from `prepare`): its status, message and headers;
 * - `CohereTimeoutError`: 504; other failures to reach or read the upstream
 *   (connection, content type, parse, a body that ended at once): 502;
 * - `CohereAbortError` (the client went away): 499, which nobody reads;
 * - anything else (a bad server option, a bug): 500, without its text.
 */
export function errorResponseOf(error: unknown, scrub: Scrub): { status: number; message: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (!isCohereError(error)) return { status: 500, message: 'internal server error', headers };
  const e = error as unknown as Fields;
  switch (error.name) {
    case 'CohereApiError': {
      const retryAfterMs = e['retryAfterMs'];
      if (typeof retryAfterMs === 'number') headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
      return { status: httpStatus(e['status'], 502), message: scrub(upstreamWords(e)), headers };
    }
    case 'CohereRelayError':
      Object.assign(headers, e['headers']);
      return { status: httpStatus(e['status'], 500), message: scrub(error.message), headers };
    case 'CohereTimeoutError':
      return { status: 504, message: scrub(error.message), headers };
    case 'CohereConnectionError':
    case 'CohereContentTypeError':
    case 'CohereParseError':
    case 'CohereIncompleteStreamError':
      return { status: 502, message: scrub(error.message), headers };
    case 'CohereAbortError':
      return { status: 499, message: 'the client went away', headers };
  }
  return { status: 500, message: 'internal server error', headers };
}

/** An error status the HTTP layer accepts (400–599), else `fallback`. */
function httpStatus(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : fallback;
}

/** A `CohereApiError`'s upstream words: its body's `message`, else its text body, else its own message. */
function upstreamWords(e: Fields): string {
  const body = e['body'];
  const message = body !== null && typeof body === 'object' ? (body as Fields)['message'] : body;
  const words = typeof message === 'string' && message.trim() !== '' ? message : String(e['message']);
  return words.length > MAX_WORDS ? `${words.slice(0, MAX_WORDS)}…` : words;
}
