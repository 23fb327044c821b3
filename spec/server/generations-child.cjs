// Run by generations.redis.once.spec.ts as a child process, on the build
// (`pretest` makes it): one relay instance (createChatHandler with
// redisStore, behind toNodeHandler on node:http) in front of the upstream
// whose URL is argv[3], on the Redis of argv[2], with the key prefix argv[4]
// and the lease argv[5] (ms). A generation belongs to the request's
// `x-user` header. Sends its URL over IPC; the spec kills it (SIGKILL: it
// ends nothing, releases nothing) or disconnects (a clean exit).
const { createServer } = require('node:http');
const { createChatHandler, redisStore, toNodeHandler } = require('../../dist/server.js');

const [url, baseUrl, prefix, leaseMs] = process.argv.slice(2);
const store = redisStore({ url, prefix, leaseMs: Number(leaseMs), timeoutMs: 1000 });
const relay = toNodeHandler(
  createChatHandler({
    apiKey: 'generations-spec-key',
    baseUrl,
    maxRetries: 0,
    store,
    owner: (request) => request.headers.get('x-user') ?? 'anonymous',
  }),
);
const server = createServer(relay).listen(0, '127.0.0.1', () => {
  process.send({ url: `http://127.0.0.1:${server.address().port}` });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  void store.close().finally(() => process.exit(0));
});
