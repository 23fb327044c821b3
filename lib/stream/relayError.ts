import { CohereAbortError } from '../errors/CohereAbortError';
import { CohereApiError } from '../errors/CohereApiError';
import { CohereConnectionError } from '../errors/CohereConnectionError';
import { CohereError } from '../errors/CohereError';
import { CohereGenerationError } from '../errors/CohereGenerationError';
import { CohereIncompleteStreamError } from '../errors/CohereIncompleteStreamError';
import { CohereMaxStepsError } from '../errors/CohereMaxStepsError';
import { CohereTimeoutError } from '../errors/CohereTimeoutError';
import type { RelayErrorFrame } from '../internal/relay';
import type { Scrub } from '../internal/secret';
import type { MessageEndEvent } from '../types/events';
import type { ChatMessage } from '../types/request';

/** The prefixes `CohereConnectionError` puts before its detail (its message is rebuilt from the detail). */
const CONNECTION_PREFIX = /^(Could not reach the Cohere API|The connection broke while streaming): /;

/**
 * The typed error a relay's error frame stands for, as the browser would have
 * raised it talking to Cohere itself: the same class (by `name`) and, where
 * the frame carries them, the same fields. A name the browser cannot rebuild
 * (a parse error upstream, anything else) becomes a plain `CohereError`
 * with the server's message. All text is scrubbed again.
 *
 * @param endEvent The last `message-end` seen, for a `CohereGenerationError`.
 * @param emitted How many events the browser emitted, for a `CohereIncompleteStreamError`.
 * @param messages The conversation of the last `step-end` seen, for a `CohereMaxStepsError`.
 */
export function errorFromRelay(
  frame: RelayErrorFrame,
  endEvent: MessageEndEvent | undefined,
  emitted: number,
  messages: ChatMessage[],
  scrub: Scrub,
): CohereError {
  const info = (frame.error ?? {}) as Partial<RelayErrorFrame['error']>;
  const message = scrub(typeof info.message === 'string' ? info.message : 'the relay failed');
  switch (info.name) {
    case 'CohereApiError':
      if (typeof info.status === 'number') return new CohereApiError(info.status, { message });
      break;
    case 'CohereConnectionError':
      return new CohereConnectionError(info.phase === 'request' ? 'request' : 'body', message.replace(CONNECTION_PREFIX, ''));
    case 'CohereTimeoutError':
      return new CohereTimeoutError(info.phase === 'headers' ? 'headers' : 'idle', Number(info.timeoutMs) || 0);
    case 'CohereGenerationError': {
      const reason = info.finishReason === 'TIMEOUT' ? 'TIMEOUT' : 'ERROR';
      const text = typeof info.serverError === 'string' ? scrub(info.serverError) : undefined;
      return new CohereGenerationError(reason, text, endEvent ?? { type: 'message-end', delta: { finish_reason: reason } });
    }
    case 'CohereIncompleteStreamError':
      return new CohereIncompleteStreamError(emitted);
    case 'CohereMaxStepsError':
      return new CohereMaxStepsError(Number(info.maxSteps) || 0, messages);
    case 'CohereAbortError':
      // A generation stopped (DELETE …/v2/chat/{id}, from this page or another): the answer ends unfinished.
      return new CohereAbortError({ cause: new CohereError(message) });
  }
  return new CohereError(message);
}
