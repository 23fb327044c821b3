// redisStore() on a real redis-server (spec/helpers/redis.ts). A *.once.spec.ts
// file: CI runs it once, on the main Node, not in every leg of the matrix.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { CohereConfigError } from 'cohere-rx';
import {
  redisStore,
  type CohereStoreError,
  type GenerationStore,
  type GenerationWriter,
  type RedisStoreOptions,
  type StoredFrame,
} from '../../lib/server';
import { collect } from '../helpers/collect';
import { freePort, startRedis, type RedisServer } from '../helpers/redis';
import { eventually, expected, frameOf, rejectionOf, storeContract, storeErrorOf } from './contract';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Test settings: a short lease (renewed every 200 ms, checked every 150 ms). */
const LEASE_MS = 600;

describe('redisStore', () => {
  describe('the store contract, across two instances', () => {
    // Each test gets its own prefix: nothing it leaves behind is seen by the next.
    const prefixes = new WeakMap<GenerationStore, string>();
    storeContract({
      make: (options) => {
        const prefix = `t${randomUUID().slice(0, 8)}:`;
        const store = redisStore({ url: redis.url, prefix, leaseMs: LEASE_MS, ...options });
        prefixes.set(store, prefix);
        return store;
      },
      peer: (store, options) => redisStore({ url: redis.url, prefix: prefixes.get(store) ?? '', leaseMs: LEASE_MS, ...options }),
    });
  });
});

/** A plain ioredis client on the test server, to look at (and tamper with) what the store keeps. */
async function inspector(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
  return client;
}

/** Calls of one command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function callsOf(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const line = info.split('\n').find((l) => l.startsWith(`cmdstat_${command}:`));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

describe('redisStore on Redis', () => {
  let raw: Redis;
  let stores: GenerationStore[] = [];
  const store = (options: Partial<RedisStoreOptions> = {}): GenerationStore => {
    const made = redisStore({ url: redis.url, prefix: 'spec:', leaseMs: LEASE_MS, ...options });
    stores.push(made);
    return made;
  };
  beforeAll(async () => {
    raw = await inspector(redis.url);
  });
  afterAll(() => raw.disconnect());
  afterEach(async () => {
    const closing = stores;
    stores = [];
    await Promise.all(closing.map((s) => s.close()));
  });

  describe('keys', () => {
    it('should give every key of a running generation a TTL, so that nothing outlives a dead instance for long', async () => {
      const writer = await store({ retentionMs: 60_000 }).start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.flush();
      const stream = await raw.pttl(`spec:{${writer.id}}:s`);
      const lease = await raw.pttl(`spec:{${writer.id}}:l`);
      expect(stream).toBeGreaterThan(0);
      expect(stream).toBeLessThanOrEqual(60_000 + LEASE_MS);
      expect(lease).toBeGreaterThan(0);
      expect(lease).toBeLessThanOrEqual(LEASE_MS);
    });

    it('should let an ended generation expire after retentionMs and drop its lease at once', async () => {
      const writer = await store({ retentionMs: 30_000 }).start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.end();
      const stream = await raw.pttl(`spec:{${writer.id}}:s`);
      expect(stream).toBeGreaterThan(0);
      expect(stream).toBeLessThanOrEqual(30_000);
      expect(await raw.exists(`spec:{${writer.id}}:l`)).toBe(0);
    });

    it('should put every key it makes under its prefix, and not see the generations of another prefix', async () => {
      const prefix = `p${randomUUID().slice(0, 8)}:`;
      const mine = store({ prefix });
      const writer = await mine.start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.flush();
      await mine.claim('token', 60_000);
      const keys = await raw.keys(`*${writer.id}*`);
      expect(keys.sort()).toEqual([`${prefix}{${writer.id}}:l`, `${prefix}{${writer.id}}:s`]);
      expect(await raw.exists(`${prefix}claim:token`)).toBe(1);
      expect(await store({ prefix: 'other:' }).info(writer.id)).toBeUndefined();
    });
  });

  describe('batched writes', () => {
    it('should store the frames of one turn with one XADD per generation, all generations in one command', async () => {
      const s = store();
      const writers = await Promise.all([1, 2, 3].map(() => s.start(randomUUID())));
      await raw.config('RESETSTAT');
      for (const writer of writers) for (let seq = 1; seq <= 100; seq++) writer.append(seq, frameOf(seq));
      await Promise.all(writers.map((w) => w.flush()));
      expect(await callsOf(raw, 'xadd')).toBe(3);
      expect(await callsOf(raw, 'eval')).toBe(1);
      expect(await store().info(writers[0]?.id ?? '')).toMatchObject({ lastSeq: 100 });
    });

    it('should store a flush too large for one command as several, in one round trip, every frame once and in order', async () => {
      // What a burst on a slow Redis gathers: 40 generations × 500 frames (~40 000 arguments: several EVALs),
      // and one generation of 100 000 frames (~200 000 arguments: spread into one call, they overflowed the stack).
      const s = store();
      const writers = await Promise.all(Array.from({ length: 40 }, () => s.start(randomUUID())));
      const big = await s.start(randomUUID());
      await raw.config('RESETSTAT');
      for (const writer of writers) for (let seq = 1; seq <= 500; seq++) writer.append(seq, frameOf(seq));
      for (let seq = 1; seq <= 100_000; seq++) big.append(seq, frameOf(seq));
      await Promise.all([...writers, big].map((writer) => writer.end()));
      const evals = await callsOf(raw, 'eval');
      expect(evals).toBeGreaterThanOrEqual(4); // 40 000 arguments in groups of at most 16 384, and the big one alone
      expect(evals).toBeLessThanOrEqual(8);
      const reader = store();
      const bigRead = await collect(reader.read(big.id, 0));
      expect(bigRead.completed).toBe(true);
      expect(bigRead.values).toHaveLength(100_000);
      expect(bigRead.values.every((frame, i) => frame.seq === i + 1 && frame.frame === frameOf(i + 1))).toBe(true);
      for (const writer of [writers[0], writers[17], writers[39]]) {
        expect(await collect(reader.read(writer?.id ?? '', 0))).toEqual({ values: expected(1, 500), completed: true });
      }
    });

    it('should store a flush that mixes ASCII and non-ASCII frames as the same text, read back on another instance', async () => {
      // The flush script goes as bytes and the frames as strings (redisAppend.ts): each is encoded on its own.
      const texts = ['plain', ' café', ' 한국어', ' 🦀 emoji', ' naïve\u00a0space', ' ascii again', ' 日本語と English'];
      const s = store();
      const writer = await s.start(randomUUID());
      await raw.config('RESETSTAT');
      texts.forEach((text, i) => writer.append(i + 1, frameOf(i + 1, text)));
      await writer.end();
      expect(await callsOf(raw, 'eval')).toBe(1); // one flush carried them all
      expect(await collect(store().read(writer.id, 0))).toEqual({
        values: texts.map((text, i) => ({ seq: i + 1, frame: frameOf(i + 1, text) })),
        completed: true,
      });
    });

    it('should not wait for Redis in append(): the frame is stored later, in the background', async () => {
      const writer = await store().start(randomUUID());
      await raw.config('RESETSTAT');
      expect(writer.append(1, frameOf(1))).toBeUndefined();
      expect(await callsOf(raw, 'xadd')).toBe(0); // nothing was sent during append()
      await eventually(async () => (await store().info(writer.id))?.lastSeq === 1);
    });
  });

  describe('without scripting', () => {
    it('should store and end generations with plain commands where Redis refuses EVAL (an ACL without @scripting)', async () => {
      await raw.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
      const url = redis.url.replace('redis://', 'redis://noscript:pw@');
      const s = store({ url, prefix: 'noscript:' });
      const writer = await s.start(randomUUID());
      const reading = collect(store({ url, prefix: 'noscript:' }).read(writer.id, 0));
      await raw.config('RESETSTAT');
      for (let seq = 1; seq <= 5; seq++) writer.append(seq, frameOf(seq));
      await writer.flush();
      for (let seq = 6; seq <= 9; seq++) writer.append(seq, frameOf(seq));
      await writer.end();
      expect(await reading).toEqual({ values: expected(1, 9), completed: true });
      const stats = await raw.info('commandstats');
      expect(stats).toMatch(/cmdstat_eval:calls=0,.*rejected_calls=1,/); // tried once, refused, never again
      expect(await callsOf(raw, 'xadd')).toBe(3); // two batches and the end
      expect(await raw.exists(`noscript:{${writer.id}}:l`)).toBe(0);
    });
  });

  describe('Redis declining commands for a while', () => {
    /** A script that holds Redis for `ms` (past `busy-reply-threshold`, every other command is answered BUSY). */
    const busyScript = (ms: number): string => `local t = redis.call('TIME') local start = t[1] * 1e6 + t[2]
        repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - start > ${ms * 1000} return 1`;
    /** Another client's script holds Redis for `ms`; past 20 ms of it, every other command is answered BUSY. */
    const busyFor = async (ms: number): Promise<{ over: Promise<void> }> => {
      await raw.config('SET', 'busy-reply-threshold', '20');
      const other = await inspector(redis.url);
      const running = other.eval(busyScript(ms), 0).finally(() => other.disconnect());
      await new Promise((resolve) => setTimeout(resolve, 100)); // past the threshold: BUSY from now on
      return { over: running.then(() => undefined) };
    };
    /** BUSY answers since the last CONFIG RESETSTAT. */
    const busyAnswers = async (): Promise<number> => Number(/errorstat_BUSY:count=(\d+)/.exec(await raw.info('errorstats'))?.[1] ?? 0);

    /** Writes and ends `writer` once Redis takes writes again: read back whole, stored by the script as before (a batch, then the end). */
    const expectFlushedByScript = async (writer: GenerationWriter): Promise<void> => {
      await raw.config('RESETSTAT');
      const reading = collect(store().read(writer.id, 0));
      for (let seq = 1; seq <= 4; seq++) writer.append(seq, frameOf(seq));
      await writer.flush();
      writer.append(5, frameOf(5));
      await writer.end();
      expect(await reading).toEqual({ values: expected(1, 5), completed: true });
      expect(await callsOf(raw, 'eval')).toBe(2);
    };

    afterEach(async () => {
      await raw.config('SET', 'maxmemory', '0');
      await raw.config('SET', 'busy-reply-threshold', '5000');
    });

    it('should fail the flush that met OOM and keep flushing by script once Redis takes writes again', async () => {
      const s = store({ leaseMs: 60_000 }); // no lease renewal meanwhile
      const hit = await s.start(randomUUID());
      const later = await s.start(randomUUID());
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
      await raw.config('SET', 'maxmemory', '1'); // every write is refused: OOM
      hit.append(1, frameOf(1));
      const failure = await rejectionOf(hit.flush());
      expect(failure.reason).toBe('unavailable');
      expect(hit.signal.aborted).toBe(true);
      await expect(s.start(randomUUID())).rejects.toMatchObject({ reason: 'unavailable' }); // not 'exists'

      await raw.config('SET', 'maxmemory', '0');
      await expectFlushedByScript(later);
    });

    it('should hold a flush, a resume and a stop through BUSY shorter than timeoutMs, sending them again until Redis runs them', async () => {
      const s = store({ leaseMs: 60_000 });
      const writer = await s.start(randomUUID());
      const stopped = await s.start(randomUUID());
      const warm = await s.start(randomUUID());
      // The other instance's connections are open before BUSY (a connection opened during it fails: see docs/server.md).
      const other = store();
      const warming = collect(other.read(warm.id, 0));
      await eventually(async () => (await other.info(warm.id)) !== undefined);
      writer.append(1, frameOf(1));
      await writer.flush();
      await raw.config('RESETSTAT');
      const busy = (await busyFor(700)).over;
      try {
        writer.append(2, frameOf(2));
        const flushing = writer.flush();
        const reading = collect(other.read(writer.id, 0)); // a resume: its first reads meet BUSY too
        const stopping = other.stop(stopped.id);
        await busy;
        await flushing;
        expect(await stopping).toBe(true);
        writer.append(3, frameOf(3));
        await writer.end();
        expect(await reading).toEqual({ values: expected(1, 3), completed: true });
        expect(writer.signal.aborted).toBe(false);
        expect(await busyAnswers()).toBeGreaterThan(2); // the flush, the resume and the stop did meet BUSY
        await eventually(() => stopped.signal.aborted);
        await warm.end();
        expect(await warming).toEqual({ values: [], completed: true });
      } finally {
        await busy;
      }
    });

    it('should fail what met BUSY longer than timeoutMs as unavailable (never as not found), and keep flushing by script after it', async () => {
      const s = store({ leaseMs: 60_000, timeoutMs: 300 });
      const hit = await s.start(randomUUID());
      const later = await s.start(randomUUID());
      await raw.config('RESETSTAT');
      const busy = (await busyFor(2000)).over;
      try {
        hit.append(1, frameOf(1));
        // (The store's connections are open already: a connection opened during BUSY fails, see docs/server.md.)
        const [failure, info, starting, resuming] = await Promise.allSettled([
          rejectionOf(hit.flush()),
          s.info(later.id),
          s.start(randomUUID()),
          firstValueFrom(s.read(later.id, 0)),
        ]);
        expect(failure).toMatchObject({ status: 'fulfilled', value: { reason: 'unavailable' } });
        expect(String(((failure as PromiseFulfilledResult<CohereStoreError>).value.cause as Error).message)).toMatch(/^BUSY /);
        expect(info).toMatchObject({ status: 'rejected', reason: { reason: 'unavailable' } });
        expect(starting).toMatchObject({ status: 'rejected', reason: { reason: 'unavailable' } });
        expect(resuming).toMatchObject({ status: 'rejected', reason: { reason: 'unavailable' } });
        expect(hit.signal.aborted).toBe(true);
      } finally {
        await busy;
      }

      await expectFlushedByScript(later);
    });

    it('should keep its live readers through BUSY that begins as their blocked XREAD returns: the read goes again', async () => {
      const s = store({ leaseMs: 60_000 });
      const other = store({ leaseMs: 60_000 }); // its lease checks (every 15 s) stay out of the spell
      const writer = await s.start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.flush();
      const reading = collect(other.read(writer.id, 0));
      // The reader has caught up and waits on the store's blocking connection.
      let blocked: string | undefined;
      await eventually(async () => {
        const line = String(await raw.client('LIST'))
          .split('\n')
          .find((l) => / cmd=xread/.test(l) && / flags=b/.test(l));
        blocked = /^id=(\d+)/.exec(line ?? '')?.[1];
        return blocked !== undefined;
      });
      await raw.config('SET', 'busy-reply-threshold', '20');
      await raw.config('RESETSTAT');
      // One write: Redis wakes the read (its answer goes out while the script runs, past the threshold),
      // then runs a 700 ms script; the store's next XREAD arrives during it and is answered BUSY.
      const busy = await inspector(redis.url);
      await busy
        .pipeline()
        .call('client', 'unblock', blocked!)
        .eval(busyScript(700), 0)
        .exec()
        .finally(() => busy.disconnect());
      expect(await busyAnswers()).toBeGreaterThan(0); // the read sent again did meet BUSY
      writer.append(2, frameOf(2));
      await writer.end();
      expect(await reading).toEqual({ values: expected(1, 2), completed: true });
    });

    it('should keep a generation whose lease renewals met BUSY past timeoutMs: the lease stands, a later renewal takes it on', async () => {
      const s = store({ leaseMs: 6000, timeoutMs: 200 }); // renewed every 2 s; a renewal gives up on BUSY after 200 ms
      const writer = await s.start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.flush();
      await raw.config('RESETSTAT');
      // 3 s of BUSY: a renewal falls in it (unless its timer is 1 s late); the lease (6 s) outlives it by 1 s or more.
      await (
        await busyFor(3000)
      ).over;
      expect(await busyAnswers()).toBeGreaterThan(0); // a renewal met BUSY
      expect(writer.signal.aborted).toBe(false);
      const reading = collect(store().read(writer.id, 0));
      writer.append(2, frameOf(2));
      await writer.end();
      expect(await reading).toEqual({ values: expected(1, 2), completed: true });
    });
  });

  describe('readers', () => {
    it('should tail 50 generations with one blocking connection', async () => {
      const writerStore = store();
      const readerStore = store({ prefix: 'spec:' });
      const writers = await Promise.all(Array.from({ length: 50 }, () => writerStore.start(randomUUID())));
      const readings = writers.map((w) => collect(readerStore.read(w.id, 0)));
      await new Promise((resolve) => setTimeout(resolve, 200)); // all of them waiting for live frames
      const clients = (await raw.client('LIST')) as string;
      expect(clients.split('\n').filter((line) => line.includes('name=spec:tails'))).toHaveLength(1);
      for (const w of writers) w.append(1, frameOf(1));
      await Promise.all(writers.map((w) => w.end()));
      expect((await Promise.all(readings)).every((o) => o.completed && o.values.length === 1)).toBe(true);
    });

    it('should wake the blocked tail for a reader that joins, instead of leaving it to wait for the block to time out', async () => {
      // leaseMs 60 s: the tail blocks for 5 s at a time. The second reader gets
      // its frame well before the first block would have ended only if the
      // tail was woken up to include it.
      const s = store({ leaseMs: 60_000 });
      const first = await s.start(randomUUID());
      const second = await s.start(randomUUID());
      const sub = s.read(first.id, 0).subscribe();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the tail is blocked on the first stream
      const got = firstValueFrom(s.read(second.id, 0));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      second.append(1, frameOf(1));
      expect(await got).toEqual({ seq: 1, frame: frameOf(1) });
      expect(Date.now() - started).toBeLessThan(4000);
      sub.unsubscribe();
    });
  });

  describe('stop', () => {
    it('should reach the writer on another instance through pub/sub, long before its next lease renewal', async () => {
      // leaseMs 60 s: renewals (which also look for a stop) come every 20 s.
      const writer = await store({ leaseMs: 60_000 }).start(randomUUID());
      const started = Date.now();
      expect(await store({ leaseMs: 60_000 }).stop(writer.id)).toBe(true);
      await eventually(() => writer.signal.aborted, 5000, 5);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(writer.signal.reason).toMatchObject({ name: 'CohereStoreError', reason: 'stopped', generation: writer.id });
    });

    it('should still reach a writer that missed the message, at its next lease renewal', async () => {
      const writer = await store().start(randomUUID());
      await raw.set(`spec:{${writer.id}}:x`, '1', 'PX', 60_000); // a stop whose pub/sub message was lost
      await eventually(() => writer.signal.aborted);
      expect(writer.signal.reason).toMatchObject({ reason: 'stopped' });
    });
  });

  describe('leases', () => {
    it("should fail a reader with 'abandoned' after every stored frame when the lease is gone and the end never came", async () => {
      const writer = await store().start(randomUUID());
      for (let seq = 1; seq <= 4; seq++) writer.append(seq, frameOf(seq));
      await writer.flush();
      const reading = collect(store().read(writer.id, 0));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await raw.del(`spec:{${writer.id}}:l`); // as if its instance stopped renewing it
      const outcome = await reading;
      expect(outcome.values).toEqual(expected(1, 4));
      expect(storeErrorOf(outcome)).toMatchObject({ reason: 'abandoned', generation: writer.id });
    });

    it("should tell the writer whose lease vanished that its generation is 'lost'", async () => {
      const writer = await store().start(randomUUID());
      await raw.del(`spec:{${writer.id}}:l`);
      await eventually(() => writer.signal.aborted);
      expect(writer.signal.reason).toMatchObject({ reason: 'lost' });
      await expect(writer.end()).rejects.toMatchObject({ reason: 'lost' });
    });

    it("should say 'abandoned' in info(), and fail a new reader of it right after the stored frames", async () => {
      const writer = await store().start(randomUUID());
      writer.append(1, frameOf(1));
      await writer.flush();
      await raw.del(`spec:{${writer.id}}:l`);
      const other = store();
      expect(await other.info(writer.id)).toMatchObject({ state: 'abandoned', lastSeq: 1 });
      const outcome = await collect(other.read(writer.id, 0));
      expect(outcome.values).toEqual(expected(1, 1));
      expect(storeErrorOf(outcome).reason).toBe('abandoned');
    });

    it("should fail the readers of a generation whose instance was killed (SIGKILL) with 'abandoned', within the lease (child process)", async () => {
      const id = randomUUID();
      const child = spawn(process.execPath, [join(__dirname, 'lease-child.cjs'), redis.url, 'spec:', id, String(LEASE_MS), '5'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
          child.once('exit', (code) => reject(new Error(`the child exited with ${code} before it was ready`)));
        });
        const reader = store();
        expect(await reader.info(id)).toMatchObject({ owner: 'child', state: 'running', lastSeq: 5 });
        const values: number[] = [];
        const reading = new Promise<unknown>((resolve) => {
          reader.read(id, 0).subscribe({ next: ({ seq }) => values.push(seq), error: resolve, complete: () => resolve('completed') });
        });
        await eventually(() => values.length === 5);
        // Still running: the child renews its lease (three renewals at least).
        await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
        expect(await reader.info(id)).toMatchObject({ state: 'running' });
        const killedAt = Date.now();
        child.kill('SIGKILL');
        const error = await reading;
        expect(error).toMatchObject({ name: 'CohereStoreError', reason: 'abandoned', generation: id });
        expect(values).toEqual([1, 2, 3, 4, 5]);
        // The lease, a quarter of it for the check, and room for a loaded machine.
        expect(Date.now() - killedAt).toBeLessThan(LEASE_MS * 1.25 + 2000);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  describe('the client option', () => {
    it("should work on the app's own client, duplicate it for its other connections, and leave it open on close()", async () => {
      const client = await inspector(redis.url);
      try {
        const s = redisStore({ client, prefix: 'own:', leaseMs: LEASE_MS });
        const writer = await s.start(randomUUID());
        const reading = collect(s.read(writer.id, 0));
        writer.append(1, frameOf(1));
        await writer.end();
        expect(await reading).toEqual({ values: expected(1, 1), completed: true });
        const names = ((await raw.client('LIST')) as string).match(/name=own:\w+/g) ?? [];
        expect(names.sort()).toEqual(['name=own:stops', 'name=own:tails']);
        await s.close();
        expect(client.status).toBe('ready');
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    });

    it("should fail at once, and not reconnect the app's client, once the app has disconnected it", async () => {
      const client = await inspector(redis.url);
      const s = redisStore({ client, prefix: 'own:', leaseMs: LEASE_MS });
      try {
        const writer = await s.start(randomUUID());
        await writer.end();
        const ended = new Promise((resolve) => client.once('end', resolve));
        client.disconnect();
        await ended;
        await expect(s.info(writer.id)).rejects.toMatchObject({ reason: 'unavailable' });
        await expect(s.start(randomUUID())).rejects.toMatchObject({ reason: 'unavailable' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(client.status).toBe('end'); // the app closed it: the store does not open it again behind its back
      } finally {
        await s.close();
        client.disconnect();
      }
    });

    it('should refuse a client with keyPrefix, and options that are not one of url and client', () => {
      const prefixed = new Redis(redis.url, { lazyConnect: true, keyPrefix: 'x:' });
      expect(() => redisStore({ client: prefixed })).toThrow(/keyPrefix/);
      expect(() => redisStore({})).toThrow(CohereConfigError);
      expect(() => redisStore({ url: redis.url, client: prefixed })).toThrow(/exactly one/);
      expect(() => redisStore({ url: 'http://127.0.0.1:6379' })).toThrow(/redis:\/\//);
      expect(() => redisStore({ url: redis.url, leaseMs: 5 })).toThrow(/leaseMs/);
      prefixed.disconnect();
    });
  });
});

describe('redisStore when Redis fails', () => {
  it("should fail every call with 'unavailable' at once when nothing listens at the address (no hang, no timeout needed)", async () => {
    const port = await freePort();
    // timeoutMs 60 s: only a refusal noticed at once can fail these within the spec's time.
    const s = redisStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: 60_000 });
    try {
      expect((await rejectionOf(s.start(randomUUID()))).reason).toBe('unavailable');
      expect((await rejectionOf(s.info(randomUUID()))).reason).toBe('unavailable');
      expect((await rejectionOf(s.stop(randomUUID()))).reason).toBe('unavailable');
      expect((await rejectionOf(s.claim('k', 1000))).reason).toBe('unavailable');
      expect(storeErrorOf(await collect(s.read(randomUUID(), 0))).reason).toBe('unavailable');
    } finally {
      await s.close();
    }
  });

  it('should fail within timeoutMs when the address takes the connection but never answers (not a Redis)', async () => {
    // A TCP server that accepts and says nothing: ioredis waits for a reply that never comes.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const s = redisStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      expect((await rejectionOf(s.start(randomUUID()))).reason).toBe('unavailable');
    } finally {
      await s.close();
      silent.close();
    }
  });

  it('should never put the URL or its password in an error', async () => {
    const port = await freePort();
    const s = redisStore({ url: `redis://:s3cr3t-pw@127.0.0.1:${port}`, timeoutMs: 1000 });
    try {
      const error = await rejectionOf(s.start(randomUUID()));
      expect(`${error.message} ${error.stack} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`).not.toMatch(/s3cr3t/);
    } finally {
      await s.close();
    }
  });

  it("should fail a reader with 'unavailable' when Redis dies mid-read, and abort the writer", async () => {
    const own = await startRedis();
    const writerStore = redisStore({ url: own.url, leaseMs: LEASE_MS, timeoutMs: 1000 });
    const readerStore = redisStore({ url: own.url, leaseMs: LEASE_MS, timeoutMs: 1000 });
    try {
      const writer = await writerStore.start(randomUUID());
      writer.append(1, frameOf(1));
      const values: StoredFrame[] = [];
      const reading = new Promise<unknown>((resolve) =>
        readerStore.read(writer.id, 0).subscribe({ next: (f) => values.push(f), error: resolve, complete: () => resolve('completed') }),
      );
      await eventually(() => values.length === 1);
      await own.kill();
      expect(await reading).toMatchObject({ name: 'CohereStoreError', reason: 'unavailable', generation: writer.id });
      writer.append(2, frameOf(2));
      await eventually(() => writer.signal.aborted);
      expect(writer.signal.reason).toMatchObject({ reason: 'unavailable' });
      await expect(writer.end()).rejects.toMatchObject({ reason: 'unavailable' });
    } finally {
      await Promise.all([writerStore.close(), readerStore.close()]);
      await own.stop();
    }
  });

  it('should serve new generations after Redis restarted (empty), and know the old ones no more', async () => {
    const own = await startRedis();
    const a = redisStore({ url: own.url, leaseMs: LEASE_MS, timeoutMs: 2000 });
    const b = redisStore({ url: own.url, leaseMs: LEASE_MS, timeoutMs: 2000 });
    try {
      const old = await a.start(randomUUID());
      old.append(1, frameOf(1));
      await old.flush();
      const reading = collect(b.read(old.id, 0));
      await eventually(async () => (await b.info(old.id))?.lastSeq === 1);
      await own.restart();
      expect(storeErrorOf(await reading).reason).toBe('unavailable');
      // The same stores, reconnected: the old generation is gone, its writer told so.
      await eventually(async () => (await b.info(old.id).catch(() => 'down')) === undefined);
      await eventually(() => old.signal.aborted);
      expect(['lost', 'unavailable']).toContain((old.signal.reason as CohereStoreError).reason);
      const fresh = await a.start(randomUUID());
      const live = collect(b.read(fresh.id, 0));
      fresh.append(1, frameOf(1));
      fresh.append(2, frameOf(2));
      await fresh.end();
      expect(await live).toEqual({ values: expected(1, 2), completed: true });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await own.stop();
    }
  });
});

describe('cohere-rx/server without Redis (child process)', () => {
  it('should not load ioredis when imported, nor for memoryStore(); only when a redisStore connects', () => {
    const script = `
      const server = require('./dist/server.js');
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/ioredis/'));
      const before = loaded();
      server.memoryStore();
      const store = server.redisStore({ url: '${redis.url}' });
      const made = loaded();
      store.info('x').then(() => store.close()).then(() => console.log(JSON.stringify({ before, made, after: loaded() })));
    `;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: false, made: false, after: true });
  });
});
