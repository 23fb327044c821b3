import { Injectable, InjectionToken, inject } from '@angular/core';
import {
  accumulateMessage,
  defineTool,
  isToolResultEvent,
  partialToolCalls,
  resumeChat$,
  runTools$,
  smoothText,
  textOnly,
  type ChatResponseSnapshot,
  type Citation,
  type PartialToolCall,
  type PendingToolCall,
  type ResponseInfo,
  type ToolLoopEvent,
  type ToolResultEvent,
} from 'cohere-rx';
import {
  animationFrameScheduler,
  auditTime,
  filter,
  finalize,
  map,
  merge,
  scan,
  share,
  startWith,
  switchMap,
  takeWhile,
  timer,
  type Observable,
} from 'rxjs';
import { z } from 'zod';
import { serverLoop$ } from './approval';

/**
 * Where the app's backend relays Cohere's `/v2/chat` (it adds the API key):
 * `/api`, so the requests go to `/api/v2/chat` on the app's own origin (the
 * dev server proxies `/api` to examples/relay/server.mjs).
 */
export const CHAT_API_URL = new InjectionToken<string>('CHAT_API_URL', { factory: () => '/api' });

/** A tool call's card: its arguments as far as they have arrived, then its result. */
export interface ToolCard {
  call: PartialToolCall;
  result?: ToolResultEvent;
}

/** What the component shows, as one immutable snapshot. */
export interface ChatView {
  plan: string;
  cards: ToolCard[];
  /** The answer so far, smoothed word by word. */
  text: string;
  citations: Citation[];
  /** The answer's last snapshot (with `usage`) once it has ended. */
  final?: ChatResponseSnapshot;
}

const noCitations: Citation[] = [];
export const emptyView: ChatView = { plan: '', cards: [], text: '', citations: noCitations };

type Update = { call: PartialToolCall } | { result: ToolResultEvent } | { text: string } | { response: ChatResponseSnapshot };

/** The app's stand-in for a weather service. */
function getWeather(location: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
    tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
  };
  return known[location.toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' };
}

// The tool runs in the browser for now, defined by a zod schema: the model is
// told its JSON Schema, the loop validates the arguments before execute runs
// (bad ones go back to the model, naming the issue), and `location` is typed
// from the schema (trimmed by it). An Observable output (here, a service's
// latency) is unsubscribed when the loop is cancelled.
const get_weather = defineTool({
  description: 'The current weather in a city.',
  input: z.object({ location: z.string().trim().min(1).describe('The city') }),
  execute: ({ location }) => timer(300).pipe(map(() => getWeather(location))),
});

/**
 * Where the app keeps the id of the turn streaming now (the relay's
 * `X-Cohere-Rx-Generation`), and whether the relay that runs the tool on the
 * server has it, to continue it after a reload; removed when the
 * conversation ends, fails or is stopped.
 */
const GENERATION = 'cohere-rx-example:generation';
const GENERATION_RELAY = 'cohere-rx-example:generation-relay';
const keepGeneration =
  (relay: 'page' | 'approval') =>
  ({ headers }: ResponseInfo): void => {
    const id = headers.get('x-cohere-rx-generation');
    if (!id) return;
    sessionStorage.setItem(GENERATION, id);
    sessionStorage.setItem(GENERATION_RELAY, relay);
  };
function forgetGeneration(): void {
  sessionStorage.removeItem(GENERATION);
  sessionStorage.removeItem(GENERATION_RELAY);
}

@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly baseUrl = inject(CHAT_API_URL);

  /** The turn that was streaming when the page was reloaded, if any: its id, and whether it ran on the server. */
  storedGeneration(): { id: string; onServer: boolean } | null {
    const id = sessionStorage.getItem(GENERATION);
    return id ? { id, onServer: sessionStorage.getItem(GENERATION_RELAY) === 'approval' } : null;
  }

  /**
   * A whole tool-use conversation as one cold Observable of views, at most
   * one per animation frame. runTools$ streams a turn, runs the tools it asks
   * for, sends their outputs back (as documents, so the answer can cite
   * them) and streams the next turn. Unsubscribing at any point aborts the
   * request in flight (the relay stops the model) and stops a running tool.
   *
   * With `decide`, the tool runs on the server instead (the relay at
   * `{baseUrl}/approval`), each call once `decide` said yes to it. With
   * `resume` (a stored generation id, after a reload), the turn that was
   * streaming instead, from its start: without `decide`, its tools are not
   * run (they ran in the page that was reloaded); with it, a pause asks the
   * user and the loop goes on.
   */
  ask(
    prompt: string,
    how: { decide?: ((pending: PendingToolCall) => Observable<boolean>) | undefined; resume?: string | undefined } = {},
  ): Observable<ChatView> {
    const request = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: prompt }] };
    // apiKey '' : the browser holds no key; the backend at baseUrl adds it.
    const options = { baseUrl: this.baseUrl, apiKey: '', onResponse: keepGeneration('page') };
    const source$: Observable<ToolLoopEvent> = how.decide
      ? serverLoop$(request, `${this.baseUrl}/approval`, how.decide, { onResponse: keepGeneration('approval'), resume: how.resume })
      : how.resume
        ? resumeChat$(how.resume, options)
        : runTools$(request, { ...options, tools: { get_weather }, maxSteps: 4 });
    const events$ = source$.pipe(
      finalize(forgetGeneration), // the end, an error, Stop (never a reload: the page is gone)
      share(),
    );
    return merge<Update[]>(
      events$.pipe(
        partialToolCalls(),
        map((call) => ({ call })),
      ),
      events$.pipe(
        filter(isToolResultEvent),
        map((result) => ({ result })),
      ),
      events$.pipe(
        accumulateMessage(),
        map((response) => ({ response })),
      ),
      smoothedText$(events$).pipe(map((text) => ({ text }))),
    ).pipe(
      scan(reduce, emptyView),
      auditTime(0, animationFrameScheduler), // snapshots: keep the latest, once per frame
    );
  }
}

/** The text of the message streaming now, smoothed word by word ('' again at each message of the loop). */
function smoothedText$(events$: Observable<ToolLoopEvent>): Observable<string> {
  return events$.pipe(
    filter((event) => event.type === 'message-start'),
    switchMap(() =>
      events$.pipe(
        takeWhile((event) => event.type !== 'message-end'), // completes at the end: smoothText lets the rest out at its pace
        textOnly(),
        smoothText(),
        scan((all, piece) => all + piece, ''),
        startWith(''),
      ),
    ),
  );
}

/** The card of a call: by its id (known from `tool-call-start`), the calls of every step together. */
const sameCall = (card: ToolCard, id: string) => card.call.id === id;

function reduce(view: ChatView, update: Update): ChatView {
  if ('call' in update) {
    const known = view.cards.some((card) => sameCall(card, update.call.id));
    const cards = known
      ? view.cards.map((card) => (sameCall(card, update.call.id) ? { ...card, call: update.call } : card))
      : [...view.cards, { call: update.call }];
    return { ...view, cards };
  }
  if ('result' in update) {
    return {
      ...view,
      cards: view.cards.map((card) => (sameCall(card, update.result.call.id) ? { ...card, result: update.result } : card)),
    };
  }
  if ('text' in update) return { ...view, text: update.text };
  const { message, finish_reason } = update.response;
  return {
    ...view,
    plan: message.tool_plan || view.plan,
    citations: message.citations ?? noCitations, // the same array until one arrives
    final: finish_reason !== undefined && finish_reason !== 'TOOL_CALL' ? update.response : view.final,
  };
}
