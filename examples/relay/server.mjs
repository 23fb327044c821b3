// The examples' backend: a small Node server between the page and Cohere. The
// page posts its chat request to /api/v2/chat (chatStream$ / runTools$ with
// `{ baseUrl: '/api', apiKey: '' }`); the relay sends it upstream with the
// server's key and streams the answer back. The key never reaches the page.
//
//   node server.mjs [--static DIR]
//
// Upstream:
//   CO_API_KEY set               → Cohere, with that key
//   else REPLAY_URL (+ REPLAY_KEY) → that replay server (the end-to-end tests)
//   else                         → a replay server started here (no key, no network)
// PORT (default 3000; 0 picks a free one). --static DIR also serves a built
// page from DIR (the browser example, or the Angular app's dist/chat/browser).
// /api/approval/v2/chat is a second relay that runs a tool on the server, one
// that needs the user's yes first (tokens signed with APPROVAL_SECRET, else a
// random secret made at start: one process only; with REDIS_URL, several
// instances must share it, so APPROVAL_SECRET is then required).
//
// Generations outlive their connection (a reload continues the answer):
//   REDIS_URL set → redisStore (any number of instances behind a load balancer;
//                   `npm install ioredis` here first)
//   else          → memoryStore (this process)
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { createChatHandler, memoryStore, redisStore, toNodeHandler } from 'cohere-rx/server';
import { startReplayServer } from 'cohere-rx/testing';

/** Where the relay sends requests, and with which key. */
async function upstream() {
  if (process.env.CO_API_KEY) return { apiKey: process.env.CO_API_KEY, baseUrl: undefined, name: 'Cohere' };
  if (process.env.REPLAY_URL)
    return { apiKey: process.env.REPLAY_KEY ?? '', baseUrl: process.env.REPLAY_URL, name: process.env.REPLAY_URL };
  const apiKey = 'replay-test-key';
  const replay = await startReplayServer({ apiKey, delayMs: 30, jitterMs: 15 });
  return { apiKey, baseUrl: replay.url, name: `a replay server at ${replay.url}` };
}

const target = await upstream();
if (process.env.REDIS_URL && !process.env.APPROVAL_SECRET) {
  throw new Error('REDIS_URL is set: give every instance the same APPROVAL_SECRET (32 characters or more)');
}
const store = process.env.REDIS_URL ? redisStore({ url: process.env.REDIS_URL }) : memoryStore();
// Authenticate and rate-limit your users here, in `prepare`, and give generations their `owner` (see docs/server.md).
const relay = toNodeHandler(createChatHandler({ apiKey: target.apiKey, baseUrl: target.baseUrl, store }));

// A tool that runs here, on the server, only once the user allowed it: the
// loop pauses at its calls, the page asks the user (window.confirm, or the
// Angular app's Allow/Deny dialog) and sends the decisions with the next
// request; a denial goes back to the model, which answers it.
const weather = {
  paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
  tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
};
const get_weather = {
  description: 'The current weather in a city.',
  parameters: { type: 'object', properties: { location: { type: 'string', description: 'The city' } }, required: ['location'] },
  needsApproval: true,
  execute: ({ location }) => weather[String(location).toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' },
};
const approvalRelay = toNodeHandler(
  createChatHandler({
    apiKey: target.apiKey,
    baseUrl: target.baseUrl,
    tools: { get_weather },
    maxSteps: 4,
    store,
    approvalSecret: process.env.APPROVAL_SECRET ?? randomBytes(32).toString('hex'),
  }),
);

const at = process.argv.indexOf('--static');
const site = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : undefined;
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

/** A file of the built page; any other path gets index.html (a single-page app). */
async function serveStatic(path, res) {
  let file = join(site, decodeURIComponent(path));
  if (!file.startsWith(site + sep) || !(await stat(file).catch(() => undefined))?.isFile()) file = join(site, 'index.html');
  const body = await readFile(file);
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  // POST /api/v2/chat starts a generation; GET and DELETE /api/v2/chat/{id} resume and stop it.
  if (path === '/api/v2/chat' || /^\/api\/v2\/chat\/[^/]+$/.test(path)) return relay(req, res);
  if (path === '/api/approval/v2/chat' || /^\/api\/approval\/v2\/chat\/[^/]+$/.test(path)) return approvalRelay(req, res);
  if (site && !path.startsWith('/api/')) {
    serveStatic(path, res).catch(() => res.writeHead(404).end());
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not found' }));
});
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(
    `relay listening on http://${address}:${port} (upstream: ${target.name}; generations: ${process.env.REDIS_URL ? 'Redis' : 'memory'})`,
  );
});
