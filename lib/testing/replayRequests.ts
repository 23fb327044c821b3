// How the replay server answers a request the way Cohere would before any
// streaming: the checks Cohere makes first, the transcript picked by default
// from the body, and Cohere-shaped JSON error responses.
import type { ServerResponse } from 'node:http';
import type { BuiltInTranscript } from './transcripts';

/** The transcript for a request when no `pick` option is given. */
export function defaultPick(body: Record<string, unknown>): BuiltInTranscript {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { role?: unknown }[]) : [];
  if (Array.isArray(body['documents']) && body['documents'].length > 0) return 'rag';
  if (messages[messages.length - 1]?.role === 'tool') return 'tool-answer';
  if (Array.isArray(body['tools']) && body['tools'].length > 0) return 'tool-calls';
  const thinking = body['thinking'] as { type?: unknown } | undefined;
  if (thinking?.type === 'enabled') return 'thinking';
  return 'text';
}

/** The checks Cohere makes first, with messages in its style. */
export function validate(body: Record<string, unknown>): string | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return 'model is required';
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
  const roles = new Set(['system', 'user', 'assistant', 'tool']);
  for (const [i, m] of messages.entries()) {
    const role = (m as { role?: unknown } | null)?.role;
    if (typeof role !== 'string' || !roles.has(role)) return `messages[${i}].role must be one of system, user, assistant, tool`;
  }
  if (body['stream'] !== true) return 'this replay server only streams: stream must be true';
  return undefined;
}

/** The message Cohere gives with an HTTP status, for an injected `status` fault without one. */
export function statusMessage(status: number): string {
  if (status === 429) return 'You are using a Trial key, which is limited to 10 API calls / minute.';
  if (status >= 500) return 'internal server error, this has been reported to our developers';
  return `request failed with status ${status}`;
}

/** Answers with `status` and Cohere's JSON error body (`{ id, message }`), with `Retry-After` when given. */
export function sendError(res: ServerResponse, status: number, message: string, retryAfter?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  res.writeHead(status, headers);
  res.end(JSON.stringify({ id: `replay-${Math.random().toString(16).slice(2, 10)}`, message }));
}
