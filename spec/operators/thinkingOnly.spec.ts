import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { thinkingOnly, type ChatStreamEvent } from '../../lib';
import { ev } from './events';

describe('thinkingOnly', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the thinking of each content-delta and nothing else', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-t-h-i-T-c-a-n-o-b-C-e-|', ev);
      const e1subs = '^------------------------!';
      const expected = '-----H-I-----------------|';
      expectObservable(e1.pipe(thinkingOnly())).toBe(expected, { H: 'Hmm', I: ' ok' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should complete on empty, stay silent on never', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(thinkingOnly())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(thinkingOnly())).toBe('-');
    });
  });

  it('should forward an error after the values, and unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--h--#', ev);
      expectObservable(e1.pipe(thinkingOnly())).toBe('--H--#', { H: 'Hmm' });
      const e2 = cold('--h--i--|', ev);
      const unsub = '---!';
      expectObservable(e2.pipe(thinkingOnly()), unsub).toBe('--H-', { H: 'Hmm' });
      expectSubscriptions(e2.subscriptions).toBe('^--!');
    });
  });
});
