import type { IncomingChatRequest } from './createChatHandler';

/** Deeper JSON than this is refused (400): a chat request is a few levels deep; tool data a few more. */
export const MAX_JSON_DEPTH = 100;

/** Why a body was refused: the status and the words of the answer. */
export interface BodyRefusal {
  readonly status: 400 | 408 | 413 | 415;
  readonly message: string;
}

const TIMED_OUT = Symbol('timed out');

/**
 * The request's media type is JSON: `application/json`, with parameters or
 * not. Anything else (a form post, `text/plain`, no type) never reaches
 * `prepare`: those are what a page on another site can send without asking
 * (a CORS "simple request").
 */
export function isJsonRequest(request: Request): boolean {
  const type = request.headers.get('content-type');
  return type !== null && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * Reads the request body as a chat request: a JSON object, at most
 * `maxBytes` bytes (by `Content-Length` before reading, else by counting),
 * whole within `timeoutMs`, at most {@link MAX_JSON_DEPTH} levels deep, and
 * whose `messages`, when present, is an array of objects. Anything else is
 * a refusal, never a throw: 413 (too large), 408 (too slow), 400 (not such
 * an object, whatever its shape or depth). The body is cancelled at once
 * when refused before its end.
 */
export async function readChatRequest(
  request: Request,
  maxBytes: number,
  timeoutMs: number,
): Promise<{ value: IncomingChatRequest } | BodyRefusal> {
  const tooLarge: BodyRefusal = { status: 413, message: `the request body is larger than ${maxBytes} bytes` };
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) return tooLarge;
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      if (timeoutMs > 0 && timeoutMs < Infinity) timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    });
    const refuse = (refusal: BodyRefusal): BodyRefusal => {
      void reader.cancel().catch(() => undefined);
      return refusal;
    };
    try {
      for (;;) {
        let read: ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT;
        try {
          read = await Promise.race([reader.read(), deadline]);
        } catch {
          return refuse({ status: 400, message: 'invalid request: the body could not be read' });
        }
        if (read === TIMED_OUT) return refuse({ status: 408, message: `the request body did not arrive within ${timeoutMs} ms` });
        if (read.done) break;
        total += read.value.byteLength;
        if (total > maxBytes) return refuse(tooLarge);
        chunks.push(read.value);
      }
    } finally {
      clearTimeout(timer);
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { status: 400, message: 'invalid request: the body is not valid JSON' };
  }
  const problem = shapeProblem(value);
  return problem === undefined ? { value: value as IncomingChatRequest } : { status: 400, message: `invalid request: ${problem}` };
}

/** What makes a parsed body no chat request, or `undefined`. */
function shapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the body must be a JSON object';
  if (deeperThan(value, MAX_JSON_DEPTH)) return `the body is nested deeper than ${MAX_JSON_DEPTH} levels`;
  const messages = (value as { messages?: unknown }).messages;
  if (messages !== undefined && !(Array.isArray(messages) && messages.every(isObject)))
    return 'messages must be an array of message objects';
  return undefined;
}

/** Whether a parsed JSON value nests objects and arrays deeper than `max`; iterative, so any depth is safe. */
function deeperThan(value: object, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
