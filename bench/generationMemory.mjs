// node bench/generationMemory.mjs (after `npx tsup --silent`): what one
// generation costs in Redis. A relay (createChatHandler with redisStore, on a
// redis-server started here on a free loopback port) streams answers of
// TOKENS tokens (default 1000, one content-delta each, English words) from
// the replay server; then, for each answer, the bytes of its frames as the
// relay sent them beside Redis's own count of the generation's keys
// (`MEMORY USAGE … SAMPLES 0`: the whole stream, every node counted).
// DELAY_MS (default 10) paces the upstream: frames arriving over time are
// stored in smaller batches than a burst's, which costs Redis more per frame.
import { Redis } from 'ioredis';
import { createChatHandler, redisStore } from '../dist/server.mjs';
import { answerEvents, startReplayServer } from '../dist/testing.mjs';
import { startRedis } from './redis.mjs';

const TOKENS = Number(process.env.TOKENS ?? 1000);
const ANSWERS = Number(process.env.ANSWERS ?? 3);
/** Milliseconds between two upstream events: 0 (the whole answer at once: large batches) or a model's pace (10: 100 tokens/s). */
const DELAY_MS = Number(process.env.DELAY_MS ?? 10);
const PREFIX = 'bench:';
const WORDS = 'the a relay answer stream frame model token generation store redis instance client page resume stop owner lease'.split(' ');

/** An answer of `tokens` words, different for each `seed`. */
function answerOf(tokens, seed) {
  return Array.from({ length: tokens }, (_, i) => WORDS[(i * 7 + seed) % WORDS.length]).join(' ');
}

async function main() {
  const redis = await startRedis();
  const admin = new Redis(redis.url);
  let asked = 0;
  // The relay passes no header of the page's upstream: the picker gives each request the next answer.
  const replay = await startReplayServer({ delayMs: DELAY_MS, pick: () => answerEvents(answerOf(TOKENS, asked++)) });
  const store = redisStore({ url: redis.url, prefix: PREFIX });
  const chat = createChatHandler({ apiKey: 'bench', baseUrl: replay.url, maxRetries: 0, store });
  const rows = [];
  try {
    for (let i = 0; i < ANSWERS; i++) {
      const response = await chat(
        new Request('http://relay.local/api/v2/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Tell me.' }] }),
        }),
      );
      const id = response.headers.get('x-cohere-rx-generation');
      const bytes = Buffer.byteLength(await response.text());
      // The end is stored after the last frame went out: wait for it.
      for (let tries = 0; (await store.info(id))?.state !== 'ended' && tries < 100; tries++) await new Promise((r) => setTimeout(r, 20));
      const keys = await admin.keys(`${PREFIX}{${id}}:*`);
      let usage = 0;
      for (const key of keys) usage += Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const { lastSeq } = await store.info(id);
      rows.push({ frames: lastSeq, bytes, usage });
    }
  } finally {
    await store.close();
    await admin.quit();
    await replay.close();
    await redis.stop();
  }
  const mean = (pick) => rows.reduce((sum, row) => sum + pick(row), 0) / rows.length;
  const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(
    `one generation in Redis, ${TOKENS}-token answers (${ANSWERS} of them, ${DELAY_MS} ms apart per event), node ${process.version}`,
  );
  console.log(`  frames:                        ${mean((r) => r.frames).toFixed(0)}`);
  console.log(`  bytes the relay sent:          ${kb(mean((r) => r.bytes))}`);
  console.log(`  Redis MEMORY USAGE (all keys): ${kb(mean((r) => r.usage))}`);
  console.log(`  ratio:                         ${(mean((r) => r.usage) / mean((r) => r.bytes)).toFixed(2)}`);
  console.log(`  per frame in Redis:            ${(mean((r) => r.usage) / mean((r) => r.frames)).toFixed(0)} B`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
