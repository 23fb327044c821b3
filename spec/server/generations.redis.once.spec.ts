// Resumable generations across relay instances: two relays as child processes
// (spec/server/generations-child.cjs, on the build: `npm run build` first, or
// `npm test`, whose pretest builds) on one real redis-server
// (spec/helpers/redis.ts), in front of a scripted upstream on loopback. A
// *.once.spec.ts file: CI runs it once, on the main Node.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { chatStream$, textOnly } from '../../lib';
import { GENERATION_HEADER } from '../../lib/internal/relay';
import { answerEvents } from '../../lib/testing/eventSequences';
import { frames, idOf, readCut } from '../helpers/generations';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { startRedis, type RedisServer } from '../helpers/redis';
import { request, toSse } from '../helpers/sse';
import { sleep, until } from './harness';

/** A short lease for the specs (a dead instance is noticed within about 1.25 of it). */
const LEASE_MS = 800;
const PATH = '/api/v2/chat';
const ANSWER =
  'Any relay instance can serve the rest of a generation that another one started, and stop it, through Redis Streams: no sticky sessions.';
const EVENTS = answerEvents(ANSWER);

interface Instance {
  url: string;
  child: ChildProcess;
}

let redis: RedisServer;
let up: Loopback;
/** How the upstream answers: every event `gapMs` apart, or the first `hang` events and then nothing. */
let script: { gapMs: number; hang?: number } = { gapMs: 10 };

const instances: Instance[] = [];

/** A relay instance on `prefix` (each test has its own, so nothing it leaves behind is seen by the next). */
async function instance(prefix: string): Promise<Instance> {
  const child = fork(join(__dirname, 'generations-child.cjs'), [redis.url, up.url, prefix, String(LEASE_MS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the relay instance exited with ${code} before it listened`)));
  });
  const made = { url, child };
  instances.push(made);
  return made;
}

/** Two instances on one Redis, with a prefix of their own. */
async function pair(): Promise<[Instance, Instance]> {
  const prefix = `g${randomUUID().slice(0, 8)}:`;
  return [await instance(prefix), await instance(prefix)];
}

beforeAll(async () => {
  redis = await startRedis();
  up = await startLoopback(async (_req, res: ServerResponse) => {
    const { gapMs, hang } = script;
    res.writeHead(200, sseHeaders);
    for (const [i, event] of EVENTS.entries()) {
      if (res.destroyed) return;
      if (hang !== undefined && i >= hang) return; // nothing more, until the client goes away
      res.write(toSse([event]));
      await sleep(gapMs);
    }
    res.end();
  });
});
afterEach(async () => {
  for (const { child } of instances.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      // A clean exit on disconnect (it closes its store), else SIGKILL after 3 s.
      await new Promise<void>((resolve) => {
        const late = setTimeout(resolve, 3000);
        child.once('exit', () => {
          clearTimeout(late);
          resolve();
        });
        child.disconnect();
      });
      child.kill('SIGKILL');
    }
  }
  script = { gapMs: 10 };
});
afterAll(async () => {
  await up?.close();
  await redis?.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json', 'x-user': 'ada' };
const start = (at: Instance, signal: AbortSignal | null = null): Promise<Response> =>
  fetch(`${at.url}${PATH}`, { method: 'POST', body: JSON.stringify(request), headers: JSON_HEADERS, signal });
const resume = (at: Instance, id: string, headers: Record<string, string> = {}, signal: AbortSignal | null = null): Promise<Response> =>
  fetch(`${at.url}${PATH}/${id}`, { headers: { 'x-user': 'ada', ...headers }, signal });
const stop = (at: Instance, id: string, user = 'ada'): Promise<Response> =>
  fetch(`${at.url}${PATH}/${id}`, { method: 'DELETE', headers: { 'x-user': user } });

/**
 * A load balancer with no stickiness: a TCP proxy that sends each new
 * connection to the next instance in turn, and cuts the first one after
 * `cut` bytes of its answer's body (its head not counted).
 */
async function balancer(targets: readonly Instance[], cut: number): Promise<{ url: string; used: string[]; close(): Promise<void> }> {
  const used: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((page) => {
    const n = used.length;
    const target = new URL(targets[n % targets.length]!.url);
    used.push(target.port);
    const relay = connect(Number(target.port), target.hostname);
    sockets.add(page).add(relay);
    page.pipe(relay);
    let head = Buffer.alloc(0); // of the first connection's answer, until its blank line
    let inBody = false;
    let body = 0;
    relay.on('data', (data: Buffer) => {
      if (n !== 0) return void page.write(data);
      let chunk = data;
      if (!inBody) {
        const all = Buffer.concat([head, data]);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          head = all;
          return void page.write(data);
        }
        inBody = true;
        page.write(all.subarray(head.length, end + 4));
        chunk = all.subarray(end + 4);
      }
      if (body + chunk.length < cut) {
        body += chunk.length;
        return void page.write(chunk);
      }
      page.write(chunk.subarray(0, cut - body));
      page.destroy();
      relay.destroy();
    });
    const done = (): void => {
      page.destroy();
      relay.destroy();
    };
    relay.on('end', () => page.end());
    relay.on('error', done);
    page.on('error', done);
    page.on('close', () => relay.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    used,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The name and the error's name of an SSE frame of the relay. */
const errorName = (frame: string | undefined): string | undefined =>
  /^event: cohere-rx-error$/m.test(frame ?? '')
    ? (JSON.parse(/^data: (.*)$/m.exec(frame!)![1]!) as { error: { name: string } }).error.name
    : undefined;

describe('resumable generations on Redis, two relay instances (child processes)', () => {
  it('should resume on the other instance: the frames after Last-Event-ID, live, then the end, byte for byte', async () => {
    const [a, b] = await pair();
    const reference = await (await start(b)).text();
    const controller = new AbortController();
    const response = await start(a, controller.signal);
    const id = response.headers.get(GENERATION_HEADER)!;
    const got = frames(await readCut(response, controller, 300));
    const after = got.length > 0 ? idOf(got[got.length - 1]!) : 0;
    const rest = await resume(b, id, { 'last-event-id': String(after) });
    expect(rest.status).toBe(200);
    expect(rest.headers.get(GENERATION_HEADER)).toBe(id);
    got.push(...frames(await rest.text()));
    expect(got.map(idOf)).toEqual(got.map((_, i) => i + 1));
    expect(got.join('')).toBe(reference);
    // Someone else's generation is unknown on every instance.
    expect((await resume(b, id, { 'x-user': 'bob' })).status).toBe(404);
    expect((await stop(b, id, 'bob')).status).toBe(404);
  });

  it('should stop a generation from the other instance: the upstream request is aborted, every listener ends with the abort frame', async () => {
    script = { gapMs: 0, hang: 3 };
    const [a, b] = await pair();
    const closedBefore = up.abortedByClient;
    const response = await start(a);
    const id = response.headers.get(GENERATION_HEADER)!;
    const listener = await resume(b, id);
    const stoppedAt = Date.now();
    expect((await stop(b, id)).status).toBe(202);
    await until(() => up.abortedByClient === closedBefore + 1);
    // Within a second (pub/sub), with room for a loaded machine.
    expect(Date.now() - stoppedAt).toBeLessThan(1000 + 2000);
    const own = frames(await response.text());
    expect(errorName(own[own.length - 1])).toBe('CohereAbortError');
    expect(await listener.text()).toBe(own.join(''));
    expect((await stop(a, id)).status).toBe(204);
  });

  it("should end the other instance's listeners with CohereIncompleteStreamError within the lease when the running one is killed", async () => {
    script = { gapMs: 0, hang: 3 };
    const [a, b] = await pair();
    const response = await start(a);
    const id = response.headers.get(GENERATION_HEADER)!;
    const own = frames(await readCut(response, new AbortController(), 1));
    const listener = await resume(b, id);
    const reading = listener.text();
    await sleep(2 * LEASE_MS); // the lease is renewed while it runs
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const got = frames(await reading);
    expect(errorName(got[got.length - 1])).toBe('CohereIncompleteStreamError');
    expect(got.length).toBe(4); // the three frames it stored, then the error
    expect(got.slice(0, own.length)).toEqual(own);
    // The lease, a quarter of it for the check, and room for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS * 1.25 + 3000);
    const later = await resume(b, id, { 'last-event-id': '3' });
    expect(errorName(frames(await later.text())[0])).toBe('CohereIncompleteStreamError');
  });

  it('should answer 503 at start while Redis is unreachable, end a running generation with a typed error when Redis goes, and work again after a restart', async () => {
    script = { gapMs: 0, hang: 3 };
    const [a, b] = await pair();
    const closedBefore = up.abortedByClient;
    const response = await start(a);
    const id = response.headers.get(GENERATION_HEADER)!;
    const reading = response.text();
    await redis.kill();
    try {
      // The running generation cannot be stored nor its lease renewed: its upstream is closed, its client told.
      const own = frames(await reading);
      expect(errorName(own[own.length - 1])).toBe('CohereStoreError');
      await until(() => up.abortedByClient === closedBefore + 1);
      const refused = await start(b);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { message: string }).message).toMatch(/generation store is unavailable/);
      expect((await resume(b, id)).status).toBe(503);
    } finally {
      await redis.start();
    }
    // Redis restarted empty: the old generation is gone, new ones run.
    script = { gapMs: 0 };
    let again: Response | undefined;
    for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt++) {
      if (attempt > 0) await sleep(200); // the instance reconnects
      again = await start(b);
      if (again.status !== 200) await again.text();
    }
    expect(again!.status).toBe(200);
    expect(frames(await again!.text()).length).toBe(EVENTS.length);
    expect((await resume(a, id)).status).toBe(404);
  });

  it("should resume behind a load balancer with no stickiness: the page's chatStream$ gets the whole answer, once, from both instances", async () => {
    script = { gapMs: 10 };
    const [a, b] = await pair();
    const lb = await balancer([a, b], 200);
    try {
      const asked = up.requests.length;
      const text = await lastValueFrom(
        chatStream$(request, { baseUrl: `${lb.url}/api`, apiKey: '', maxRetries: 2, headers: { 'x-user': 'ada' } }).pipe(
          textOnly(),
          toArray(),
        ),
      );
      expect(text.join('')).toBe(ANSWER);
      expect(up.requests.length - asked).toBe(1); // a resume is never a second POST
      expect(lb.used.length).toBeGreaterThanOrEqual(2); // the POST on one instance, the resume on the other
      expect(lb.used[1]).toBe(new URL(b.url).port);
    } finally {
      await lb.close();
    }
  });
});
