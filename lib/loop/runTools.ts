import { Observable, type ObservableInput } from 'rxjs';
import { chatStream$ } from '../stream/chatStream';
import { keyScrubber, type ChatStreamOptions } from '../stream/options';
import { CohereAbortError } from '../errors/CohereAbortError';
import { CohereMaxStepsError } from '../errors/CohereMaxStepsError';
import { onAbort } from '../internal/abortListener';
import { safeCause } from '../internal/secret';
import type { LoopTrace } from '../internal/telemetry';
import { CohereConfigError } from '../errors/CohereConfigError';
import { isStandardSchema, jsonSchemaOf } from '../internal/standardSchema';
import { initialMessageState, reduceMessage } from '../operators/messageReducer';
import type { ToolCall } from '../types/common';
import { APPROVAL_HOOKS, approvalsProblem, type WithApprovalHooks } from '../internal/approval';
import type {
  PendingToolCall,
  StepEndEvent,
  ToolApproval,
  ToolApprovalDecision,
  ToolApprovalRequest,
  ToolLoopEvent,
  ToolResultEvent,
} from '../types/loop';
import type { AssistantMessage, ChatMessage, ChatRequest, Tool, ToolMessage } from '../types/request';
import type { ChatResponseSnapshot } from '../types/response';
import type { ToolDefinition } from './defineTool';
import { DEFAULT_APPROVAL_TTL_MS, defaultClaims, MIN_SECRET_LENGTH, tokenSigner, type TokenSigner } from './approvalTokens';
import { settle, waitingCalls, type Settlement } from './resumeApprovals';
import { runToolCalls, type PausedCall } from './runToolCalls';
import { toolMessageOf } from './toolMessage';

/** Options of {@link runTools$}: those of `chatStream$()` (used for every step), plus the tools. */
export type RunToolsOptions = ChatStreamOptions & {
  /** The tools by the name the model calls them. Type each with `defineTool()` for typed arguments. */
  tools: Record<string, ToolDefinition>;
  /**
   * The most model turns. Reaching it while the model still calls tools is a
   * `CohereMaxStepsError`, after that step's tools ran and its `step-end`.
   * @default 10
   */
  maxSteps?: number | undefined;
  /**
   * The most tool calls of one step running at once; the others wait their turn, in call order.
   * @default Infinity
   */
  toolConcurrency?: number | undefined;
  /**
   * Asks a person about a call whose tool `needsApproval`, after the
   * `tool-approval-request` event: the first value decides (`{ approved:
   * true }` runs the call; `{ approved: false, reason }` sends the model a
   * denial with the reason). An error or no value is a denial too (a
   * `CohereApprovalError`, type `failed` or `no-decision`), never a hang.
   * Other calls of the step run meanwhile. Without it, the loop **pauses**
   * at such a call (see `approvalSecret`).
   */
  approve?: ((request: ToolApprovalRequest) => ObservableInput<ToolApproval>) | undefined;
  /**
   * The decisions on the calls a paused loop left waiting (the request's
   * `messages` is the paused `step-end`'s `messages`). Settled first, as
   * step 0, before the model is called: a call with a valid token and
   * `approved: true` runs, `false` is denied; a call with no entry, or a
   * token missing, forged, expired or used, does not run (the model gets
   * an error result naming why); an entry without `approved` pauses again.
   */
  approvals?: readonly ToolApprovalDecision[] | undefined;
  /**
   * The secret the tokens of a pause are signed with (HMAC-SHA-256, at
   * least 32 characters): required to pause (tools that `needsApproval`
   * without `approve`) and to resume (`approvals`). Keep it on the server.
   */
  approvalSecret?: string | undefined;
  /**
   * How long a token stays valid after its pause, in ms.
   * @default 600000 (10 minutes)
   */
  approvalTtlMs?: number | undefined;
  /** Binds tokens to an owner (a user id): a token issued for one owner is invalid for any other. */
  approvalOwner?: string | undefined;
  /**
   * Spends a token: resolves `true` the first time, `false` after (for at
   * least `ttlMs`), so that a token runs its call once. Several processes
   * need one shared store (Redis `SET token 1 NX PX ttlMs`).
   * @default a memory of this process
   */
  claimApproval?: ((token: string, ttlMs: number) => boolean | PromiseLike<boolean>) | undefined;
};

const DEFAULT_MAX_STEPS = 10;

/**
 * Runs a tool-using conversation to its answer: streams a model turn, runs the
 * tools it called, sends the results back, and again, until the model answers.
 *
 * The output is every wire event of every model turn, in order, plus
 * `tool-result` (a call finished, with `output` or `error`) and `step-end`
 * (`{ step, response, toolResults, messages }`) after each step. Tools of a
 * step run concurrently; their results go back in call order. A tool that
 * fails, an unknown tool and bad arguments go back to the model as an error
 * result and the loop goes on. It completes after the model's answer (a turn
 * whose `finish_reason` is not `TOOL_CALL`); an HTTP or stream error of any
 * step is its error; so is reaching `maxSteps` (`CohereMaxStepsError`). Cold:
 * nothing happens before subscribe, each subscription is its own loop, and
 * unsubscribing closes the request in flight, stops running tools (aborting
 * their `signal`) and makes no further request.
 *
 * A tool with `needsApproval` waits for a person: with `approve`, the loop
 * emits `tool-approval-request` and waits on it (a denial goes back to the
 * model); without, it pauses (`tool-approval-request` with a `token`, a
 * `step-end` with `pending`, completion) and a later call resumes it with
 * `approvals` (docs/tools.md, "Approval").
 *
 * ```text
 * turn 1:  --s--p--x--X--m--M--E|                      (two calls, then message-end TOOL_CALL)
 * tools:                        ---g--f|               (g, then f: their tool-results, as they finish)
 * turn 2:                              --s--a--b--e|   (the answer)
 * result:  --s--p--x--X--m--M--E---g--f1-s--a--b--e2|  (1, 2: step-end of steps 1 and 2)
 * ```
 *
 * ## Example
 * Answer with a weather tool, printing the text of every step.
 * ```ts
 * import { defineTool, runTools$, textOnly } from 'cohere-rx';
 *
 * const get_weather = defineTool<{ city: string }>({
 *   description: 'Current weather in a city',
 *   parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *   execute: ({ city }) => ({ city, tempC: 21 }),
 * });
 * runTools$(
 *   { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }] },
 *   { tools: { get_weather } },
 * ).pipe(textOnly()).subscribe((text) => process.stdout.write(text));
 * ```
 *
 * @see {@link defineTool} to type a tool's arguments; {@link isStepEndEvent} to continue the conversation.
 * @param request The first request; its `messages` start the conversation. Its own `tools`, if any, are sent instead of the definitions'.
 * @param options The tools, `maxSteps`, `toolConcurrency`, the approval options, and every `chatStream$()` option.
 * @returns A cold Observable of the loop's events.
 */
export function runTools$(request: ChatRequest, options: RunToolsOptions): Observable<ToolLoopEvent> {
  // Telemetry hook (lib/internal/telemetry.ts): the recorder wraps the loop and hands each subscription its trace.
  const telemetry = options?.telemetry;
  return typeof telemetry?.loop === 'function'
    ? telemetry.loop(request, options.tools ?? {}, (trace) => loop$(request, options, trace))
    : loop$(request, options);
}

/** The loop of {@link runTools$}; `trace`, with the `telemetry` option, is its recorder's. */
function loop$(request: ChatRequest, options: RunToolsOptions, trace?: LoopTrace): Observable<ToolLoopEvent> {
  // One flat chain, not a recursion of concat()s: each event of step k passes
  // through the same few subscribers as in step 1, however long the loop.
  return new Observable<ToolLoopEvent>((subscriber) => {
    const {
      tools,
      maxSteps = DEFAULT_MAX_STEPS,
      toolConcurrency = Infinity,
      approve,
      approvals,
      approvalSecret,
      approvalTtlMs = DEFAULT_APPROVAL_TTL_MS,
      approvalOwner,
      claimApproval,
      ...streamOptions
    } = options;
    const problem = checkOptions(tools, maxSteps, toolConcurrency) ?? checkApproval(options);
    if (problem) return subscriber.error(problem);
    let requestTools: Tool[] | undefined;
    try {
      requestTools = request.tools ?? toolsOf(tools);
    } catch (error) {
      return subscriber.error(error); // an `input` that cannot be written as JSON Schema: a CohereConfigError naming the tool
    }
    if (trace) streamOptions.telemetry = trace.steps; // telemetry hook: each step's chat is the loop's child
    // Made when a pause or a resume needs it: `approve` alone needs no crypto.
    let signer: TokenSigner | undefined;
    const signerOf = (): TokenSigner =>
      (signer ??= tokenSigner(approvalSecret!, approvalTtlMs, approvalOwner, (options as WithApprovalHooks)[APPROVAL_HOOKS]?.subtle));
    const fail = (error: unknown): void => subscriber.error(error);

    const turn = (step: number, messages: ChatMessage[]): void => {
      let state = initialMessageState();
      const body: ChatRequest = { ...request, messages };
      if (requestTools) body.tools = requestTools;
      subscriber.add(
        chatStream$(body, streamOptions).subscribe({
          next: (event) => {
            state = reduceMessage(state, event);
            subscriber.next(event);
          },
          error: fail,
          complete: () => afterTurn(step, messages, state.response),
        }),
      );
    };

    const afterTurn = (step: number, messages: ChatMessage[], response: ChatResponseSnapshot): void => {
      if (subscriber.closed) return;
      const assistant = assistantMessageOf(response);
      const calls = response.message.tool_calls ?? [];
      if (response.finish_reason !== 'TOOL_CALL' || calls.length === 0) {
        subscriber.next(stepEnd(step, response, [], [...messages, assistant]));
        subscriber.complete();
        return;
      }
      const results = new Map<ToolCall, ToolResultEvent>();
      const paused: PausedCall[] = [];
      subscriber.add(
        untilAborted(runToolCalls(calls, step, tools, toolConcurrency, trace, { approve }), streamOptions).subscribe({
          next: (event) => {
            if (event.type === 'tool-approval-pause') return void paused.push(event);
            if (event.type === 'tool-result') results.set(event.call, event);
            subscriber.next(event);
          },
          error: fail,
          complete: () => {
            // In call order, whatever order they finished in.
            const toolResults = calls.filter((call) => results.has(call)).map((call) => toolMessageOf(results.get(call)!));
            const history = [...messages, assistant, ...toolResults];
            if (paused.length > 0) {
              // Tokens only here: for calls the model made in a response this loop streamed.
              const waiting = calls.flatMap((call) => paused.filter((p) => p.call === call));
              return pause(step, response, toolResults, history, waiting);
            }
            subscriber.next(stepEnd(step, response, toolResults, history));
            if (subscriber.closed) return; // unsubscribed at step-end: no further request
            if (step >= maxSteps) subscriber.error(new CohereMaxStepsError(maxSteps, history));
            else turn(step + 1, history);
          },
        }),
      );
    };

    /**
     * Ends the loop at a pause: a `tool-approval-request` with its token for
     * each waiting call (a new token, or the one it came back with), then the
     * `step-end` listing them as `pending`, then completion.
     */
    const pause = (
      step: number,
      response: ChatResponseSnapshot,
      toolResults: ToolMessage[],
      history: ChatMessage[],
      waiting: readonly (ToolApprovalRequest & { token?: string })[],
    ): void => {
      const now = Date.now();
      // In a Promise from the start: a signer that cannot be made (no Web Crypto) is the loop's error, not a throw.
      Promise.resolve()
        .then(() => Promise.all(waiting.map((w) => (w.token !== undefined ? Promise.resolve(w.token) : signerOf().mint(w.call, now)))))
        .then((tokens) => {
          if (subscriber.closed) return;
          const pending: PendingToolCall[] = waiting.map(({ step: at, call, args }, i) => ({ step: at, call, args, token: tokens[i]! }));
          for (const waiter of pending) subscriber.next({ type: 'tool-approval-request', ...waiter });
          subscriber.next({ ...stepEnd(step, response, toolResults, history), pending });
          subscriber.complete();
        })
        .catch(fail);
    };

    /**
     * Step 0 of a resumed pause: settles the calls the conversation leaves
     * waiting by their decisions (runs, denials, refusals), then calls the
     * model, or pauses again for the calls still undecided.
     */
    const resume = (decisions: readonly ToolApprovalDecision[]): void => {
      const messages = request.messages;
      const open = waitingCalls(messages);
      if (!open) return turn(1, messages);
      const claim = claimApproval ?? defaultClaims();
      Promise.resolve()
        .then(() => Promise.all(open.calls.map((call) => settle(call, decisions, signerOf(), claim))))
        .then((settled) => {
          if (subscriber.closed) return;
          const results = new Map<ToolCall, ToolResultEvent>();
          const report = (result: ToolResultEvent): void => {
            results.set(result.call, result);
            subscriber.next(result);
          };
          for (const s of settled) if ('error' in s) report({ type: 'tool-result', step: 0, call: s.call, error: s.error });
          const approved = settled.filter((s): s is Extract<Settlement, { run: true }> => 'run' in s).map((s) => s.call);
          const undecided = settled.filter((s): s is Extract<Settlement, { token: string }> => 'token' in s);
          subscriber.add(
            untilAborted(
              runToolCalls(approved, 0, tools, toolConcurrency, trace, { approve, approved: new Set(approved) }),
              streamOptions,
            ).subscribe({
              next: (event) => {
                if (event.type === 'tool-result') report(event);
              },
              error: fail,
              complete: () => {
                const toolResults = open.calls.filter((call) => results.has(call)).map((call) => toolMessageOf(results.get(call)!));
                const history = [...messages, ...toolResults];
                if (undecided.length > 0) {
                  return pause(
                    0,
                    open.response,
                    toolResults,
                    history,
                    undecided.map(({ call, token, args }) => ({ step: 0, call, args, token })),
                  );
                }
                turn(1, history);
              },
            }),
          );
        })
        .catch(fail);
    };

    if (approvals !== undefined) resume(approvals);
    else turn(1, request.messages);
  });
}

/**
 * The approval options: a `CohereConfigError` for one that can never work,
 * or for a loop that may pause (a tool that needs approval, no `approve`)
 * or resume (`approvals`) without an `approvalSecret`.
 */
function checkApproval(options: RunToolsOptions): CohereConfigError | undefined {
  const { approve, approvals, approvalSecret, approvalTtlMs, approvalOwner, claimApproval, tools } = options;
  if (approve !== undefined && typeof approve !== 'function') return new CohereConfigError('approve', 'expected a function');
  if (claimApproval !== undefined && typeof claimApproval !== 'function')
    return new CohereConfigError('claimApproval', 'expected a function');
  if (approvalOwner !== undefined && typeof approvalOwner !== 'string') return new CohereConfigError('approvalOwner', 'expected a string');
  if (approvalTtlMs !== undefined && !(Number.isSafeInteger(approvalTtlMs) && approvalTtlMs >= 1)) {
    return new CohereConfigError('approvalTtlMs', `expected whole milliseconds, 1 or more, got ${String(approvalTtlMs)}`);
  }
  if (approvals !== undefined) {
    const problem = approvalsProblem(approvals);
    if (problem) return new CohereConfigError('approvals', problem);
  }
  const pauses = !approve && Object.values(tools).some((tool) => !!tool?.needsApproval);
  if (approvalSecret === undefined && !pauses && approvals === undefined) return undefined;
  if (typeof approvalSecret !== 'string' || approvalSecret.length < MIN_SECRET_LENGTH) {
    const why = pauses
      ? 'a tool needs approval and there is no `approve`, so the loop pauses: '
      : approvals
        ? 'resuming with `approvals`: '
        : '';
    return new CohereConfigError('approvalSecret', `${why}expected a secret string of ${MIN_SECRET_LENGTH} characters or more`);
  }
  return undefined;
}

/** The loop's own options: a `CohereConfigError` naming the one that can never work. */
function checkOptions(tools: unknown, maxSteps: number, toolConcurrency: number): CohereConfigError | undefined {
  if (tools === null || typeof tools !== 'object') return new CohereConfigError('tools', 'expected an object of tool definitions by name');
  for (const [name, tool] of Object.entries(tools as Record<string, ToolDefinition | undefined>)) {
    const input = tool?.input;
    if (input !== undefined && !isStandardSchema(input)) {
      return new CohereConfigError(
        `tools.${name}.input`,
        'expected a Standard Schema (a zod, valibot or arktype schema…: an object with ~standard.validate)',
      );
    }
  }
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1) && maxSteps !== Infinity) {
    return new CohereConfigError('maxSteps', `expected a whole number, 1 or more, got ${String(maxSteps)}`);
  }
  if (!(Number.isInteger(toolConcurrency) && toolConcurrency >= 1) && toolConcurrency !== Infinity) {
    return new CohereConfigError('toolConcurrency', `expected a whole number, 1 or more (or Infinity), got ${String(toolConcurrency)}`);
  }
  return undefined;
}

/**
 * Cohere's tool list from the definitions; none when there are none. A
 * tool's `parameters` are its own, else its `input`'s JSON Schema (draft-07),
 * else the empty object schema (a tool without arguments). Throws a
 * `CohereConfigError` for an `input` that cannot be written as JSON Schema.
 */
function toolsOf(tools: Record<string, ToolDefinition>): Tool[] | undefined {
  const list = Object.entries(tools).map(([name, tool]): Tool => {
    // The API requires `parameters`: a tool without arguments sends an empty object schema.
    const parameters =
      (tool.parameters as Record<string, unknown> | undefined) ??
      (tool.input !== undefined ? jsonSchemaOf(tool.input, `tools.${name}.input`) : { type: 'object', properties: {} });
    const fn: Tool['function'] =
      tool.description === undefined ? { name, parameters } : { name, description: tool.description, parameters };
    return { type: 'function', function: fn };
  });
  return list.length > 0 ? list : undefined;
}

/**
 * The assistant message to send back: the snapshot's message without its
 * empty parts (a tool turn usually has no content; Cohere's own examples send
 * only `tool_plan` and `tool_calls`).
 */
function assistantMessageOf(response: ChatResponseSnapshot): AssistantMessage {
  const { content, tool_plan, tool_calls, citations } = response.message;
  const message: AssistantMessage = { role: 'assistant' };
  if (content.length > 0) message.content = content;
  if (tool_plan) message.tool_plan = tool_plan;
  if (tool_calls && tool_calls.length > 0) message.tool_calls = tool_calls;
  if (citations && citations.length > 0) message.citations = citations;
  return message;
}

function stepEnd(step: number, response: ChatResponseSnapshot, toolResults: ToolMessage[], messages: ChatMessage[]): StepEndEvent {
  return { type: 'step-end', step, response, toolResults, messages };
}

/**
 * `source$`, unless the caller's `signal` aborts first: then a
 * `CohereAbortError`, as `chatStream$()` does during a model turn (and the
 * running tools are unsubscribed, which aborts their own signals).
 */
function untilAborted<T>(source$: Observable<T>, options: ChatStreamOptions): Observable<T> {
  const signal = options.signal;
  if (!signal) return source$;
  return new Observable<T>((subscriber) => {
    const fail = (): void => {
      subscriber.error(new CohereAbortError({ cause: safeCause(signal.reason, keyScrubber(options)) }));
    };
    if (signal.aborted) return fail();
    subscriber.add(onAbort(signal, fail));
    subscriber.add(
      source$.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  });
}
