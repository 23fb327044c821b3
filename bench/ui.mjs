// The UI operators' bench: `npx tsup --silent && node bench/ui.mjs`.
// 1. partialJson per-byte cost at N and 4N characters (growth ratio: near 1 is
//    linear), beside re-parsing from the start on every piece (the quadratic
//    approach) and @streamparser/json, when installed
//    (`npm i --no-save @streamparser/json@0.0.26`; it is not a dependency).
// 2. structured(schema) beside textOnly() + partialJson() over the same answer
//    as events, per character: the same parser, no second parse (validation
//    runs once, at the end).
// 3. partialToolCalls vs toolCalls, per event.
// 4. Bundle sizes (esbuild, browser, minified, rxjs bundled, gzip).
// Medians of interleaved rounds; ratios from this run only.
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { partialJson, partialToolCalls, structured, textOnly, toolCalls } from '../dist/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 4 : 10;
const log = (...args) => console.log(...args);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 3) => x.toFixed(d);

let streamparser;
try {
  streamparser = await import('@streamparser/json');
} catch {
  streamparser = undefined;
}

// ---- documents ---------------------------------------------------------------

const WORDS = ['the', 'stream', 'café', 'naïve', '日本語', '🦀', 'quote"d', 'back\\slash', 'line\nbreak', 'tab\t', 'Zürich', 'observable'];
const word = (i) => WORDS[(i * 7 + (i >> 3)) % WORDS.length];
const prose = (chars) => {
  let s = '';
  for (let i = 0; s.length < chars; i++) s += (i ? ' ' : '') + word(i);
  return s;
};

/** Tool arguments as models write them: a few fields, one long text (an email, a document). */
function textHeavy(chars) {
  return JSON.stringify(
    {
      to: ['ana@example.com', 'bo@example.com'],
      subject: 'Quarterly report',
      priority: 2,
      draft: false,
      body: prose(chars),
      meta: { lang: 'en', tags: ['q3', 'report'] },
    },
    null,
    2,
  );
}

/** A list that grows with the text: records in one array (the widest shape). */
function recordHeavy(chars) {
  const items = [];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const item = { id: i, name: word(i), score: i * 0.5, ok: i % 3 === 0, note: prose(40) };
    items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return JSON.stringify({ items });
}

/** Cuts `text` into pieces of 1 to 7 characters (LLM-token-like), deterministically. */
function pieces(text) {
  const out = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = 1 + ((i * 5 + (i >> 2)) % 7);
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}

// ---- contenders --------------------------------------------------------------

/** cohere-rx partialJson(): every snapshot, the last one checked. */
function ours(parts) {
  let last;
  let count = 0;
  from(parts)
    .pipe(partialJson())
    .subscribe((v) => {
      last = v;
      count++;
    });
  return { last, count };
}

/**
 * The approach peers take: on every piece, re-parse the whole text so far.
 * A linear scan finds what is open, closes it (dropping an unfinished
 * number, literal, key or escape), and JSON.parse reads the result.
 */
function reparse(parts) {
  let text = '';
  let last;
  let count = 0;
  for (const part of parts) {
    text += part;
    const value = repairAndParse(text);
    if (value !== undefined) {
      last = value;
      count++;
    }
  }
  return { last, count };
}

function repairAndParse(text) {
  const closers = [];
  let inString = false;
  let escape = false;
  let stringStart = 0;
  let cut = 0; // the end of the last complete value or opener: the text up to it, closed, is JSON
  let cutDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escape) escape = false;
      else if (c === 92) escape = true;
      else if (c === 34) {
        inString = false;
        cut = i + 1;
        cutDepth = closers.length;
      }
    } else if (c === 34) {
      inString = true;
      stringStart = i;
    } else if (c === 123 || c === 91) {
      closers.push(c === 123 ? '}' : ']');
      cut = i + 1;
      cutDepth = closers.length;
    } else if (c === 125 || c === 93) {
      closers.pop();
      cut = i + 1;
      cutDepth = closers.length;
    } else if (c === 44) {
      cut = i; // before the comma
      cutDepth = closers.length;
    }
  }
  let head;
  if (inString) {
    // close the open string, without a half escape
    let end = text.length;
    if (escape) end--;
    const u = text.lastIndexOf('\\u', end);
    if (u > stringStart && end - u < 6) end = u;
    head = text.slice(0, end) + '"';
    cutDepth = closers.length;
  } else head = text.slice(0, cut);
  const suffix = closers.slice(0, cutDepth).reverse().join('');
  try {
    return JSON.parse(head + suffix);
  } catch {
    // a key without its value: drop it, as peers do
    try {
      return JSON.parse(head.replace(/,?\s*"(?:[^"\\]|\\.)*"\s*:?\s*$/, '') + suffix);
    } catch {
      return undefined;
    }
  }
}

/** @streamparser/json with partial tokens and values: its own events only, no snapshots built. */
function theirs(parts) {
  const parser = new streamparser.JSONParser({ emitPartialTokens: true, emitPartialValues: true });
  let last;
  let count = 0;
  parser.onValue = ({ value, stack }) => {
    count++;
    if (stack.length === 0) last = value;
  };
  for (const part of parts) parser.write(part);
  return { last, count };
}

// ---- 1. partialJson scaling --------------------------------------------------

const N = QUICK ? 4 * 1024 : 8 * 1024;
function scaling(shape, contenders) {
  const small = shape(N);
  const large = shape(4 * N);
  const cases = {
    small: { text: small, parts: pieces(small) },
    large: { text: large, parts: pieces(large) },
  };
  const times = {};
  for (const name of Object.keys(contenders)) for (const size of ['small', 'large']) times[`${name}.${size}`] = [];
  const keys = Object.keys(times);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(round + j) % keys.length];
      const [name, size] = key.split('.');
      const { text, parts } = cases[size];
      const repeat = size === 'small' ? 4 : 1; // the same number of bytes per measurement
      const t0 = performance.now();
      let result;
      for (let r = 0; r < repeat; r++) result = contenders[name](parts);
      const ms = (performance.now() - t0) / repeat;
      if (JSON.stringify(result.last) !== JSON.stringify(JSON.parse(text))) throw new Error(`${name} parsed ${size} wrong`);
      if (round > 1) times[key].push((ms * 1e6) / text.length); // ns per character (two warm-up rounds)
    }
  }
  const out = {};
  for (const name of Object.keys(contenders)) {
    const small = median(times[`${name}.small`]);
    const large = median(times[`${name}.large`]);
    out[name] = { small, large, growth: median(times[`${name}.large`].map((t, i) => t / times[`${name}.small`][i])) };
  }
  return { out, pieces: [cases.small.parts.length, cases.large.parts.length], chars: [small.length, large.length] };
}

log(`# cohere-rx UI operators bench (node ${process.version}, medians of ${ROUNDS - 2} interleaved rounds)\n`);
const contenders = { partialJson: ours, reparse };
if (streamparser) contenders.streamparser = theirs;
else log('(@streamparser/json not installed: `npm i --no-save @streamparser/json@0.0.26` to compare)\n');
const labels = {
  partialJson: 'cohere-rx partialJson()',
  reparse: 're-parse from the start',
  streamparser: '@streamparser/json (events only)',
};

for (const [title, shape] of [
  ['text-heavy tool arguments (one long string field)', textHeavy],
  ['record-heavy (one array growing with the text)', recordHeavy],
]) {
  const r = scaling(shape, contenders);
  log(`## partialJson: ${title}, ${r.chars[0]} and ${r.chars[1]} characters in ${r.pieces[0]} and ${r.pieces[1]} pieces`);
  log('| contender | ns/char at N | ns/char at 4N | growth 4N/N |');
  log('|---|---|---|---|');
  for (const [name, v] of Object.entries(r.out)) log(`| ${labels[name]} | ${fmt(v.small, 1)} | ${fmt(v.large, 1)} | ${fmt(v.growth, 2)} |`);
  log('');
}

// ---- 2. structured vs partialJson --------------------------------------------------

/** The answer as Cohere streams it: message-start, content-start, a content-delta per piece, content-end, message-end. */
function answerOf(parts) {
  return [
    { type: 'message-start', id: 'bench', delta: { message: { role: 'assistant' } } },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
    ...parts.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
    { type: 'content-end', index: 0 },
    { type: 'message-end', delta: { finish_reason: 'COMPLETE' } },
  ];
}
/** A Standard Schema that accepts anything: structured()'s own cost, validation aside. */
const anything = { '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value }) } };
const schemas = {
  textHeavy: z.object({
    to: z.array(z.string()),
    subject: z.string(),
    priority: z.number().int(),
    draft: z.boolean(),
    body: z.string(),
    meta: z.object({ lang: z.string(), tags: z.array(z.string()) }),
  }),
  recordHeavy: z.object({
    items: z.array(z.object({ id: z.number(), name: z.string(), score: z.number(), ok: z.boolean(), note: z.string() })),
  }),
};

/** Runs `events` through `pipeline`, keeping the last value and the count. */
function through(events, pipeline) {
  let last;
  let count = 0;
  pipeline(from(events)).subscribe((v) => {
    last = v;
    count++;
  });
  return { last, count };
}

function structuredCost(shape, schema) {
  const text = shape(N);
  const parts = pieces(text);
  const events = answerOf(parts);
  const expected = JSON.stringify(JSON.parse(text));
  const cases = {
    'partialJson (text pieces)': () => through(parts, (s) => s.pipe(partialJson())),
    'textOnly + partialJson (events)': () => through(events, (s) => s.pipe(textOnly(), partialJson())),
    'structured, validation aside (events)': () => through(events, (s) => s.pipe(structured(anything))),
    'structured with zod (events)': () => through(events, (s) => s.pipe(structured(schema))),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const keys = Object.keys(cases);
  for (let round = 0; round < ROUNDS * 2; round++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(round + j) % keys.length];
      const t0 = performance.now();
      let result;
      for (let r = 0; r < 4; r++) result = cases[key]();
      const ms = (performance.now() - t0) / 4;
      const value = result.last?.done === true ? result.last.value : result.last;
      if (JSON.stringify(value) !== expected) throw new Error(`${key} parsed the answer wrong`);
      if (round > 1) times[key].push((ms * 1e6) / text.length);
    }
  }
  const out = {};
  for (const key of keys) out[key] = median(times[key]);
  // Paired ratios, round by round, against the same parse fed by textOnly.
  const base = times['textOnly + partialJson (events)'];
  const ratio = (key) => median(times[key].map((t, i) => t / base[i]));
  return { out, ratio, chars: text.length, pieces: parts.length };
}

for (const [title, shape, schema] of [
  ['text-heavy answer', textHeavy, schemas.textHeavy],
  ['record-heavy answer', recordHeavy, schemas.recordHeavy],
]) {
  const r = structuredCost(shape, schema);
  log(`## structured vs partialJson: ${title}, ${r.chars} characters in ${r.pieces} content-delta events`);
  log('| pipeline | ns/char | ÷ textOnly + partialJson |');
  log('|---|---|---|');
  for (const [name, ns] of Object.entries(r.out)) log(`| ${name} | ${fmt(ns, 1)} | ${fmt(r.ratio(name), 2)} |`);
  log('');
}

// ---- 3. partialToolCalls vs toolCalls ------------------------------------------

function toolTurn(chars) {
  const events = [{ type: 'message-start', id: 'bench', delta: { message: { role: 'assistant' } } }];
  for (let call = 0; call < 2; call++) {
    events.push({
      type: 'tool-call-start',
      index: call,
      delta: { message: { tool_calls: { id: `call_${call}`, type: 'function', function: { name: 'send_email', arguments: '' } } } },
    });
    for (const part of pieces(textHeavy(chars)))
      events.push({ type: 'tool-call-delta', index: call, delta: { message: { tool_calls: { function: { arguments: part } } } } });
    events.push({ type: 'tool-call-end', index: call });
  }
  events.push({ type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } });
  return events;
}
const turn = toolTurn(N);
const opTimes = { partialToolCalls: [], toolCalls: [] };
for (let round = 0; round < ROUNDS * 2; round++) {
  for (const name of round % 2 ? ['toolCalls', 'partialToolCalls'] : ['partialToolCalls', 'toolCalls']) {
    const op = name === 'toolCalls' ? toolCalls : partialToolCalls;
    const t0 = performance.now();
    await lastValueFrom(from(turn).pipe(op()));
    if (round > 1) opTimes[name].push(((performance.now() - t0) * 1000) / turn.length);
  }
}
const ptc = median(opTimes.partialToolCalls);
const tc = median(opTimes.toolCalls);
log(`## partialToolCalls vs toolCalls: ${turn.length} events (2 calls of ${textHeavy(N).length} characters in pieces of 1-7)`);
log(`partialToolCalls ${fmt(ptc)} µs/event, toolCalls ${fmt(tc)} µs/event (${fmt(ptc / tc, 1)}×)\n`);

// ---- 4. bundle sizes -------------------------------------------------------------

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  esbuild = undefined;
}
if (esbuild) {
  const lib = resolve(process.env.BUNDLE_LIB ?? join(here, '..', 'lib', 'index.ts'));
  const size = async (contents) => {
    const out = await esbuild.build({
      stdin: { contents, resolveDir: join(here, '..'), loader: 'ts' },
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0].contents;
    return { min: code.length, gzip: gzipSync(code).length };
  };
  const use = (names) => `import { ${names.join(', ')} } from ${JSON.stringify(lib)}; console.log(${names.join(', ')});`;
  const entries = [
    ['chatStream$ + textOnly (the minimal page)', use(['chatStream$', 'textOnly'])],
    ['+ partialJson', use(['chatStream$', 'textOnly', 'partialJson'])],
    ['+ partialToolCalls', use(['chatStream$', 'textOnly', 'partialToolCalls'])],
    ['+ smoothText', use(['chatStream$', 'textOnly', 'smoothText'])],
    ['+ all three', use(['chatStream$', 'textOnly', 'partialJson', 'partialToolCalls', 'smoothText'])],
    ['+ structured + responseFormat', use(['chatStream$', 'textOnly', 'structured', 'responseFormat'])],
  ];
  if (streamparser)
    entries.push([
      '@streamparser/json JSONParser alone (no rxjs)',
      `import { JSONParser } from '@streamparser/json'; console.log(JSONParser);`,
    ]);
  log(`## Bundle sizes (esbuild ${esbuild.version}, browser, minified, rxjs bundled; ${lib})`);
  log('| entry | min bytes | gzip bytes |');
  log('|---|---|---|');
  for (const [label, contents] of entries) {
    const s = await size(contents);
    log(`| ${label} | ${s.min} | ${s.gzip} |`);
  }
}
