import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { toolPlan, type ChatStreamEvent } from '../../lib';
import { ev } from './events';

describe('toolPlan', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit each tool-plan piece and ignore every other event', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-p-n-q-x-y-X-a-E-|', ev);
      const e1subs = '^------------------!';
      const expected = '---P---Q-----------|';
      expectObservable(e1.pipe(toolPlan())).toBe(expected, { P: 'I will', Q: ' search' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should complete on empty, stay silent on never, forward errors, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(toolPlan())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(toolPlan())).toBe('-');
      expectObservable(cold('-p-#', ev).pipe(toolPlan())).toBe('-P-#', { P: 'I will' });
      const e1 = cold('-p-q-|', ev);
      expectObservable(e1.pipe(toolPlan()), '--!').toBe('-P-', { P: 'I will' });
      expectSubscriptions(e1.subscriptions).toBe('^-!');
    });
  });
});
