/**
 * The base class of every error cohere-rx raises. Catch this to handle them all.
 *
 * Every subclass has a literal `name`; guards compare it as well as the class,
 * so they hold across realms and duplicated bundles. No error carries the API
 * key: not in its message, its fields, its `stack` or its JSON.
 *
 * ## Example
 * Tell our failures from yours in a `catchError`.
 * ```ts
 * import { chatStream$, isCohereError } from 'cohere-rx';
 * import { catchError, EMPTY } from 'rxjs';
 *
 * chatStream$(request).pipe(
 *   catchError((err) => { if (isCohereError(err)) showBanner(err.message); return EMPTY; }),
 * );
 * ```
 */
export class CohereError extends Error {
  override name = 'CohereError';
}

/**
 * The `name` of every error class of cohere-rx, as a union: what
 * `isCohereError(err)` lets you switch on.
 *
 * ## Example
 * Map each failure to a message of your app's own.
 * ```ts
 * import { isCohereError, type CohereErrorName } from 'cohere-rx';
 *
 * const advice: Partial<Record<CohereErrorName, string>> = {
 *   CohereTimeoutError: 'The answer took too long; try again.',
 *   CohereConfigError: 'The app is misconfigured.',
 * };
 * const explain = (err: unknown) => (isCohereError(err) ? advice[err.name as CohereErrorName] : undefined) ?? 'Something went wrong.';
 * ```
 */
export type CohereErrorName =
  | 'CohereError'
  | 'CohereApiError'
  | 'CohereConnectionError'
  | 'CohereContentTypeError'
  | 'CohereParseError'
  | 'CohereIncompleteStreamError'
  | 'CohereTimeoutError'
  | 'CohereGenerationError'
  | 'CohereAbortError'
  | 'CohereToolArgumentsError'
  | 'CohereConfigError'
  | 'CohereJsonError'
  | 'CohereMaxStepsError'
  | 'CohereValidationError'
  | 'CohereApprovalError'
  | 'CohereRelayError'
  | 'CohereStoreError';

/**
 * Every name, once: a record, so that a name missing here or not in the union
 * is a compile error (`spec/errors.spec.ts` checks every exported class).
 */
const ERROR_NAMES: Record<CohereErrorName, true> = {
  CohereError: true,
  CohereApiError: true,
  CohereConnectionError: true,
  CohereContentTypeError: true,
  CohereParseError: true,
  CohereIncompleteStreamError: true,
  CohereTimeoutError: true,
  CohereGenerationError: true,
  CohereAbortError: true,
  CohereToolArgumentsError: true,
  CohereConfigError: true,
  CohereJsonError: true,
  CohereMaxStepsError: true,
  CohereValidationError: true,
  CohereApprovalError: true,
  CohereRelayError: true, // cohere-rx/server
  CohereStoreError: true, // cohere-rx/server
};
// Pure: a page that never calls isCohereError() ships neither the set nor the record.
const NAMES = /* @__PURE__ */ new Set<string>(/* @__PURE__ */ Object.keys(ERROR_NAMES));

/**
 * Whether `value` is any cohere-rx error.
 *
 * ## Example
 * ```ts
 * import { isCohereError } from 'cohere-rx';
 * if (isCohereError(err)) console.error(err.name, err.message);
 * ```
 * @param value Anything caught.
 * @returns `true` for every `CohereError` subclass.
 */
export function isCohereError(value: unknown): value is CohereError {
  return value instanceof CohereError || NAMES.has(nameOf(value));
}

/** @internal Shared by the subclass guards: class check, else the `name`. */
export function hasErrorName(value: unknown, name: string, ctor: abstract new (...args: never[]) => unknown): boolean {
  return value instanceof ctor || nameOf(value) === name;
}

// Not `instanceof Error`: an error from another realm (an iframe, a vm context) is not one.
function nameOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' && typeof (value as { message?: unknown }).message === 'string' ? name : '';
}
