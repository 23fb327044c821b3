import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { collectCitations, type ChatStreamEvent } from '../../lib';
import { cite1, cite2, ev } from './events';

describe('collectCitations', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the growing list each time a citation starts', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-c-a-r-R-b-u-U-n-C-e-|', ev);
      const e1subs = '^----------------------!';
      const expected = '-------A-----B---------|';
      expectObservable(e1.pipe(collectCitations())).toBe(expected, { A: [cite1], B: [cite1, cite2] });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should start a new list at each message-start of a multi-message source', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-r-e-s-u-e-|', ev);
      const expected = '---A-----B---|';
      expectObservable(e1.pipe(collectCitations())).toBe(expected, { A: [cite1], B: [cite2] });
    });
  });

  it('should emit a new array each time, keeping the citations themselves', () => {
    const values: unknown[][] = [];
    testScheduler.run(({ cold }) => {
      cold('-r-u-|', ev)
        .pipe(collectCitations())
        .subscribe((v) => values.push(v));
    });
    expect(values).toHaveLength(2);
    expect(values[0]).not.toBe(values[1]);
    expect(values[1]![0]).toBe(values[0]![0]);
    expect(values[0]).toEqual([cite1]); // the first emission was not mutated later
  });

  it('should ignore a citation-start without a citation', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const bare = { type: 'citation-start', index: 0 } as const;
      expectObservable(cold('-j-r-|', { ...ev, j: bare }).pipe(collectCitations())).toBe('---A-|', { A: [cite1] });
    });
  });

  it('should complete on empty, stay silent on never, forward errors, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(collectCitations())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(collectCitations())).toBe('-');
      expectObservable(cold('-r-#', ev).pipe(collectCitations())).toBe('-A-#', { A: [cite1] });
      const e1 = cold('-r-u-|', ev);
      expectObservable(e1.pipe(collectCitations()), '--!').toBe('-A-', { A: [cite1] });
      expectSubscriptions(e1.subscriptions).toBe('^-!');
    });
  });
});
