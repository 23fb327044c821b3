import { CohereError, type ChatMessage, type StepEndEvent, type ToolDefinition, type ToolResultEvent } from 'cohere-rx';
import { catchError, defer, from, isObservable, of, throwError, type Observable, type ObservableInput } from 'rxjs';
import type { Scrub } from '../internal/secret';
import { bounded } from './relayErrors';

/** The longest tool failure message the model and the browser get. */
export const MAX_TOOL_ERROR = 500;

/**
 * The text a failed server-side tool stands for, for the model and the
 * browser alike: the thrown error's `message` (else its `name`, else a
 * thrown string or number itself, else "The tool failed"), scrubbed of the
 * key, on one line, at most {@link MAX_TOOL_ERROR} characters. Nothing else
 * of the thrown object: an HTTP client's error carries its request (another
 * service's headers, credentials) in its fields.
 */
export function toolErrorText(error: unknown, scrub: Scrub): string {
  return bounded(scrub(readableText(error)), MAX_TOOL_ERROR) || 'The tool failed';
}

function readableText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error === 'number' || typeof error === 'boolean' || typeof error === 'bigint') return String(error);
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return '';
  try {
    // A getter may throw, or be a Proxy's trap: read each once, as a string or not at all.
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim() !== '') return message;
    const name = (error as { name?: unknown }).name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

/**
 * The relay's tools: each `execute` guarded so that what it throws (or its
 * Promise or Observable fails with) reaches `onFailure` whole, and the loop
 * (so the model, and the browser's `tool-result`) only a `CohereError`
 * carrying {@link toolErrorText}. Everything else of a definition is kept.
 */
export function guardTools(
  tools: Record<string, ToolDefinition>,
  scrub: Scrub,
  onFailure: (error: unknown) => void,
): Record<string, ToolDefinition> {
  const guarded: Record<string, ToolDefinition> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = (tool as Partial<ToolDefinition> | undefined)?.execute;
    if (typeof execute !== 'function') {
      guarded[name] = tool; // the loop answers the model that it cannot run it
      continue;
    }
    guarded[name] = {
      ...tool,
      execute: (args, context): Observable<unknown> =>
        defer(() => waitable(execute.call(tool, args, context))).pipe(
          catchError((error: unknown) => {
            onFailure(error);
            return throwError(() => new CohereError(toolErrorText(error, scrub)));
          }),
        ),
    };
  }
  return guarded;
}

/**
 * What `execute` returned, as the loop would read it: an Observable, a
 * thenable or an async iterable is waited for; anything else (arrays and
 * strings included) is the output itself.
 */
function waitable(result: unknown): ObservableInput<unknown> {
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const candidate = result as Record<string | symbol, unknown>;
    const interop = (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';
    if (
      isObservable(result) ||
      typeof candidate[interop] === 'function' ||
      typeof candidate['then'] === 'function' ||
      typeof candidate[Symbol.asyncIterator] === 'function'
    ) {
      return from(result as ObservableInput<unknown>);
    }
  }
  return of(result);
}

/**
 * The loop's events as the browser gets them:
 * - `tool-result` with an `error`: the error as {@link toolErrorText}, never
 *   the thrown object (whose fields `JSON.stringify` would send);
 * - `step-end`: `messages` is the browser's own `messages` as it sent them
 *   (before `prepare`), then this request's assistant and tool messages; a
 *   system prompt, documents or messages `prepare` added stay on the server.
 *
 * @param own The browser's `messages`, copied before `prepare` ran.
 * @param sent How many messages the request sent upstream began with (after `prepare`).
 */
export function browserLoopEvent(event: ToolResultEvent | StepEndEvent, own: readonly ChatMessage[], sent: number, scrub: Scrub): object {
  if (event.type === 'step-end') return { ...event, messages: [...own, ...event.messages.slice(sent)] };
  if ('error' in event) return { type: event.type, step: event.step, call: event.call, error: toolErrorText(event.error, scrub) };
  return event;
}
