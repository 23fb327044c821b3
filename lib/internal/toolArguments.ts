/**
 * A tool call's `arguments` text, with "no arguments" read as `'{}'`.
 *
 * The project's one rule for tools without parameters: Cohere streams no
 * argument pieces for them, and a hand-built call may leave `arguments` out or
 * empty. Absent (`undefined`), empty or blank-only text means the empty object,
 * so a call can be sent back to the model, or parsed, as it is. Any other text
 * is returned unchanged, valid JSON or not. Internal: `parseToolCallArguments()`
 * uses it, and so does the one tool-call tracker behind `toolCalls()`,
 * `partialToolCalls()` and `accumulateMessage()`.
 *
 * ```text
 * argumentsOrEmptyObject(undefined)        → '{}'
 * argumentsOrEmptyObject('')               → '{}'
 * argumentsOrEmptyObject('  ')             → '{}'
 * argumentsOrEmptyObject('{"city":"Paris"}') → '{"city":"Paris"}'
 * ```
 *
 * ## Example
 * Close a call assembled from streamed pieces.
 * ```ts
 * import { argumentsOrEmptyObject } from './internal/toolArguments';
 * const call = { id, type: 'function', function: { name, arguments: argumentsOrEmptyObject(pieces.join('')) } };
 * ```
 *
 * @see {@link parseToolCallArguments}
 * @param text The arguments as received, or `undefined` when there were none.
 * @returns `'{}'` when there are no arguments, else `text`.
 */
export function argumentsOrEmptyObject(text: string | undefined): string {
  return text === undefined || text.trim() === '' ? '{}' : text;
}
