// The marble vocabulary shared by the operator specs: one letter, one event.
// The same letters as every JSDoc diagram and docs/*.md ("Marble legend" in
// docs/operators.md):
//
//   s      message-start
//   c  C   content-start / content-end of a text block (index 1)
//   a  b   content-delta: text 'He', 'llo'
//   t  T   content-start / content-end of a thinking block (index 0)
//   h  i   content-delta: thinking 'Hmm', ' ok'
//   p  q   tool-plan-delta 'I will', ' search'
//   x  X   tool-call-start / tool-call-end of call 0
//   y  z   tool-call-delta: argument pieces of call 0
//   m  M   tool-call-start / tool-call-end of call 1 (no arguments)
//   r  R   citation-start / citation-end of citation 1
//   u  U   citation-start / citation-end of citation 2
//   e      message-end COMPLETE, with usage
//   E      message-end TOOL_CALL
//   f  g   tool-result of call 0 / call 1 (loop specs)
//   1  2   step-end of step 1 / step 2 (loop specs)
//
// Spec-only oddities: n an unknown type, d debug, o/O content-delta/start with
// no fields, w content-delta with no index, k/K tool-call-start/end with no
// index, 0 a message-end with an empty delta. A letter not listed here is local to
// one spec and defined beside its use. Result values are uppercase (A, B, …).
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
export const cite1: Citation = {
  start: 0,
  end: 2,
  text: 'He',
  type: 'TEXT_CONTENT',
  sources: [{ type: 'document', id: 'doc:0', document: { title: 'A' } }],
};
export const cite2: Citation = {
  start: 2,
  end: 5,
  text: 'llo',
  type: 'TEXT_CONTENT',
  sources: [{ type: 'tool', id: 'search:0', tool_output: { hits: 1 } }],
};

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
  k: {
    type: 'tool-call-start',
    delta: { message: { tool_calls: { id: 'call_k', type: 'function', function: { name: 'k', arguments: '' } } } },
  },
  K: { type: 'tool-call-end' },
  '0': { type: 'message-end', delta: {} },
};
