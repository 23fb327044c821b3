// What the cohere-rx/server relay costs per event, beside a direct client.
//
//   node bench/relay.mjs          (after `npx tsup --silent`; npm run bench runs it as its section 5)
//
// The same upstream bytes (the replay server, one event per write, in its
// own process) are read two ways, in paired rounds: by STREAMS concurrent
// chatStream$ clients directly (the CPU time of this process, per event), and
// through a relay (createChatHandler behind toNodeHandler on node:http, in
// its own process, reporting its CPU time over IPC, per relayed event). The
// figure is relay CPU per event ÷ direct CPU per event, the median of the
// per-round ratios: the relay does what a direct client does (read and parse
// the upstream) plus forwarding, so it is at least 1.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { count, lastValueFrom } from 'rxjs';
import { chatStream$ } from '../dist/index.mjs';
import { createChatHandler, toNodeHandler } from '../dist/server.mjs';
import { startReplayServer } from '../dist/testing.mjs';
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
export function child(args) {
  const proc = fork(self, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => resolve({ proc, ...message }));
    proc.once('exit', (code) => reject(new Error(`bench child ${args[0]} exited with ${code}`)));
  });
}

/** Asks the relay child for its CPU time so far (µs). */
export function relayCpu(relay) {
  return new Promise((resolve) => {
    relay.proc.once('message', (m) => resolve(m.cpu));
    relay.proc.send('cpu');
  });
}

/**
 * Runs the comparison and returns the medians: `directUs` and `relayUs` (CPU
 * µs per event), `ratio` (median of the per-round ratios), and the set-up.
 */
export async function relayBench({ streams = 200, deltas = 400, rounds = 5 } = {}) {
  const upstream = await child(['--upstream', String(deltas)]);
  const relay = await child(['--relay', upstream.url]);
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
    return cpuUs(process.cpuUsage(start)) / events;
  };
  const relayed = async () => {
    const start = await relayCpu(relay);
    const events = await many(relay.url, '');
    return ((await relayCpu(relay)) - start) / events;
  };
  const samples = { direct: [], relayed: [], ratio: [] };
  let eventsPerStream = 0;
  try {
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 ? [direct, relayed] : [relayed, direct];
      const [a, b] = [await order[0](), await order[1]()];
      const [d, r] = round % 2 ? [a, b] : [b, a];
      if (round === 0) continue; // warm-up
      samples.direct.push(d);
      samples.relayed.push(r);
      samples.ratio.push(r / d);
    }
  } finally {
    upstream.proc.kill();
    relay.proc.kill();
  }
  return {
    directUs: median(samples.direct),
    relayUs: median(samples.relayed),
    ratio: median(samples.ratio),
    streams,
    eventsPerStream,
    rounds,
  };
}

const mode = process.argv[2];
if (mode === '--upstream') {
  const n = Number(process.argv[3]);
  const transcript = [...headFrames(), ...Array.from({ length: n }, (_, i) => deltaFrame(i)), ...tailFrames(n)].join('');
  const server = await startReplayServer({ apiKey: KEY, transcripts: { text: transcript } });
  process.send({ url: server.url });
} else if (mode === '--relay') {
  // argv[4]: another build's dist/ (bench/ab.mjs), else this checkout's.
  const server = process.argv[4]
    ? await import(pathToFileURL(join(process.argv[4], 'server.mjs')).href)
    : { createChatHandler, toNodeHandler };
  const handler = server.toNodeHandler(server.createChatHandler({ apiKey: KEY, baseUrl: process.argv[3], maxRetries: 0 }));
  const listening = createServer(handler).listen(0, '127.0.0.1', () =>
    process.send({ url: `http://127.0.0.1:${listening.address().port}` }),
  );
  process.on('message', () => process.send({ cpu: cpuUs(process.cpuUsage()) }));
} else if (process.argv[1] === self) {
  const quick = process.env.BENCH_QUICK === '1';
  const r = await relayBench({ rounds: quick ? 3 : 7 });
  const cpus = os.cpus();
  console.log(
    `node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}; ${r.streams} concurrent streams of ${r.eventsPerStream} events, ${r.rounds} paired rounds (medians)`,
  );
  console.log(`direct client: ${r.directUs.toFixed(3)} µs CPU per event`);
  console.log(`relay process: ${r.relayUs.toFixed(3)} µs CPU per relayed event`);
  console.log(`relay / direct: ${r.ratio.toFixed(2)}`);
}
