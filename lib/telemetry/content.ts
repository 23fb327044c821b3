// Conversation content in the shapes of the GenAI conventions' message JSON
// schemas (gen-ai-input-messages.json, gen-ai-output-messages.json of
// semantic conventions v1.41.0), recorded as JSON strings on spans (the
// OpenTelemetry JS API has no structured attribute values yet). Only used
// with `recordContent: true`.
import type { ChatMessage, ChatRequest, ChatStreamEvent, FinishReason, ToolCall } from 'cohere-rx';

type Part = Record<string, unknown> & { type: string };
interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

/** One answer of the model: a step-end's response, or what {@link AnswerRecorder} assembled. */
export interface Answer {
  readonly message: {
    readonly content?: unknown;
    readonly tool_plan?: string | undefined;
    readonly tool_calls?: readonly ToolCall[] | undefined;
  };
  readonly finish_reason?: FinishReason | undefined;
}

/** `gen_ai.input.messages`: the request's messages, in order. */
export function inputMessagesOf(request: ChatRequest): string | undefined {
  const messages = (request as { messages?: unknown } | null | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  return json((messages as ChatMessage[]).map(inputMessage));
}

/** `gen_ai.output.messages`: one message per answer (a relayed tool loop gives several). */
export function outputMessagesOf(responses: readonly Answer[]): string {
  return json(responses.map(outputMessage));
}

/** `gen_ai.tool.call.result`: what the tool returned, as JSON (a string as it is). */
export function toolResultOf(output: unknown): string | undefined {
  return typeof output === 'string' ? output : json(output);
}

function inputMessage(message: ChatMessage): Message {
  const m = (typeof message === 'object' && message !== null ? message : {}) as Partial<Record<string, unknown>>;
  const role = typeof m['role'] === 'string' ? m['role'] : 'user';
  if (role === 'tool') {
    return { role, parts: [{ type: 'tool_call_response', id: m['tool_call_id'] ?? null, response: toolResponse(m['content']) }] };
  }
  const parts = contentParts(m['content']);
  if (role === 'assistant') {
    if (typeof m['tool_plan'] === 'string' && m['tool_plan'] !== '') parts.unshift({ type: 'reasoning', content: m['tool_plan'] });
    if (Array.isArray(m['tool_calls'])) parts.push(...(m['tool_calls'] as ToolCall[]).map(toolCallPart));
  }
  return { role, parts };
}

function outputMessage(response: Answer): Message {
  const { content, tool_plan, tool_calls } = response.message;
  const parts: Part[] = [];
  if (tool_plan) parts.push({ type: 'reasoning', content: tool_plan });
  parts.push(...contentParts(content));
  if (tool_calls) parts.push(...tool_calls.map(toolCallPart));
  return { role: 'assistant', parts, finish_reason: finishReasonOf(response.finish_reason) };
}

/**
 * Assembles each message's answer from its events as they pass: a push per
 * piece, joined once at the message's end (the span needs only the whole
 * answer, not a snapshot per event as `accumulateMessage()` makes).
 */
export class AnswerRecorder {
  readonly answers: Answer[] = [];
  #blocks = new Map<number, { type: 'text' | 'thinking'; pieces: string[] }>();
  #plan: string[] = [];
  #calls = new Map<number, { id: string; name: string; pieces: string[] }>();

  add(event: ChatStreamEvent): void {
    switch (event.type) {
      case 'message-start':
        this.#reset();
        break;
      case 'content-start': {
        const content = event.delta?.message?.content;
        const type = content?.type === 'thinking' ? 'thinking' : 'text';
        const first = type === 'thinking' ? content?.thinking : content?.text;
        this.#blocks.set(event.index ?? 0, { type, pieces: typeof first === 'string' && first !== '' ? [first] : [] });
        break;
      }
      case 'content-delta': {
        const index = event.index ?? 0;
        const block = this.#blocks.get(index) ?? { type: 'text', pieces: [] };
        this.#blocks.set(index, block);
        const content = event.delta?.message?.content;
        const piece = block.type === 'thinking' ? (content?.thinking ?? content?.text) : (content?.text ?? content?.thinking);
        if (typeof piece === 'string') block.pieces.push(piece);
        break;
      }
      case 'tool-plan-delta': {
        const piece = event.delta?.message?.tool_plan;
        if (typeof piece === 'string') this.#plan.push(piece);
        break;
      }
      case 'tool-call-start': {
        const call = event.delta?.message?.tool_calls;
        const first = call?.function?.arguments;
        this.#calls.set(event.index ?? 0, {
          id: typeof call?.id === 'string' ? call.id : '',
          name: typeof call?.function?.name === 'string' ? call.function.name : '',
          pieces: typeof first === 'string' ? [first] : [],
        });
        break;
      }
      case 'tool-call-delta': {
        const piece = event.delta?.message?.tool_calls?.function?.arguments;
        if (typeof piece === 'string') this.#calls.get(event.index ?? 0)?.pieces.push(piece);
        break;
      }
      case 'message-end': {
        const byIndex = <T>(map: Map<number, T>): T[] => [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
        const content = byIndex(this.#blocks).map((b) =>
          b.type === 'thinking' ? { type: b.type, thinking: b.pieces.join('') } : { type: b.type, text: b.pieces.join('') },
        );
        const tool_calls = byIndex(this.#calls).map((c): ToolCall => ({
          id: String(c.id ?? ''),
          type: 'function',
          function: { name: String(c.name ?? ''), arguments: c.pieces.join('') || '{}' },
        }));
        this.answers.push({
          message: { content, tool_plan: this.#plan.join('') || undefined, tool_calls },
          finish_reason: event.delta?.finish_reason,
        });
        this.#reset();
        break;
      }
      default:
        break;
    }
  }

  #reset(): void {
    this.#blocks = new Map();
    this.#plan = [];
    this.#calls = new Map();
  }
}

/** Text, thinking, images and documents as message parts. */
function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  return (content as Record<string, unknown>[]).map((block): Part => {
    switch (block?.['type']) {
      case 'text':
        return { type: 'text', content: block['text'] };
      case 'thinking':
        return { type: 'reasoning', content: block['thinking'] };
      case 'image_url':
        return { type: 'uri', modality: 'image', uri: (block['image_url'] as { url?: unknown } | undefined)?.url };
      case 'document':
        return { type: 'document', ...(block['document'] as object) };
      default:
        return { ...block, type: String(block?.['type']) };
    }
  });
}

function toolCallPart(call: ToolCall): Part {
  const args = call?.function?.arguments;
  return { type: 'tool_call', id: call?.id ?? null, name: call?.function?.name, arguments: parseOrKeep(args) };
}

/** A tool message's content: its text, or its documents' data. */
function toolResponse(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return (content as Record<string, unknown>[]).map((block) =>
    block?.['type'] === 'document' ? (block['document'] as { data?: unknown } | undefined)?.data : block?.['text'],
  );
}

/** Cohere's finish reasons in the conventions' words (`stop`, `length`, `tool_call`, `error`). */
function finishReasonOf(reason: FinishReason | undefined): string {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_call';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      return 'stop'; // COMPLETE, STOP_SEQUENCE
  }
}

/** Tool arguments as an object (the conventions ask for the structure), or the text when it is not JSON. */
function parseOrKeep(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"[not serialisable as JSON]"';
  }
}
