// node bench/relay.mjs (after `npx tsup --silent`): what the cohere-rx/server
// relay adds per event. The same answer (ANSWER_TOKENS content-delta events)
// is streamed by chatStream$ two ways, interleaved in the same run: directly
// from a loopback upstream (the replay server), and through a relay
// (createChatHandler behind toNodeHandler on node:http) in front of that same
// upstream. Upstream and relay each run in a child process, so the three
// parties do not share an event loop. Medians; absolute times vary from
// machine to machine (and this one may be shared): compare the two columns.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { count, lastValueFrom } from 'rxjs';
import { chatStream$ } from '../dist/index.mjs';
import { createChatHandler, toNodeHandler } from '../dist/server.mjs';
import { answerEvents, startReplayServer } from '../dist/testing.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const WARMUP = 5;
const TOKENS = Number(process.env.ANSWER_TOKENS ?? 2000);
const KEY = 'bench-server-key';

const mode = process.argv[2];
if (mode === '--upstream') {
  const answer = Array.from({ length: TOKENS }, (_, i) => `word${i}`).join(' ');
  const server = await startReplayServer({ apiKey: KEY, pick: () => answerEvents(answer) });
  process.stdout.write(`${server.url}\n`);
} else if (mode === '--relay') {
  const handler = toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: process.argv[3], maxRetries: 0 }));
  const server = createServer(handler).listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
} else {
  await main();
}

/** Starts this file in `args` mode as a child; resolves with the URL it prints. */
function child(args) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ url: line.trim(), stop: () => proc.kill('SIGTERM') });
    });
    proc.on('exit', (code) => reject(new Error(`child ${args[0]} exited with ${code}`)));
  });
}

async function main() {
  const upstream = await child(['--upstream']);
  const relay = await child(['--relay', upstream.url]);
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'bench' }] };
  const direct = () => lastValueFrom(chatStream$(request, { apiKey: KEY, baseUrl: upstream.url }).pipe(count()));
  const relayed = () => lastValueFrom(chatStream$(request, { apiKey: '', baseUrl: relay.url }).pipe(count()));
  const time = async (run) => {
    const start = process.hrtime.bigint();
    const events = await run();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, events };
  };
  const samples = { direct: [], relayed: [] };
  let events = 0;
  try {
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const order = round % 2 ? ['direct', 'relayed'] : ['relayed', 'direct'];
      for (const name of order) {
        const sample = await time(name === 'direct' ? direct : relayed);
        events = sample.events;
        if (round >= WARMUP) samples[name].push(sample.ms);
      }
    }
  } finally {
    upstream.stop();
    relay.stop();
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const d = median(samples.direct);
  const r = median(samples.relayed);
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ${events} events per answer, ${ROUNDS} rounds (median)`,
  );
  console.log(`direct  (browser → upstream):          ${d.toFixed(1)} ms per answer, ${((d * 1000) / events).toFixed(2)} µs per event`);
  console.log(`relayed (browser → relay → upstream):  ${r.toFixed(1)} ms per answer, ${((r * 1000) / events).toFixed(2)} µs per event`);
  console.log(`relay overhead: ${(((r - d) * 1000) / events).toFixed(2)} µs per event (${(r / d).toFixed(2)}× the direct time)`);
}
