import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { textOnly, type ChatStreamEvent } from '../../lib';
import { ev } from './events';

describe('textOnly', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the text of each content-delta', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--s--c--a--b--C--e--|', ev);
      const e1subs = '^-------------------!';
      const expected = '--------A--B--------|';
      expectObservable(e1.pipe(textOnly())).toBe(expected, { A: 'He', B: 'llo' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should emit a single delta', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('--a--|', ev);
      const expected = '--A--|';
      expectObservable(e1.pipe(textOnly())).toBe(expected, { A: 'He' });
    });
  });

  it('should ignore thinking, tool plan, tool calls, citations, unknown events and missing fields', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-t-h-T-p-x-y-X-c-a-r-n-o-O-d-b-R-w-C-e-|', ev);
      const expected = '-------------------A-----------B---W-----|';
      expectObservable(e1.pipe(textOnly())).toBe(expected, { A: 'He', B: 'llo', W: 'bare' });
    });
  });

  it('should complete on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<ChatStreamEvent>('|');
      const e1subs = '(^!)';
      expectObservable(e1.pipe(textOnly())).toBe('|');
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should never emit on a never source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<ChatStreamEvent>('-');
      const e1subs = '^';
      expectObservable(e1.pipe(textOnly())).toBe('-');
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should forward an error after the values already emitted', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--a--b--#', ev, new Error('network'));
      const e1subs = '^-------!';
      const expected = '--A--B--#';
      expectObservable(e1.pipe(textOnly())).toBe(expected, { A: 'He', B: 'llo' }, new Error('network'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should unsubscribe from the source when disposed early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--a--b--a--b--|', ev);
      const unsub = '-------!';
      const e1subs = '^------!';
      const expected = '--A--B--';
      expectObservable(e1.pipe(textOnly()), unsub).toBe(expected, { A: 'He', B: 'llo' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should keep no state between subscriptions', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('--a--|', ev);
      const text$ = e1.pipe(textOnly());
      expectObservable(text$).toBe('--A--|', { A: 'He' });
      expectObservable(text$).toBe('--A--|', { A: 'He' });
    });
  });
});
