// npm run bench:compare: cohere-rx next to the official SDK (cohere-ai) and the
// Vercel AI SDK (ai + @ai-sdk/cohere), measured side by side in one run:
//   1. cost per event, the same in-memory transcript through each client's fetch option;
//   2. what each client does with a faulty stream (truncated, a quoted "[DONE]",
//      malformed JSON, finish_reason ERROR) and whether stopping early closes the
//      connection (loopback HTTP);
//   3. the gzipped size of a minimal browser page using each.
// Prints a markdown table and writes .bench-out/compare.json. Both other SDKs
// are dev dependencies of this bench only.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createCohere } from '@ai-sdk/cohere';
import { AISDKError, streamText } from 'ai';
import { CohereClientV2, CohereError as SdkError } from 'cohere-ai';
import { build } from 'esbuild';
import { chatStream$, isCohereError, textOnly } from '../dist/index.mjs';
import { browserPageOptions, isNodeBuiltin } from '../scripts/browser-bundle.mjs';
import { answerText, deltaFrame, eventChunks, headFrames, rechunk, responseOf, tailFrames } from './transcript.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench:compare does)');
const gc = globalThis.gc;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'bench' }] };
const log = (...args) => console.log(...args);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const versions = { 'cohere-rx': JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version };
for (const name of ['cohere-ai', 'ai', '@ai-sdk/cohere', 'rxjs', 'esbuild']) versions[name] = version(name);

const CLIENTS = ['cohere-rx', 'cohere-ai', 'vercel'];
const LABEL = {
  'cohere-rx': 'cohere-rx',
  'cohere-ai': `cohere-ai ${versions['cohere-ai']}`,
  vercel: `ai ${versions.ai} + @ai-sdk/cohere ${versions['@ai-sdk/cohere']}`,
};

// ---- the three clients, reading one Response through their fetch option -----
// Each returns { chars, text?, note? }: the text it handed to the app, and what
// else it told the app about how the stream ended.

function viaRx(response, { keepText = false } = {}) {
  return new Promise((resolve, reject) => {
    let chars = 0;
    let text = '';
    chatStream$(request, { fetch: async () => response, apiKey: 'bench', maxRetries: 0 })
      .pipe(textOnly())
      .subscribe({
        next: (t) => {
          chars += t.length;
          if (keepText) text += t;
        },
        error: reject,
        complete: () => resolve({ chars, text }),
      });
  });
}

async function viaSdk(response, { keepText = false } = {}) {
  const client = new CohereClientV2({ token: 'bench', baseUrl: 'http://127.0.0.1:1', fetch: async () => response });
  let chars = 0;
  let text = '';
  let finish;
  for await (const event of await client.chatStream(request, { maxRetries: 0 })) {
    if (event.type === 'content-delta') {
      const t = event.delta?.message?.content?.text ?? '';
      chars += t.length;
      if (keepText) text += t;
    } else if (event.type === 'message-end') finish = event.delta?.finishReason;
  }
  return { chars, text, note: finish === undefined ? 'no message-end seen' : `message-end finishReason ${finish}` };
}

async function viaVercel(response, { keepText = false } = {}) {
  const cohere = createCohere({ apiKey: 'bench', fetch: async () => response });
  const errors = [];
  const result = streamText({ model: cohere(request.model), prompt: 'bench', maxRetries: 0, onError: ({ error }) => errors.push(error) });
  let chars = 0;
  let text = '';
  for await (const t of result.textStream) {
    chars += t.length;
    if (keepText) text += t;
  }
  if (!keepText) return { chars };
  let finish;
  try {
    finish = await withTimeout(result.finishReason, 1000);
  } catch (e) {
    finish = `rejects (${errorName(e)})`;
  }
  const notes = [`finishReason ${finish}`];
  if (errors.length) notes.push(`onError: ${errors.map(errorName).join(', ')}`);
  return { chars, text, note: notes.join('; ') };
}

const run = { 'cohere-rx': viaRx, 'cohere-ai': viaSdk, vercel: viaVercel };
const isTyped = {
  'cohere-rx': (e) => isCohereError(e),
  'cohere-ai': (e) => e instanceof SdkError,
  vercel: (e) => AISDKError.isInstance(e),
};
const errorName = (e) => (e instanceof Error ? e.name || e.constructor?.name || 'Error' : typeof e);

class Hang extends Error {}
function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Hang(`no end after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- 1. cost per event -------------------------------------------------------

const N = QUICK ? 5_000 : 20_000;
const byEvent = eventChunks(N);
const EVENTS = byEvent.length - 1; // the [DONE] frame is not an event
const CHARS = answerText(N).length;
const rounds = QUICK ? 4 : 15;
const perEvent = {};
log(`# cohere-rx vs cohere-ai vs Vercel AI SDK (node ${process.version})\n`);
log(`## 1. Cost per event: ${EVENTS} events from memory, medians of ${rounds - 1} interleaved rounds`);
for (const [label, chunks] of [
  ['16 KiB chunks', rechunk(byEvent, 16 * 1024)],
  ['one event per chunk', byEvent],
]) {
  // CPU time (process.cpuUsage: user + system) besides wall time: on a shared,
  // loaded machine the wall time counts the waits for a core, the CPU time less so.
  const times = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  const cpus = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < CLIENTS.length; j++) {
      const client = CLIENTS[(round + j) % CLIENTS.length];
      const response = responseOf(chunks);
      gc();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { chars } = await run[client](response);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      if (chars !== CHARS) throw new Error(`${client} read ${chars} characters, expected ${CHARS}`);
      if (round > 0) {
        // round 0 warms up
        times[client].push(ms);
        cpus[client].push((cpu.user + cpu.system) / 1000);
      }
    }
  }
  // Ratios: the median of per-round ratios (the runs of a round are back to back).
  const ratio = (xs, a) => median(xs[a].map((t, i) => t / xs['cohere-rx'][i]));
  perEvent[label] = Object.fromEntries(
    CLIENTS.map((c) => [
      c,
      {
        cpuUsPerEvent: (median(cpus[c]) * 1000) / EVENTS,
        cpuOverRx: ratio(cpus, c),
        wallUsPerEvent: (median(times[c]) * 1000) / EVENTS,
        wallOverRx: ratio(times, c),
      },
    ]),
  );
  const r = perEvent[label];
  log(`${label}, CPU: ${CLIENTS.map((c) => `${c} ${r[c].cpuUsPerEvent.toFixed(3)} µs/event (${r[c].cpuOverRx.toFixed(2)}×)`).join(', ')}`);
  log(
    `${label}, wall: ${CLIENTS.map((c) => `${c} ${r[c].wallUsPerEvent.toFixed(3)} µs/event (${r[c].wallOverRx.toFixed(2)}×)`).join(', ')}`,
  );
}

// ---- 2. faults ------------------------------------------------------------------

const enc = new TextEncoder();
const frame = (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
const delta = (text) => frame({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } });
const chunksOf = (frames) => frames.map((f) => enc.encode(f));
const deltas = (from, to) => Array.from({ length: to - from }, (_, k) => deltaFrame(from + k));
const quoted = ['The marker', ' is "', '[DONE]', '", and the', ' answer goes on.'];

const faults = {
  a: {
    what: 'body cut before message-end',
    frames: [...headFrames(), ...deltas(0, 10)],
    sent: answerText(10),
    truncated: true,
    // What a correct client should do: not let a cut answer pass as whole.
    want: 'error',
  },
  b: {
    what: 'answer quotes "[DONE]"',
    frames: [...headFrames(), ...quoted.map(delta), ...tailFrames(quoted.length)],
    sent: quoted.join(''),
    want: 'complete',
  },
  c: {
    what: 'malformed JSON data line mid-stream',
    frames: [
      ...headFrames(),
      ...deltas(0, 5),
      'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"mess\n\n',
      ...deltas(5, 10),
      ...tailFrames(10),
    ],
    sent: answerText(10),
    want: 'error',
  },
  d: {
    what: 'message-end with finish_reason ERROR',
    frames: [
      ...headFrames(),
      ...deltas(0, 5),
      frame({ type: 'content-end', index: 0 }),
      // with usage, as the other message-ends carry it (the Vercel provider's schema requires it)
      frame({
        type: 'message-end',
        delta: {
          finish_reason: 'ERROR',
          error: 'internal server error',
          usage: { billed_units: { input_tokens: 12, output_tokens: 5 }, tokens: { input_tokens: 80, output_tokens: 5 } },
        },
      }),
      'data: [DONE]\n\n',
    ],
    sent: answerText(5),
    want: 'error',
  },
};

/** One short string: how `client` ended on `fault`, and what it read. */
async function outcome(client, fault) {
  const TIMEOUT = 3000;
  try {
    const r = await withTimeout(run[client](responseOf(chunksOf(fault.frames)), { keepText: true }), TIMEOUT);
    const textNote =
      r.text === fault.sent
        ? fault.truncated
          ? 'the truncated answer as if whole'
          : 'full text'
        : fault.sent.startsWith(r.text)
          ? `wrong text: cut to ${r.text.length} of ${fault.sent.length} chars`
          : `wrong text (${r.text.length} chars)`;
    return { kind: 'completes', text: textNote, note: r.note, summary: `completes normally, ${textNote}${r.note ? ` (${r.note})` : ''}` };
  } catch (e) {
    if (e instanceof Hang) return { kind: 'hangs', summary: `hangs (${e.message})` };
    const typed = isTyped[client](e);
    const message = String(e?.message ?? e).slice(0, 80);
    return { kind: typed ? 'typed error' : 'other error', summary: `${typed ? 'typed error' : 'other error'} ${errorName(e)}`, message };
  }
}

log('\n## 2. Faults');
const faultResults = {};
for (const [key, fault] of Object.entries(faults)) {
  faultResults[key] = { what: fault.what };
  for (const client of CLIENTS) {
    faultResults[key][client] = await outcome(client, fault);
    const r = faultResults[key][client];
    log(`(${key}) ${fault.what} — ${client}: ${r.summary}${r.message ? `: ${r.message}` : ''}`);
  }
}

// (e) stopping early over loopback HTTP: does the client close the connection?
// The server streams one delta every 10 ms (for at most 10 s) and records when
// the response's socket closes before the end.
let current;
const server = createServer((req, res) => {
  req.resume();
  const state = { closedAt: undefined, ended: false };
  current = state;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const f of headFrames()) res.write(f);
  let i = 0;
  const timer = setInterval(() => {
    if (i < 1000) res.write(deltaFrame(i++));
    else {
      clearInterval(timer);
      state.ended = true;
      res.end(tailFrames(i).join(''));
    }
  }, 10);
  res.on('close', () => {
    clearInterval(timer);
    if (!state.ended) state.closedAt = performance.now();
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${server.address().port}`;
const STOP_AFTER = 5; // text pieces read before stopping
let stopAt; // performance.now() when the client was told to stop

/**
 * Each client reads STOP_AFTER pieces with its default fetch, then stops by
 * `stop` (abort, unsubscribe or break); resolves with what the app saw after.
 */
const stoppers = {
  'cohere-rx': {
    unsubscribe: () =>
      new Promise((resolve, reject) => {
        let n = 0;
        const sub = chatStream$(request, { baseUrl, apiKey: 'bench', maxRetries: 0 })
          .pipe(textOnly())
          .subscribe({
            next: () => {
              if (++n === STOP_AFTER) {
                stopAt = performance.now();
                sub.unsubscribe();
                resolve('nothing more (unsubscribed)');
              }
            },
            error: reject,
          });
      }),
  },
  'cohere-ai': {
    'AbortSignal (requestOptions.abortSignal)': async () => {
      const controller = new AbortController();
      const client = new CohereClientV2({ token: 'bench', baseUrl });
      let n = 0;
      try {
        for await (const event of await client.chatStream(request, { abortSignal: controller.signal, maxRetries: 0 })) {
          if (event.type === 'content-delta' && ++n === STOP_AFTER) {
            stopAt = performance.now();
            controller.abort();
          }
        }
        return 'loop ends normally';
      } catch (e) {
        return `loop throws ${errorName(e)}`;
      }
    },
    'break out of for await': async () => {
      const client = new CohereClientV2({ token: 'bench', baseUrl });
      let n = 0;
      for await (const event of await client.chatStream(request, { maxRetries: 0 })) {
        if (event.type === 'content-delta' && ++n === STOP_AFTER) {
          stopAt = performance.now();
          break;
        }
      }
      return 'loop left';
    },
  },
  vercel: {
    'AbortSignal (streamText abortSignal)': async () => {
      const controller = new AbortController();
      const cohere = createCohere({ apiKey: 'bench', baseURL: `${baseUrl}/v2` });
      const result = streamText({
        model: cohere(request.model),
        prompt: 'bench',
        maxRetries: 0,
        abortSignal: controller.signal,
        onError: () => {},
      });
      let n = 0;
      try {
        for await (const piece of result.textStream) {
          if (piece && ++n === STOP_AFTER) {
            stopAt = performance.now();
            controller.abort();
          }
        }
        return 'textStream ends normally';
      } catch (e) {
        return `textStream throws ${errorName(e)}`;
      }
    },
    'break out of for await': async () => {
      const cohere = createCohere({ apiKey: 'bench', baseURL: `${baseUrl}/v2` });
      const result = streamText({ model: cohere(request.model), prompt: 'bench', maxRetries: 0, onError: () => {} });
      let n = 0;
      for await (const piece of result.textStream) {
        if (piece && ++n === STOP_AFTER) {
          stopAt = performance.now();
          break;
        }
      }
      return 'loop left';
    },
  },
};

async function closes(stop) {
  current = undefined;
  stopAt = undefined;
  const CLOSE_WAIT = 2000;
  let after;
  try {
    after = await withTimeout(stop(), 5000);
  } catch (e) {
    after = e instanceof Hang ? `hangs (${e.message})` : `throws ${errorName(e)}: ${String(e?.message).slice(0, 60)}`;
  }
  const stoppedAt = stopAt ?? performance.now();
  const state = current;
  while (state && state.closedAt === undefined && !state.ended && performance.now() - stoppedAt < CLOSE_WAIT)
    await new Promise((r) => setTimeout(r, 5));
  const closed = state?.closedAt !== undefined;
  const summary = !state
    ? `no request reached the server; ${after}`
    : closed
      ? `closes the connection (${(state.closedAt - stoppedAt).toFixed(0)} ms after stopping); ${after}`
      : `connection left open (not closed within ${CLOSE_WAIT} ms); ${after}`;
  return { closed, after, summary };
}

const stopResults = { what: 'stopping mid-stream closes the connection (loopback HTTP)' };
for (const client of CLIENTS) {
  stopResults[client] = {};
  for (const [how, stop] of Object.entries(stoppers[client])) {
    stopResults[client][how] = await closes(stop);
    log(`(e) stop by ${how} — ${client}: ${stopResults[client][how].summary}`);
  }
}
server.closeAllConnections?.();
server.close();
faultResults.e = stopResults;

// ---- 3. browser bundles -----------------------------------------------------------

const pages = {
  'cohere-rx': `
import { chatStream$, textOnly } from 'cohere-rx';
const out = document.querySelector('output');
chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] }, { apiKey: 'key' })
  .pipe(textOnly())
  .subscribe((piece) => out.append(piece));
`,
  'cohere-ai': `
import { CohereClientV2 } from 'cohere-ai';
const out = document.querySelector('output');
const client = new CohereClientV2({ token: 'key' });
for await (const event of await client.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] })) {
  if (event.type === 'content-delta') out.append(event.delta?.message?.content?.text ?? '');
}
`,
  vercel: `
import { createCohere } from '@ai-sdk/cohere';
import { streamText } from 'ai';
const out = document.querySelector('output');
const cohere = createCohere({ apiKey: 'key' });
const result = streamText({ model: cohere('command-a-03-2025'), prompt: 'hi' });
for await (const piece of result.textStream) out.append(piece);
`,
};
const bundles = {};
log('\n## 3. Browser bundles (esbuild, platform browser, ESM, minified, gzip -9)');
for (const [client, source] of Object.entries(pages)) {
  const options = browserPageOptions(client, source, root);
  const b = (bundles[client] = {});
  let result;
  try {
    result = await build(options);
    b.build = 'ok';
  } catch (e) {
    // Measure what can be built, with the unresolved Node built-ins left out.
    b.build = `fails: ${e.errors?.[0]?.text ?? String(e?.message ?? e).split('\n')[0]}`;
    const unresolved = new Set();
    result = await build({
      ...options,
      plugins: [
        {
          name: 'node-builtins-external',
          setup(pb) {
            pb.onResolve({ filter: /.*/ }, (a) =>
              isNodeBuiltin(a.path) ? (unresolved.add(a.path), { path: a.path, external: true }) : undefined,
            );
          },
        },
      ],
    }).catch(() => undefined);
    b.unresolvedNodeBuiltins = [...unresolved];
  }
  if (result) {
    const code = result.outputFiles[0].contents;
    b.minifiedBytes = code.length;
    b.gzipBytes = gzipSync(code, { level: 9 }).length;
    // npm packages standing in for Node built-ins (buffer, events, process, …)
    const shims = new Set();
    for (const input of Object.keys(result.metafile.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m && isNodeBuiltin(m[1])) shims.add(m[1]);
    }
    b.bundledNodeShims = [...shims];
    b.packages = [
      ...new Set(
        Object.keys(result.metafile.inputs)
          .map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1])
          .filter(Boolean),
      ),
    ].sort();
  }
  log(
    `${client}: build ${b.build}${b.gzipBytes ? `; ${(b.minifiedBytes / 1024).toFixed(1)} KB minified, ${(b.gzipBytes / 1024).toFixed(1)} KB gzip` : ''}${b.bundledNodeShims?.length ? `; bundles shims of Node built-ins: ${b.bundledNodeShims.join(', ')}` : ''}${b.unresolvedNodeBuiltins?.length ? `; unresolved: ${b.unresolvedNodeBuiltins.join(', ')}` : ''}; packages: ${b.packages?.join(', ')}`,
  );
}

// ---- the table ------------------------------------------------------------------

const cell = (s) => String(s).replaceAll('|', '\\|');
log('\n## Results\n');
log(`| | ${CLIENTS.map((c) => LABEL[c]).join(' | ')} |`);
log(`|---|${CLIENTS.map(() => '---').join('|')}|`);
for (const [label, r] of Object.entries(perEvent)) {
  log(`| CPU µs/event, ${label} | ${CLIENTS.map((c) => `${r[c].cpuUsPerEvent.toFixed(2)} (${r[c].cpuOverRx.toFixed(2)}×)`).join(' | ')} |`);
  log(
    `| wall µs/event, ${label} | ${CLIENTS.map((c) => `${r[c].wallUsPerEvent.toFixed(2)} (${r[c].wallOverRx.toFixed(2)}×)`).join(' | ')} |`,
  );
}
for (const [key, f] of Object.entries(faultResults)) {
  if (key === 'e') continue;
  log(`| (${key}) ${f.what} | ${CLIENTS.map((c) => cell(f[c].summary)).join(' | ')} |`);
}
log(
  `| (e) ${stopResults.what} | ${CLIENTS.map((c) =>
    cell(
      Object.entries(stopResults[c])
        .map(([how, r]) => `${how}: ${r.closed ? 'closed' : 'left open'}`)
        .join('; '),
    ),
  ).join(' | ')} |`,
);
log(
  `| browser page, KB gzip | ${CLIENTS.map((c) => {
    const b = bundles[c];
    const size = b.gzipBytes ? (b.gzipBytes / 1024).toFixed(1) : '—';
    if (b.build !== 'ok') return `${size} (browser build ${cell(b.build)})`;
    return `${size}${b.bundledNodeShims.length ? ` (incl. shims of Node ${b.bundledNodeShims.join(', ')})` : ''}`;
  }).join(' | ')} |`,
);

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
  cores: os.availableParallelism?.() ?? cpus.length,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  loadavg: os.loadavg(),
};
log(
  `\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}; node ${machine.node}; load ${machine.loadavg.map((x) => x.toFixed(2)).join(' ')}${QUICK ? '; BENCH_QUICK=1' : ''}`,
);
mkdirSync(join(root, '.bench-out'), { recursive: true });
writeFileSync(
  join(root, '.bench-out', 'compare.json'),
  JSON.stringify({ versions, machine, events: EVENTS, rounds, perEvent, faults: faultResults, bundles }, null, 2),
);
