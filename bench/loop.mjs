// node bench/loop.mjs (after `npx tsup --silent`): what runTools$ costs per
// step beyond the model turns themselves. The same two-step conversation (a
// turn with two tool calls, then a 200-token answer) is run three ways, in the
// same process, interleaved: by runTools$, by hand (chatStream$ +
// accumulateMessage + building the next request), and as two bare chatStream$
// calls with the requests prepared in advance (the floor). Over loopback HTTP
// (the server in a child process) and over an in-memory fetch (no network
// noise). Medians; absolute times vary from machine to machine.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { count, last, lastValueFrom } from 'rxjs';
import { accumulateMessage, chatStream$, parseToolCallArguments, runTools$ } from '../dist/index.mjs';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents } from '../dist/testing.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARMUP = 30;
const answer = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
const script = [
  toolCallEvents(
    [
      { name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_paris' },
      { name: 'get_weather', arguments: { city: 'Tokyo' }, id: 'call_tokyo' },
    ],
    { id: 'turn-1' },
  ),
  answerEvents(answer, { id: 'turn-2' }),
];

if (process.argv[2] === '--server') {
  const server = await startReplayServer({ pick: pickByStep(script) });
  process.stdout.write(`${server.url}\n`);
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }] };
  const execute = ({ city }) => ({ city, tempC: 20 });
  const tools = { get_weather: { description: 'Current weather', parameters: { type: 'object' }, execute } };
  const toolList = [
    { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object' } } },
  ];

  /** runTools$: the whole loop. */
  const loop = (options) => lastValueFrom(runTools$(request, { ...options, tools }).pipe(count()));

  /** By hand: what users wrote before runTools$ (keeping each turn's message, as the loop does for step-end). */
  const byHand = async (options) => {
    const first = { ...request, tools: toolList };
    const response = await lastValueFrom(chatStream$(first, options).pipe(accumulateMessage(), last()));
    const calls = response.message.tool_calls ?? [];
    const results = calls.map((call) => ({
      role: 'tool',
      tool_call_id: call.id,
      content: [{ type: 'document', document: { data: execute(parseToolCallArguments(call)) } }],
    }));
    const assistant = { role: 'assistant', tool_plan: response.message.tool_plan, tool_calls: calls };
    return lastValueFrom(
      chatStream$({ ...first, messages: [...first.messages, assistant, ...results] }, options).pipe(accumulateMessage(), last()),
    );
  };

  /** The floor: the two turns' requests prepared in advance, each stream only counted. */
  const second = {
    ...request,
    tools: toolList,
    messages: [...request.messages, { role: 'assistant', tool_calls: [] }, { role: 'tool', tool_call_id: 'x', content: 'x' }],
  };
  const bare = async (options) => {
    await lastValueFrom(chatStream$({ ...request, tools: toolList }, options).pipe(count()));
    return lastValueFrom(chatStream$(second, options).pipe(count()));
  };

  const cases = { runTools$: loop, 'by hand': byHand, 'bare chatStream$ x2': bare };

  // In memory: a fetch that answers from the script, as the replay server would.
  const pick = pickByStep(script);
  const encoder = new TextEncoder();
  const sse = (events) => encoder.encode(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
  const bodies = new Map(script.map((events) => [events, sse(events)]));
  const memoryFetch = async (_url, init) =>
    new Response(bodies.get(pick(JSON.parse(init.body))), { headers: { 'content-type': 'text/event-stream' } });

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  try {
    for (const [where, options] of [
      ['in-memory fetch', { apiKey: 'bench', fetch: memoryFetch, maxRetries: 0 }],
      ['loopback HTTP', { apiKey: 'bench', baseUrl: url, maxRetries: 0 }],
    ]) {
      const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
      for (let round = 0; round < ROUNDS + WARMUP; round++) {
        for (const [name, run] of Object.entries(cases)) {
          const start = process.hrtime.bigint();
          await run(options);
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (round >= WARMUP) times[name].push(ms);
        }
      }
      const med = Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]));
      console.log(`\n${where}: median of ${ROUNDS} two-step conversations (2 tool calls, a 200-token answer)`);
      for (const [name, ms] of Object.entries(med)) console.log(`  ${name.padEnd(20)} ${ms.toFixed(3)} ms`);
      const perStep = (med['runTools$'] - med['by hand']) / 2;
      console.log(
        `  loop overhead per step vs by hand:   ${(perStep * 1000).toFixed(0)} µs (${((perStep * 2 * 100) / med['by hand']).toFixed(1)} % of the conversation)`,
      );
      console.log(`  loop overhead per step vs the floor: ${(((med['runTools$'] - med['bare chatStream$ x2']) / 2) * 1000).toFixed(0)} µs`);
    }
  } finally {
    child.kill('SIGTERM');
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
