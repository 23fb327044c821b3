// lib/chatStream.ts
import { createParser } from "eventsource-parser";
import { Observable } from "rxjs";

// lib/errors/CohereError.ts
var CohereError = class extends Error {
  name = "CohereError";
};
var NAMES = /* @__PURE__ */ new Set([
  "CohereError",
  "CohereApiError",
  "CohereConnectionError",
  "CohereContentTypeError",
  "CohereParseError",
  "CohereIncompleteStreamError",
  "CohereTimeoutError",
  "CohereGenerationError",
  "CohereAbortError",
  "CohereToolArgumentsError"
]);
function isCohereError(value) {
  return value instanceof CohereError || NAMES.has(nameOf(value));
}
function hasErrorName(value, name, ctor) {
  return value instanceof ctor || nameOf(value) === name;
}
function nameOf(value) {
  if (typeof value !== "object" || value === null) return "";
  const name = value.name;
  return typeof name === "string" && typeof value.message === "string" ? name : "";
}

// lib/errors/CohereAbortError.ts
var CohereAbortError = class extends CohereError {
  name = "CohereAbortError";
  constructor(options) {
    super("The stream was aborted by the caller", options);
  }
};
function isCohereAbortError(value) {
  return hasErrorName(value, "CohereAbortError", CohereAbortError);
}

// lib/errors/CohereApiError.ts
var CohereApiError = class extends CohereError {
  name = "CohereApiError";
  /** The HTTP status code. */
  status;
  /** The response body: parsed JSON when it is JSON, else its text. */
  body;
  /** Milliseconds the server asked to wait (`Retry-After`), when it said. */
  retryAfterMs;
  constructor(status, body, retryAfterMs) {
    super(`Cohere API request failed with status ${status}${describe(body)}`);
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
};
function describe(body) {
  if (body && typeof body === "object" && typeof body.message === "string") {
    return `: ${body.message}`;
  }
  if (typeof body === "string" && body.trim() !== "") {
    const text = body.trim();
    return `: ${text.length > 200 ? `${text.slice(0, 200)}\u2026` : text}`;
  }
  return "";
}
function isCohereApiError(value) {
  return hasErrorName(value, "CohereApiError", CohereApiError);
}

// lib/errors/CohereConnectionError.ts
var CohereConnectionError = class extends CohereError {
  name = "CohereConnectionError";
  /** `'request'` when no response arrived, `'body'` when the stream broke. */
  phase;
  constructor(phase, detail, options) {
    super(
      phase === "request" ? `Could not reach the Cohere API: ${detail}` : `The connection broke while streaming: ${detail}`,
      options
    );
    this.phase = phase;
  }
};
function isCohereConnectionError(value) {
  return hasErrorName(value, "CohereConnectionError", CohereConnectionError);
}

// lib/errors/CohereContentTypeError.ts
var CohereContentTypeError = class extends CohereError {
  name = "CohereContentTypeError";
  /** The HTTP status (2xx). */
  status;
  /** The `Content-Type` the server sent, or `''` when it sent none. */
  contentType;
  /** The start of the body, at most 200 characters. */
  bodySnippet;
  constructor(status, contentType, bodySnippet) {
    super(
      `Expected a text/event-stream response but got ${contentType || "no content type"} (status ${status})${bodySnippet ? `: ${bodySnippet}` : ""}`
    );
    this.status = status;
    this.contentType = contentType;
    this.bodySnippet = bodySnippet;
  }
};
function isCohereContentTypeError(value) {
  return hasErrorName(value, "CohereContentTypeError", CohereContentTypeError);
}

// lib/errors/CohereGenerationError.ts
var CohereGenerationError = class extends CohereError {
  name = "CohereGenerationError";
  /** `'ERROR'` or `'TIMEOUT'`. */
  finishReason;
  /** The server's `delta.error` text, when it sent one. */
  serverError;
  /** The `message-end` event that reported the failure. */
  event;
  constructor(finishReason, serverError, event) {
    super(`Cohere generation ended with ${finishReason}${serverError ? `: ${serverError}` : ""}`);
    this.finishReason = finishReason;
    this.serverError = serverError;
    this.event = event;
  }
};
function isCohereGenerationError(value) {
  return hasErrorName(value, "CohereGenerationError", CohereGenerationError);
}

// lib/errors/CohereIncompleteStreamError.ts
var CohereIncompleteStreamError = class extends CohereError {
  name = "CohereIncompleteStreamError";
  /** How many events were emitted before the body ended. */
  eventCount;
  constructor(eventCount) {
    super(
      `The stream ended before message-end after ${eventCount} event(s): the answer is incomplete`
    );
    this.eventCount = eventCount;
  }
};
function isCohereIncompleteStreamError(value) {
  return hasErrorName(value, "CohereIncompleteStreamError", CohereIncompleteStreamError);
}

// lib/errors/CohereParseError.ts
var QUOTE_LIMIT = 200;
var CohereParseError = class extends CohereError {
  name = "CohereParseError";
  /** What was wrong with the data. */
  reason;
  /** The offending data, at most 200 characters (truncation is marked with `…`). */
  data;
  constructor(reason, data, options) {
    const quoted = data.length > QUOTE_LIMIT ? `${data.slice(0, QUOTE_LIMIT)}\u2026` : data;
    super(`Malformed stream data (${reason}): ${JSON.stringify(quoted)}`, options);
    this.reason = reason;
    this.data = quoted;
  }
};
function isCohereParseError(value) {
  return hasErrorName(value, "CohereParseError", CohereParseError);
}

// lib/errors/CohereTimeoutError.ts
var CohereTimeoutError = class extends CohereError {
  name = "CohereTimeoutError";
  /** Which limit ran out. */
  phase;
  /** The limit, in milliseconds. */
  timeoutMs;
  constructor(phase, timeoutMs) {
    super(
      phase === "headers" ? `No response headers from the Cohere API within ${timeoutMs} ms` : `The stream was silent for ${timeoutMs} ms`
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
};
function isCohereTimeoutError(value) {
  return hasErrorName(value, "CohereTimeoutError", CohereTimeoutError);
}

// lib/internal/abortListener.ts
var entries = /* @__PURE__ */ new WeakMap();
function onAbort(signal, callback) {
  let entry = entries.get(signal);
  if (!entry) {
    const callbacks2 = /* @__PURE__ */ new Set();
    const handler2 = () => {
      entries.delete(signal);
      signal.removeEventListener("abort", handler2);
      const due = [...callbacks2];
      callbacks2.clear();
      for (const fn of due) fn();
    };
    entry = { callbacks: callbacks2, handler: handler2 };
    entries.set(signal, entry);
    signal.addEventListener("abort", handler2);
  }
  const { callbacks, handler } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (entries.get(signal)?.callbacks === callbacks) entries.delete(signal);
    signal.removeEventListener("abort", handler);
  };
}

// lib/internal/byteSource.ts
function ignore() {
}
function openByteSource(body) {
  if (body === null || typeof body !== "object") return void 0;
  if (typeof body.getReader === "function") {
    const reader = body.getReader();
    return {
      read: () => reader.read(),
      cancel: () => {
        reader.cancel().catch(ignore);
      }
    };
  }
  const iterable = body;
  if (typeof iterable[Symbol.asyncIterator] === "function") {
    const iterator = iterable[Symbol.asyncIterator]();
    return {
      read: () => iterator.next(),
      cancel: () => {
        if (typeof iterable.destroy === "function") iterable.destroy();
        else iterator.return?.()?.catch(ignore);
      }
    };
  }
  return void 0;
}

// lib/internal/retry.ts
function backoffMs(attempt, random = Math.random) {
  const base = Math.min(8e3, 500 * 2 ** attempt);
  return Math.round(base / 2 + base / 2 * random());
}
function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === void 0) return void 0;
  const text = value.trim();
  if (text === "") return void 0;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1e3);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return void 0;
  return Math.max(0, date - now);
}
function isRetryableStatus(status) {
  return status === 429 || status >= 500;
}

// lib/internal/secret.ts
var MASK = "[REDACTED]";
function createScrubber(secret) {
  if (!secret) return (text) => text;
  return (text) => text.includes(secret) ? text.split(secret).join(MASK) : text;
}
function scrubCause(cause, secret) {
  if (!secret || cause === void 0 || cause === null) return cause;
  let shown;
  try {
    const c = cause;
    shown = `${String(c.message)}
${String(c.stack)}
${String(cause)}
${JSON.stringify(cause)}`;
  } catch {
    shown = secret;
  }
  if (!shown.includes(secret)) return cause;
  const message = cause.message;
  return new Error(createScrubber(secret)(typeof message === "string" ? message : String(cause)));
}

// lib/chatStream.ts
var DEFAULT_BASE_URL = "https://api.cohere.com";
var DEFAULT_MAX_RETRIES = 2;
var DEFAULT_TIMEOUT_MS = 6e4;
var DEFAULT_IDLE_TIMEOUT_MS = 12e4;
var DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;
var MAX_RETRY_AFTER_MS = 6e4;
var DRAIN_MS = 250;
var OPEN_BRACE = 123;
var CR = 13;
var Retryable = class {
  constructor(error, retryAfterMs) {
    this.error = error;
    this.retryAfterMs = retryAfterMs;
  }
  error;
  retryAfterMs;
};
function chatStream$(request, options = {}) {
  return new Observable((subscriber) => {
    const apiKey = options.apiKey ?? readEnvApiKey();
    const scrub = createScrubber(apiKey);
    const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    const outerSignal = options.signal;
    const controller = new AbortController();
    let source;
    let atEof = false;
    let emitted = 0;
    let endEvent;
    let timer;
    let lastActivity = 0;
    const clearTimer = () => {
      if (timer !== void 0) clearTimeout(timer);
      timer = void 0;
    };
    const setTimer = (fn, ms) => {
      clearTimer();
      if (!subscriber.closed) timer = setTimeout(fn, ms);
    };
    const watchIdle = (limitMs, phase) => {
      clearTimer();
      if (!(limitMs > 0 && limitMs < Infinity)) return;
      lastActivity = Date.now();
      const check = () => {
        const silentFor = Date.now() - lastActivity;
        if (silentFor >= limitMs) fail(new CohereTimeoutError(phase, limitMs));
        else setTimer(check, limitMs - silentFor);
      };
      setTimer(check, limitMs);
    };
    const fail = (error) => {
      if (!subscriber.closed) subscriber.error(error);
    };
    const onOuterAbort = () => {
      fail(new CohereAbortError({ cause: scrubCause(outerSignal?.reason, apiKey) }));
    };
    const finish = () => {
      clearTimer();
      if (subscriber.closed || !endEvent) return;
      const reason = endEvent.delta?.finish_reason;
      if (reason === "ERROR" || reason === "TIMEOUT") {
        const text = endEvent.delta?.error;
        const raw = JSON.stringify(endEvent);
        const event = scrub(raw) === raw ? endEvent : JSON.parse(scrub(raw));
        fail(new CohereGenerationError(reason, text === void 0 ? void 0 : scrub(text), event));
      } else {
        subscriber.complete();
      }
    };
    const onMessage = (message) => {
      if (subscriber.closed || endEvent) return;
      const data = message.data;
      if (data.length > maxBufferSize) throw tooLarge();
      let event;
      if (data.charCodeAt(0) === OPEN_BRACE) {
        try {
          event = JSON.parse(data);
        } catch (cause) {
          throw new CohereParseError("invalid-json", scrub(data), { cause });
        }
      } else {
        if (data.trim() === "[DONE]") return;
        event = parseOther(data);
      }
      emitted++;
      subscriber.next(event);
      if (event.type === "message-end") {
        endEvent = event;
        setTimer(finish, DRAIN_MS);
      }
    };
    const parseOther = (data) => {
      let value;
      try {
        value = JSON.parse(data);
      } catch (cause) {
        throw new CohereParseError("invalid-json", scrub(data), { cause });
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new CohereParseError("not-an-object", scrub(data));
      }
      return value;
    };
    const tooLarge = () => new CohereParseError("too-large", `<an event over ${maxBufferSize} characters>`);
    const onParserError = (error) => {
      if (error.type === "max-buffer-size-exceeded") throw tooLarge();
    };
    const readBody = async (body) => {
      const decoder = new TextDecoder();
      const parser = createParser({ onEvent: onMessage, onError: onParserError, maxBufferSize });
      watchIdle(idleTimeoutMs, "idle");
      let text = "";
      for (; ; ) {
        let chunk;
        try {
          chunk = await body.read();
        } catch (cause) {
          if (subscriber.closed) return;
          if (endEvent) return finish();
          const error = new CohereConnectionError("body", scrub(describeError(cause)), {
            cause: scrubCause(cause, apiKey)
          });
          if (emitted === 0) throw new Retryable(error);
          throw error;
        }
        if (subscriber.closed) return;
        if (chunk.done) break;
        lastActivity = Date.now();
        const value = chunk.value;
        text = typeof value === "string" ? value : decoder.decode(value, { stream: true });
        parser.feed(text);
        if (subscriber.closed) return;
      }
      atEof = true;
      const rest = decoder.decode();
      if (rest !== "") parser.feed(text = rest);
      if (text.charCodeAt(text.length - 1) === CR) parser.feed("\n");
      parser.reset({ consume: true });
      if (subscriber.closed) return;
      if (endEvent) finish();
      else fail(new CohereIncompleteStreamError(emitted));
    };
    const attempt = async (fetchImpl, url, init) => {
      atEof = false;
      watchIdle(timeoutMs, "headers");
      let response;
      try {
        response = await fetchImpl(url, init);
      } catch (cause) {
        if (subscriber.closed) return;
        throw new Retryable(
          new CohereConnectionError("request", scrub(describeError(cause)), { cause: scrubCause(cause, apiKey) })
        );
      }
      if (subscriber.closed) {
        openByteSource(response.body)?.cancel();
        return;
      }
      watchIdle(idleTimeoutMs, "idle");
      if (!response.ok) {
        const text = scrub(await readText(response));
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        const error = new CohereApiError(response.status, parseBody(text), retryAfterMs);
        if (isRetryableStatus(response.status)) throw new Retryable(error, retryAfterMs);
        throw error;
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (!/^\s*text\/event-stream\b/i.test(contentType)) {
        const text = scrub(await readText(response)).trim();
        throw new CohereContentTypeError(response.status, contentType, text.length > 200 ? `${text.slice(0, 200)}\u2026` : text);
      }
      source = openByteSource(response.body);
      if (!source) {
        atEof = true;
        throw new CohereIncompleteStreamError(0);
      }
      await readBody(source);
    };
    const run = async () => {
      const fetchImpl = options.fetch ?? await defaultFetch();
      const url = `${(options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "")}/v2/chat`;
      const headers = {
        "content-type": "application/json",
        accept: "text/event-stream"
      };
      if (apiKey) headers["authorization"] = `Bearer ${apiKey}`;
      if (options.clientName) headers["x-client-name"] = options.clientName;
      for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
      const init = {
        method: "POST",
        headers,
        body: JSON.stringify({ ...request, stream: true }),
        signal: controller.signal
      };
      for (let retries = 0; ; retries++) {
        try {
          await attempt(fetchImpl, url, init);
          return;
        } catch (thrown) {
          if (subscriber.closed) return;
          if (!(thrown instanceof Retryable)) throw thrown;
          const wait = thrown.retryAfterMs ?? backoffMs(retries);
          if (emitted > 0 || retries >= maxRetries || wait > MAX_RETRY_AFTER_MS) throw thrown.error;
          source?.cancel();
          source = void 0;
          atEof = true;
          await new Promise((resolve) => setTimer(resolve, wait));
          if (subscriber.closed) return;
        }
      }
    };
    let forgetOuterSignal;
    if (outerSignal) {
      if (outerSignal.aborted) {
        onOuterAbort();
        return;
      }
      forgetOuterSignal = onAbort(outerSignal, onOuterAbort);
    }
    run().catch(fail);
    return () => {
      clearTimer();
      forgetOuterSignal?.();
      if (!atEof) {
        controller.abort();
        source?.cancel();
      }
    };
  });
}
function readEnvApiKey() {
  const proc = globalThis.process;
  return proc?.env?.["CO_API_KEY"];
}
async function defaultFetch() {
  if (typeof globalThis.fetch === "function") return globalThis.fetch.bind(globalThis);
  const mod = await import("cross-fetch");
  const crossFetch = mod.default ?? mod.fetch;
  if (!crossFetch) throw new Error("No fetch available: pass options.fetch");
  return crossFetch;
}
async function readText(response) {
  try {
    return await response.text();
  } catch {
    return "";
  }
}
function parseBody(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
function messageOf(error) {
  const message = error?.message;
  return typeof message === "string" ? message : void 0;
}
function describeError(error) {
  const message = messageOf(error);
  if (message === void 0) return String(error);
  const cause = messageOf(error.cause);
  return cause === void 0 ? message : `${message} (${cause})`;
}

// lib/isEventType.ts
function isEventType(event, ...types) {
  if (event === null || typeof event !== "object") return false;
  const type = event.type;
  return types.includes(type);
}

// lib/errors/CohereToolArgumentsError.ts
var CohereToolArgumentsError = class extends CohereError {
  name = "CohereToolArgumentsError";
  /** The tool call whose arguments failed to parse. */
  toolCall;
  constructor(toolCall, problem, options) {
    const args = toolCall.function.arguments;
    const quoted = args.length > 200 ? `${args.slice(0, 200)}\u2026` : args;
    super(
      `Tool call ${toolCall.id} (${toolCall.function.name}) has invalid arguments: ${problem}: ${JSON.stringify(quoted)}`,
      options
    );
    this.toolCall = toolCall;
  }
};
function isCohereToolArgumentsError(value) {
  return hasErrorName(value, "CohereToolArgumentsError", CohereToolArgumentsError);
}

// lib/operators/textOnly.ts
import { Observable as Observable2 } from "rxjs";
function textOnly() {
  return (source) => new Observable2(
    (subscriber) => source.subscribe({
      next: (event) => {
        if (event.type !== "content-delta") return;
        const text = event.delta?.message?.content?.text;
        if (typeof text === "string" && text !== "") subscriber.next(text);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    })
  );
}

// lib/operators/thinkingOnly.ts
import { Observable as Observable3 } from "rxjs";
function thinkingOnly() {
  return (source) => new Observable3(
    (subscriber) => source.subscribe({
      next: (event) => {
        if (event.type !== "content-delta") return;
        const thinking = event.delta?.message?.content?.thinking;
        if (typeof thinking === "string" && thinking !== "") subscriber.next(thinking);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    })
  );
}

// lib/operators/toolPlan.ts
import { Observable as Observable4 } from "rxjs";
function toolPlan() {
  return (source) => new Observable4(
    (subscriber) => source.subscribe({
      next: (event) => {
        if (event.type !== "tool-plan-delta") return;
        const piece = event.delta?.message?.tool_plan;
        if (typeof piece === "string" && piece !== "") subscriber.next(piece);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    })
  );
}

// lib/operators/accumulateMessage.ts
import { Observable as Observable5 } from "rxjs";
function accumulateMessage() {
  return (source) => new Observable5((subscriber) => {
    let id = "";
    let content = [];
    let contentIndexes = [];
    let plan = "";
    let calls = [];
    let callIndexes = [];
    let citations = [];
    let message = { role: "assistant", content };
    let response = { id, message };
    const rebuildMessage = () => {
      if (plan === "" && calls.length === 0 && citations.length === 0) {
        message = { role: "assistant", content };
        return;
      }
      message = { role: "assistant", content };
      if (plan !== "") message.tool_plan = plan;
      if (calls.length > 0) message.tool_calls = calls;
      if (citations.length > 0) message.citations = citations;
    };
    const emit = () => {
      const next = { id, message };
      if (response.finish_reason !== void 0) next.finish_reason = response.finish_reason;
      if (response.usage !== void 0) next.usage = response.usage;
      response = next;
      subscriber.next(response);
    };
    const putBlock = (index, block) => {
      const at = positionOf(contentIndexes, index);
      content = content.slice();
      if (at >= 0) content[at] = block;
      else {
        const insertAt = ~at;
        content.splice(insertAt, 0, block);
        contentIndexes = contentIndexes.slice();
        contentIndexes.splice(insertAt, 0, index);
      }
    };
    const putCall = (index, call) => {
      const at = positionOf(callIndexes, index);
      calls = calls.slice();
      if (at >= 0) calls[at] = call;
      else {
        const insertAt = ~at;
        calls.splice(insertAt, 0, call);
        callIndexes = callIndexes.slice();
        callIndexes.splice(insertAt, 0, index);
      }
    };
    return source.subscribe({
      next: (event) => {
        switch (event.type) {
          case "message-start": {
            id = event.id ?? id;
            break;
          }
          case "content-start": {
            const start = event.delta?.message?.content;
            const block = start?.type === "thinking" ? { type: "thinking", thinking: start.thinking ?? "" } : { type: "text", text: start?.text ?? "" };
            putBlock(event.index ?? 0, block);
            break;
          }
          case "content-delta": {
            const piece = event.delta?.message?.content;
            if (!piece) return;
            const index = event.index ?? 0;
            const at = positionOf(contentIndexes, index);
            const current = at >= 0 ? content[at] : void 0;
            let block;
            if (current?.type === "thinking" || !current && typeof piece.thinking === "string") {
              if (!piece.thinking) return;
              block = { type: "thinking", thinking: (current?.thinking ?? "") + piece.thinking };
            } else {
              if (!piece.text) return;
              block = { type: "text", text: (current?.text ?? "") + piece.text };
            }
            if (at >= 0) {
              content = content.slice();
              content[at] = block;
            } else putBlock(index, block);
            break;
          }
          case "tool-plan-delta": {
            const piece = event.delta?.message?.tool_plan;
            if (!piece) return;
            plan += piece;
            break;
          }
          case "tool-call-start": {
            const start = event.delta?.message?.tool_calls;
            putCall(event.index ?? 0, {
              id: start?.id ?? "",
              type: "function",
              function: { name: start?.function?.name ?? "", arguments: start?.function?.arguments ?? "" }
            });
            break;
          }
          case "tool-call-delta": {
            const piece = event.delta?.message?.tool_calls?.function?.arguments;
            if (!piece) return;
            const index = event.index ?? 0;
            const current = calls[positionOf(callIndexes, index)];
            const base = current ?? { id: "", type: "function", function: { name: "", arguments: "" } };
            putCall(index, { ...base, function: { ...base.function, arguments: base.function.arguments + piece } });
            break;
          }
          case "tool-call-end": {
            const index = event.index ?? 0;
            const current = calls[positionOf(callIndexes, index)];
            if (!current || current.function.arguments !== "") return;
            putCall(index, { ...current, function: { ...current.function, arguments: "{}" } });
            break;
          }
          case "citation-start": {
            const citation = event.delta?.message?.citations;
            if (!citation || typeof citation !== "object") return;
            citations = [...citations, citation];
            break;
          }
          case "message-end": {
            if (!id && event.id) id = event.id;
            const reason = event.delta?.finish_reason;
            const used = event.delta?.usage;
            response = { ...response };
            if (reason !== void 0) response.finish_reason = reason;
            if (used !== void 0) response.usage = used;
            emit();
            return;
          }
          default:
            return;
        }
        rebuildMessage();
        emit();
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    });
  });
}
function positionOf(indexes, index) {
  const n = indexes.length;
  if (n === 0) return ~0;
  const last = indexes[n - 1];
  if (last === index) return n - 1;
  if (last < index) return ~n;
  for (let i = 0; i < n; i++) {
    const value = indexes[i];
    if (value === index) return i;
    if (value > index) return ~i;
  }
  return ~n;
}

// lib/operators/collectCitations.ts
import { Observable as Observable6 } from "rxjs";
function collectCitations() {
  return (source) => new Observable6((subscriber) => {
    let citations = [];
    return source.subscribe({
      next: (event) => {
        if (event.type !== "citation-start") return;
        const citation = event.delta?.message?.citations;
        if (!citation || typeof citation !== "object") return;
        citations = [...citations, citation];
        subscriber.next(citations);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    });
  });
}

// lib/operators/toolCalls.ts
import { Observable as Observable7 } from "rxjs";
function toolCalls() {
  return (source) => new Observable7((subscriber) => {
    const open = /* @__PURE__ */ new Map();
    return source.subscribe({
      next: (event) => {
        switch (event.type) {
          case "tool-call-start": {
            const call = event.delta?.message?.tool_calls;
            const first = call?.function?.arguments;
            open.set(event.index ?? 0, {
              id: call?.id ?? "",
              name: call?.function?.name ?? "",
              pieces: typeof first === "string" && first !== "" ? [first] : []
            });
            break;
          }
          case "tool-call-delta": {
            const piece = event.delta?.message?.tool_calls?.function?.arguments;
            if (typeof piece !== "string" || piece === "") break;
            const index = event.index ?? 0;
            const call = open.get(index);
            if (call) call.pieces.push(piece);
            else open.set(index, { id: "", name: "", pieces: [piece] });
            break;
          }
          case "tool-call-end": {
            const index = event.index ?? 0;
            const call = open.get(index);
            if (!call) break;
            open.delete(index);
            const args = call.pieces.join("");
            subscriber.next({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: args === "" ? "{}" : args }
            });
            break;
          }
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    });
  });
}

// lib/parseToolCallArguments.ts
function parseToolCallArguments(toolCall) {
  const text = toolCall.function.arguments;
  if (text.trim() === "") return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CohereToolArgumentsError(toolCall, "not valid JSON", { cause });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CohereToolArgumentsError(toolCall, "not a JSON object");
  }
  return value;
}

// lib/operators/usage.ts
import { Observable as Observable8 } from "rxjs";
function usage() {
  return (source) => new Observable8((subscriber) => {
    let emitted = false;
    return source.subscribe({
      next: (event) => {
        if (emitted || event.type !== "message-end") return;
        const value = event.delta?.usage;
        if (value && typeof value === "object") {
          emitted = true;
          subscriber.next(value);
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete()
    });
  });
}
export {
  CohereAbortError,
  CohereApiError,
  CohereConnectionError,
  CohereContentTypeError,
  CohereError,
  CohereGenerationError,
  CohereIncompleteStreamError,
  CohereParseError,
  CohereTimeoutError,
  CohereToolArgumentsError,
  accumulateMessage,
  chatStream$,
  collectCitations,
  isCohereAbortError,
  isCohereApiError,
  isCohereConnectionError,
  isCohereContentTypeError,
  isCohereError,
  isCohereGenerationError,
  isCohereIncompleteStreamError,
  isCohereParseError,
  isCohereTimeoutError,
  isCohereToolArgumentsError,
  isEventType,
  parseToolCallArguments,
  textOnly,
  thinkingOnly,
  toolCalls,
  toolPlan,
  usage
};
//# sourceMappingURL=index.mjs.map