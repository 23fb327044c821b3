import { context as contextApi, SpanKind, trace, type Attributes, type Context } from '@opentelemetry/api';
import type { ChatRequest, LoopTrace, StepEndEvent, Telemetry, ToolCall, ToolLoopEvent, ToolResultEvent } from 'cohere-rx';
import { Observable, type Subscription } from 'rxjs';
import {
  CANCELLED,
  GEN_AI_AGENT_NAME,
  GEN_AI_INPUT_MESSAGES,
  GEN_AI_OPERATION_NAME,
  GEN_AI_OUTPUT_MESSAGES,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_ID,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_NAME,
  GEN_AI_TOOL_TYPE,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  LOOP_STEPS,
  modelOf,
  requestAttributes,
} from './attributes';
import { inputMessagesOf, outputMessagesOf, toolResultOf } from './content';
import { defined, endSpan, type Ending, type Scope, type Shared } from './recorder';

type ToolDescriptions = Readonly<Record<string, { readonly description?: string | undefined }>>;

/**
 * One `invoke_agent` span (kind INTERNAL) per subscription of a tool loop:
 * the parent of each step's `chat` span and of each call's `execute_tool` span.
 */
export function recordLoop(
  shared: Shared,
  scope: Scope,
  request: ChatRequest,
  tools: ToolDescriptions,
  open: (trace: LoopTrace) => Observable<ToolLoopEvent>,
  telemetryUnder: (parent: Context) => Telemetry,
): Observable<ToolLoopEvent> {
  return new Observable<ToolLoopEvent>((subscriber) => {
    const name = shared.agentName;
    const attributes: Attributes = {
      [GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [GEN_AI_PROVIDER_NAME]: 'cohere',
      [GEN_AI_REQUEST_MODEL]: modelOf(request),
      [GEN_AI_AGENT_NAME]: name,
      ...requestAttributes(request),
    };
    if (shared.recordContent) attributes[GEN_AI_INPUT_MESSAGES] = inputMessagesOf(request);
    const parent = scope.parent ?? contextApi.active();
    const span = shared.tracer.startSpan(
      name ? `invoke_agent ${name}` : 'invoke_agent',
      { kind: SpanKind.INTERNAL, attributes: defined(attributes), links: scope.links ?? [] },
      parent,
    );
    const loopContext = trace.setSpan(parent, span);
    const loopTrace: LoopTrace = {
      steps: telemetryUnder(loopContext),
      tool: (call, _step, run$) => recordTool(shared, loopContext, tools, call, run$),
    };
    let steps = 0;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let finishReason: string | undefined;
    let responseId: string | undefined;
    let lastAnswer: StepEndEvent['response'] | undefined;
    let done = false;

    const finish = (ending: Ending): void => {
      if (done) return;
      done = true;
      try {
        span.setAttributes(
          defined({
            [LOOP_STEPS]: steps,
            [GEN_AI_RESPONSE_ID]: responseId,
            [GEN_AI_RESPONSE_FINISH_REASONS]: finishReason === undefined ? undefined : [finishReason],
            [GEN_AI_USAGE_INPUT_TOKENS]: inputTokens,
            [GEN_AI_USAGE_OUTPUT_TOKENS]: outputTokens,
            [GEN_AI_OUTPUT_MESSAGES]: shared.recordContent && lastAnswer ? outputMessagesOf([lastAnswer]) : undefined,
          }),
        );
        endSpan(span, ending, shared.recordContent);
      } catch {
        // Telemetry never breaks the loop it records.
      }
    };

    let inner: Subscription | undefined;
    contextApi.with(loopContext, () => {
      inner = open(loopTrace).subscribe({
        next: (event) => {
          if (event.type === 'message-end') {
            const usage = event.delta?.usage;
            const input = usage?.billed_units?.input_tokens ?? usage?.tokens?.input_tokens;
            const output = usage?.billed_units?.output_tokens ?? usage?.tokens?.output_tokens;
            if (typeof input === 'number') inputTokens = (inputTokens ?? 0) + input;
            if (typeof output === 'number') outputTokens = (outputTokens ?? 0) + output;
            if (typeof event.delta?.finish_reason === 'string') finishReason = event.delta.finish_reason;
          } else if (event.type === 'message-start' && typeof event.id === 'string') {
            responseId = event.id;
          } else if (event.type === 'step-end') {
            steps = event.step;
            lastAnswer = event.response;
          }
          subscriber.next(event);
        },
        error: (error: unknown) => {
          finish({ error });
          subscriber.error(error);
        },
        complete: () => {
          finish(undefined);
          subscriber.complete();
        },
      });
    });

    return () => {
      inner?.unsubscribe();
      if (!done) finish(CANCELLED);
    };
  });
}

/**
 * One `execute_tool {name}` span (kind INTERNAL) per tool call, under the
 * loop's span. The tool runs in the span's context: with a context manager,
 * spans the tool makes are its children.
 */
function recordTool(
  shared: Shared,
  loopContext: Context,
  tools: ToolDescriptions,
  call: ToolCall,
  run$: Observable<ToolResultEvent>,
): Observable<ToolResultEvent> {
  return new Observable<ToolResultEvent>((subscriber) => {
    const name = typeof call?.function?.name === 'string' ? call.function.name : undefined;
    const known = name !== undefined && typeof tools === 'object' && tools !== null && Object.prototype.hasOwnProperty.call(tools, name);
    const description = known ? tools[name]?.description : undefined;
    const span = shared.tracer.startSpan(
      name ? `execute_tool ${name}` : 'execute_tool',
      {
        kind: SpanKind.INTERNAL,
        attributes: defined({
          [GEN_AI_OPERATION_NAME]: 'execute_tool',
          [GEN_AI_PROVIDER_NAME]: 'cohere',
          [GEN_AI_TOOL_NAME]: name,
          [GEN_AI_TOOL_CALL_ID]: typeof call?.id === 'string' ? call.id : undefined,
          [GEN_AI_TOOL_TYPE]: 'function',
          [GEN_AI_TOOL_DESCRIPTION]: typeof description === 'string' ? description : undefined,
          [GEN_AI_TOOL_CALL_ARGUMENTS]: shared.recordContent ? call?.function?.arguments : undefined,
        }),
      },
      loopContext,
    );
    let result: ToolResultEvent | undefined;
    let done = false;
    const finish = (ending: Ending): void => {
      if (done) return;
      done = true;
      try {
        const failure: Ending = result && 'error' in result ? { error: result.error } : ending;
        if (shared.recordContent && result && 'output' in result)
          span.setAttribute(GEN_AI_TOOL_CALL_RESULT, toolResultOf(result.output) ?? 'null');
        endSpan(span, failure, shared.recordContent);
      } catch {
        // as above
      }
    };
    let inner: Subscription | undefined;
    contextApi.with(trace.setSpan(loopContext, span), () => {
      inner = run$.subscribe({
        next: (event) => {
          result = event;
          subscriber.next(event);
        },
        error: (error: unknown) => {
          finish({ error });
          subscriber.error(error);
        },
        complete: () => {
          finish(undefined);
          subscriber.complete();
        },
      });
    });
    return () => {
      inner?.unsubscribe();
      if (!done) finish(result ? undefined : CANCELLED);
    };
  });
}
