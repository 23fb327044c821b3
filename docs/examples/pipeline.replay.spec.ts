import { chatStream$, isCohereApiError, textOnly, type ChatRequest } from 'cohere-rx';
import { startReplayServer, type ReplayServer } from 'cohere-rx/testing';
import { lastValueFrom, scan, take, toArray } from 'rxjs';

// The code under test: a Node pipeline that collects an answer.
async function answer(question: string, baseUrl: string): Promise<string> {
  const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: question }] };
  return lastValueFrom(
    chatStream$(request, { baseUrl, apiKey: 'test' }).pipe(
      textOnly(),
      scan((all, t) => all + t, ''),
    ),
  );
}

describe('answer() against the replay server', () => {
  let server: ReplayServer;
  beforeEach(async () => {
    server = await startReplayServer(); // real HTTP on 127.0.0.1, a free port
  });
  afterEach(() => server.close());

  it('should collect the whole answer', async () => {
    const text = await answer('Write a haiku about streams', server.url);
    expect(text).toMatch(/^Streams of tokens flow,/);
    expect(server.requests[0]?.body).toMatchObject({ stream: true, model: 'command-a-03-2025' });
  });

  it('should ride out a rate limit (429 with Retry-After)', async () => {
    server.failNext({ kind: 'status', status: 429, retryAfter: '0' });
    await expect(answer('hi', server.url)).resolves.toMatch(/^Streams of tokens flow,/);
    expect(server.requests).toHaveLength(2);
  });

  it('should report a truncated answer as an error, not as a short answer', async () => {
    server.failNext({ kind: 'truncate', afterEvents: 5 });
    await expect(answer('hi', server.url)).rejects.toThrow('the answer is incomplete');
  });

  it('should surface a 401 as a typed error', async () => {
    await server.close();
    server = await startReplayServer({ apiKey: 'the-right-key' });
    const error = await answer('hi', server.url).catch((e: unknown) => e);
    expect(isCohereApiError(error) && error.status).toBe(401);
  });

  it('should close the connection when the consumer stops early', async () => {
    await server.close();
    server = await startReplayServer({ delayMs: 20 }); // realistic token timing
    const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] };
    const firstThree = await lastValueFrom(
      chatStream$(request, { baseUrl: server.url, apiKey: 'test' }).pipe(textOnly(), take(3), toArray()),
    );
    expect(firstThree).toEqual(['Streams', ' of', ' tokens']);
    await server.waitForClientAborts(1); // take(3) unsubscribed: the server saw the connection close
  });
});
