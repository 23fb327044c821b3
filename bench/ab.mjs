// node bench/ab.mjs OTHER   (both checkouts built, OTHER with its node_modules)
//
// This checkout's build beside another's (say a worktree of main), interleaved
// in one process, paired rounds, the median of the per-round ratios (this ÷
// other): the page's cost per event (chatStream$ → textOnly, 100 000 events
// from memory, in 16 KiB chunks and one event per read) and the relay's CPU
// per relayed event (both relays, in child processes, against one upstream,
// 200 concurrent streams). Run it with OTHER = this checkout for the noise of
// the harness itself.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { count, lastValueFrom } from 'rxjs';
import { chatStream$, textOnly } from '../dist/index.mjs';
import { startRedis } from './redis.mjs';
import { child, relayCpu } from './relay.mjs';
import { answerText, eventChunks, rechunk, responseOf } from './transcript.mjs';

const other = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: node bench/ab.mjs OTHER_CHECKOUT');
const them = await import(pathToFileURL(join(other, 'dist', 'index.mjs')).href);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 21);
const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'bench' }] };
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = globalThis.gc ?? (() => undefined);

/** Runs both in alternating order, `ROUNDS` times (the first a warm-up): the ratios this ÷ other. */
async function paired(ours, theirs) {
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    gc();
    const [first, second] = round % 2 ? [ours, theirs] : [theirs, ours];
    const x = await first();
    gc();
    const y = await second();
    const [o, t] = round % 2 ? [x, y] : [y, x];
    if (round > 0) ratios.push(o / t);
  }
  return { median: median(ratios), ratios };
}

const N = 100_000;
const byEvent = eventChunks(N);
const chars = answerText(N).length;
const page = (lib, chunks) => () =>
  new Promise((done, fail) => {
    let n = 0;
    const t0 = performance.now();
    lib
      .chatStream$(request, { fetch: async () => responseOf(chunks), apiKey: 'bench' })
      .pipe(lib.textOnly())
      .subscribe({
        next: (t) => (n += t.length),
        error: fail,
        complete: () => (n === chars ? done(performance.now() - t0) : fail(new Error(`read ${n} characters of ${chars}`))),
      });
  });
const ours = { chatStream$, textOnly };
for (const [label, chunks] of process.env.AB_PAGE === '0'
  ? []
  : [
      ['16 KiB chunks', rechunk(byEvent, 16 * 1024)],
      ['one event per read', byEvent],
    ]) {
  const r = await paired(page(ours, chunks), page(them, chunks));
  console.log(`page, ${label}: this ÷ other ${r.median.toFixed(3)} (${r.ratios.map((x) => x.toFixed(2)).join(' ')})`);
}

const store = process.env.AB_STORE ?? 'none';
const redis = store === 'redis' ? await startRedis() : undefined;
const env = { BENCH_STORE: store, BENCH_REDIS_URL: redis?.url ?? '' };
// AB_CHUNKING=live: one event per read (bench/relay.mjs); else the whole answer at once (burst).
const upstream = await child(['--upstream', '400', process.env.AB_CHUNKING === 'live' ? '1' : '0']);
const relays = [await child(['--relay', upstream.url], env), await child(['--relay', upstream.url, join(other, 'dist')], env)];
try {
  const relayed = (relay) => async () => {
    const start = await relayCpu(relay);
    const counts = await Promise.all(
      Array.from({ length: 200 }, () =>
        lastValueFrom(chatStream$(request, { apiKey: '', baseUrl: relay.url, maxRetries: 0 }).pipe(count())),
      ),
    );
    return ((await relayCpu(relay)) - start) / counts.reduce((a, b) => a + b, 0);
  };
  const r = await paired(relayed(relays[0]), relayed(relays[1]));
  console.log(
    `relay (store: ${store}) CPU per relayed event: this ÷ other ${r.median.toFixed(3)} (${r.ratios.map((x) => x.toFixed(2)).join(' ')})`,
  );
} finally {
  for (const c of [upstream, ...relays]) c.proc.kill();
  await redis?.stop();
}
