import { eventChunks, rechunk, responseOf } from '/work/main/bench/transcript.mjs';
const A = await import('/work/main/.exp/expA.mjs'), B = await import('/work/main/.exp/expB.mjs'), C = await import('/work/main/.exp/expC.mjs'), D = await import('/work/main/.exp/expD.mjs');
const chunks = eventChunks(100000);
let c = 0; globalThis.__sink = (e) => { if (e.type === 'content-delta') c += e.delta.message.content.text.length; };
const run = (M) => (response) => new Promise((resolve) => { c = 0; M.chatStream$({model:'m',messages:[]}, { fetch: async () => response, apiKey: 'b' }).subscribe({ next: (e) => { if (e.type === 'content-delta') c += e.delta.message.content.text.length; }, complete: () => resolve(c) }); });
import { createParser } from 'eventsource-parser';
async function parserOnly(response) {
  const reader = response.body.getReader(); const decoder = new TextDecoder(); let chars = 0;
  const parser = createParser({ onEvent: (m) => { if (m.data === "[DONE]") return; const e = JSON.parse(m.data); if (e.type === 'content-delta') chars += e.delta.message.content.text.length; } });
  for (;;) { const { done, value } = await reader.read(); if (done) break; parser.feed(decoder.decode(value, { stream: true })); }
  return chars;
}
const fns = { P: parserOnly, A: run(A), D: run(D) };
const t = Object.fromEntries(Object.keys(fns).map(k => [k, []]));
for (let r = 0; r < 14; r++) for (const [k, f] of Object.entries(fns)) { const resp = responseOf(chunks); globalThis.gc(); const t0 = performance.now(); await f(resp); if (r > 1) t[k].push(performance.now() - t0); }
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const k of Object.keys(fns)) console.log(k, med(t[k]).toFixed(1));
