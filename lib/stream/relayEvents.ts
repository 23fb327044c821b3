import type { EventSourceMessage } from 'eventsource-parser';
import { CohereGenerationError } from '../errors/CohereGenerationError';
import { RELAY_ERROR, RELAY_STEP_END, RESERVED_PREFIX, type RelayErrorFrame } from '../internal/relay';
import { parseScrubbed } from '../internal/scrubDecoded';
import type { Scrub } from '../internal/secret';
import type { ChatStreamEvent, MessageEndEvent } from '../types/events';
import type { StepEndEvent } from '../types/loop';
import type { ChatMessage } from '../types/request';

/** What `relayEvents` drives in `chatStream$`. */
export interface RelaySink {
  /** The plain path of one Cohere message (emits, and ends after its message-end). */
  plain(event: ChatStreamEvent): void;
  /** Emits one event of a multi-message stream. */
  emit(event: ChatStreamEvent): void;
  /** The message-end that would end the stream at the body's end, or none. */
  setEnd(end: MessageEndEvent | undefined): void;
  /** The relay's error frame, with the conversation of the last step-end seen. */
  fail(frame: RelayErrorFrame, messages: ChatMessage[]): void;
}

/**
 * Reads the events of a `cohere-rx/server` relay's response, used only when
 * its header says so (Cohere's own responses keep the plain path). The
 * relay's own frames are told from the upstream's by their SSE `event:`
 * name alone, in the reserved `cohere-rx-` namespace that only the relay
 * writes: the error frame becomes the typed error; `cohere-rx-step-end`
 * keeps the conversation (for a `CohereMaxStepsError`); every other one is
 * emitted as its data. An upstream event whose `type` merely looks like one
 * of them (`cohere-rx-error`, `step-end`) came under another name: it is an
 * event like any other. For a server-side tool loop (`multi-message`) every
 * message passes, and the end is the body's end after a `message-end` that
 * is not `TOOL_CALL`, or after a `step-end` with `pending` calls (the loop
 * paused for a person's approval: `cohere-rx-approval-request` frames came
 * before it, emitted as `tool-approval-request` events).
 */
export function relayEvents(multi: boolean, sink: RelaySink): (event: ChatStreamEvent, message: EventSourceMessage) => void {
  let messages: ChatMessage[] = [];
  return (event, { event: name }) => {
    if (name?.startsWith(RESERVED_PREFIX)) {
      if (name === RELAY_ERROR) return sink.fail(event as unknown as RelayErrorFrame, messages);
      if (name === RELAY_STEP_END) {
        messages = (event as unknown as StepEndEvent).messages;
        // A pause (calls wait for a person's decision): the body's end is the loop's intended end.
        if ((event as unknown as StepEndEvent).pending?.length) sink.setEnd({ type: 'message-end' });
      }
      return sink.emit(event);
    }
    if (!multi) return sink.plain(event);
    const type: string = event.type;
    if (type === 'message-start') sink.setEnd(undefined);
    else if (type === 'message-end' && (event as MessageEndEvent).delta?.finish_reason !== 'TOOL_CALL')
      sink.setEnd(event as MessageEndEvent);
    sink.emit(event);
  };
}

/**
 * The error a `message-end` stands for: a `CohereGenerationError` for
 * `ERROR`/`TIMEOUT` (keeping the event, scrubbed where a server echoed the
 * key), else `undefined` (the stream completes).
 */
export function generationFailure(end: MessageEndEvent, scrub: Scrub): CohereGenerationError | undefined {
  const reason = end.delta?.finish_reason;
  if (reason !== 'ERROR' && reason !== 'TIMEOUT') return undefined;
  const text = end.delta?.error;
  // The event as decoded: a key that came as `\u0073k…` is plain text by now.
  const raw = JSON.stringify(end);
  const event = scrub(raw) === raw ? end : (parseScrubbed(raw, scrub) as MessageEndEvent);
  return new CohereGenerationError(reason, text === undefined ? undefined : scrub(text), event);
}
