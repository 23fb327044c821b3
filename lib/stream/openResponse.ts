import { CohereApiError } from '../errors/CohereApiError';
import { CohereConnectionError } from '../errors/CohereConnectionError';
import { CohereContentTypeError } from '../errors/CohereContentTypeError';
import type { CohereError } from '../errors/CohereError';
import { CohereIncompleteStreamError } from '../errors/CohereIncompleteStreamError';
import { openByteSource, type ByteSource } from '../internal/byteSource';
import { isRetryableStatus, parseRetryAfter } from '../internal/retry';
import { parseScrubbed } from '../internal/scrubDecoded';
import { describeThrown, safeCause, type Scrub } from '../internal/secret';
import type { FetchLike, FetchResponseLike, ResponseInfo } from './options';

/** The most of an error body that is read (and kept, scrubbed, in `CohereApiError.body`). */
const MAX_ERROR_BODY = 1024 * 1024;

/** A failed attempt: its error, whether a retry may help, and how long the server asked to wait. */
export interface Failure {
  readonly ok?: false;
  readonly error: CohereError;
  readonly retry: boolean;
  readonly retryAfterMs?: number | undefined;
}

/**
 * What one attempt came to: a body to stream, with the response's headers
 * (a cohere-rx/server relay's say how to read it), or a failure.
 */
export type Opened =
  { readonly ok: true; readonly body: ByteSource; readonly headers: FetchResponseLike['headers'] } | (Failure & { readonly ok: false });

/** A network failure (no response, or a body that broke before any event) as a typed error. */
export function connectionFailure(phase: 'request' | 'body', thrown: unknown, scrub: Scrub): CohereConnectionError {
  return new CohereConnectionError(phase, scrub(describeThrown(thrown)), { cause: safeCause(thrown, scrub) });
}

/**
 * Sends one request and checks its response: a 2xx `text/event-stream`
 * with a body comes back as bytes to read; anything else as a typed error.
 * 408, 429, 5xx and network failures are marked retryable, unless the
 * response says otherwise in `x-should-retry`.
 *
 * @param onHeaders Called with the response once it has arrived (to switch from the header to the idle limit, and for `onResponse`).
 * @param isOver Whether the subscription ended meanwhile: the response is then released and `undefined` returned.
 */
export async function openResponse(
  fetch: FetchLike,
  url: string,
  init: Parameters<FetchLike>[1],
  scrub: Scrub,
  onHeaders: (info: ResponseInfo) => void,
  isOver: () => boolean,
): Promise<Opened | undefined> {
  let response: FetchResponseLike;
  try {
    response = await fetch(url, init);
  } catch (thrown) {
    if (isOver()) return undefined;
    return { ok: false, error: connectionFailure('request', thrown, scrub), retry: true };
  }
  if (isOver()) {
    openByteSource(response.body)?.cancel();
    return undefined;
  }
  onHeaders({ status: response.status, headers: response.headers });
  if (!response.ok) {
    const body = parseBody(await readText(response), scrub);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const error = new CohereApiError(response.status, body, retryAfterMs);
    // `x-should-retry` (a relay's, as openai-node and the Anthropic SDK read it): `true` retries whatever the status, `false` never.
    const should = response.headers.get('x-should-retry');
    return { ok: false, error, retry: should === 'true' || (should !== 'false' && isRetryableStatus(response.status)), retryAfterMs };
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!/^\s*text\/event-stream\b/i.test(contentType)) {
    const text = await readText(response);
    return { ok: false, error: new CohereContentTypeError(response.status, scrub(contentType), scrub(text)), retry: false };
  }
  const body = openByteSource(response.body);
  if (!body) return { ok: false, error: new CohereIncompleteStreamError(0), retry: false };
  return { ok: true, body, headers: response.headers };
}

/** Reads a response body as text, at most `MAX_ERROR_BODY` characters of it; `''` when it cannot be read. */
async function readText(response: FetchResponseLike): Promise<string> {
  const source = openByteSource(response.body);
  if (!source) {
    try {
      return (await response.text()).slice(0, MAX_ERROR_BODY);
    } catch {
      return '';
    }
  }
  let decoder: TextDecoder | undefined; // made at the first chunk of bytes (see EventDecoder)
  let text = '';
  try {
    for (;;) {
      const chunk = await source.read();
      if (chunk.done) return text + (decoder ? decoder.decode() : '');
      text += typeof chunk.value === 'string' ? chunk.value : (decoder ??= new TextDecoder()).decode(chunk.value, { stream: true });
      if (text.length >= MAX_ERROR_BODY) {
        source.cancel();
        return text.slice(0, MAX_ERROR_BODY);
      }
    }
  } catch {
    return text;
  }
}

/**
 * An error body as JSON, scrubbed after decoding (a key sent as `\u0073k…`
 * is a key once parsed); its text, scrubbed, when it is not JSON.
 */
function parseBody(text: string, scrub: Scrub): unknown {
  try {
    return parseScrubbed(text, scrub);
  } catch {
    return scrub(text);
  }
}
