import type { ChatStreamEvent } from 'cohere-rx';

/** One answer of a scripted model: a transcript's name, or the events themselves. */
export type ReplayAnswer = string | readonly ChatStreamEvent[];

/**
 * A `pick` for the replay server that answers each step of a tool loop with
 * the next entry of a script: a tool turn, then (once the tool results are
 * back) the next turn, and so on.
 *
 * The step of a request is the number of assistant messages after its last
 * user message, so a fresh question starts the script over and two loops at
 * once each follow it. Past the end of the script, the last entry repeats
 * (a model that never stops calling tools: test `maxSteps` with it).
 *
 * ```text
 * request: user                                  -> steps[0]   (a tool turn)
 * request: user, assistant, tool, tool           -> steps[1]   (the answer)
 * request: user, assistant, tool, assistant, tool -> steps[2] (or the last one)
 * ```
 *
 * ## Example
 * A two-step script for your own tool.
 * ```ts
 * import { answerEvents, pickByStep, startReplayServer, toolCallEvents } from 'cohere-rx/testing';
 *
 * const server = await startReplayServer({
 *   pick: pickByStep([
 *     toolCallEvents([{ name: 'lookup_order', arguments: { id: 'A-17' } }]),
 *     answerEvents('Your order A-17 ships tomorrow.'),
 *   ]),
 * });
 * ```
 *
 * @see {@link startReplayServer}
 * @param steps The answer of each step, in order (at least one).
 * @returns A picker to pass as the replay server's `pick` option.
 */
export function pickByStep(steps: readonly ReplayAnswer[]): (body: Record<string, unknown>) => ReplayAnswer {
  if (steps.length === 0) throw new TypeError('pickByStep: give at least one step');
  return (body) => {
    const messages = Array.isArray(body['messages']) ? (body['messages'] as { role?: unknown }[]) : [];
    let step = 0;
    for (let i = messages.length - 1; i >= 0 && messages[i]?.role !== 'user'; i--) {
      if (messages[i]?.role === 'assistant') step++;
    }
    return steps[Math.min(step, steps.length - 1)]!;
  };
}
