import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startReplayServer, type ReplayServer } from '../../lib/testing';
import { transcriptText } from '../../spec/helpers/transcripts';

// Both examples in headless Chromium, built from the packed package
// (examples/e2e/prepare.mjs), streaming from the replay server on another
// loopback origin (so CORS is exercised) with realistic token timing.
const root = resolve(__dirname, '..', '..');
const apps = [
  { name: 'browser', dir: join(root, 'examples', 'browser', 'dist'), shot: 'browser-example.png' },
  { name: 'angular', dir: join(root, 'examples', 'angular', 'dist', 'chat', 'browser'), shot: 'angular-example.png' },
];

/** The answer of the tool-answer transcript: what both apps must end up showing. */
const finalAnswer = transcriptText('tool-answer');

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A static file server for a built app, on 127.0.0.1. */
async function serveStatic(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    let file = join(dir, path);
    if (!file.startsWith(dir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) file = join(dir, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let browser: Browser;
let replay: ReplayServer;
let strict: ReplayServer;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Slow enough that a tool call's arguments arrive over several frames (one
  // event per 30–45 ms: the tool-calls transcript streams `{"`, `location`,
  // `":"`, `Paris`, `"}` as separate deltas before `tool-call-end`).
  replay = await startReplayServer({ delayMs: 30, jitterMs: 15 });
  // A backend that wants a key the page does not have: the page must show the 401.
  strict = await startReplayServer({ apiKey: 'backend-only-key' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await replay?.close();
  await strict?.close();
});

const answerText = (page: Page) => page.locator('#answer').innerText();

describe.each(apps)('the $name example in Chromium', ({ dir, shot }) => {
  let site: { url: string; server: Server };
  let page: Page;
  beforeAll(async () => {
    site = await serveStatic(dir);
  });
  afterAll(() => new Promise<void>((r) => site.server.close(() => r())));
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 900, height: 760 } });
  });
  afterEach(() => page.close());

  it('should fill in tool-call cards while the arguments stream, then stream the answer, with citations and usage', async () => {
    await page.goto(`${site.url}/?api=${encodeURIComponent(replay.url)}`);
    // Every argument value the page shows on a card whose call has not ended yet.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { partialArguments: string[] }).partialArguments = seen;
      new MutationObserver(() => {
        for (const card of document.querySelectorAll('#tool-calls li[data-done="false"]')) {
          for (const dd of card.querySelectorAll('dd')) {
            const entry = `${dd.previousElementSibling?.textContent ?? ''}=${dd.textContent ?? ''}`;
            if (dd.textContent !== '' && seen[seen.length - 1] !== entry) seen.push(entry);
          }
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.click('#send');
    await page.locator('#tool-calls li').nth(1).waitFor();
    // A partial answer is on screen before the end.
    let partial = '';
    for (let i = 0; i < 500 && partial === ''; i++) {
      const text = await answerText(page);
      if (text !== '' && !(await page.locator('#usage').isVisible())) partial = text;
      else await page.waitForTimeout(10);
    }
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(finalAnswer.length);
    expect(finalAnswer.startsWith(partial)).toBe(true);

    await page.locator('#status', { hasText: 'done' }).waitFor();
    expect(await answerText(page)).toBe(finalAnswer);
    // An argument value was on screen before its call ended (the card filling in).
    const seen = await page.evaluate(() => (window as unknown as { partialArguments: string[] }).partialArguments);
    expect(seen.length).toBeGreaterThan(0);
    for (const entry of seen) expect(['location=Paris', 'location=Tokyo'].some((full) => full.startsWith(entry))).toBe(true);
    // The cards at the end: both calls done, their arguments, the tool outputs.
    const cards = page.locator('#tool-calls li');
    expect(await cards.count()).toBe(2);
    expect(await page.locator('#tool-calls li[data-done="true"]').count()).toBe(2);
    expect(await cards.locator('.tool-name').allInnerTexts()).toEqual(['get_weather', 'get_weather']);
    expect(await cards.locator('dd').allInnerTexts()).toEqual(['Paris', 'Tokyo']);
    const outputs = await cards.locator('.tool-output').allInnerTexts();
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toContain('temperature_c: 18');
    expect(outputs[1]).toContain('temperature_c: 24');
    expect(await page.locator('#plan').innerText()).toContain('Paris and in Tokyo');
    const marks = page.locator('mark.cite');
    expect(await marks.count()).toBe(3);
    // Hovering a cited span shows its source.
    await marks.first().hover();
    const source = marks.first().locator('.source');
    await source.waitFor({ state: 'visible' });
    expect(await source.innerText()).toContain('get_weather_k3v9q2m8x1pa:0');
    expect(await source.innerText()).toContain('"temperature_c":18');
    expect(await page.locator('#usage').innerText()).toMatch(/\d+ input · \d+ output tokens · COMPLETE/);
    await page.screenshot({ path: join(root, 'docs', 'img', shot), fullPage: true });
  }, 30_000);

  it('should stop on Stop: the connection closes and no more text appears', async () => {
    await page.goto(`${site.url}/?api=${encodeURIComponent(replay.url)}`);
    const abortsBefore = replay.clientAborts();
    await page.click('#send');
    await page.waitForFunction(() => (document.getElementById('answer')?.innerText ?? '').length > 10);
    await page.click('#stop');
    await replay.waitForClientAborts(abortsBefore + 1); // the server saw the connection close
    const atStop = await answerText(page);
    await page.waitForTimeout(600); // several events' worth of time
    expect(await answerText(page)).toBe(atStop);
    expect(atStop.length).toBeLessThan(finalAnswer.length);
    expect(await page.locator('#status').innerText()).toBe('stopped');
    expect(await page.locator('#send').isEnabled()).toBe(true);
  }, 30_000);

  it('should show an error banner for a 401', async () => {
    await page.goto(`${site.url}/?api=${encodeURIComponent(strict.url)}`);
    await page.click('#send');
    const banner = page.locator('#error');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.innerText()).toContain('Cohere API request failed with status 401: invalid api token');
    expect(await page.locator('#status').innerText()).toBe('error');
  }, 30_000);
});
