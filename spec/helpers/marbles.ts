import { TestScheduler } from 'rxjs/testing';

/**
 * A fresh `TestScheduler` that compares frames with Jest's `toEqual`: the one
 * set-up every marble spec shares. Create one per test, in `beforeEach`:
 *
 *   let testScheduler: TestScheduler;
 *   beforeEach(() => {
 *     testScheduler = createTestScheduler();
 *   });
 */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
