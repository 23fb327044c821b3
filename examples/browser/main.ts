// A plain TypeScript page on cohere-rx: a tool-use conversation streamed into
// the DOM through the page's own relay. runTools$ runs the loop (the tools run
// in the page; each turn is one chat request through the relay); a card per tool
// call fills in while the model writes its arguments (partialToolCalls); the
// answer flows word by word (smoothText), with citations you can hover; the
// page renders at most once per frame; Stop unsubscribes, which closes the
// connection to the relay, and the relay's to Cohere. The relay keeps each
// turn as a generation: a broken connection is resumed where it broke, and
// after a reload the page continues the turn that was streaming (resumeChat$).
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import {
  accumulateMessage,
  defineTool,
  isCohereError,
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
  type Subscription,
} from 'rxjs';
import { serverLoop$ } from './approval';

// The page talks to its own backend (examples/relay/server.mjs, which holds
// the API key), never to Cohere directly: the requests go to /api/v2/chat on
// the page's own origin, with no key.
const api = '/api';

/**
 * Where the page keeps the id of the turn streaming now (the relay's
 * `X-Cohere-Rx-Generation`), and which relay runs it (`approval` for the one
 * that runs the tool on the server), to continue it after a reload; removed
 * when the conversation ends, fails or is stopped.
 */
const GENERATION = 'cohere-rx-example:generation';
const GENERATION_RELAY = 'cohere-rx-example:generation-relay';
type Relay = 'page' | 'approval';
const keepGeneration =
  (relay: Relay) =>
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

/** The page's stand-in for a weather service. */
function getWeather(location: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
    tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
  };
  return known[location.toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' };
}

// The tool runs in the page for now, defined by a valibot schema: the model is
// told its JSON Schema (through @valibot/to-json-schema), the loop validates
// the arguments before execute runs (bad ones go back to the model, naming the
// issue), and `location` is typed from the schema. An Observable output (here,
// a service's latency) is unsubscribed when the loop is cancelled.
const get_weather = defineTool({
  description: 'The current weather in a city.',
  input: toStandardJsonSchema(v.object({ location: v.pipe(v.string(), v.nonEmpty('a city name'), v.description('The city')) })),
  execute: ({ location }) => timer(300).pipe(map(() => getWeather(location))),
});

/** A tool call's card: its arguments as far as they have arrived, then its result. */
interface Card {
  call: PartialToolCall;
  result?: ToolResultEvent;
}

/** Everything the page shows, as one immutable snapshot. */
interface View {
  plan: string;
  cards: Card[];
  text: string;
  citations: Citation[];
  final?: ChatResponseSnapshot;
}

type Update = { call: PartialToolCall } | { result: ToolResultEvent } | { text: string } | { response: ChatResponseSnapshot };

const empty: View = { plan: '', cards: [], text: '', citations: [] };

/** The card of a call: by its id (known from `tool-call-start`), calls of every step together. */
const sameCall = (card: Card, id: string) => card.call.id === id;

function reduce(view: View, update: Update): View {
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
    citations: message.citations ?? [],
    final: finish_reason !== undefined && finish_reason !== 'TOOL_CALL' ? update.response : view.final,
  };
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

/** "On the server, with my approval": the relay runs the tool, once the user said yes to each call. */
const askTheUser = ({ call, args }: PendingToolCall) => [window.confirm(`Allow ${call.function.name} ${JSON.stringify(args)}?`)];

/**
 * A whole tool-use conversation as one cold Observable of views, one per frame
 * at most. With `resume` (a stored generation, after a reload), the turn that
 * was streaming instead, from its start: on the page's relay, its tools are
 * not run (they ran in the page that was reloaded); on the approval relay, a
 * pause asks the user and the loop goes on.
 */
function conversation$(prompt: string, resume?: { id: string; relay: Relay }): Observable<View> {
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: prompt }] };
  const onServer = resume ? resume.relay === 'approval' : $<HTMLInputElement>('server-tools').checked;
  const source$: Observable<ToolLoopEvent> = onServer
    ? serverLoop$(request, `${api}/approval`, askTheUser, { onResponse: keepGeneration('approval'), resume: resume?.id })
    : resume
      ? resumeChat$(resume.id, { baseUrl: api, apiKey: '', onResponse: keepGeneration('page') })
      : runTools$(request, { baseUrl: api, apiKey: '', tools: { get_weather }, maxSteps: 4, onResponse: keepGeneration('page') });
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
    scan(reduce, empty),
    auditTime(0, animationFrameScheduler), // snapshots: keep the latest, render once per frame
  );
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('ask');
const prompt = $<HTMLInputElement>('prompt');
const send = $<HTMLButtonElement>('send');
const stop = $<HTMLButtonElement>('stop');

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] => {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

function describe(source: NonNullable<Citation['sources']>[number]): string {
  if (source.type === 'tool') return `${source.id ?? 'tool'}: ${JSON.stringify(source.tool_output ?? {})}`;
  const title = source.document?.['title'];
  return `${source.id ?? 'document'}${typeof title === 'string' ? `: ${title}` : ''}`;
}

/** The answer text with each cited span wrapped in a hoverable mark that shows its sources. */
function renderAnswer(text: string, citations: Citation[]): void {
  const answer = $('answer');
  answer.replaceChildren();
  let at = 0;
  const spans = citations.filter((c) => typeof c.start === 'number' && typeof c.end === 'number').sort((a, b) => a.start! - b.start!);
  for (const c of spans) {
    if (c.start! < at || c.end! > text.length) continue; // not on screen yet (the text is smoothed)
    answer.append(text.slice(at, c.start));
    const mark = el('mark', 'cite', text.slice(c.start, c.end));
    mark.tabIndex = 0;
    mark.append(el('span', 'source', (c.sources ?? []).map(describe).join(' · ')));
    answer.append(mark);
    at = c.end!;
  }
  answer.append(text.slice(at));
}

/** A card per tool call: its fields fill in as they arrive; done when the call ends; then its result. */
function renderCard({ call, result }: Card): HTMLLIElement {
  const card = el('li', 'tool-card');
  card.dataset['done'] = String(call.done);
  const state = result ? ('error' in result ? 'failed' : 'done') : call.done ? 'running…' : 'writing arguments…';
  const head = el('div', 'tool-head');
  head.append(el('code', 'tool-name', call.name), el('span', 'tool-state', state));
  const fields = el('dl', 'tool-args');
  for (const [key, value] of Object.entries(call.arguments ?? {})) {
    fields.append(el('dt', '', key), el('dd', '', typeof value === 'string' ? value : JSON.stringify(value)));
  }
  card.append(head, fields);
  if (call.error) card.append(el('p', 'tool-error', call.error.message));
  if (result) {
    card.append(el('p', 'tool-output', `→ ${'error' in result ? `error: ${errorText(result.error)}` : outputText(result.output)}`));
  }
  return card;
}

/** A tool's output on one line: an object's fields as `key: value`. */
function outputText(output: unknown): string {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return JSON.stringify(output) ?? '';
  return Object.entries(output)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function render(view: View): void {
  renderAnswer(view.text, view.citations);
  $('plan-section').hidden = view.plan === '';
  $('plan').textContent = view.plan;
  $('tools-section').hidden = view.cards.length === 0;
  $('tool-calls').replaceChildren(...view.cards.map(renderCard));
  const usage = view.final?.usage;
  $('usage').hidden = !usage;
  if (usage) {
    const billed = usage.billed_units ?? {};
    $('usage').textContent =
      `${billed.input_tokens ?? 0} input · ${billed.output_tokens ?? 0} output tokens · ${view.final!.finish_reason}`;
  }
}

function setStatus(status: string): void {
  $('status').textContent = status;
  send.disabled = status === 'streaming';
  stop.disabled = status !== 'streaming';
}

let current: Subscription | undefined;

function start(views$: Observable<View>): void {
  current?.unsubscribe();
  $('error').hidden = true;
  render(empty);
  setStatus('streaming');
  current = views$.subscribe({
    next: render,
    error: (err: unknown) => {
      $('error').hidden = false;
      $('error').textContent = isCohereError(err) ? err.message : `Unexpected error: ${String(err)}`;
      setStatus('error');
    },
    complete: () => setStatus('done'),
  });
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  start(conversation$(prompt.value));
});

// After a reload mid-answer: the relay still has the turn; continue it.
const stored = sessionStorage.getItem(GENERATION);
if (stored) start(conversation$('', { id: stored, relay: sessionStorage.getItem(GENERATION_RELAY) === 'approval' ? 'approval' : 'page' }));

// Stop unsubscribes: the relay is told to stop the generation (a DELETE), the
// request in flight is aborted and its connection closes; a running tool is
// unsubscribed; no further request is made.
stop.addEventListener('click', () => {
  current?.unsubscribe();
  current = undefined;
  setStatus('stopped');
});
