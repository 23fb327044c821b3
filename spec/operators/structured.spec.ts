import { from, lastValueFrom, Subject, take, toArray } from 'rxjs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import {
  CohereJsonError,
  CohereValidationError,
  isCohereConfigError,
  isCohereJsonError,
  isCohereValidationError,
  structured,
  type ChatStreamEvent,
  type StepEndEvent,
  type ToolLoopEvent,
} from '../../lib';
import { contentStart, messageEnd, messageStart, textDelta, thinkingDelta } from '../../lib/testing/events';
import { collect, errorOf } from '../helpers/collect';
import { createTestScheduler } from '../helpers/marbles';
import { ev } from './events';

// Letters of the legend (spec/operators/events.ts), plus, local to this spec:
//   j  l  v   content-delta text pieces of a JSON answer: '{"title":"Pan', 'cakes","minutes":20,', '"steps":["mix"]}'
//   J         content-delta text ' and not JSON' (after j: not JSON any more)
//   L         message-end MAX_TOKENS
//   f  1      tool-result of call 0 and step-end of step 1 (a tool loop)
const Recipe = z.object({
  title: z.string(),
  minutes: z.number().int().min(1),
  steps: z.array(z.string()),
  vegan: z.boolean().default(false),
});
const step1: StepEndEvent = {
  type: 'step-end',
  step: 1,
  response: { id: 'r', message: { role: 'assistant', content: [] } },
  toolResults: [],
  messages: [],
};
const e: Record<string, ToolLoopEvent> = {
  ...ev,
  j: textDelta('{"title":"Pan', 1),
  l: textDelta('cakes","minutes":20,', 1),
  v: textDelta('"steps":["mix"]}', 1),
  J: textDelta(' and not JSON', 1),
  L: messageEnd('MAX_TOKENS'),
  f: {
    type: 'tool-result',
    step: 1,
    call: { id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"q":"rx"}' } },
    output: {},
  },
  '1': step1,
};
const partial = (value: unknown) => ({ done: false, partial: value });
const A = partial({ title: 'Pan' });
const B = partial({ title: 'Pancakes', minutes: 20 });
const D = partial({ title: 'Pancakes', minutes: 20, steps: ['mix'] });
const V = { done: true, value: { title: 'Pancakes', minutes: 20, steps: ['mix'], vegan: false } };

describe('structured', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it("should emit the value so far on each change, then the schema's output once the answer ended", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-c-j-l-v-C-e-|', e);
      const e1subs = '^--------------!';
      const expected = '-----A-B-D---V-|';
      expectObservable(e1.pipe(structured(Recipe))).toBe(expected, { A, B, D, V });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should error with a CohereValidationError after the partials when the whole value fails the schema', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-j-l-w-e-|', { ...e, w: textDelta('"steps":[1]}', 1) });
      const e1subs = '^--------!';
      const expected = '---A-B-W-#';
      const error = new CohereValidationError([{ message: 'Invalid input: expected string, received number', path: ['steps', 0] }], {
        value: { title: 'Pancakes', minutes: 20, steps: [1] },
      });
      expectObservable(e1.pipe(structured(Recipe))).toBe(
        expected,
        { A, B, W: partial({ title: 'Pancakes', minutes: 20, steps: [1] }) },
        error,
      );
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should error with a CohereJsonError (invalid) at the first character that is not JSON, after what parsed', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-j-J-e-|', { ...e, J: textDelta('" and not JSON', 1) });
      const e1subs = '^----!';
      const expected = '---A-#';
      expectObservable(e1.pipe(structured(Recipe))).toBe(
        expected,
        { A },
        new CohereJsonError(
          'invalid',
          { offset: 15, line: 1, column: 16 },
          '{"title":"Pan" a',
          'unexpected "a": a comma or } must follow an object member',
        ),
      );
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should error with a CohereJsonError (incomplete) naming max_tokens when the answer stopped at MAX_TOKENS', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-j-l-L-|', e);
      const expected = '---A-B-#';
      expectObservable(e1.pipe(structured(Recipe))).toBe(
        expected,
        { A, B },
        new CohereJsonError(
          'incomplete',
          { offset: 33, line: 1, column: 34 },
          '"title":"Pancakes","minutes":20,', // the last 32 characters
          'the text ended with an object open (the answer stopped at max_tokens: finish_reason MAX_TOKENS)',
        ),
      );
    });
  });

  it('should answer a whole value that ended exactly at MAX_TOKENS', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-j-l-v-L-|', e).pipe(structured(Recipe))).toBe('---A-B-D-V-|', { A, B, D, V });
    });
  });

  it('should error with a CohereJsonError for an answer with no text at all', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const error = new CohereJsonError('incomplete', { offset: 0, line: 1, column: 1 }, '', 'the text ended before any value');
      expectObservable(cold('-s-c-C-e-|', e).pipe(structured(Recipe))).toBe('-------#', undefined, error);
    });
  });

  it('should skip a tool turn and answer for the message that ends the loop', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-p-x-y-z-X-E-f-1-s-j-l-v-e-|', e);
      const e1subs = '^----------------------------!';
      const expected = '---------------------A-B-D-V-|';
      expectObservable(e1.pipe(structured(Recipe))).toBe(expected, { A, B, D, V });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should start over at each message-start: a message cut off by the next one is dropped', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-j-l-s-j-l-v-e-|', e).pipe(structured(Recipe))).toBe('---A-B---A-B-D-V-|', { A, B, D, V });
    });
  });

  it('should answer each answer message of a source that has several', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-j-l-v-e-s-j-l-v-e-|', e).pipe(structured(Recipe))).toBe('---A-B-D-V---A-B-D-V-|', { A, B, D, V });
    });
  });

  it('should read the answer text only, not the thinking', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-t-h-i-T-c-j-l-v-C-e-|', { ...e, h: thinkingDelta('{"not":', 0), i: thinkingDelta('"this"}', 0) });
      expectObservable(e1.pipe(structured(Recipe))).toBe('-------------A-B-D---V-|', { A, B, D, V });
    });
  });

  it('should forward the source error after a message-end ERROR, not a JSON error of its own', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const failed = messageEnd('ERROR');
      const error = new Error('the model failed');
      expectObservable(cold('-s-j-F-#', { ...e, F: failed }, error).pipe(structured(Recipe))).toBe('---A---#', { A }, error);
    });
  });

  it('should finish an answer whose source completed without its message-end: whole, it counts; cut, it is an error', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-j-l-v-|', e).pipe(structured(Recipe))).toBe('---A-B-D-(V|)', { A, B, D, V });
      expectObservable(cold('-s-j-|', e).pipe(structured(Recipe))).toBe(
        '---A-#',
        { A },
        new CohereJsonError('incomplete', { offset: 13, line: 1, column: 14 }, '{"title":"Pan', 'the text ended inside a string'),
      );
    });
  });

  it('should complete with no answer for a source whose last message was a tool turn', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-s-x-y-z-X-E-|', e).pipe(structured(Recipe))).toBe('-------------|');
    });
  });

  it('should complete on empty, stay silent on never, forward errors, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(structured(Recipe))).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(structured(Recipe))).toBe('-');
      expectObservable(cold('-s-j-#', e).pipe(structured(Recipe))).toBe('---A-#', { A });
      const e1 = cold('-s-j-l-v-e-|', e);
      const unsub = '------!';
      expectObservable(e1.pipe(structured(Recipe)), unsub).toBe('---A-B', { A, B });
      expectSubscriptions(e1.subscriptions).toBe('^-----!');
    });
  });

  it('should stop a synchronous source when downstream unsubscribes (take(1) pulls one)', async () => {
    let pulled = 0;
    function* events(): Generator<ChatStreamEvent> {
      for (const event of [
        messageStart(),
        contentStart(0),
        textDelta('{"title":"Pan', 0),
        textDelta('cakes"', 0),
        textDelta(',"minutes":2}', 0),
      ]) {
        pulled++;
        yield event;
      }
    }
    const first = await lastValueFrom(from(events()).pipe(structured(Recipe), take(1)));
    expect(first).toEqual(partial({ title: 'Pan' }));
    expect(pulled).toBe(3);
  });

  it('should keep the identity of settled parts from one partial to the next', async () => {
    const events = [messageStart(), textDelta('{"steps":["mix","fry"],"title":"Pan'), textDelta('cakes"}'), messageEnd('COMPLETE')];
    const out = await lastValueFrom(from(events).pipe(structured(Recipe.partial()), toArray()));
    const [first, second] = out as { partial: { steps: string[] } }[];
    expect(second!.partial.steps).toBe(first!.partial.steps);
  });

  it('should wait for an async validator, and let what follows the answer wait for it too', async () => {
    const log: string[] = [];
    // A hand-written async Standard Schema (zod runs an async refine twice: once trying to stay synchronous).
    const Checked = {
      '~standard': {
        version: 1 as const,
        vendor: 'spec',
        validate: async (value: unknown) => {
          log.push('validating');
          await new Promise((resolve) => setTimeout(resolve, 5));
          const result = await Recipe['~standard'].validate(value);
          if (result.issues) return result;
          return result.value.minutes < 60 ? result : { issues: [{ message: 'too long' }] };
        },
      },
    };
    const events: ToolLoopEvent[] = [messageStart(), e['j']!, e['l']!, e['v']!, ev['e']!, step1];
    const out = await collect(from(events).pipe(structured(Checked)));
    expect(out.completed).toBe(true);
    expect(out.values).toEqual([A, B, D, V]);
    expect(log).toEqual(['validating']);

    const tooLong = [messageStart(), textDelta('{"title":"Stew","minutes":600,"steps":[]}'), messageEnd('COMPLETE')];
    const failed = await collect(from(tooLong).pipe(structured(Checked)));
    const error = errorOf(failed, isCohereValidationError);
    expect(error.message).toBe('The answer does not match its schema:\n- too long');
    expect(error.toolCall).toBeUndefined();
    expect(error.value).toEqual({ title: 'Stew', minutes: 600, steps: [] });
    expect(failed.values).toHaveLength(1); // the partial came first
  });

  describe('with an async validator', () => {
    /** A Standard Schema whose validations each wait for `release()`: recipes pass, anything else fails. */
    function gated() {
      const waiting: (() => void)[] = [];
      const schema = {
        '~standard': {
          version: 1 as const,
          vendor: 'spec',
          validate: (value: unknown) =>
            new Promise<StandardSchemaV1.Result<unknown>>((resolve) => waiting.push(() => resolve(Recipe['~standard'].validate(value)))),
        },
      };
      return {
        schema,
        release: () => waiting.shift()!(),
        get pending() {
          return waiting.length;
        },
      };
    }
    const answer = [messageStart(), e['j']!, e['l']!, e['v']!, ev['e']!];
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

    it('should hold what follows an answer, another answer included, until its validation settles, in order', async () => {
      const gate = gated();
      const source$ = new Subject<ToolLoopEvent>();
      const seen: unknown[] = [];
      let completed = false;
      source$.pipe(structured(gate.schema)).subscribe({ next: (a) => seen.push(a), complete: () => (completed = true) });
      answer.forEach((event) => source$.next(event));
      expect(seen).toEqual([A, B, D]);
      answer.forEach((event) => source$.next(event)); // a second answer arrives while the first is validated
      source$.complete();
      expect(seen).toEqual([A, B, D]);
      expect(gate.pending).toBe(1);
      gate.release();
      await tick();
      expect(seen).toEqual([A, B, D, V, A, B, D]); // the second answer's partials, then its own validation waits
      expect(completed).toBe(false);
      gate.release();
      await tick();
      expect(seen).toEqual([A, B, D, V, A, B, D, V]);
      expect(completed).toBe(true);
    });

    it("should deliver the source's error after the answer it was validating", async () => {
      const gate = gated();
      const source$ = new Subject<ToolLoopEvent>();
      const seen: unknown[] = [];
      let failure: unknown;
      source$.pipe(structured(gate.schema)).subscribe({ next: (a) => seen.push(a), error: (err: unknown) => (failure = err) });
      answer.forEach((event) => source$.next(event));
      const error = new Error('the loop failed after its answer');
      source$.error(error);
      expect(failure).toBeUndefined();
      gate.release();
      await tick();
      expect(seen).toEqual([A, B, D, V]);
      expect(failure).toBe(error);
    });

    it('should error with the CohereValidationError of a failed async validation, dropping what waited', async () => {
      const gate = gated();
      const source$ = new Subject<ToolLoopEvent>();
      const out = collect(source$.pipe(structured(gate.schema)));
      [messageStart(), textDelta('{"title":"x","minutes":0,"steps":[]}'), messageEnd('COMPLETE')].forEach((event) => source$.next(event));
      source$.next(messageStart());
      gate.release();
      const result = await out;
      expect(errorOf(result, isCohereValidationError).message).toBe(
        'The answer does not match its schema:\n- minutes: Too small: expected number to be >=1',
      );
      expect(source$.observed).toBe(false);
    });

    it('should emit nothing more once unsubscribed while validating', async () => {
      const gate = gated();
      const source$ = new Subject<ToolLoopEvent>();
      const seen: unknown[] = [];
      const subscription = source$.pipe(structured(gate.schema)).subscribe((a) => seen.push(a));
      answer.forEach((event) => source$.next(event));
      subscription.unsubscribe();
      expect(source$.observed).toBe(false);
      gate.release();
      await tick();
      expect(seen).toEqual([A, B, D]);
    });

    it('should error with what a rejected validation rejected with', async () => {
      const rejection = new Error('validator down');
      const broken = { '~standard': { version: 1 as const, vendor: 'spec', validate: () => Promise.reject(rejection) } };
      const out = await collect(from(answer).pipe(structured(broken)));
      expect(out.error).toBe(rejection);
      expect(out.values).toEqual([A, B, D]);
    });
  });

  it('should error at subscribe with a CohereConfigError for a schema that is not a Standard Schema', async () => {
    const out = await collect(from([messageStart()]).pipe(structured({ parse: () => 1 } as never)));
    expect(errorOf(out, isCohereConfigError).option).toBe('schema');
  });

  it('should name where the text stopped being JSON (CohereJsonError fields)', async () => {
    const out = await collect(from([messageStart(), textDelta('Sure! {"title": "x"}')]).pipe(structured(Recipe)));
    const error = errorOf(out, isCohereJsonError);
    expect(error.reason).toBe('invalid');
    expect(error.offset).toBe(0);
    expect(out.values).toEqual([]);
  });
});
