import type { ToolResultEvent } from '../types/loop';
import type { DocumentContent, ToolMessage } from '../types/request';

// The tool messages runTools$() sends back (internal). Cohere cites a tool's
// output when it arrives as document content blocks whose `data` is an object.

/**
 * The `tool` message for one finished call: its output as documents (one per
 * item of a non-empty array), or `{ error: message }` for a failure.
 */
export function toolMessageOf(result: ToolResultEvent): ToolMessage {
  const content: DocumentContent[] =
    'error' in result
      ? [documentOf({ error: errorMessageOf(result.error) })]
      : Array.isArray(result.output) && result.output.length > 0
        ? result.output.map((item: unknown) => documentOf(dataOf(item)))
        : [documentOf(dataOf(result.output))];
  return { role: 'tool', tool_call_id: result.call.id, content };
}

/**
 * A document's `data` must be an object: a plain object goes as it is,
 * nothing (`undefined`) becomes `{}`, anything else (a string, a number,
 * `null`, an empty array) is wrapped as `{ value }`.
 */
function dataOf(output: unknown): Record<string, unknown> {
  if (output === undefined) return {};
  if (output !== null && typeof output === 'object' && !Array.isArray(output)) return output as Record<string, unknown>;
  return { value: output };
}

function documentOf(data: Record<string, unknown>): DocumentContent {
  return { type: 'document', document: { data } };
}

/** The error's message, never its stack: that is what the model may read. */
export function errorMessageOf(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  if (typeof error === 'number' || typeof error === 'boolean' || typeof error === 'bigint' || (typeof error === 'string' && error !== '')) {
    return String(error);
  }
  return 'The tool failed'; // nothing readable was thrown (null, an object without a message, a function…)
}
