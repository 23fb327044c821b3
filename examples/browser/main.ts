// A plain TypeScript page on cohere-rx: a tool-use conversation streamed into
// the DOM, with citations you can hover and a Stop button that unsubscribes.
import {
  accumulateMessage,
  chatStream$,
  isCohereError,
  parseToolCallArguments,
  type ChatMessage,
  type ChatResponse,
  type Citation,
  type Tool,
  type ToolCall,
} from 'cohere-rx';
import { EMPTY, connect, last, map, merge, mergeMap, type Observable, type Subscription } from 'rxjs';

// The page talks to its own backend (which holds the API key), never to Cohere
// directly: `?api=` points it elsewhere, for example at a replay server.
const api = new URLSearchParams(location.search).get('api') ?? '/api/cohere';

const weatherTool: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

/** The page's stand-in for a weather service. */
function getWeather(location: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
    tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
  };
  return known[location.toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' };
}

interface View {
  response: ChatResponse;
  toolCalls: ToolCall[];
}

/** Streams a turn; when it asks for tools, runs them and streams the next turn. */
function conversation$(messages: ChatMessage[], callsSoFar: ToolCall[] = []): Observable<View> {
  return chatStream$({ model: 'command-a-03-2025', messages, tools: [weatherTool] }, { baseUrl: api, apiKey: '' }).pipe(
    accumulateMessage(),
    connect((snapshots$) =>
      merge(
        snapshots$.pipe(map((response) => ({ response, toolCalls: [...callsSoFar, ...(response.message.tool_calls ?? [])] }))),
        snapshots$.pipe(
          last(),
          mergeMap((final) => {
            if (final.finish_reason !== 'TOOL_CALL') return EMPTY;
            const calls = final.message.tool_calls ?? [];
            const results: ChatMessage[] = calls.map((call) => ({
              role: 'tool',
              tool_call_id: call.id,
              content: JSON.stringify(getWeather(parseToolCallArguments<{ location?: string }>(call).location ?? '')),
            }));
            return conversation$([...messages, final.message, ...results], [...callsSoFar, ...calls]);
          }),
        ),
      ),
    ),
  );
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('ask');
const prompt = $<HTMLInputElement>('prompt');
const send = $<HTMLButtonElement>('send');
const stop = $<HTMLButtonElement>('stop');

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
  const spans = citations
    .filter((c) => typeof c.start === 'number' && typeof c.end === 'number' && c.start >= at)
    .sort((a, b) => a.start! - b.start!);
  for (const c of spans) {
    if (c.start! < at || c.end! > text.length) continue;
    answer.append(text.slice(at, c.start));
    const mark = document.createElement('mark');
    mark.className = 'cite';
    mark.tabIndex = 0;
    mark.textContent = text.slice(c.start, c.end);
    const source = document.createElement('span');
    source.className = 'source';
    source.textContent = (c.sources ?? []).map(describe).join(' · ');
    mark.append(source);
    answer.append(mark);
    at = c.end!;
  }
  answer.append(text.slice(at));
}

function render({ response, toolCalls }: View): void {
  const text = response.message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  renderAnswer(text, response.message.citations ?? []);
  if (response.message.tool_plan) {
    $('plan-section').hidden = false;
    $('plan').textContent = response.message.tool_plan;
  }
  if (toolCalls.length > 0) {
    $('tools-section').hidden = false;
    $('tool-calls').replaceChildren(
      ...toolCalls.map((call) => Object.assign(document.createElement('li'), { textContent: `${call.function.name}(${call.function.arguments})` })),
    );
  }
  if (response.usage && response.finish_reason !== 'TOOL_CALL') {
    const billed = response.usage.billed_units ?? {};
    $('usage').hidden = false;
    $('usage').textContent = `${billed.input_tokens ?? 0} input · ${billed.output_tokens ?? 0} output tokens · ${response.finish_reason}`;
  }
}

function setStatus(status: string): void {
  $('status').textContent = status;
  send.disabled = status === 'streaming';
  stop.disabled = status !== 'streaming';
}

let current: Subscription | undefined;

form.addEventListener('submit', (e) => {
  e.preventDefault();
  current?.unsubscribe();
  $('error').hidden = true;
  for (const id of ['plan-section', 'tools-section', 'usage']) $(id).hidden = true;
  $('answer').replaceChildren();
  setStatus('streaming');
  current = conversation$([{ role: 'user', content: prompt.value }]).subscribe({
    next: render,
    error: (err: unknown) => {
      $('error').hidden = false;
      $('error').textContent = isCohereError(err) ? err.message : `Unexpected error: ${String(err)}`;
      setStatus('error');
    },
    complete: () => setStatus('done'),
  });
});

// Stop unsubscribes: the request is aborted and the connection closes.
stop.addEventListener('click', () => {
  current?.unsubscribe();
  current = undefined;
  setStatus('stopped');
});
