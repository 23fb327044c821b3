// Run by leaks.spec.ts as a child process, on the build (`pretest` makes it).
// Streams and abandons 300 chats at deterministic pseudo-random moments, closes
// the server, reports what is still alive, and then must exit on its own: a
// leaked timer, socket or listener would keep it running.
const { getEventListeners } = require('node:events');
const { chatStream$ } = require('../../dist/index.js');
const { startReplayServer } = require('../../dist/testing.js');

let x = 0xc0ffee;
const random = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;

async function main() {
  const server = await startReplayServer({ delayMs: 1, keepAliveTimeoutMs: 100 });
  const outside = new AbortController();
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] };
  let completed = 0;
  const cycle = async () => {
    const sub = chatStream$(request, { baseUrl: server.url, apiKey: 'k', signal: outside.signal }).subscribe({
      error: () => undefined,
      complete: () => completed++,
    });
    // A fifth run to the end; some are dropped at once, before the request even starts.
    const wait = random() < 0.2 ? 2000 : random() * 30; // 2 s: time enough to finish on a loaded machine
    if (wait >= 3) await new Promise((r) => setTimeout(r, wait));
    sub.unsubscribe();
  };
  for (let batch = 0; batch < 6; batch++) await Promise.all(Array.from({ length: 50 }, cycle));
  await server.close();
  await new Promise((r) => setTimeout(r, 100));
  const resources = process.getActiveResourcesInfo();
  process.stdout.write(
    `${JSON.stringify({ cycles: 300, completed, resources, listeners: getEventListeners(outside.signal, 'abort').length })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exitCode = 1;
});
