// The contract every GenerationStore keeps, run against memoryStore()
// (spec/stores/memoryStore.spec.ts) and redisStore() on a real Redis
// (spec/stores/redisStore.once.spec.ts). `make` gives a store; with Redis,
// `peer` gives another instance on the same data (another connection, as
// another relay instance would have), with memory the same store.
import { randomUUID } from 'node:crypto';
import { firstValueFrom, Observable, Subject, take, toArray } from 'rxjs';
import { isCohereStoreError, type CohereStoreError, type GenerationStore, type StoredFrame } from '../../lib/server';
import { collect, errorOf } from '../helpers/collect';

export interface StoreHarness {
  /** A new store; every store made in a spec is closed after it. */
  make(options?: { retentionMs?: number }): GenerationStore;
  /** Another instance reading the same data as `store` (memory: `store` itself). */
  peer(store: GenerationStore, options?: { retentionMs?: number }): GenerationStore;
}

/** An SSE frame as the relay writes it, numbered. */
export const frameOf = (seq: number, text = `token ${seq}`): string =>
  `id: ${seq}\nevent: content-delta\ndata: ${JSON.stringify({ type: 'content-delta', delta: { message: { content: { text } } } })}\n\n`;

/** Waits until `check` holds, polling; fails after `withinMs` (generous: a loaded 2-core machine). */
export async function eventually(check: () => Promise<boolean> | boolean, withinMs = 10_000, everyMs = 25): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`the condition did not hold within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The store error an Observable or a promise failed with. */
export const storeErrorOf = (outcome: { error?: unknown }): CohereStoreError => errorOf(outcome, isCohereStoreError);

export async function rejectionOf(promise: Promise<unknown>): Promise<CohereStoreError> {
  try {
    await promise;
  } catch (error) {
    return errorOf({ error }, isCohereStoreError);
  }
  throw new Error('expected a rejection');
}

/** The frames of a generation of `count` frames, as a reader must see them. */
export const expected = (from: number, to: number): StoredFrame[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => ({ seq: from + i, frame: frameOf(from + i) }));

export function storeContract(harness: StoreHarness): void {
  let stores: GenerationStore[] = [];
  const make = (options?: { retentionMs?: number }): GenerationStore => {
    const store = harness.make(options);
    stores.push(store);
    return store;
  };
  const peerOf = (store: GenerationStore, options?: { retentionMs?: number }): GenerationStore => {
    const peer = harness.peer(store, options);
    if (peer !== store) stores.push(peer);
    return peer;
  };
  afterEach(async () => {
    const closing = stores;
    stores = [];
    await Promise.all(closing.map((store) => store.close()));
  });

  /** A started generation with frames 1..count appended and stored. */
  async function generation(store: GenerationStore, count: number, options: { end?: boolean; owner?: string } = {}) {
    const writer = await store.start(randomUUID(), options.owner === undefined ? {} : { owner: options.owner });
    for (let seq = 1; seq <= count; seq++) writer.append(seq, frameOf(seq));
    if (options.end) await writer.end();
    else await writer.flush();
    return writer;
  }

  describe('append and read', () => {
    it('should read an ended generation from the start: every frame in order with its seq, then complete', async () => {
      const store = make();
      const writer = await generation(store, 40, { end: true });
      const outcome = await collect(peerOf(store).read(writer.id, 0));
      expect(outcome).toEqual({ values: expected(1, 40), completed: true });
    });

    it('should read from the start when no `after` is given', async () => {
      const store = make();
      const writer = await generation(store, 3, { end: true });
      expect(await collect(peerOf(store).read(writer.id))).toEqual({ values: expected(1, 3), completed: true });
    });

    it('should keep each frame byte for byte: line breaks, unicode, an empty data line, a long frame', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      const frames = [
        'id: 1\nevent: message-start\ndata: {"type":"message-start","id":"é✓ 漢字 🙂"}\n\n',
        'id: 2\ndata: \n\n',
        `id: 3\nevent: content-delta\ndata: ${JSON.stringify({ text: 'x'.repeat(200_000) })}\n\n`,
        'id: 4\r\nevent: weird\r\ndata: {"a":"\\n\\u0000"}\r\n\r\n',
      ];
      frames.forEach((frame, i) => writer.append(i + 1, frame));
      await writer.end();
      const outcome = await collect(peerOf(store).read(writer.id, 0));
      expect(outcome.values.map((f) => f.frame)).toEqual(frames);
      expect(outcome.values.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    });

    it('should give the frames after a middle `after` only', async () => {
      const store = make();
      const writer = await generation(store, 10, { end: true });
      expect(await collect(peerOf(store).read(writer.id, 6))).toEqual({ values: expected(7, 10), completed: true });
    });

    it('should give no frame and complete for `after` at the last frame of an ended generation', async () => {
      const store = make();
      const writer = await generation(store, 10, { end: true });
      expect(await collect(peerOf(store).read(writer.id, 10))).toEqual({ values: [], completed: true });
    });

    it('should give no frame and complete for `after` beyond the end of an ended generation', async () => {
      const store = make();
      const writer = await generation(store, 10, { end: true });
      expect(await collect(peerOf(store).read(writer.id, 25))).toEqual({ values: [], completed: true });
    });

    it('should keep order across many frames appended in one turn and over several turns', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      for (let seq = 1; seq <= 1500; seq++) writer.append(seq, frameOf(seq));
      await new Promise((resolve) => setTimeout(resolve, 1));
      for (let seq = 1501; seq <= 2000; seq++) {
        writer.append(seq, frameOf(seq));
        if (seq % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await writer.end();
      const outcome = await collect(peerOf(store).read(writer.id, 0));
      expect(outcome.completed).toBe(true);
      expect(outcome.values).toEqual(expected(1, 2000));
    });

    it('should read an empty ended generation as no frame, then completion', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      await writer.end();
      expect(await collect(peerOf(store).read(writer.id, 0))).toEqual({ values: [], completed: true });
    });

    it('should refuse frames out of order, with a RangeError naming the seq expected', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      writer.append(1, frameOf(1));
      expect(() => writer.append(3, frameOf(3))).toThrow(new RangeError('frames are appended in order: expected seq 2, got 3'));
      expect(() => writer.append(1, frameOf(1))).toThrow(RangeError);
      expect(writer.lastSeq).toBe(1);
    });

    it('should refuse a frame that is not a string', async () => {
      const writer = await make().start(randomUUID());
      expect(() => writer.append(1, { text: 'x' } as unknown as string)).toThrow(TypeError);
      expect(writer.lastSeq).toBe(0);
    });

    it('should refuse an append after end()', async () => {
      const writer = await make().start(randomUUID());
      writer.append(1, frameOf(1));
      const ended = writer.end();
      let thrown: unknown;
      try {
        writer.append(2, frameOf(2));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ name: 'CohereStoreError', reason: 'closed' });
      await ended;
    });

    it('should return the same promise from a second end()', async () => {
      const writer = await make().start(randomUUID());
      const first = writer.end();
      expect(writer.end()).toBe(first);
      await first;
    });

    it('should throw a RangeError at once for an `after` that is not a whole number 0 or more', () => {
      const store = make();
      for (const after of [-1, 1.5, Number.NaN, '3' as unknown as number]) expect(() => store.read('x', after)).toThrow(RangeError);
    });

    it('should refuse to start a generation whose id is not one', async () => {
      const store = make();
      for (const id of ['', 'a b', '../x', '{x}', 'x'.repeat(129), 7 as unknown as string]) {
        await expect(store.start(id)).rejects.toThrow(RangeError);
      }
    });

    it("should refuse to start a generation with an id in use, with reason 'exists'", async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      const error = await rejectionOf(peerOf(store).start(writer.id));
      expect(error.reason).toBe('exists');
      await writer.end();
      expect((await rejectionOf(peerOf(store).start(writer.id))).reason).toBe('exists');
    });
  });

  describe('live', () => {
    it('should give a reader that came first each frame as it is stored, then complete at the end', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      const seen = new Subject<StoredFrame>();
      const values: StoredFrame[] = [];
      const done = collect(peerOf(store).read(writer.id, 0));
      const sub = peerOf(store)
        .read(writer.id, 0)
        .subscribe((frame) => {
          values.push(frame);
          seen.next(frame);
        });
      for (let seq = 1; seq <= 5; seq++) {
        const next = firstValueFrom(seen);
        writer.append(seq, frameOf(seq));
        expect(await next).toEqual({ seq, frame: frameOf(seq) });
      }
      await writer.end();
      expect(await done).toEqual({ values: expected(1, 5), completed: true });
      sub.unsubscribe();
      expect(values).toEqual(expected(1, 5));
    });

    it('should give a reader that joins mid-way the stored frames, then the live ones, with no gap and no duplicate', async () => {
      const store = make();
      const writer = await generation(store, 30);
      const reading = collect(peerOf(store).read(writer.id, 12));
      for (let seq = 31; seq <= 60; seq++) writer.append(seq, frameOf(seq));
      await writer.end();
      expect(await reading).toEqual({ values: expected(13, 60), completed: true });
    });

    it('should give a reader of a running generation with `after` beyond what is stored only the frames above it', async () => {
      // The running instance sends its own client frames before they are stored:
      // that client may resume elsewhere with a Last-Event-ID the store has not reached.
      const store = make();
      const writer = await generation(store, 3);
      const reading = collect(peerOf(store).read(writer.id, 5));
      for (let seq = 4; seq <= 8; seq++) writer.append(seq, frameOf(seq));
      await writer.end();
      expect(await reading).toEqual({ values: expected(6, 8), completed: true });
    });

    it('should give each of several readers at different points its own frames', async () => {
      const store = make();
      const writer = await generation(store, 10);
      const peer = peerOf(store);
      const readings = [0, 4, 10, 15].map((after) => collect(peer.read(writer.id, after)));
      for (let seq = 11; seq <= 20; seq++) writer.append(seq, frameOf(seq));
      await writer.end();
      expect(await Promise.all(readings)).toEqual([
        { values: expected(1, 20), completed: true },
        { values: expected(5, 20), completed: true },
        { values: expected(11, 20), completed: true },
        { values: expected(16, 20), completed: true },
      ]);
    });

    it('should keep an empty running generation waiting, not completed, until its end', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      let completed = false;
      const reading = collect(peerOf(store).read(writer.id, 0));
      void reading.then(() => (completed = true));
      await writer.flush();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(completed).toBe(false);
      await writer.end();
      expect(await reading).toEqual({ values: [], completed: true });
    });

    it('should deliver nothing more to a reader that unsubscribed', async () => {
      const store = make();
      const writer = await generation(store, 2);
      const values: StoredFrame[] = [];
      const peer = peerOf(store);
      const sub = peer.read(writer.id, 0).subscribe((frame) => values.push(frame));
      await eventually(() => values.length === 2);
      sub.unsubscribe();
      for (let seq = 3; seq <= 6; seq++) writer.append(seq, frameOf(seq));
      await writer.end();
      // Another reader sees the end, so the frames were there to be delivered.
      expect(await collect(peer.read(writer.id, 2))).toEqual({ values: expected(3, 6), completed: true });
      expect(values).toEqual(expected(1, 2));
    });

    it('should let a reader take only what it needs (take(n) unsubscribes from the tail)', async () => {
      const store = make();
      const writer = await generation(store, 2);
      const three = firstValueFrom(peerOf(store).read(writer.id, 0).pipe(take(3), toArray()));
      writer.append(3, frameOf(3));
      expect(await three).toEqual(expected(1, 3));
      await writer.end();
    });
  });

  describe('unknown ids', () => {
    it("should fail a read of an unknown id with reason 'not-found'", async () => {
      const outcome = await collect(make().read(randomUUID(), 0));
      expect(outcome.values).toEqual([]);
      expect(storeErrorOf(outcome).reason).toBe('not-found');
    });

    it("should fail a read of a string that is no id with 'not-found', not a thrown error", async () => {
      for (const id of ['', '../../etc', 'a b', '{x}']) expect(storeErrorOf(await collect(make().read(id, 0))).reason).toBe('not-found');
    });

    it('should answer info() of an unknown id or of no id with undefined', async () => {
      const store = make();
      expect(await store.info(randomUUID())).toBeUndefined();
      expect(await store.info('not an id')).toBeUndefined();
    });

    it('should answer stop() of an unknown id with false', async () => {
      expect(await make().stop(randomUUID())).toBe(false);
    });
  });

  describe('info and owner', () => {
    it('should give the owner, the creation time, the state and the last seq of a running generation', async () => {
      const store = make();
      const before = Date.now();
      const writer = await generation(store, 7, { owner: 'user-42' });
      const after = Date.now();
      const info = await peerOf(store).info(writer.id);
      expect(info).toEqual({ id: writer.id, owner: 'user-42', createdAt: expect.any(Number), state: 'running', lastSeq: 7 });
      expect(info?.createdAt).toBeGreaterThanOrEqual(before);
      expect(info?.createdAt).toBeLessThanOrEqual(after);
    });

    it("should say 'ended' after end(), with the last seq", async () => {
      const store = make();
      const writer = await generation(store, 4, { end: true });
      expect(await peerOf(store).info(writer.id)).toMatchObject({ state: 'ended', lastSeq: 4 });
    });

    it('should find an empty generation (lastSeq 0), unlike an unknown one', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      expect(await peerOf(store).info(writer.id)).toMatchObject({ state: 'running', lastSeq: 0 });
    });

    it('should give owner undefined when none was given, and keep an empty-string owner', async () => {
      const store = make();
      const without = await store.start(randomUUID());
      const empty = await store.start(randomUUID(), { owner: '' });
      expect((await peerOf(store).info(without.id))?.owner).toBeUndefined();
      expect((await peerOf(store).info(empty.id))?.owner).toBe('');
    });
  });

  describe('stop', () => {
    it("should abort the running writer's signal with reason 'stopped', and answer true", async () => {
      const store = make();
      const writer = await generation(store, 2);
      const aborted = new Promise<unknown>((resolve) => writer.signal.addEventListener('abort', () => resolve(writer.signal.reason)));
      expect(await peerOf(store).stop(writer.id)).toBe(true);
      const reason = await aborted;
      expect(isCohereStoreError(reason) && reason.reason).toBe('stopped');
    });

    it("should still store the writer's last frame and end after a stop, for every reader", async () => {
      const store = make();
      const writer = await generation(store, 2);
      const reading = collect(peerOf(store).read(writer.id, 0));
      await peerOf(store).stop(writer.id);
      await eventually(() => writer.signal.aborted);
      writer.append(3, 'id: 3\nevent: cohere-rx-error\ndata: {"type":"cohere-rx-error"}\n\n');
      await writer.end();
      const outcome = await reading;
      expect(outcome.completed).toBe(true);
      expect(outcome.values.map((f) => f.seq)).toEqual([1, 2, 3]);
      expect(outcome.values[2]?.frame).toContain('cohere-rx-error');
    });

    it('should answer false for a generation that has ended', async () => {
      const store = make();
      const writer = await generation(store, 1, { end: true });
      expect(await peerOf(store).stop(writer.id)).toBe(false);
      expect(writer.signal.aborted).toBe(false);
    });
  });

  describe('retention', () => {
    it('should forget an ended generation after retentionMs: info undefined, read not-found', async () => {
      const store = make({ retentionMs: 150 });
      const peer = peerOf(store, { retentionMs: 150 });
      const writer = await generation(store, 3, { end: true });
      expect(await peer.info(writer.id)).toBeDefined();
      await eventually(async () => (await peer.info(writer.id)) === undefined);
      expect(storeErrorOf(await collect(peer.read(writer.id, 0))).reason).toBe('not-found');
    });

    it('should keep a running generation past retentionMs', async () => {
      const store = make({ retentionMs: 100 });
      const writer = await generation(store, 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await peerOf(store, { retentionMs: 100 }).info(writer.id)).toMatchObject({ state: 'running' });
    });
  });

  describe('claim', () => {
    it('should claim a key once: true, then false, from any instance', async () => {
      const store = make();
      const key = `token:${randomUUID()}`;
      expect(await store.claim(key, 60_000)).toBe(true);
      expect(await store.claim(key, 60_000)).toBe(false);
      expect(await peerOf(store).claim(key, 60_000)).toBe(false);
      expect(await store.claim(`${key}:other`, 60_000)).toBe(true);
    });

    it('should give one true among many claims of one key at once', async () => {
      const store = make();
      const peer = peerOf(store);
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? peer : store).claim(key, 60_000)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it('should let a key be claimed again once its TTL ran out', async () => {
      const store = make();
      const key = randomUUID();
      expect(await store.claim(key, 50)).toBe(true);
      await eventually(() => store.claim(key, 50));
    });

    it('should refuse a ttlMs that is not a whole number 1 or more', async () => {
      const store = make();
      for (const ttl of [0, -5, 1.5, Number.NaN]) await expect(store.claim('k', ttl)).rejects.toThrow(RangeError);
    });
  });

  describe('flush', () => {
    it('should resolve flush() once what was appended is readable elsewhere', async () => {
      const store = make();
      const writer = await store.start(randomUUID());
      for (let seq = 1; seq <= 25; seq++) writer.append(seq, frameOf(seq));
      await writer.flush();
      expect(await peerOf(store).info(writer.id)).toMatchObject({ lastSeq: 25 });
    });
  });

  describe('close', () => {
    it("should fail readers, abort writers and refuse calls with reason 'closed'", async () => {
      const store = make();
      const writer = await generation(store, 1);
      const reading = collect(store.read(writer.id, 0));
      await eventually(async () => (await store.info(writer.id))?.lastSeq === 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.close();
      const outcome = await reading;
      expect(storeErrorOf(outcome).reason).toBe('closed');
      expect(isCohereStoreError(writer.signal.reason) && writer.signal.reason.reason).toBe('closed');
      expect(() => writer.append(2, frameOf(2))).not.toThrow(); // the relay's event handler goes on; the signal said why
      expect((await rejectionOf(writer.flush())).reason).toBe('closed');
      expect((await rejectionOf(writer.end())).reason).toBe('closed');
      expect((await rejectionOf(store.start(randomUUID()))).reason).toBe('closed');
      expect((await rejectionOf(store.info(writer.id))).reason).toBe('closed');
      expect((await rejectionOf(store.claim('k', 10))).reason).toBe('closed');
      expect(storeErrorOf(await collect(store.read(writer.id, 0))).reason).toBe('closed');
    });
  });

  describe('close, at any moment', () => {
    it("should fail a reader still catching up with 'closed', never leave it waiting", async () => {
      const store = make();
      const writer = await generation(store, 50);
      const readings = [0, 25, 50].map((after) => collect(store.read(writer.id, after)));
      await store.close();
      for (const outcome of await Promise.all(readings)) expect(storeErrorOf(outcome).reason).toBe('closed');
    });
  });

  describe('the Observable', () => {
    it('should be cold: nothing is read before subscribe, and each subscription reads on its own', async () => {
      const store = make();
      const writer = await generation(store, 3, { end: true });
      const frames$: Observable<StoredFrame> = peerOf(store).read(writer.id, 1);
      const [a, b] = await Promise.all([collect(frames$), collect(frames$)]);
      expect(a).toEqual({ values: expected(2, 3), completed: true });
      expect(b).toEqual(a);
    });
  });
}
