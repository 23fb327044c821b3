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
