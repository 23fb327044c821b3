// The marble vocabulary shared by the operator specs: one letter, one event.
import type { ChatStreamEvent, Citation, Usage } from '../../lib';
import {
  citationEnd,
  citationStart,
  contentEnd,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  thinkingDelta,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
  toolPlanDelta,
} from '../../lib/testing/events';

export const usageOfTurn: Usage = { billed_units: { input_tokens: 9, output_tokens: 4 }, tokens: { input_tokens: 80, output_tokens: 4 } };
export const cite1: Citation = { start: 0, end: 2, text: 'He', type: 'TEXT_CONTENT', sources: [{ type: 'document', id: 'doc:0', document: { title: 'A' } }] };
export const cite2: Citation = { start: 2, end: 5, text: 'llo', type: 'TEXT_CONTENT', sources: [{ type: 'tool', id: 'search:0', tool_output: { hits: 1 } }] };

export const ev: Record<string, ChatStreamEvent> = {
  s: messageStart('resp-1'),
  // thinking block at index 0, text block at index 1 (as a reasoning model sends them)
  t: contentStart(0, 'thinking'),
  h: thinkingDelta('Hmm', 0),
  i: thinkingDelta(' ok', 0),
  T: contentEnd(0),
  c: contentStart(1),
  a: textDelta('He', 1),
  b: textDelta('llo', 1),
  C: contentEnd(1),
  p: toolPlanDelta('I will'),
  q: toolPlanDelta(' search'),
  x: toolCallStart(0, 'call_a', 'search'),
  y: toolCallDelta(0, '{"q":'),
  z: toolCallDelta(0, '"rx"}'),
  X: toolCallEnd(0),
  m: toolCallStart(1, 'call_b', 'now'),
  M: toolCallEnd(1),
  r: citationStart(0, cite1),
  R: citationEnd(0),
  u: citationStart(1, cite2),
  U: citationEnd(1),
  e: messageEnd('COMPLETE', usageOfTurn),
  E: messageEnd('TOOL_CALL'),
  // oddities: unknown type, debug, events with fields missing
  n: { type: 'future-event', whatever: 1 } as unknown as ChatStreamEvent, // a type the union does not know, on purpose
  d: { type: 'debug', prompt: '<prompt>' },
  o: { type: 'content-delta' },
  O: { type: 'content-start' },
  w: { type: 'content-delta', delta: { message: { content: { text: 'bare' } } } },
  k: { type: 'tool-call-start', delta: { message: { tool_calls: { id: 'call_k', type: 'function', function: { name: 'k', arguments: '' } } } } },
  K: { type: 'tool-call-end' },
  '0': { type: 'message-end', delta: {} },
};
