// node bench/stores.mjs (after `npx tsup --silent`): what a generation store
// costs the relay process per event, and how many Redis commands an event
// takes, with GENERATIONS concurrent generations.
//
// Each round feeds the same synthetic traffic three ways, interleaved: no store
// (the frames are only built, as the relay builds them anyway), memoryStore(),
// and redisStore() on a real redis-server started here (Debian's package) on
// a free loopback port. Traffic: on each event-loop turn, every generation
// still running gets, with probability 1/2, a chunk of 1 to 3 events (what an
// upstream read brings), turns TICK_MS apart (default 10: about 70 events/s
// per generation, 14 000/s in all; 0: a burst, as fast as the loop turns); a
// generation ends after EVENTS events. Optionally
// (READERS=1) each generation also has a live reader on a second store
// instance, as resumed clients on another relay instance would.
//
// Reported, medians over the rounds: this process's CPU time per event
// (user + system; Redis's own CPU is not counted, as in the relay figure) and
// wall time; for Redis, commands per event from INFO commandstats: every
// command Redis executed for the stores (the XADDs a flush script runs
// included; the bench's own INFO/CONFIG calls left out), and the flushes the
// relay sent (one EVAL each).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { memoryStore, redisStore } from '../dist/server.mjs';
import { commandCount, startRedis } from './redis.mjs';

const GENERATIONS = Number(process.env.GENERATIONS ?? 200);
const EVENTS = Number(process.env.EVENTS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const READERS = process.env.READERS === '1';
/** Milliseconds between two turns of traffic: 0 is a burst (as fast as the loop turns); 10 is about 70 events/s per generation. */
const TICK_MS = Number(process.env.TICK_MS ?? 10);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A content-delta frame as the relay writes it (about 150 bytes). */
const frameOf = (seq) =>
  `id: ${seq}\nevent: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":" word${seq}"}}}}\n\n`;

/** A deterministic pseudo-random source, so that every case gets the same traffic. */
function random(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const turn = () => new Promise((resolve) => (TICK_MS > 0 ? setTimeout(resolve, TICK_MS) : setImmediate(resolve)));

/**
 * Runs one round of traffic. `store` undefined: frames are built and dropped.
 * Resolves with { events, cpuMs, wallMs } once every generation has ended (and, with a store, is stored).
 */
async function round(store, reader, seed) {
  const next = random(seed);
  const ids = Array.from({ length: GENERATIONS }, (_, i) => `bench-${seed}-${i}-${Math.random().toString(36).slice(2)}`);
  const writers = store ? await Promise.all(ids.map((id) => store.start(id))) : ids.map((id) => ({ id, lastSeq: 0 }));
  const readings = reader
    ? writers.map(
        (w) =>
          new Promise((resolve, reject) => {
            let n = 0;
            reader.read(w.id, 0).subscribe({ next: () => n++, error: reject, complete: () => resolve(n) });
          }),
      )
    : [];
  if (reader) await new Promise((resolve) => setTimeout(resolve, 200)); // the readers are tailing
  const seqs = new Array(GENERATIONS).fill(0);
  let running = GENERATIONS;
  let events = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ends = [];
  while (running > 0) {
    for (let g = 0; g < GENERATIONS; g++) {
      if (seqs[g] >= EVENTS || next() < 0.5) continue;
      const chunk = 1 + Math.floor(next() * 3);
      for (let k = 0; k < chunk && seqs[g] < EVENTS; k++) {
        const seq = ++seqs[g];
        const frame = frameOf(seq);
        sink += frame.length; // the relay writes it to its own client here
        if (store) writers[g].append(seq, frame);
        events++;
      }
      if (seqs[g] === EVENTS) {
        running--;
        if (store) ends.push(writers[g].end());
      }
    }
    await turn();
  }
  await Promise.all(ends);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const read = await Promise.all(readings);
  if (reader && read.some((n) => n !== EVENTS)) throw new Error('a reader missed frames');
  if (sink === 0) throw new Error('no frame was built');
  return { events, cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000, wallMs };
}

async function main() {
  const redis = await startRedis();
  const admin = new Redis(redis.url);
  const memory = memoryStore({ retentionMs: 60_000 });
  const writerStore = redisStore({ url: redis.url, retentionMs: 60_000, prefix: 'bench:' });
  const readerStore = READERS ? redisStore({ url: redis.url, retentionMs: 60_000, prefix: 'bench:' }) : undefined;
  const rows = { none: [], memory: [], redis: [] };
  const commandsPerEvent = [];
  const perEvent = [];
  console.log(
    `stores: ${GENERATIONS} concurrent generations × ${EVENTS} events, turns ${TICK_MS} ms apart, ${ROUNDS} rounds${READERS ? ', a live reader per generation on another instance' : ''} (node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'})`,
  );
  // One warm-up round of each, not counted.
  await round(undefined, undefined, 1);
  await round(memory, READERS ? memory : undefined, 2);
  await round(writerStore, readerStore, 3);
  for (let r = 0; r < ROUNDS; r++) {
    rows.none.push(await round(undefined, undefined, 100 + r));
    rows.memory.push(await round(memory, READERS ? memory : undefined, 100 + r));
    await admin.config('RESETSTAT');
    const before = await commandCount(admin);
    const result = await round(writerStore, readerStore, 100 + r);
    rows.redis.push(result);
    // Starting the generations (one pipeline each of SET, XADD, PEXPIRE) is included: it is part of a generation's cost.
    commandsPerEvent.push(((await commandCount(admin)) - before) / result.events);
    const stats = await admin.info('commandstats');
    const calls = (name) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    perEvent.push({ xadd: calls('xadd') / result.events, evals: calls('eval') / result.events });
  }
  const us = (row) => median(row.map((x) => (1000 * x.cpuMs) / x.events));
  const sys = (row) => median(row.map((x) => (1000 * x.sysMs) / x.events));
  const wall = (row) => median(row.map((x) => x.wallMs));
  const none = us(rows.none);
  for (const [name, row] of Object.entries(rows)) {
    const added = name === 'none' ? '' : `, ${(us(row) - none).toFixed(2)} added by the store`;
    console.log(
      `  ${name.padEnd(7)} CPU ${us(row).toFixed(2).padStart(6)} µs/event (system ${sys(row).toFixed(2)})${added}   wall ${wall(row).toFixed(0).padStart(6)} ms/round`,
    );
  }
  console.log(
    `  redis   commands per event: ${median(commandsPerEvent).toFixed(3)} executed by Redis (XADD: ${median(perEvent.map((x) => x.xadd)).toFixed(3)}), of which sent by the relay as flushes (EVAL): ${median(perEvent.map((x) => x.evals)).toFixed(4)}`,
  );
  if (TICK_MS === 0)
    console.log(`  redis   events stored per second (burst): ${Math.round((GENERATIONS * EVENTS) / (wall(rows.redis) / 1000))}`);
  await Promise.all([memory.close(), writerStore.close(), readerStore?.close()]);
  admin.disconnect();
  await redis.stop();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
