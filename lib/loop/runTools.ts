import { Observable } from 'rxjs';
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
import type { StepEndEvent, ToolLoopEvent, ToolResultEvent } from '../types/loop';
import type { AssistantMessage, ChatMessage, ChatRequest, Tool, ToolMessage } from '../types/request';
import type { ChatResponseSnapshot } from '../types/response';
import type { ToolDefinition } from './defineTool';
import { runToolCalls } from './runToolCalls';
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
 * @param options The tools, `maxSteps`, `toolConcurrency`, and every `chatStream$()` option.
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
    const { tools, maxSteps = DEFAULT_MAX_STEPS, toolConcurrency = Infinity, ...streamOptions } = options;
    const problem = checkOptions(tools, maxSteps, toolConcurrency);
    if (problem) return subscriber.error(problem);
    let requestTools: Tool[] | undefined;
    try {
      requestTools = request.tools ?? toolsOf(tools);
    } catch (error) {
      return subscriber.error(error); // an `input` that cannot be written as JSON Schema: a CohereConfigError naming the tool
    }
    if (trace) streamOptions.telemetry = trace.steps; // telemetry hook: each step's chat is the loop's child

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
          error: (error: unknown) => subscriber.error(error),
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
      subscriber.add(
        untilAborted(runToolCalls(calls, step, tools, toolConcurrency, trace), streamOptions).subscribe({
          next: (result) => {
            results.set(result.call, result);
            subscriber.next(result);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            // In call order, whatever order they finished in.
            const toolResults = calls.map((call) => toolMessageOf(results.get(call)!));
            const history = [...messages, assistant, ...toolResults];
            subscriber.next(stepEnd(step, response, toolResults, history));
            if (subscriber.closed) return; // unsubscribed at step-end: no further request
            if (step >= maxSteps) subscriber.error(new CohereMaxStepsError(maxSteps, history));
            else turn(step + 1, history);
          },
        }),
      );
    };

    turn(1, request.messages);
  });
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
