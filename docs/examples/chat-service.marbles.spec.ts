import { accumulateMessage, chatStream$, type ChatRequest, type ChatStreamEvent } from 'cohere-rx';
import {
  answerEvents,
  contentEnd,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
} from 'cohere-rx/testing';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

// The service under test. In an Angular app it would carry
// @Injectable({ providedIn: 'root' }); the stream factory is a constructor
// parameter so that tests can hand it a cold() Observable instead of HTTP.
type StreamFactory = (request: ChatRequest) => Observable<ChatStreamEvent>;

export class ChatService {
  constructor(private readonly stream: StreamFactory = (r) => chatStream$(r, { baseUrl: '/api/cohere', apiKey: '' })) {}

  /** The answer as it grows, and whether it is finished. */
  ask(question: string): Observable<{ text: string; done: boolean; tools: string[] }> {
    const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: question }] };
    return this.stream(request).pipe(
      accumulateMessage(),
      map((r) => ({
        text: r.message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
        done: r.finish_reason !== undefined,
        tools: (r.message.tool_calls ?? []).map((c) => c.function.name),
      })),
    );
  }
}

describe('ChatService (marbles)', () => {
  it('should end with the whole answer (answerEvents: a plain answer as Cohere streams it)', async () => {
    const service = new ChatService(() => from(answerEvents('Streams flow, piece by piece.')));
    const final = await lastValueFrom(service.ask('hello'));
    expect(final).toEqual({ text: 'Streams flow, piece by piece.', done: true, tools: [] });
  });

  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should show the answer growing, then done', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // One letter, one event, built with the helpers of cohere-rx/testing.
      const events = { s: messageStart(), c: contentStart(), a: textDelta('Hi'), b: textDelta(' there'), C: contentEnd(), e: messageEnd() };
      const service = new ChatService(() => cold('s-c-a-b-C-e|', events));
      expectObservable(service.ask('hello')).toBe('0-1-2-3---4|', {
        0: { text: '', done: false, tools: [] },
        1: { text: '', done: false, tools: [] },
        2: { text: 'Hi', done: false, tools: [] },
        3: { text: 'Hi there', done: false, tools: [] },
        4: { text: 'Hi there', done: true, tools: [] },
      });
    });
  });

  it('should list the tools the model calls', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const events = {
        s: messageStart(),
        x: toolCallStart(0, 'call_1', 'get_weather'),
        y: toolCallDelta(0, '{"location":"Paris"}'),
        X: toolCallEnd(0),
        e: messageEnd('TOOL_CALL'),
      };
      const service = new ChatService(() => cold('s-x-y-X-e|', events));
      expectObservable(service.ask('weather?')).toBe('0-1-2---3|', {
        0: { text: '', done: false, tools: [] },
        1: { text: '', done: false, tools: ['get_weather'] },
        2: { text: '', done: false, tools: ['get_weather'] },
        3: { text: '', done: true, tools: ['get_weather'] },
      });
    });
  });

  it('should pass a stream error on, after what arrived', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const events = { s: messageStart(), c: contentStart(), a: textDelta('Hi') };
      const service = new ChatService(() => cold('s-c-a-#', events, new Error('connection lost')));
      expectObservable(service.ask('hello')).toBe(
        '0-1-2-#',
        {
          0: { text: '', done: false, tools: [] },
          1: { text: '', done: false, tools: [] },
          2: { text: 'Hi', done: false, tools: [] },
        },
        new Error('connection lost'),
      );
    });
  });
});
