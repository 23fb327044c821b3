import { concatMap, EMPTY, from, identity, map, mergeMap, Observable, of, type ObservableInput, type Subscription } from 'rxjs';
import { CohereApprovalError } from '../errors/CohereApprovalError';
import { CohereError } from '../errors/CohereError';
import { parseToolCallArguments } from '../parseToolCallArguments';
import type { LoopTrace } from '../internal/telemetry';
import type { ToolCall } from '../types/common';
import type { ToolApproval, ToolApprovalRequest, ToolApprovalRequestEvent, ToolResultEvent } from '../types/loop';
import { validated } from '../internal/standardSchema';
import type { ToolContext, ToolDefinition } from './defineTool';

/**
 * A call that needs a decision the loop cannot wait for (no `approve`): it
 * emits no result; `runTools$` pauses with it (internal, never emitted).
 */
export interface PausedCall extends ToolApprovalRequest {
  type: 'tool-approval-pause';
}

/** What the calls of a step emit: their results, and the approval requests (or pauses) before those. */
export type ToolCallEvent = ToolResultEvent | ToolApprovalRequestEvent | PausedCall;

/** How calls that need approval are decided (internal to `runTools$()`). */
export interface CallApproval {
  /** Asks the person (in process); absent: such a call pauses. */
  approve?: ((request: ToolApprovalRequest) => ObservableInput<ToolApproval>) | undefined;
  /** Calls decided already (a resumed pause, with a valid token): they run without asking again. */
  approved?: ReadonlySet<ToolCall> | undefined;
}

/**
 * Runs the tool calls of one step (internal to `runTools$()`): at most
 * `concurrency` at a time, in call order, each emitting one `tool-result` when
 * it finishes, so results arrive in the order calls finish. Completes when all
 * have; never errors (a failure is a result). Unsubscribing unsubscribes the
 * running tools and aborts their `signal`. With the loop's telemetry `trace`,
 * each call's run goes through `trace.tool` (an `execute_tool` span).
 *
 * A call whose tool `needsApproval` emits `tool-approval-request` and waits
 * on `approval.approve` (other calls go on meanwhile); without `approve` it
 * emits a `tool-approval-pause` and no result.
 */
export function runToolCalls(
  calls: readonly ToolCall[],
  step: number,
  tools: Readonly<Record<string, ToolDefinition>>,
  concurrency: number,
  trace?: LoopTrace,
  approval: CallApproval = {},
): Observable<ToolCallEvent> {
  // Telemetry hook (lib/internal/telemetry.ts): with a trace, each call's run is wrapped by its recorder
  // (which passes an approval request through, and keeps the last event as the call's result).
  return from(calls).pipe(
    mergeMap((call) => {
      const run$ = runToolCall(call, step, tools, approval);
      return trace ? trace.tool(call, step, run$ as Observable<ToolResultEvent>) : run$;
    }, concurrency),
  );
}

function runToolCall(
  call: ToolCall,
  step: number,
  tools: Readonly<Record<string, ToolDefinition>>,
  approval: CallApproval,
): Observable<ToolCallEvent> {
  return new Observable<ToolCallEvent>((subscriber) => {
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
    //   approve  → the same arguments, once a person said yes (CohereApprovalError: denied, failed, no decision);
    //              skipped without `needsApproval`, or for a call decided already; no `approve`: the call pauses
    //   execute  → the output: the last value of what `execute` returned
    let paused = false;
    const ask = (args: unknown): Observable<unknown> => {
      const request: ToolApprovalRequest = { step, call, args };
      if (!approval.approve) {
        paused = true;
        subscriber.next({ type: 'tool-approval-pause', ...request });
        return EMPTY;
      }
      subscriber.next({ type: 'tool-approval-request', ...request });
      const approve = approval.approve;
      return firstOf<ToolApproval | CohereApprovalError>(
        () => approve(request),
        () => new CohereApprovalError('no-decision'),
        (error) => new CohereApprovalError('failed', `approval failed: ${errorText(error)}`, { cause: error }),
      ).pipe(
        map((decision) => {
          if (decision instanceof CohereApprovalError) throw decision;
          if (decision?.approved === true) return args;
          const reason = (decision as { reason?: unknown } | null)?.reason;
          throw new CohereApprovalError('denied', typeof reason === 'string' ? reason : undefined);
        }),
      );
    };
    const needsApproval = tool.needsApproval;
    const gated = !!needsApproval && !approval.approved?.has(call);
    const output$ = of(call).pipe(
      map((toolCall) => parseToolCallArguments<Record<string, unknown>>(toolCall)),
      tool.input === undefined ? identity : concatMap((args) => validated(tool.input!, args, call)),
      gated ? concatMap((args) => needed(needsApproval, args, context).pipe(concatMap((need) => (need ? ask(args) : of(args))))) : identity,
      concatMap((args) => outputOf(tool.execute(args, context))),
    );
    let last: unknown;
    subscriber.add(
      output$.subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => settle({ error }),
        complete: () => (paused ? subscriber.complete() : settle({ output: last })),
      }),
    );
  });
}

/**
 * Whether this call needs approval: `needsApproval` itself, or the first
 * value of what it returned. A function that throws, errors, completes
 * empty or gives no boolean: it does (the safe side: a person is asked).
 */
function needed(needsApproval: ToolDefinition['needsApproval'], args: unknown, context: ToolContext): Observable<boolean> {
  if (typeof needsApproval !== 'function') return of(!!needsApproval);
  const yes = (): boolean => true;
  return firstOf<boolean>(
    () => {
      const answer = needsApproval(args, context);
      return typeof answer === 'boolean' ? [answer] : answer;
    },
    yes,
    yes,
  ).pipe(map((answer) => answer !== false));
}

/**
 * The first value of the ObservableInput `make()` returns (made on
 * subscribe), unsubscribing from it at once; `empty()` when it completes
 * with none, `failure(error)` when it (or `make`) fails. Written out rather
 * than `defer`/`take`/`defaultIfEmpty`/`catchError`, which a page with a
 * tool loop would otherwise all ship.
 */
function firstOf<T>(make: () => ObservableInput<T>, empty: () => T, failure: (error: unknown) => T): Observable<T> {
  return new Observable<T>((subscriber) => {
    let done = false;
    let inner: Subscription | undefined;
    const give = (value: T): void => {
      if (done) return;
      done = true;
      inner?.unsubscribe();
      subscriber.next(value);
      subscriber.complete();
    };
    try {
      inner = from(make()).subscribe({ next: give, error: (error: unknown) => give(failure(error)), complete: () => give(empty()) });
    } catch (error) {
      give(failure(error));
    }
    if (done) inner?.unsubscribe(); // it gave its value while subscribing
    return () => inner?.unsubscribe();
  });
}

/** A short text for what an `approve` (or a used-token store) failed with. */
export function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : String(error);
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
