import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { usage, type ChatStreamEvent } from '../../lib';
import { ev, usageOfTurn } from './events';

describe('usage', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the usage of message-end once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-c-a-n-b-C-e-|', ev);
      const e1subs = '^--------------!';
      const expected = '-------------U-|';
      expectObservable(e1.pipe(usage())).toBe(expected, { U: usageOfTurn });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should emit only the first usage when a source repeats message-end', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-e-e-|', ev).pipe(usage())).toBe('-U---|', { U: usageOfTurn });
    });
  });

  it('should emit once per message over a multi-message source', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      expectObservable(cold('-s-e-e-s-e-|', ev).pipe(usage())).toBe('---U-----U-|', { U: usageOfTurn });
    });
  });

  it('should emit nothing for a message-end without usage', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-E-0-|', ev).pipe(usage())).toBe('-------|');
    });
  });

  it('should complete on empty, stay silent on never, forward errors, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(usage())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(usage())).toBe('-');
      expectObservable(cold('-a-#', ev).pipe(usage())).toBe('---#');
      const e1 = cold('-a---e-|', ev);
      expectObservable(e1.pipe(usage()), '--!').toBe('---');
      expectSubscriptions(e1.subscriptions).toBe('^-!');
    });
  });
});
