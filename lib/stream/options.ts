import { CohereConfigError } from '../errors/CohereConfigError';
import { decodingScrub } from '../internal/scrubDecoded';
import { createScrubber, safeCause, type Scrub } from '../internal/secret';
import type { Telemetry } from '../internal/telemetry';
import type { ChatRequest } from '../types/request';

/** The part of a fetch `Response` that `chatStream$()` reads. */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  /** A web `ReadableStream`, or a Node stream / async iterable of bytes. */
  body: unknown;
  text(): Promise<string>;
}

/**
 * Any WHATWG-compatible fetch: `globalThis.fetch`, cross-fetch, node-fetch, undici, a test double.
 * `chatStream$()` POSTs the chat request; talking to a `cohere-rx/server` relay
 * that keeps generations, it may also GET one (to resume it, with no body) and
 * DELETE one (to stop it: `keepalive`, with no signal).
 */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST' | 'GET' | 'DELETE';
    headers: Record<string, string>;
    // No `| undefined` here: `globalThis.fetch` must stay assignable under `exactOptionalPropertyTypes`.
    body?: string;
    signal?: AbortSignal;
    keepalive?: boolean;
  },
) => Promise<FetchResponseLike>;

/**
 * What {@link ChatStreamOptions.onResponse} is told about a response: its
 * status and headers (never its body, which is the stream's).
 *
 * ## Example
 * Read the rate-limit headers of each response.
 * ```ts
 * import { chatStream$, type ResponseInfo } from 'cohere-rx';
 *
 * const onResponse = ({ status, headers }: ResponseInfo) => console.log(status, headers.get('x-ratelimit-remaining'));
 * chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hi' }] }, { onResponse }).subscribe();
 * ```
 */
export interface ResponseInfo {
  /** The HTTP status. */
  status: number;
  /** The response headers (`X-Cohere-Rx-Generation`, rate limits, …). */
  headers: FetchResponseLike['headers'];
}

/**
 * Options of {@link chatStream$}. All are optional.
 *
 * They are checked when you subscribe, before any request: one that can never
 * work fails with a `CohereConfigError` naming it, and is not retried.
 */
export interface ChatStreamOptions {
  /**
   * Sent as `Authorization: Bearer …`. An empty string sends no key (for an
   * app's own backend that adds it). No key here, none in `CO_API_KEY` and no
   * `Authorization` header is a `CohereConfigError`: nothing is sent.
   *
   * Or a function that returns the key, or a Promise of it, for keys that
   * rotate (a secret manager, a gateway's short-lived token). It is called
   * for each request: once per subscription, before the request (a retry
   * reuses its key); `runTools$()` calls it for each step, a
   * `cohere-rx/server` relay for each browser request. Its key is checked
   * and scrubbed from errors like any other. A throw, a rejection or a value
   * that is not a key is a `CohereConfigError` naming `apiKey` (its `cause`
   * a scrubbed copy of what was thrown), and nothing is sent.
   * @default process.env.CO_API_KEY, where `process` exists
   */
  apiKey?: string | (() => string | PromiseLike<string>) | undefined;
  /**
   * The request goes to `${baseUrl}/v2/chat`. An absolute http(s) URL, or in a
   * page a path such as `'/api'`, resolved against the page. Trailing `/`,
   * `/v2` and `/v2/chat` are dropped, so each of them names the same endpoint.
   * @default 'https://api.cohere.com'
   */
  baseUrl?: string | undefined;
  /**
   * The fetch to use.
   * @default globalThis.fetch, else cross-fetch
   */
  fetch?: FetchLike | undefined;
  /** Extra request headers; they override the defaults of the same name. */
  headers?: Record<string, string> | undefined;
  /** Sent as `X-Client-Name`. */
  clientName?: string | undefined;
  /** An outside signal: aborting it ends the stream with a `CohereAbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * How many times to retry before the first event: on 408, 429, 5xx and
   * network failures only (or as the response's `x-should-retry` says), with
   * exponential backoff and jitter, honouring `Retry-After`.
   * Also how many resumes in a row of a relay's generation whose connection
   * broke (one that brings frames starts the count again): docs/factory.md.
   * A whole number, 0 or more.
   * @default 2
   */
  maxRetries?: number | undefined;
  /**
   * Longest wait for the response headers, per attempt, in ms. `0` or `Infinity` disables it.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * Longest silence between bytes once the response has arrived, in ms. `0` or `Infinity` disables it.
   * A relay's generation that falls silent this long is resumed, not timed out.
   * @default 120000
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Largest single SSE event, in characters; a larger one is a `CohereParseError`.
   * @default 16777216 (16 Mi)
   */
  maxBufferSize?: number | undefined;
  /**
   * Records each subscription as a trace span with metrics: pass
   * `openTelemetry()` of `cohere-rx/telemetry` (docs/telemetry.md). Absent,
   * nothing is recorded and nothing of it is loaded.
   */
  telemetry?: Telemetry | undefined;
  /**
   * Called with each response's status and headers as soon as they arrive,
   * before its first event: the POST's, each retry's, and each GET that
   * resumes a relay's generation (docs/factory.md). A page reads the
   * relay's `X-Cohere-Rx-Generation` id here (to resume after a reload with
   * `resumeChat$`) and any rate-limit headers. A throw ends the stream with
   * that error.
   */
  onResponse?: ((info: ResponseInfo) => void) | undefined;
}

/** Everything one subscription needs, checked and with defaults applied. */
export interface StreamConfig {
  url: string;
  init: { method: 'POST'; headers: Record<string, string>; body: string };
  fetch: FetchLike | undefined;
  signal: AbortSignal | undefined;
  maxRetries: number;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxBufferSize: number;
  /** The `apiKey` function, when one was given: `keyOf` calls it before the first request. */
  apiKey: (() => unknown) | undefined;
  /** Removes the key (from any source) from text that may reach an error. */
  scrub: Scrub;
}

const DEFAULT_BASE_URL = 'https://api.cohere.com';
/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The first character a key may not hold (a key is one word of visible ASCII). */
const NOT_KEY = /[^\x21-\x7e]/;
/** The first character no header value can carry. */
const NOT_HEADER = /[\0\n\r\u0100-\uffff]/;

/**
 * Checks the request and the options and builds what the request needs.
 * Throws a `CohereConfigError` for anything that can never work. Messages
 * quote numbers and short strings (scrubbed), never a key or header value.
 * (Kept compact: this runs in every page that streams.)
 */
export function resolveOptions(request: ChatRequest, options: ChatStreamOptions): StreamConfig {
  const given: ChatStreamOptions = isObject(options) ? options : {};
  const keys = keysOf(given);
  const { envKey, headerKey } = keys;
  const keyFunction = typeof given.apiKey === 'function' ? given.apiKey : undefined;
  const apiKey = typeof given.apiKey === 'function' ? undefined : (given.apiKey ?? envKey);
  // Known before anything can fail, so that no message below can show the key;
  // also where a server echoed it through JSON escapes.
  const scrub = decodingScrub(keyScrubber(given, keys));
  const userHeaders: Record<string, unknown> = isObject(given.headers) ? given.headers : {};
  /** Names a value for a message: numbers as they are, strings quoted (cut short, scrubbed). */
  const show = (value: unknown): string =>
    typeof value === 'string'
      ? JSON.stringify(scrub(value.slice(0, 60)))
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'number' || value == null
          ? String(value)
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;
  const fail = (option: string, problem: string): never => {
    throw new CohereConfigError(option, problem);
  };
  const expect = (option: string, value: unknown, ok: boolean, what: string): void => {
    if (value !== undefined && !ok) fail(option, `expected ${what}, got ${show(value)}`);
  };
  /** A number option: `min` or more, whole when `whole`; `undefined` gives the default. */
  const count = (option: string, value: unknown, fallback: number, min: number, whole: boolean, what: string): number => {
    expect(option, value, typeof value === 'number' && value >= min && (!whole || Number.isInteger(value)), what);
    return (value as number | undefined) ?? fallback;
  };
  /** A header value: a string with no CR, LF, NUL or character over U+00FF; never quoted. */
  const headerValue = (option: string, value: unknown): string => {
    if (typeof value !== 'string') return fail(option, `expected a string, got ${show(value)}`);
    const bad = NOT_HEADER.exec(value);
    if (bad) fail(option, `holds ${describeChar(bad[0])} at position ${bad.index}, which no HTTP header can carry`);
    return value;
  };

  expect('options', options, isObject(options), 'an object');
  if (!isObject(request) || Array.isArray(request)) fail('request', `expected the chat request body (an object), got ${show(request)}`);
  expect('apiKey', given.apiKey, typeof given.apiKey === 'string' || !!keyFunction, 'a string or a function');
  if (!keyFunction && !apiKey && given.apiKey !== '' && headerKey === undefined) {
    fail('apiKey', "no API key: pass options.apiKey or set CO_API_KEY (apiKey: '' sends none, for your own backend that adds it)");
  }
  const badKey = apiKey ? NOT_KEY.exec(apiKey) : null;
  if (badKey) {
    const source = given.apiKey !== undefined ? 'options.apiKey' : 'CO_API_KEY';
    fail('apiKey', `${source} holds ${describeChar(badKey[0])} at position ${badKey.index}; a key is one word of visible ASCII`);
  }

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
  if (given.clientName !== undefined) headers['x-client-name'] = headerValue('clientName', given.clientName);
  expect('headers', given.headers, isObject(given.headers) && !Array.isArray(given.headers), 'an object of header names to strings');
  for (const [name, value] of Object.entries(userHeaders)) {
    if (!TOKEN.test(name)) fail('headers', `${show(name)} is not a valid header name`);
    headers[name.toLowerCase()] = headerValue(`headers.${name.toLowerCase()}`, value);
  }
  expect('fetch', given.fetch, typeof given.fetch === 'function', 'a fetch function');
  expect('onResponse', given.onResponse, typeof given.onResponse === 'function', 'a function');
  expect('telemetry', given.telemetry, typeof given.telemetry?.chat === 'function', 'openTelemetry() of cohere-rx/telemetry');
  const signal = given.signal;
  expect(
    'signal',
    signal,
    isObject(signal) && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function',
    'an AbortSignal',
  );

  return {
    url: `${resolveBaseUrl(given.baseUrl, show, fail)}/v2/chat`,
    init: { method: 'POST', headers, body: toJson(request, fail) },
    fetch: given.fetch,
    signal,
    maxRetries: count('maxRetries', given.maxRetries, 2, 0, true, 'a whole number, 0 or more'),
    timeoutMs: count('timeoutMs', given.timeoutMs, 60_000, 0, false, 'milliseconds, 0 or more (0 or Infinity: no limit)'),
    idleTimeoutMs: count('idleTimeoutMs', given.idleTimeoutMs, 120_000, 0, false, 'milliseconds, 0 or more (0 or Infinity: no limit)'),
    maxBufferSize: count('maxBufferSize', given.maxBufferSize, 16 * 1024 * 1024, 1, true, 'a whole number, 1 or more'),
    apiKey: keyFunction,
    scrub,
  };
}

/**
 * Calls the `apiKey` function of a subscription (`config.apiKey`), before its
 * first request. A throw or a rejection is a `CohereConfigError` naming
 * `apiKey` with a scrubbed copy of what was thrown as its `cause`; so is a
 * value that is not a string. The key is then checked like a string key, by
 * `resolveOptions` again with it as `apiKey`.
 */
export async function keyOf(config: StreamConfig): Promise<string> {
  let key: unknown;
  try {
    key = await config.apiKey!();
  } catch (error) {
    throw new CohereConfigError('apiKey', 'the apiKey function failed (see the cause)', { cause: safeCause(error, config.scrub) });
  }
  if (typeof key !== 'string') throw new CohereConfigError('apiKey', `the apiKey function gave ${typeof key}, not a string`);
  return key;
}

/** A scrubber for every form the key of these options can take (the option, `CO_API_KEY`, an `Authorization` header). */
export function keyScrubber(options: ChatStreamOptions, { envKey, headerKey } = keysOf(options)): Scrub {
  return createScrubber([options.apiKey, envKey, headerKey, headerKey?.replace(/^\s*bearer\s+/i, '')]);
}

function keysOf(options: ChatStreamOptions): { envKey: string | undefined; headerKey: string | undefined } {
  const envKey = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['CO_API_KEY'];
  const headers: Record<string, unknown> = isObject(options.headers) ? options.headers : {};
  const headerKey = Object.entries(headers).find(([name, v]) => name.toLowerCase() === 'authorization' && typeof v === 'string')?.[1];
  return { envKey, headerKey: headerKey as string | undefined };
}

/** `baseUrl` as an absolute URL without a trailing `/`, `/v2` or `/v2/chat`. */
function resolveBaseUrl(value: unknown, show: (value: unknown) => string, fail: (option: string, problem: string) => never): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  const text = typeof value === 'string' ? value.trim() : '';
  // In a page, a path is resolved against the page (how a page reaches its own backend).
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  const base = typeof page === 'string' && text.startsWith('/') && !text.startsWith('//') ? page : undefined;
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(text) || base ? new URL(text, base) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    return fail(
      'baseUrl',
      `${show(value)} is not an absolute http(s) URL such as "https://api.cohere.com"${text.startsWith('/') ? ' (a path works only in a page)' : ''}`,
    );
  }
  if (url.username || url.password) fail('baseUrl', 'must not carry credentials (user:password@); use apiKey or headers');
  if (url.search || url.hash) fail('baseUrl', `${show(value)} must not have a query or a fragment: /v2/chat is appended to it`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v2(\/chat)?$/i, '');
}

/** The request body with `stream: true`; a request JSON cannot carry (a cycle, a BigInt) is a `CohereConfigError`. */
function toJson(request: ChatRequest, fail: (option: string, problem: string) => never): string {
  try {
    return JSON.stringify({ ...request, stream: true });
  } catch (error) {
    return fail('request', `cannot be sent as JSON (${error instanceof Error ? error.name : 'an error'}: a cycle or a BigInt in it?)`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function describeChar(char: string): string {
  if (char === '\n' || char === '\r') return 'a line break';
  return char === ' ' || char === '\t' ? 'whitespace' : `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
