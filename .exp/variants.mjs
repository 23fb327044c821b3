import { createParser } from 'eventsource-parser';
import { chatStream$, textOnly } from '/work/main/dist/index.mjs';
import { eventChunks, rechunk, responseOf } from '/work/main/bench/transcript.mjs';
const chunks = rechunk(eventChunks(100000), 16384);
async function floor(response) {
  const reader = response.body.getReader(); const decoder = new TextDecoder(); let pending = ''; let chars = 0;
  for (;;) { const { done, value } = await reader.read(); if (done) break;
    const text = pending + decoder.decode(value, { stream: true }); let start = 0; let end;
    while ((end = text.indexOf('\n', start)) !== -1) { if (text.startsWith('data: {', start)) { const e = JSON.parse(text.slice(start + 6, end)); if (e.type === 'content-delta') chars += e.delta.message.content.text.length; } start = end + 1; }
    pending = text.slice(start); }
  return chars;
}
async function parserOnly(response) {
  const reader = response.body.getReader(); const decoder = new TextDecoder(); let chars = 0;
  const parser = createParser({ onEvent: (m) => { if (m.data === "[DONE]") return; const e = JSON.parse(m.data); if (e.type === 'content-delta') chars += e.delta.message.content.text.length; } });
  for (;;) { const { done, value } = await reader.read(); if (done) break; parser.feed(decoder.decode(value, { stream: true })); }
  return chars;
}
function ours(response) { return new Promise((resolve) => { let c = 0; chatStream$({model:'m',messages:[]}, { fetch: async () => response, apiKey: 'b' }).pipe(textOnly()).subscribe({ next: (t) => (c += t.length), complete: () => resolve(c) }); }); }
function oursRaw(response) { return new Promise((resolve) => { let c = 0; chatStream$({model:'m',messages:[]}, { fetch: async () => response, apiKey: 'b' }).subscribe({ next: (e) => { if (e.type === 'content-delta') c += e.delta.message.content.text.length; }, complete: () => resolve(c) }); }); }
const fns = { floor, parserOnly, oursRaw, ours };
const t = Object.fromEntries(Object.keys(fns).map(k => [k, []]));
for (let r = 0; r < 12; r++) for (const [k, f] of Object.entries(fns)) { const resp = responseOf(chunks); globalThis.gc(); const t0 = performance.now(); await f(resp); if (r > 1) t[k].push(performance.now() - t0); }
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const k of Object.keys(fns)) console.log(k, med(t[k]).toFixed(1), (med(t[k]) / med(t.floor)).toFixed(3));
