// The names of OpenTelemetry's GenAI semantic conventions, as of semantic
// conventions v1.41.0 (the last release that holds them in the main
// repository; @opentelemetry/semantic-conventions 1.45 still exports them from
// its `/incubating` entry). Written out as strings: that entry is not meant to
// be a runtime dependency of instrumentation, and the specs check each name
// against it (spec/telemetry/names.spec.ts).
import type { Attributes } from '@opentelemetry/api';
import type { ChatRequest } from 'cohere-rx';

export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
export const GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const ERROR_TYPE = 'error.type';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';

export const METRIC_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';

/** The conventions' explicit bucket boundaries for durations in seconds (operation duration, time to first chunk). */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** The conventions' explicit bucket boundaries for token counts. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

// Names of our own (the conventions have none for these), in our namespace.
/** The span event of a retry. */
export const RETRY_EVENT = 'cohere_rx.retry';
/** On the retry event: the wait before the retry, in seconds. */
export const RETRY_DELAY = 'cohere_rx.retry.delay';
/** On the loop span: how many steps (model turns) ran. */
export const LOOP_STEPS = 'cohere_rx.loop.steps';
/** A resumed chat span's generation: the relay's `X-Cohere-Rx-Generation` id. */
export const GENERATION_ID = 'cohere_rx.generation.id';
/** A resumed chat span's `lastEventId` (absent: resumed from the start). */
export const RESUMED_AFTER = 'cohere_rx.generation.resumed_after';
/** `error.type` of an operation unsubscribed from before its end. */
export const CANCELLED = 'cancelled';

/** Where the requests go: `server.address` and `server.port`, from the `baseUrl` option. */
export function serverAttributes(baseUrl: string | undefined): Attributes {
  try {
    const page = (globalThis as { location?: { href?: unknown } }).location?.href;
    const url = new URL(
      baseUrl === undefined ? 'https://api.cohere.com' : String(baseUrl).trim(),
      typeof page === 'string' ? page : undefined,
    );
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
    return { [SERVER_ADDRESS]: url.hostname.replace(/^\[(.*)\]$/, '$1'), [SERVER_PORT]: port };
  } catch {
    return {}; // a baseUrl that can never work: chatStream$ fails with a CohereConfigError, recorded as such
  }
}

/** The request's sampling parameters by the conventions' names (Cohere's `p` is `top_p`, `k` is `top_k`). */
export function requestAttributes(request: ChatRequest): Attributes {
  const r = (typeof request === 'object' && request !== null ? request : {}) as Partial<Record<keyof ChatRequest, unknown>>;
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const format = (r.response_format as { type?: unknown } | undefined)?.type;
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: number(r.max_tokens),
    [GEN_AI_REQUEST_TEMPERATURE]: number(r.temperature),
    [GEN_AI_REQUEST_TOP_P]: number(r.p),
    [GEN_AI_REQUEST_TOP_K]: number(r.k),
    [GEN_AI_REQUEST_SEED]: number(r.seed),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: number(r.frequency_penalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: number(r.presence_penalty),
    [GEN_AI_REQUEST_STOP_SEQUENCES]:
      Array.isArray(r.stop_sequences) && r.stop_sequences.every((s) => typeof s === 'string') ? r.stop_sequences : undefined,
    [GEN_AI_OUTPUT_TYPE]: format === 'json_object' ? 'json' : format === 'text' ? 'text' : undefined,
  };
}

/** The requested model, when the request names one. */
export function modelOf(request: ChatRequest): string | undefined {
  const model = (request as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

/** `error.type`: the error's `name` (`CohereApiError`, `TypeError`, …), `_OTHER` for a thrown non-error. */
export function errorTypeOf(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : '_OTHER';
}

/**
 * cohere-rx errors whose message never quotes the conversation (the request,
 * the answer, tool arguments): their message may go into a span's status
 * description even without `recordContent`. The others (a parse error quotes
 * stream data, a tool's own error may say anything) only with it.
 */
const CONTENT_FREE_ERRORS = new Set([
  'CohereApiError',
  'CohereConnectionError',
  'CohereTimeoutError',
  'CohereAbortError',
  'CohereConfigError',
  'CohereIncompleteStreamError',
  'CohereContentTypeError',
  'CohereMaxStepsError',
  'CohereRelayError',
]);

/** The status description of a failed span: the error's message, where it cannot carry content (or content may be recorded). */
export function errorDescriptionOf(error: unknown, recordContent: boolean): string | undefined {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  return recordContent || CONTENT_FREE_ERRORS.has(errorTypeOf(error)) ? message : undefined;
}

/** The HTTP status of a `CohereApiError`. */
export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null | undefined)?.status;
  return errorTypeOf(error) === 'CohereApiError' && typeof status === 'number' ? status : undefined;
}
