import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGenerationServer, type GenerationServer } from '../../spec/helpers/generationServer';
import { textTurn } from '../../spec/helpers/sse';

// The browser example's page in Chromium against a loopback stand-in of a
// relay that keeps generations (spec/helpers/generationServer.ts: POST with
// X-Cohere-Rx-Generation and `id:` frames, GET with Last-Event-ID, DELETE),
// so that the page's side of #21 is tested on its own: the id kept in
// sessionStorage, the answer continued after a reload with resumeChat$, Stop
// sending the DELETE. examples.spec.ts runs the same page against the real
// example relay (with its store).
const root = resolve(__dirname, '..', '..');
const pageDir = join(root, 'examples', 'browser');
const GENERATION = 'cohere-rx-example:generation';

/** A one-turn answer (no tool call), slow enough to reload in the middle. */
const words = Array.from({ length: 30 }, (_, i) => `word${i} `);
const answer = [
  textTurn[0],
  textTurn[1],
  ...words.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
  textTurn[6],
  textTurn[7],
];
const fullText = words.join('').trim();

let browser: Browser;
let bundle: string;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  // The page as built from this checkout's sources (no packed package needed).
  const result = await build({
    entryPoints: [join(pageDir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    alias: { 'cohere-rx': join(root, 'lib', 'index.ts') },
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

let server: GenerationServer | undefined;
let page: Page | undefined;
afterEach(async () => {
  await page?.close();
  await server?.close();
});

async function start(options: { holdAfter?: number } = {}): Promise<GenerationServer> {
  server = await startGenerationServer({
    events: answer,
    frameDelayMs: 60,
    ...options,
    fallback: async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/main.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      const file = path === '/' ? 'index.html' : path.slice(1);
      if (file !== 'index.html' && file !== 'style.css') return void res.writeHead(404).end();
      const type = extname(file) === '.css' ? 'text/css' : 'text/html; charset=utf-8';
      res.writeHead(200, { 'content-type': type }).end(await readFile(join(pageDir, file)));
    },
  });
  page = await browser.newPage();
  return server;
}

const chat = (s: GenerationServer, method: string) => s.requests.filter((r) => r.method === method && r.url.includes('/v2/chat'));
const stored = (p: Page) => p.evaluate((key) => sessionStorage.getItem(key), GENERATION);
const answerText = (p: Page) => p.locator('#answer').innerText();

describe('the browser example with a relay that keeps generations (a loopback stand-in)', () => {
  it('should keep the id while streaming, continue the answer after a reload (a GET, no second POST), and forget the id at the end', async () => {
    const s = await start();
    await page!.goto(`${s.url}/`);
    await page!.click('#send');
    await page!.waitForFunction(() => (document.getElementById('answer')?.innerText ?? '').length > 12);
    expect(await stored(page!)).toBe(s.id);
    const before = await answerText(page!);
    expect(before.length).toBeLessThan(fullText.length);

    await page!.reload();
    await page!.locator('#status', { hasText: 'done' }).waitFor({ timeout: 20_000 });
    const after = await answerText(page!);
    expect(after.trim()).toBe(fullText);
    expect(fullText.startsWith(before.trim())).toBe(true);
    expect(chat(s, 'POST')).toHaveLength(1);
    const resumes = chat(s, 'GET');
    expect(resumes.map((r) => r.url)).toEqual([`/api/v2/chat/${s.id}`]);
    expect(resumes[0]!.headers['authorization']).toBeUndefined();
    expect(await stored(page!)).toBeNull();
    expect(chat(s, 'DELETE')).toHaveLength(0); // a reload is not a Stop
  }, 45_000);

  it('should send the DELETE on Stop, and forget the id', async () => {
    const s = await start({ holdAfter: 8 });
    await page!.goto(`${s.url}/`);
    await page!.click('#send');
    await page!.waitForFunction(() => (document.getElementById('answer')?.innerText ?? '').length > 6);
    expect(await stored(page!)).toBe(s.id);
    await page!.click('#stop');
    await s.deleted();
    expect(chat(s, 'DELETE').map((r) => r.url)).toEqual([`/api/v2/chat/${s.id}`]);
    expect(await stored(page!)).toBeNull();
    expect(await page!.locator('#status').innerText()).toBe('stopped');
  }, 30_000);
});
