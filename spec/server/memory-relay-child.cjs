// Run by memory.once.spec.ts as a child process (node --expose-gc), on the
// build (`pretest` makes it): a relay (createChatHandler behind toNodeHandler
// on node:http, default limits) in front of the upstream whose URL is
// argv[2]. Prints its URL; answers each IPC message 'rss' with its resident
// memory after a full garbage collection.
const { createServer } = require('node:http');
const { createChatHandler, toNodeHandler } = require('../../dist/server.js');

const relay = toNodeHandler(createChatHandler({ apiKey: 'memory-spec-key', baseUrl: process.argv[2], maxRetries: 0 }));
const server = createServer(relay).listen(0, '127.0.0.1', () => {
  process.send({ url: `http://127.0.0.1:${server.address().port}` });
});
process.on('message', (message) => {
  if (message !== 'rss') return;
  global.gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.send({ rss, heapUsed, external, arrayBuffers });
});
process.on('disconnect', () => process.exit(0));
