import { Injectable, InjectionToken, inject } from '@angular/core';
import {
  accumulateMessage,
  chatStream$,
  parseToolCallArguments,
  type ChatMessage,
  type ChatResponse,
  type Tool,
  type ToolCall,
} from 'cohere-rx';
import { EMPTY, connect, last, map, merge, mergeMap, type Observable } from 'rxjs';

/** Where the app's backend proxies Cohere's `/v2/chat` (it adds the API key). */
export const CHAT_API_URL = new InjectionToken<string>('CHAT_API_URL', { factory: () => '/api/cohere' });

/** What the component shows: the latest snapshot, and the plan and tool calls of every turn so far. */
export interface ChatView {
  response: ChatResponse;
  plan: string;
  toolCalls: ToolCall[];
}

const weatherTool: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly baseUrl = inject(CHAT_API_URL);

  /**
   * A whole tool-use conversation as one cold Observable of snapshots:
   * stream a turn; if it asks for tools, run them and stream the next turn.
   * Unsubscribing at any point aborts the request in flight.
   */
  ask(prompt: string): Observable<ChatView> {
    return this.conversation([{ role: 'user', content: prompt }], '', []);
  }

  private conversation(messages: ChatMessage[], planSoFar: string, callsSoFar: ToolCall[]): Observable<ChatView> {
    // apiKey '' : the browser holds no key; the backend at baseUrl adds it.
    return chatStream$({ model: 'command-a-03-2025', messages, tools: [weatherTool] }, { baseUrl: this.baseUrl, apiKey: '' }).pipe(
      accumulateMessage(),
      connect((snapshots$) =>
        merge(
          snapshots$.pipe(
            map((response) => ({
              response,
              plan: response.message.tool_plan ?? planSoFar,
              toolCalls: [...callsSoFar, ...(response.message.tool_calls ?? [])],
            })),
          ),
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
              return this.conversation([...messages, final.message, ...results], final.message.tool_plan ?? planSoFar, [...callsSoFar, ...calls]);
            }),
          ),
        ),
      ),
    );
  }
}

/** The app's stand-in for a weather service. */
function getWeather(location: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
    tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
  };
  return known[location.toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' };
}
