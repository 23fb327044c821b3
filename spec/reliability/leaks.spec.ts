import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { resolve } from 'node:path';
import { lastValueFrom, scan, toArray } from 'rxjs';
import { chatStream$, textOnly, type ChatRequest } from '../../lib';
import { startReplayServer } from '../../lib/testing';
import { transcriptText } from '../helpers/transcripts';

const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] };
const answer = transcriptText('text');

/** A small deterministic generator, so that the "random moments" are the same on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('leaks', () => {
  it('should leave no open response and no signal listener after 1 000 subscribe/unsubscribe cycles at random moments', async () => {
    const server = await startReplayServer({ delayMs: 1, keepAliveTimeoutMs: 200 });
    const outside = new AbortController();
    const random = lcg(0xc0ffee);
    let emittedAfterUnsubscribe = 0;
    const cycle = async (): Promise<void> => {
      let unsubscribed = false;
      const sub = chatStream$(request, { baseUrl: server.url, apiKey: 'k', signal: outside.signal }).subscribe({
        next: () => {
          if (unsubscribed) emittedAfterUnsubscribe++;
        },
        error: () => undefined,
      });
      // Before the request leaves, while headers are awaited, or mid-stream.
      const wait = random() * 40;
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      unsubscribed = true;
      sub.unsubscribe();
    };
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 50 }, cycle));
    }
    expect(emittedAfterUnsubscribe).toBe(0);
    expect(getEventListeners(outside.signal, 'abort')).toHaveLength(0);
    // Give the server a moment to see the last closes, then idle keep-alive sockets time out.
    for (let i = 0; i < 100 && server.activeResponses() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.activeResponses()).toBe(0);
    await server.waitForIdle();
    expect(server.openConnections()).toBe(0);
    await server.close();
  }, 60_000);

  it('should let the process exit by itself after many cycles: no timer, socket or listener left (child process)', async () => {
    const script = resolve(__dirname, 'leaks-child.cjs');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // A leaked handle would keep the child alive: it must exit well within the limit.
      const limit = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(limit);
        done({ code, stdout, stderr });
      });
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim()) as { cycles: number; completed: number; resources: string[]; listeners: number };
    expect(report.cycles).toBe(300);
    expect(report.completed).toBeGreaterThan(0);
    expect(report.listeners).toBe(0);
    expect(report.resources.filter((r) => r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TCPServerWrap')).toEqual([]);
  }, 40_000);
});

describe('concurrency', () => {
  it('should stream 1 000 concurrent answers right, then close every socket', async () => {
    const server = await startReplayServer({ delayMs: 2, keepAliveTimeoutMs: 300 });
    const runs = Array.from({ length: 1000 }, () =>
      lastValueFrom(
        chatStream$(request, { baseUrl: server.url, apiKey: 'k' }).pipe(
          textOnly(),
          scan((all, t) => all + t, ''),
          toArray(),
        ),
      ),
    );
    const results = await Promise.all(runs);
    expect(results.every((steps) => steps[steps.length - 1] === answer)).toBe(true);
    expect(server.requests).toHaveLength(1000);
    expect(server.activeResponses()).toBe(0);
    await server.waitForIdle();
    expect(server.openConnections()).toBe(0);
    await server.close();
  }, 60_000);
});
