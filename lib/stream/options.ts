import { CohereConfigError } from '../errors/CohereConfigError';
import { createScrubber, type Scrub } from '../internal/secret';
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

/** Any WHATWG-compatible fetch: `globalThis.fetch`, cross-fetch, node-fetch, undici, a test double. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<FetchResponseLike>;

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
   * @default process.env.CO_API_KEY, where `process` exists
   */
  apiKey?: string | undefined;
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
   * How many times to retry before the first event: on 429, 5xx and network
   * failures only, with exponential backoff and jitter, honouring `Retry-After`.
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
   * @default 120000
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Largest single SSE event, in characters; a larger one is a `CohereParseError`.
   * @default 16777216 (16 Mi)
   */
  maxBufferSize?: number | undefined;
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
  /** Removes the key (from any source) from text that may reach an error. */
  scrub: Scrub;
}

const DEFAULT_BASE_URL = 'https://api.cohere.com';
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;
/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a key may hold: visible ASCII, no spaces (it is a bearer token). */
const KEY = /^[\x21-\x7e]+$/;

/**
 * Checks the request and the options and builds what the request needs.
 * Throws a `CohereConfigError` for anything that can never work.
 */
export function resolveOptions(request: ChatRequest, options: ChatStreamOptions): StreamConfig {
  if (options === null || typeof options !== 'object') {
    throw new CohereConfigError('options', `expected an object, got ${kindOf(options)}`);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new CohereConfigError('request', `expected the chat request body (an object), got ${kindOf(request)}`);
  }
  const envKey = readEnvApiKey();
  const headerKey = findHeader(options.headers, 'authorization');
  const apiKey = options.apiKey ?? envKey;
  // Known before anything can fail, so that no message below can show the key.
  const scrub = createScrubber([apiKey, envKey, headerKey, headerKey?.replace(/^\s*bearer\s+/i, '')]);

  if (options.apiKey !== undefined && typeof options.apiKey !== 'string') {
    throw new CohereConfigError('apiKey', `expected a string, got ${kindOf(options.apiKey)}`);
  }
  if (apiKey === undefined || (apiKey === '' && options.apiKey === undefined)) {
    if (headerKey === undefined) {
      throw new CohereConfigError(
        'apiKey',
        'no API key: pass options.apiKey or set CO_API_KEY. ' +
          "For your own backend that adds the key, pass apiKey: '' to send none.",
      );
    }
  } else if (apiKey !== '' && !KEY.test(apiKey)) {
    const source = options.apiKey !== undefined ? 'options.apiKey' : 'CO_API_KEY';
    throw new CohereConfigError('apiKey', `${source} ${describeBadKey(apiKey)}; a key is one word of visible ASCII`);
  }

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
  if (options.clientName !== undefined) {
    headers['x-client-name'] = checkHeaderValue('clientName', options.clientName);
  }
  if (options.headers !== undefined) {
    if (options.headers === null || typeof options.headers !== 'object' || Array.isArray(options.headers)) {
      throw new CohereConfigError('headers', `expected an object of header names to strings, got ${kindOf(options.headers)}`);
    }
    for (const [name, value] of Object.entries(options.headers)) {
      if (!TOKEN.test(name)) throw new CohereConfigError('headers', `${JSON.stringify(scrub(name))} is not a valid header name`);
      headers[name.toLowerCase()] = checkHeaderValue(`headers.${name.toLowerCase()}`, value);
    }
  }

  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new CohereConfigError('fetch', `expected a fetch function, got ${kindOf(options.fetch)}`);
  }
  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new CohereConfigError('signal', `expected an AbortSignal, got ${kindOf(signal)}`);
  }

  return {
    url: `${resolveBaseUrl(options.baseUrl, scrub)}/v2/chat`,
    init: { method: 'POST', headers, body: JSON.stringify({ ...request, stream: true }) },
    fetch: options.fetch,
    signal,
    maxRetries: wholeNumber('maxRetries', options.maxRetries, DEFAULT_MAX_RETRIES, scrub),
    timeoutMs: timeLimit('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, scrub),
    idleTimeoutMs: timeLimit('idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, scrub),
    maxBufferSize: positiveWholeNumber('maxBufferSize', options.maxBufferSize, DEFAULT_MAX_BUFFER_SIZE, scrub),
    scrub,
  };
}

/** `baseUrl` as an absolute URL without a trailing `/`, `/v2` or `/v2/chat`. */
function resolveBaseUrl(value: string | undefined, scrub: Scrub): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  if (typeof value !== 'string') throw new CohereConfigError('baseUrl', `expected a URL string, got ${kindOf(value, scrub)}`);
  const shown = JSON.stringify(scrub(value));
  const text = value.trim();
  const page = pageUrl();
  let url: URL | undefined;
  if (/^https?:\/\//i.test(text)) url = parseUrl(text);
  else if (text.startsWith('/') && !text.startsWith('//') && page) url = parseUrl(text, page);
  if (!url) {
    const hint = text.startsWith('/')
      ? 'a path is only allowed in a page, where it is resolved against the page; give an absolute http(s) URL'
      : `expected an absolute http(s) URL such as "https://api.cohere.com"${page ? ' or a path such as "/api"' : ''}`;
    throw new CohereConfigError('baseUrl', `${shown} is not usable: ${hint}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new CohereConfigError('baseUrl', 'must not carry credentials (user:password@); use apiKey or headers');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new CohereConfigError('baseUrl', `${shown} must not have a query or a fragment: /v2/chat is appended to it`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v2(\/chat)?$/i, '');
}

function parseUrl(text: string, base?: string): URL | undefined {
  try {
    const url = new URL(text, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The page's own URL in a browser (where a path `baseUrl` makes sense), else `undefined`. */
function pageUrl(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/i.test(href) ? href : undefined;
}

function checkHeaderValue(option: string, value: unknown): string {
  if (typeof value !== 'string') throw new CohereConfigError(option, `expected a string, got ${kindOf(value)}`);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0 || code === 10 || code === 13 || code > 0xff) {
      // The value is never quoted: it may be a credential.
      throw new CohereConfigError(option, `contains ${describeChar(code)} at position ${i}, which no HTTP header can carry`);
    }
  }
  return value;
}

function describeBadKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return `contains ${describeChar(code)} at position ${i}`;
  }
  return 'is not a valid key';
}

function describeChar(code: number): string {
  if (code === 10 || code === 13) return 'a line break';
  if (code === 0) return 'a NUL character';
  if (code === 32 || code === 9) return 'whitespace';
  return `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function wholeNumber(option: string, value: unknown, fallback: number, scrub: Scrub): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CohereConfigError(option, `expected a whole number, 0 or more, got ${kindOf(value, scrub)}`);
  }
  return value;
}

function positiveWholeNumber(option: string, value: unknown, fallback: number, scrub: Scrub): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new CohereConfigError(option, `expected a whole number, 1 or more, got ${kindOf(value, scrub)}`);
  }
  return value;
}

/** A time limit in ms: a number, 0 or more; `0` and `Infinity` mean none. */
function timeLimit(option: string, value: unknown, fallback: number, scrub: Scrub): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new CohereConfigError(option, `expected milliseconds (a number, 0 or more; 0 or Infinity for no limit), got ${kindOf(value, scrub)}`);
  }
  return value;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function'
  );
}

/**
 * Names a value's kind for a message. Numbers are quoted; strings are quoted
 * (cut short, and scrubbed) only when `scrub` is given.
 */
function kindOf(value: unknown, scrub?: Scrub): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    return scrub ? `the string ${JSON.stringify(scrub(value.length > 40 ? `${value.slice(0, 40)}…` : value))}` : 'a string';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value of header `name` (any case) in user-given headers, if any. */
function findHeader(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

function readEnvApiKey(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.['CO_API_KEY'];
}
