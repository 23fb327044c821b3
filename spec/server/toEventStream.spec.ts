import { concat, NEVER, Observable, of, Subject, throwError } from 'rxjs';
import { CohereApiError, CohereTimeoutError, type ChatStreamEvent } from '../../lib';
import { toEventStream } from '../../lib/server';
import { splitSseFrames } from '../../lib/server/sseFrame';
import { textTurn } from '../helpers/sse';

const decoder = new TextDecoder();
async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}
const frame = (e: { type: string }) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const events = textTurn as unknown as ChatStreamEvent[];

describe('toEventStream', () => {
  it('should frame each event as Cohere does, and close at completion', async () => {
    const text = await readAll(toEventStream(of(...events), { heartbeatMs: 0 }));
    expect(text).toBe(events.map(frame).join(''));
  });

  it('should give a value without a string type a data line only, and keep a line break out of event:', async () => {
    const text = await readAll(toEventStream(of({ a: 1 }, { type: 'x\ny' }), { heartbeatMs: 0 }));
    expect(text).toBe('data: {"a":1}\n\ndata: {"type":"x\\ny"}\n\n');
  });

  it('should end with an error frame that names the class and carries its fields', async () => {
    const text = await readAll(
      toEventStream(
        concat(
          of(events[0]),
          throwError(() => new CohereTimeoutError('idle', 500)),
        ),
        { heartbeatMs: 0 },
      ),
    );
    const frames = splitSseFrames(text);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toBe(
      'event: cohere-rx-error\ndata: {"type":"cohere-rx-error","error":{"name":"CohereTimeoutError","message":"The stream was silent for 500 ms","phase":"idle","timeoutMs":500}}\n\n',
    );
  });

  it("should quote a CohereApiError's upstream words and status", async () => {
    const text = await readAll(
      toEventStream(
        throwError(() => new CohereApiError(503, { message: 'overloaded' })),
        { heartbeatMs: 0 },
      ),
    );
    expect(JSON.parse(text.split('data: ')[1]!)).toEqual({
      type: 'cohere-rx-error',
      error: { name: 'CohereApiError', message: 'overloaded', status: 503 },
    });
  });

  it("should keep the text of an error that is not cohere-rx's on the server", async () => {
    const text = await readAll(
      toEventStream(
        throwError(() => new Error('db password hunter2')),
        { heartbeatMs: 0 },
      ),
    );
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"name":"CohereError"');
  });

  it('should unsubscribe when the stream is cancelled', async () => {
    let subscribed = 0;
    let unsubscribed = 0;
    const source$ = new Observable<ChatStreamEvent>((subscriber) => {
      subscribed++;
      subscriber.next(events[0]!);
      return () => unsubscribed++;
    });
    const stream = toEventStream(source$, { heartbeatMs: 0 });
    const reader = stream.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe(frame(events[0]!));
    expect([subscribed, unsubscribed]).toEqual([1, 0]);
    await reader.cancel();
    expect(unsubscribed).toBe(1);
  });

  it('should send a comment while the source is silent, and none while it is not', async () => {
    jest.useFakeTimers();
    try {
      const source = new Subject<ChatStreamEvent>();
      const reader = toEventStream(source, { heartbeatMs: 1000 }).getReader();
      source.next(events[0]!);
      expect(decoder.decode((await reader.read()).value)).toBe(frame(events[0]!));
      jest.advanceTimersByTime(1000); // something was sent in this period: no comment
      source.next(events[1]!);
      expect(decoder.decode((await reader.read()).value)).toBe(frame(events[1]!));
      jest.advanceTimersByTime(1000); // the event above counts
      jest.advanceTimersByTime(1000); // a whole silent period
      expect(decoder.decode((await reader.read()).value)).toBe(': keep-alive\n\n');
      source.complete();
      expect((await reader.read()).done).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should stop the heartbeat when cancelled', async () => {
    jest.useFakeTimers();
    try {
      const stream = toEventStream(NEVER, { heartbeatMs: 50 });
      expect(jest.getTimerCount()).toBe(1);
      await stream.cancel();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should join frames into one chunk while the reader is behind', async () => {
    const source = new Subject<ChatStreamEvent>();
    const reader = toEventStream(source, { heartbeatMs: 0 }).getReader();
    for (const e of events) source.next(e);
    source.complete();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(decoder.decode(value));
    }
    expect(chunks.join('')).toBe(events.map(frame).join(''));
    expect(chunks.length).toBeLessThan(events.length);
  });

  it('should reject a heartbeatMs that is not a number of milliseconds', () => {
    expect(() => toEventStream(NEVER, { heartbeatMs: -1 })).toThrow(/heartbeatMs/);
  });
});
