import { concatMap, from, identity, map, mergeMap, Observable, of, type ObservableInput } from 'rxjs';
import { CohereError } from '../errors/CohereError';
import { parseToolCallArguments } from '../parseToolCallArguments';
import type { LoopTrace } from '../internal/telemetry';
import type { ToolCall } from '../types/common';
import type { ToolResultEvent } from '../types/loop';
import { validated } from '../internal/standardSchema';
import type { ToolContext, ToolDefinition } from './defineTool';

/**
 * Runs the tool calls of one step (internal to `runTools$()`): at most
 * `concurrency` at a time, in call order, each emitting one `tool-result` when
 * it finishes, so results arrive in the order calls finish. Completes when all
 * have; never errors (a failure is a result). Unsubscribing unsubscribes the
 * running tools and aborts their `signal`. With the loop's telemetry `trace`,
 * each call's run goes through `trace.tool` (an `execute_tool` span).
 */
export function runToolCalls(
  calls: readonly ToolCall[],
  step: number,
  tools: Readonly<Record<string, ToolDefinition>>,
  concurrency: number,
  trace?: LoopTrace,
): Observable<ToolResultEvent> {
  // Telemetry hook (lib/internal/telemetry.ts): with a trace, each call's run is wrapped by its recorder.
  return from(calls).pipe(
    mergeMap((call) => (trace ? trace.tool(call, step, runToolCall(call, step, tools)) : runToolCall(call, step, tools)), concurrency),
  );
}

function runToolCall(call: ToolCall, step: number, tools: Readonly<Record<string, ToolDefinition>>): Observable<ToolResultEvent> {
  return new Observable<ToolResultEvent>((subscriber) => {
    // Made on first use of `signal`: most tools never read it, and an AbortController is not free.
    let controller: AbortController | undefined;
    let settled = false;
    const settle = (result: { output: unknown } | { error: unknown }): void => {
      settled = true;
      subscriber.next({ type: 'tool-result', step, call, ...result });
      subscriber.complete();
    };
    // Cancelled before the tool finished: its signal tells code that is not an Observable.
    subscriber.add(() => {
      if (!settled) controller?.abort();
    });

    const name = call.function.name;
    const tool = Object.prototype.hasOwnProperty.call(tools, name) ? tools[name] : undefined;
    if (!tool || typeof tool.execute !== 'function') {
      const known = Object.keys(tools).join(', ') || 'none';
      settle({ error: new CohereError(`Unknown tool ${JSON.stringify(name)} (the tools are: ${known})`) });
      return;
    }
    const context: ToolContext = {
      call,
      step,
      get signal() {
        controller ??= new AbortController();
        return controller.signal;
      },
    };

    // The call path, one stage after the other. Each stage takes the value the
    // one before gave and gives the next one's input, now or later (an async
    // validator: a concatMap to an Observable of one value); a stage's error is
    // the call's result, and the stages after it do not run. Unsubscribing the
    // call unsubscribes the stage running. A new stage (between validate and
    // execute, say) is one more concatMap in this list.
    //   parse    → the arguments object (CohereToolArgumentsError: not a JSON object)
    //   validate → `input`'s output (CohereValidationError naming each issue); skipped without `input`
    //   execute  → the output: the last value of what `execute` returned
    const output$ = of(call).pipe(
      map((toolCall) => parseToolCallArguments<Record<string, unknown>>(toolCall)),
      tool.input === undefined ? identity : concatMap((args) => validated(tool.input!, args, call)),
      concatMap((args) => outputOf(tool.execute(args, context))),
    );
    let last: unknown;
    subscriber.add(
      output$.subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => settle({ error }),
        complete: () => settle({ output: last }),
      }),
    );
  });
}

/**
 * An Observable of what `execute` returned. Only an Observable (or interop
 * Observable), a Promise (any thenable) or an async iterable is waited for;
 * anything else, arrays and strings included, is the output itself.
 */
function outputOf(result: unknown): Observable<unknown> {
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const candidate = result as Record<string | symbol, unknown>;
    const interop = (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';
    if (
      result instanceof Observable ||
      typeof candidate[interop] === 'function' ||
      typeof candidate['then'] === 'function' ||
      typeof candidate[Symbol.asyncIterator] === 'function'
    ) {
      return from(result as ObservableInput<unknown>);
    }
  }
  return of(result);
}
