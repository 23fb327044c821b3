import { CohereError, hasErrorName } from './CohereError';

/**
 * JSON text streamed into `partialJson()` (or a tool call's arguments into
 * `partialToolCalls()`) is not JSON: a character that JSON does not allow
 * there (`reason: 'invalid'`), or text that stopped before its value was
 * complete (`reason: 'incomplete'`). Names where: `offset`, `line` and
 * `column` count UTF-16 code units of the whole text, as `String#length` does.
 * Every value parsed before the fault was emitted first.
 *
 * ## Example
 * ```ts
 * import { isCohereJsonError } from 'cohere-rx';
 * if (isCohereJsonError(err)) console.error(`${err.reason} at ${err.line}:${err.column}`, err.near);
 * ```
 */
export class CohereJsonError extends CohereError {
  override readonly name = 'CohereJsonError' as const;
  /** `invalid`: a character that cannot be there; `incomplete`: the text ended inside a value. */
  readonly reason: 'invalid' | 'incomplete';
  /** Offset of the fault in the whole text (for `incomplete`, the text's length). */
  readonly offset: number;
  /** 1-based line of the fault. */
  readonly line: number;
  /** 1-based column of the fault. */
  readonly column: number;
  /** Up to 32 characters of text before the fault, then the offending character (if any). */
  readonly near: string;

  constructor(reason: CohereJsonError['reason'], where: { offset: number; line: number; column: number }, near: string, problem: string) {
    super(
      `${reason === 'invalid' ? 'Invalid' : 'Incomplete'} JSON at line ${where.line}, column ${where.column} (offset ${where.offset}): ${problem}, near ${JSON.stringify(near)}`,
    );
    this.reason = reason;
    this.offset = where.offset;
    this.line = where.line;
    this.column = where.column;
    this.near = near;
  }
}

/**
 * Whether `value` is a {@link CohereJsonError}.
 *
 * ## Example
 * ```ts
 * import { isCohereJsonError } from 'cohere-rx';
 * if (isCohereJsonError(err)) highlight(err.offset);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereJsonError`.
 */
export function isCohereJsonError(value: unknown): value is CohereJsonError {
  return hasErrorName(value, 'CohereJsonError', CohereJsonError);
}
