// Run by redisStore.once.spec.ts as a child process, on the build (`pretest`
// makes it): another relay instance that starts a generation, stores a few
// frames, says "ready" and keeps running it (renewing its lease) until the
// spec kills it with SIGKILL, which ends nothing and releases nothing.
const { redisStore } = require('../../dist/server.js');

async function main() {
  const [url, prefix, id, leaseMs, count] = process.argv.slice(2);
  const store = redisStore({ url, prefix, leaseMs: Number(leaseMs) });
  const writer = await store.start(id, { owner: 'child' });
  for (let seq = 1; seq <= Number(count); seq++) {
    writer.append(seq, `id: ${seq}\nevent: content-delta\ndata: {"seq":${seq}}\n\n`);
  }
  await writer.flush();
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000); // keeps the generation running until killed
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exitCode = 1;
});
