import type { Observable } from 'rxjs';

export interface Outcome<T> {
  values: T[];
  error?: unknown;
  completed: boolean;
}

/** Subscribes and resolves with every value and how it ended (error or completion). */
export function collect<T>(source$: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source$.subscribe({
      next: (v) => values.push(v),
      error: (error) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

/**
 * Asserts that `guard` holds for `value` and returns it, narrowed: a typed
 * (and stricter) replacement for `value as SomeError` in a spec.
 */
export function narrow<E>(value: unknown, guard: (value: unknown) => value is E): E {
  // The object form makes a failure print the value that came instead.
  expect({ [guard.name]: guard(value), value }).toMatchObject({ [guard.name]: true });
  if (!guard(value)) throw new Error(`${guard.name} does not hold`); // unreachable: the expect above failed
  return value;
}

/** The error an outcome ended with, asserted by `guard` (see `narrow`). */
export function errorOf<E>(outcome: { error?: unknown }, guard: (value: unknown) => value is E): E {
  return narrow(outcome.error, guard);
}

/** A guard for `narrow` when any `Error` will do (a cause, say). */
export function isError(value: unknown): value is Error {
  return value instanceof Error;
}
