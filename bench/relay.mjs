// What the cohere-rx/server relay costs per event, beside a direct client.
//
//   node bench/relay.mjs          (after `npx tsup --silent`; npm run bench runs it as its section 6)
//   BENCH_QUICK=1 …               fewer rounds; BENCH_STORES=none,memory,redis picks the cases
//   BENCH_CHUNKING=live|burst     one of the two chunkings (default: both, live first)
//   BENCH_PROFILE=DIR …           each relay child writes a CPU profile (node --cpu-prof) into DIR
//   BENCH_BARE=0 …                without the bare relay (the floor, below)
//   BENCH_LIVE_MS=15 …            ms between the live chunking's events (default 1: as fast as the
//                                 machine goes; 15: a model's pace, the relay far from saturated)
//
// The same upstream bytes (the replay server, in its own process) are read two
// ways, in paired rounds: by STREAMS concurrent chatStream$ clients directly
// (the CPU time of this process, per event), and through a relay
// (createChatHandler behind toNodeHandler on node:http, in its own process,
// reporting its CPU time over IPC, per relayed event). The figure is relay CPU
// per event ÷ direct CPU per event, the median of the per-round ratios: the
// relay does what a direct client does (read the upstream) plus serving its
// own clients, so it is about 1 or more.
//
// Two chunkings of the same bytes, each with its own direct client:
// - `live`: the upstream writes one event at a time, a millisecond apart, so
//   that each event is a read of its own, as from the live API (tokens come
//   tens of milliseconds apart). DESIGN's targets are checked on this one.
// - `burst`: the upstream writes the whole answer at once; TCP coalesces it
//   into a few reads of about 100 events each. The per-request costs (two
//   HTTP exchanges for the relay, one for the direct client) weigh most here.
// Each run probes the chunking first (outside the measured rounds) and
// reports the upstream reads per event a direct client saw.
//
// With `stores`, one relay per case, side by side in the same paired rounds:
// `none` (no store), `memory` (memoryStore) and `redis` (redisStore, on a
// redis-server started here; Redis's own CPU is not counted, and the commands
// it executed per relayed event are reported). Each stored generation is
// forgotten 2 s after its end (retentionMs), so rounds do not pile up.
//
// With `bare` (this file run alone, and `npm run bench`), one more process in
// the same rounds: the least a relay on fetch and node:http can do. It POSTs
// upstream with `fetch`, as the relay does, and `res.write`s each chunk of
// the body as it comes, with nothing parsed, framed, checked or kept. It is
// not a relay anyone should run (no error frame, no scrubbing, no pacing, a
// truncated answer passed on as whole), only the floor the relay is measured
// against: relay ÷ bare is what the relay's own code costs.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { count, lastValueFrom } from 'rxjs';
import { chatStream$ } from '../dist/index.mjs';
import { createChatHandler, memoryStore, redisStore, toNodeHandler } from '../dist/server.mjs';
import { startReplayServer } from '../dist/testing.mjs';
import { commandCount, hasRedisServer, startRedis } from './redis.mjs';
import { deltaFrame, headFrames, tailFrames } from './transcript.mjs';

const KEY = 'bench-server-key';
const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'bench' }] };
const self = fileURLToPath(import.meta.url);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuUs = (usage) => usage.user + usage.system;

/** Starts this file as a child in `mode`; resolves with the child and the first message it sends. */
export function child(args, env = {}) {
  // BENCH_PROFILE=DIR: each relay child writes a CPU profile (node --cpu-prof) into DIR when it ends.
  const profile = process.env.BENCH_PROFILE && args[0] === '--relay' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = fork(self, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, ...profile],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => resolve({ proc, ...message }));
    proc.once('exit', (code) => reject(new Error(`bench child ${args[0]} exited with ${code}`)));
  });
}

/** Asks the relay child for its CPU time so far (µs). */
export async function relayCpu(relay) {
  return (await relayUsage(relay)).cpu;
}

/** The relay child's CPU time so far (µs): `cpu` (user + system) and `system` (in the kernel: its socket I/O). */
function relayUsage(relay) {
  return new Promise((resolve) => {
    relay.proc.once('message', (m) => resolve(m));
    relay.proc.send('cpu');
  });
}

/**
 * Runs the comparison and returns the medians: `directUs` and `relayUs` (CPU
 * µs per event), `ratio` (median of the per-round ratios) of the first case
 * of `stores`, and for each case `byStore[case]` = `{ relayUs, ratio }` (and
 * `commandsPerEvent` for `redis`). A `redis` case is left out when no
 * redis-server is installed. With `bare`, also `bare` = `{ relayUs, ratio }`
 * of the bare relay and each case's `overBare` (its relay ÷ the bare one,
 * median of the paired rounds).
 */
export async function relayBench({
  streams = 200,
  deltas = 400,
  rounds = 5,
  stores = ['none'],
  chunking = 'live',
  bare = false,
  liveMs = 1,
} = {}) {
  const cases = stores.filter((name) => name !== 'redis' || hasRedisServer());
  const relayCases = bare ? [...cases, 'bare'] : cases;
  const skipped = stores.filter((name) => !cases.includes(name));
  if (skipped.length > 0) console.log('redis-server is not installed (apt-get install redis-server): the redisStore row is skipped');
  const redis = cases.includes('redis') ? await startRedis() : undefined;
  const admin = redis ? new Redis(redis.url) : undefined;
  const upstream = await child(['--upstream', String(deltas), chunking === 'live' ? String(liveMs) : '0']);
  const relays = {};
  for (const name of relayCases)
    relays[name] = await child(['--relay', upstream.url], { BENCH_STORE: name, BENCH_REDIS_URL: redis?.url ?? '' });
  const one = (baseUrl, apiKey) => lastValueFrom(chatStream$(request, { apiKey, baseUrl, maxRetries: 0 }).pipe(count()));
  const many = async (baseUrl, apiKey) => {
    const counts = await Promise.all(Array.from({ length: streams }, () => one(baseUrl, apiKey)));
    if (counts.some((n) => n !== counts[0])) throw new Error(`streams read different event counts: ${[...new Set(counts)].join(', ')}`);
    eventsPerStream = counts[0];
    return counts.reduce((a, b) => a + b, 0);
  };
  const direct = async () => {
    const start = process.cpuUsage();
    const events = await many(upstream.url, KEY);
    const used = process.cpuUsage(start);
    return { name: 'direct', us: cpuUs(used) / events, system: used.system / events };
  };
  const relayed = (name) => async () => {
    const relay = relays[name];
    if (name === 'redis') await admin.config('RESETSTAT');
    const before = name === 'redis' ? await commandCount(admin) : 0;
    const start = await relayUsage(relay);
    const events = await many(relay.url, '');
    const end = await relayUsage(relay);
    const us = (end.cpu - start.cpu) / events;
    const system = (end.system - start.system) / events;
    return { name, us, system, commands: name === 'redis' ? ((await commandCount(admin)) - before) / events : undefined };
  };
  // The chunking as a direct client sees it: upstream reads per event, counted outside the measured rounds.
  let reads = 0;
  const counting = async (url, init) => {
    const response = await fetch(url, init);
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const chunk = await reader.read();
        reads++;
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const probe = await Promise.all(
    Array.from({ length: 20 }, () =>
      lastValueFrom(chatStream$(request, { apiKey: KEY, baseUrl: upstream.url, maxRetries: 0, fetch: counting }).pipe(count())),
    ),
  );
  const readsPerEvent = reads / probe.reduce((a, b) => a + b, 0);
  const runs = [direct, ...relayCases.map(relayed)];
  const samples = { direct: [], directSystem: [] };
  for (const name of relayCases) samples[name] = { us: [], system: [], ratio: [], overNone: [], overBare: [], commands: [] };
  let eventsPerStream = 0;
  try {
    for (let round = 0; round <= rounds; round++) {
      // Each round in another order (rotated), so that no case always runs first.
      const order = runs.map((_, i) => runs[(i + round) % runs.length]);
      const results = [];
      for (const run of order) results.push(await run());
      if (round === 0) continue; // warm-up
      const d = results.find((r) => r.name === 'direct').us;
      samples.direct.push(d);
      samples.directSystem.push(results.find((r) => r.name === 'direct').system);
      const none = results.find((r) => r.name === 'none')?.us;
      const floor = results.find((r) => r.name === 'bare')?.us;
      for (const r of results) {
        if (r.name === 'direct') continue;
        samples[r.name].us.push(r.us);
        samples[r.name].system.push(r.system);
        samples[r.name].ratio.push(r.us / d);
        // A store's own cost: its relay beside the store-less one of the same round.
        if (none !== undefined && r.name !== 'none' && r.name !== 'bare') samples[r.name].overNone.push(r.us / none);
        // The relay's own code: each case beside the bare relay of the same round.
        if (floor !== undefined && r.name !== 'bare') samples[r.name].overBare.push(r.us / floor);
        if (r.commands !== undefined) samples[r.name].commands.push(r.commands);
      }
    }
  } finally {
    upstream.proc.kill();
    for (const relay of Object.values(relays)) relay.proc.kill();
    admin?.disconnect();
    await redis?.stop();
  }
  const summary = (name) => ({
    relayUs: median(samples[name].us),
    systemUs: median(samples[name].system),
    ratio: median(samples[name].ratio),
  });
  const byStore = {};
  for (const name of cases) {
    byStore[name] = summary(name);
    if (samples[name].overNone.length > 0) byStore[name].overNone = median(samples[name].overNone);
    if (samples[name].overBare.length > 0) byStore[name].overBare = median(samples[name].overBare);
    if (samples[name].commands.length > 0) byStore[name].commandsPerEvent = median(samples[name].commands);
  }
  const first = byStore[cases[0]];
  return {
    directUs: median(samples.direct),
    directSystemUs: median(samples.directSystem),
    relayUs: first.relayUs,
    ratio: first.ratio,
    byStore,
    bare: bare ? summary('bare') : undefined,
    skipped,
    chunking,
    readsPerEvent,
    streams,
    eventsPerStream,
    rounds,
  };
}

const mode = process.argv[2];
if (mode === '--upstream') {
  const n = Number(process.argv[3]);
  const transcript = [...headFrames(), ...Array.from({ length: n }, (_, i) => deltaFrame(i)), ...tailFrames(n)].join('');
  // argv[4]: ms between events (live), or 0: all at once (burst).
  const server = await startReplayServer({ apiKey: KEY, transcripts: { text: transcript }, delayMs: Number(process.argv[4]) });
  process.send({ url: server.url });
} else if (mode === '--relay' && process.env.BENCH_STORE === 'bare') {
  // The floor (see the top of this file): fetch upstream, each chunk of its body written on as it comes.
  const upstreamUrl = `${process.argv[3]}/v2/chat`;
  const body = JSON.stringify({ ...request, stream: true });
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'text/event-stream' };
  const listening = createServer(async (req, res) => {
    for await (const _ of req); // the browser's body, unread
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    try {
      const upstream = await fetch(upstreamUrl, { method: 'POST', headers, body, signal: abort.signal });
      res.writeHead(upstream.status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for await (const chunk of upstream.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  }).listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${listening.address().port}` }));
  process.on('message', () => {
    const used = process.cpuUsage();
    process.send({ cpu: cpuUs(used), system: used.system });
  });
  process.once('SIGTERM', () => process.exit(0));
} else if (mode === '--relay') {
  // argv[4]: another build's dist/ (bench/ab.mjs), else this checkout's.
  const server = process.argv[4]
    ? await import(pathToFileURL(join(process.argv[4], 'server.mjs')).href)
    : { createChatHandler, toNodeHandler, memoryStore, redisStore };
  // BENCH_STORE: none (the default), memory or redis (on BENCH_REDIS_URL).
  const kind = process.env.BENCH_STORE ?? 'none';
  const store =
    kind === 'memory'
      ? server.memoryStore({ retentionMs: 2000 })
      : kind === 'redis'
        ? server.redisStore({ url: process.env.BENCH_REDIS_URL, retentionMs: 2000, prefix: 'bench-relay:' })
        : undefined;
  const handler = server.toNodeHandler(server.createChatHandler({ apiKey: KEY, baseUrl: process.argv[3], maxRetries: 0, store }));
  const listening = createServer(handler).listen(0, '127.0.0.1', () =>
    process.send({ url: `http://127.0.0.1:${listening.address().port}` }),
  );
  process.on('message', () => {
    const used = process.cpuUsage();
    process.send({ cpu: cpuUs(used), system: used.system });
  });
  process.once('SIGTERM', () => process.exit(0)); // an orderly exit: a --cpu-prof profile is written
} else if (process.argv[1] === self) {
  const quick = process.env.BENCH_QUICK === '1';
  const stores = (process.env.BENCH_STORES ?? 'none,memory,redis').split(',');
  const chunkings = (process.env.BENCH_CHUNKING ?? 'live,burst').split(',');
  const cpus = os.cpus();
  console.log(`node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}`);
  for (const chunking of chunkings) {
    const liveMs = Number(process.env.BENCH_LIVE_MS ?? 1);
    const r = await relayBench({ rounds: quick ? 3 : 7, stores, chunking, bare: process.env.BENCH_BARE !== '0', liveMs });
    console.log(
      `\n${chunking}${chunking === 'live' ? ` (an event every ${liveMs} ms)` : ''}: ${r.readsPerEvent.toFixed(2)} upstream reads per event; ${r.streams} concurrent streams of ${r.eventsPerStream} events, ${r.rounds} paired rounds (medians)`,
    );
    console.log(`direct client: ${r.directUs.toFixed(3)} µs CPU per event (${r.directSystemUs.toFixed(3)} in the kernel)`);
    for (const [name, x] of Object.entries(r.byStore)) {
      const overNone = x.overNone === undefined ? '' : `, ÷ no store ${x.overNone.toFixed(2)}`;
      const overBare = x.overBare === undefined ? '' : `, ÷ bare ${x.overBare.toFixed(2)}`;
      const commands = x.commandsPerEvent === undefined ? '' : `, Redis executed ${x.commandsPerEvent.toFixed(3)} commands per event`;
      console.log(
        `relay (store: ${name.padEnd(6)}): ${x.relayUs.toFixed(3)} µs CPU per relayed event (${x.systemUs.toFixed(3)} in the kernel), relay / direct ${x.ratio.toFixed(2)}${overNone}${overBare}${commands}`,
      );
    }
    if (r.bare) {
      console.log(
        `bare relay (fetch → res.write, nothing parsed): ${r.bare.relayUs.toFixed(3)} µs CPU per relayed event (${r.bare.systemUs.toFixed(3)} in the kernel), bare / direct ${r.bare.ratio.toFixed(2)}`,
      );
    }
  }
}
