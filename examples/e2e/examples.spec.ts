import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { answerEvents, startReplayServer, type ReplayServer } from '../../lib/testing';
import { defaultPick } from '../../lib/testing/replayRequests';
import { transcriptText } from '../../spec/helpers/transcripts';

// Both examples in headless Chromium, built from the packed package
// (examples/e2e/prepare.mjs), each served by its own relay
// (examples/relay/server.mjs, run with node as a user would): the page posts
// to /api/v2/chat on the relay's origin with no key; the relay streams from
// the replay server with the server's key, with realistic token timing.
const root = resolve(__dirname, '..', '..');
const relayScript = join(root, 'examples', 'relay', 'server.mjs');
const apps = [
  { name: 'browser', dir: join(root, 'examples', 'browser', 'dist'), shot: 'browser-example.png' },
  { name: 'angular', dir: join(root, 'examples', 'angular', 'dist', 'chat', 'browser'), shot: 'angular-example.png' },
];

/** The answer of the tool-answer transcript: what both apps must end up showing. */
const finalAnswer = transcriptText('tool-answer');

/** The model's reply once the user denied the tool (the replay server answers a denial with it). */
const denialReply = 'Understood: I will not look up the weather without your permission.';

/** The server's key: only the relays hold it; no page request or script may. */
const serverKey = `replay-key-${randomBytes(12).toString('hex')}`;
/** A key the replay server refuses: the relay of the 401 test holds it. */
const wrongKey = `wrong-key-${randomBytes(12).toString('hex')}`;

interface Relay {
  url: string;
  child: ChildProcess;
}

/** Starts examples/relay/server.mjs serving `dir`, relaying to the replay server with `apiKey`. */
function startRelay(dir: string, apiKey: string): Promise<Relay> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', REPLAY_URL: replay.url, REPLAY_KEY: apiKey };
  delete env['CO_API_KEY']; // never Cohere from the tests
  const child = spawn(process.execPath, [relayScript, '--static', dir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise<Relay>((resolveRelay, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolveRelay({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`the relay exited (${code}) before listening: ${out}`)));
  });
}

function stopRelay(relay: Relay | undefined): Promise<void> {
  if (!relay || relay.child.exitCode !== null) return Promise.resolve();
  return new Promise<void>((r) => {
    relay.child.once('exit', () => r());
    relay.child.kill();
  });
}

let browser: Browser;
let replay: ReplayServer;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Slow enough that a tool call's arguments arrive over several frames (one
  // event per 30–45 ms: the tool-calls transcript streams `{"`, `location`,
  // `":"`, `Paris`, `"}` as separate deltas before `tool-call-end`). It wants
  // the server's key: a relay with another key gets its 401.
  replay = await startReplayServer({
    delayMs: 30,
    jitterMs: 15,
    apiKey: serverKey,
    // As the built-in transcripts, but a model that reads a denial answers it.
    pick: (body) => (JSON.stringify(body['messages']).includes('The user denied') ? answerEvents(denialReply) : defaultPick(body)),
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await replay?.close();
});

const answerText = (page: Page) => page.locator('#answer').innerText();

describe.each(apps)('the $name example in Chromium', ({ name, dir, shot }) => {
  let site: Relay;
  /** The same app behind a relay whose key the replay server refuses. */
  let strict: Relay;
  let page: Page;
  /** Every request the page made. */
  let requests: Request[];
  beforeAll(async () => {
    [site, strict] = await Promise.all([startRelay(dir, serverKey), startRelay(dir, wrongKey)]);
  }, 30_000);
  afterAll(() => Promise.all([stopRelay(site), stopRelay(strict)]));
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 900, height: 760 } });
    requests = [];
    page.on('request', (request) => void requests.push(request));
  });
  afterEach(async () => {
    try {
      // No key in any request the page made: no Authorization header, no key in any header or body.
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        const headers = await request.allHeaders();
        expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain('authorization');
        const sent = `${request.url()}\n${JSON.stringify(headers)}\n${request.postData() ?? ''}`;
        expect(sent).not.toContain(serverKey);
        expect(sent).not.toContain(wrongKey);
        // Only the page's own origin: never the upstream.
        expect(request.url().startsWith(`${site.url}/`) || request.url().startsWith(`${strict.url}/`)).toBe(true);
      }
    } finally {
      await page?.close();
    }
  });

  /** The chat requests the page made: POSTs to its relay's /api/v2/chat. */
  const chatRequests = () => requests.filter((r) => new URL(r.url()).pathname === '/api/v2/chat');

  it('should fill in tool-call cards while the arguments stream, then stream the answer, with citations and usage', async () => {
    const upstreamBefore = replay.requests.length;
    await page.goto(`${site.url}/`);
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

    // Through the relay: one page request per turn, each one upstream request carrying the server's key.
    const chats = chatRequests();
    expect(chats.length).toBe(2); // the tool-call turn, then the answer
    for (const chat of chats) {
      expect(chat.method()).toBe('POST');
      expect(chat.url()).toBe(`${site.url}/api/v2/chat`);
    }
    const upstream = replay.requests.slice(upstreamBefore);
    expect(upstream.map((r) => r.headers['authorization'])).toEqual(chats.map(() => `Bearer ${serverKey}`));
    // The tool is defined by a schema (valibot in the page, zod in Angular): the model was told the JSON Schema its library wrote.
    const tools = upstream[0]!.body!['tools'] as { function: { name: string; parameters: Record<string, unknown> } }[];
    expect(tools.map((t) => t.function.name)).toEqual(['get_weather']);
    expect(tools[0]!.function.parameters).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { location: { type: 'string', minLength: 1, description: 'The city' } },
      required: ['location'],
    });
    // No key in any script the page loads (fetched again here, as anyone could).
    const scripts = requests.filter((r) => r.resourceType() === 'script').map((r) => r.url());
    expect(scripts.length).toBeGreaterThan(0);
    const code = await Promise.all(scripts.map(async (url) => (await fetch(url)).text()));
    expect(code.join('\n')).toContain('/v2/chat'); // the bundle itself, not an error page
    for (const text of code) {
      expect(text).not.toContain(serverKey);
      expect(text).not.toContain(wrongKey);
    }
  }, 30_000);

  /** Answers each approval question of a run on the server: the browser's window.confirm, or the Angular app's dialog. */
  async function answerApprovals(allow: boolean, count: number): Promise<string[]> {
    const asked: string[] = [];
    if (name === 'browser') {
      page.on('dialog', (dialog) => {
        asked.push(dialog.message());
        void (allow ? dialog.accept() : dialog.dismiss());
      });
      await page.click('#send');
      return asked;
    }
    await page.click('#send');
    for (let i = 0; i < count; i++) {
      // The next question (the dialog may stay open from one call to the next: its text changes).
      const previous = asked[i - 1] ?? '';
      await page.waitForFunction((before) => {
        const question = document.getElementById('approval-question');
        return question !== null && question.innerText !== before;
      }, previous);
      asked.push(await page.locator('#approval-question').innerText());
      await page.click(allow ? '#allow' : '#deny');
    }
    await page.locator('#approval').waitFor({ state: 'detached' });
    return asked;
  }
  const approvalRequests = () => requests.filter((r) => new URL(r.url()).pathname === '/api/approval/v2/chat');

  it('should ask before the server runs a tool; confirming continues the answer, and the tool ran on the server', async () => {
    const upstreamBefore = replay.requests.length;
    await page.goto(`${site.url}/`);
    await page.check('#server-tools');
    const asked = await answerApprovals(true, 2);
    await page.locator('#status', { hasText: 'done' }).waitFor();
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain('get_weather');
    expect(asked[0]).toContain('Paris');
    expect(asked[1]).toContain('Tokyo');
    expect(await answerText(page)).toBe(finalAnswer);
    const outputs = await page.locator('#tool-calls li .tool-output').allInnerTexts();
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toContain('temperature_c: 18');
    // Two page requests: the one that paused, the one with the decisions (tokens included).
    const chats = approvalRequests();
    expect(chats).toHaveLength(2);
    const decisions = (JSON.parse(chats[1]!.postData() ?? '{}') as { approvals?: { approved: boolean; token: string }[] }).approvals;
    expect(decisions?.map((d) => d.approved)).toEqual([true, true]);
    expect(decisions?.every((d) => typeof d.token === 'string' && d.token.length > 40)).toBe(true);
    // Upstream: the tool-call turn, then the answer; no approvals ever sent there.
    const upstream = replay.requests.slice(upstreamBefore);
    expect(upstream).toHaveLength(2);
    for (const sent of upstream) expect(sent.body).not.toHaveProperty('approvals');
  }, 30_000);

  it("should give the model's reply to a denial, with no tool run", async () => {
    await page.goto(`${site.url}/`);
    await page.check('#server-tools');
    const asked = await answerApprovals(false, 2);
    await page.locator('#status', { hasText: 'done' }).waitFor();
    expect(asked).toHaveLength(2);
    expect(await answerText(page)).toBe(denialReply);
    const outputs = await page.locator('#tool-calls li .tool-output').allInnerTexts();
    expect(outputs).toHaveLength(2);
    for (const output of outputs) expect(output).toContain('The user denied this tool call: the user said no');
  }, 30_000);

  it('should stop on Stop: the upstream connection closes and no more text appears', async () => {
    await page.goto(`${site.url}/`);
    const abortsBefore = replay.clientAborts();
    await page.click('#send');
    await page.waitForFunction(() => (document.getElementById('answer')?.innerText ?? '').length > 10);
    expect(replay.activeResponses()).toBe(1); // the answer streaming, through the relay
    await page.click('#stop');
    // The page's abort reached the upstream: the replay server saw the relay's connection close.
    await replay.waitForClientAborts(abortsBefore + 1);
    expect(replay.activeResponses()).toBe(0);
    const atStop = await answerText(page);
    await page.waitForTimeout(600); // several events' worth of time
    expect(await answerText(page)).toBe(atStop);
    expect(atStop.length).toBeLessThan(finalAnswer.length);
    expect(await page.locator('#status').innerText()).toBe('stopped');
    expect(await page.locator('#send').isEnabled()).toBe(true);
  }, 30_000);

  // Resumable generations (#21): the example relay keeps generations in a
  // store (memoryStore, or redisStore with REDIS_URL): X-Cohere-Rx-Generation
  // on its answers, GET/DELETE /api/v2/chat/{id}. A relay without one fails
  // these at the first expectation, which names what is missing.
  describe('with the relay keeping generations (#21)', () => {
    const GENERATION = 'cohere-rx-example:generation';
    const stored = (p: Page) => p.evaluate((key) => sessionStorage.getItem(key), GENERATION);
    /** Waits until the answer (the loop's last turn) is partly on screen, and returns it. */
    async function partialAnswer(p: Page): Promise<string> {
      await p.waitForFunction(() => (document.getElementById('answer')?.innerText ?? '').length > 10);
      return answerText(p);
    }

    it('should continue the answer where it was after a reload mid-answer: a GET of the stored generation, no new POST upstream', async () => {
      const upstreamBefore = replay.requests.length;
      await page.goto(`${site.url}/`);
      await page.click('#send');
      const before = await partialAnswer(page);
      const id = await stored(page);
      expect({ generationStored: id !== null }).toEqual({ generationStored: true }); // false: the relay keeps no generations yet
      expect(before.length).toBeLessThan(finalAnswer.length);
      const postsBefore = chatRequests().length;

      await page.reload();
      await page.locator('#status', { hasText: 'done' }).waitFor({ timeout: 20_000 });
      const after = await answerText(page);
      expect(after).toBe(finalAnswer);
      expect(finalAnswer.startsWith(before)).toBe(true); // the same answer, continued: not a new one
      // After the reload: one GET of the stored generation, and no POST (no second generation upstream).
      const resumes = requests.filter((r) => r.method() === 'GET' && new URL(r.url()).pathname === `/api/v2/chat/${id}`);
      expect(resumes).toHaveLength(1);
      expect(chatRequests().filter((r) => r.method() === 'POST')).toHaveLength(postsBefore);
      expect(replay.requests.length - upstreamBefore).toBe(2); // the tool-call turn and the answer, each once
      expect(await stored(page)).toBeNull(); // cleared at the end
    }, 45_000);

    it('should continue a run on the server after a reload mid-answer: a GET on the approval relay, no new POST, no question again', async () => {
      const upstreamBefore = replay.requests.length;
      await page.goto(`${site.url}/`);
      await page.check('#server-tools');
      const asked = await answerApprovals(true, 2);
      const before = await partialAnswer(page);
      expect(asked).toHaveLength(2);
      const id = await stored(page);
      expect({ generationStored: id !== null }).toEqual({ generationStored: true });
      expect(await page.evaluate(() => sessionStorage.getItem('cohere-rx-example:generation-relay'))).toBe('approval');
      expect(before.length).toBeLessThan(finalAnswer.length);
      const postsBefore = approvalRequests().length;

      await page.reload();
      await page.locator('#status', { hasText: 'done' }).waitFor({ timeout: 20_000 });
      expect(await answerText(page)).toBe(finalAnswer);
      expect(finalAnswer.startsWith(before)).toBe(true);
      const resumes = requests.filter((r) => r.method() === 'GET' && new URL(r.url()).pathname === `/api/approval/v2/chat/${id}`);
      expect(resumes).toHaveLength(1);
      expect(approvalRequests()).toHaveLength(postsBefore); // no POST after the reload
      expect(asked).toHaveLength(2); // and nobody asked again
      expect(replay.requests.length - upstreamBefore).toBe(2); // the tool-call turn and the answer, each once
      expect(await stored(page)).toBeNull();
    }, 45_000);

    it('should stop on Stop: a DELETE of the generation, and the upstream closes', async () => {
      await page.goto(`${site.url}/`);
      const abortsBefore = replay.clientAborts();
      await page.click('#send');
      await partialAnswer(page);
      const id = await stored(page);
      expect({ generationStored: id !== null }).toEqual({ generationStored: true }); // false: the relay keeps no generations yet
      await page.click('#stop');
      await replay.waitForClientAborts(abortsBefore + 1);
      expect(replay.activeResponses()).toBe(0);
      const stops = requests.filter((r) => r.method() === 'DELETE' && new URL(r.url()).pathname === `/api/v2/chat/${id}`);
      expect(stops).toHaveLength(1);
      expect(await stored(page)).toBeNull();
      expect(await page.locator('#status').innerText()).toBe('stopped');
    }, 30_000);
  });

  it("should show an error banner when the relay's key is refused (a 502: never the page's own 401)", async () => {
    const upstreamBefore = replay.requests.length;
    await page.goto(`${strict.url}/`);
    await page.click('#send');
    const banner = page.locator('#error');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.innerText()).toContain(
      "Cohere API request failed with status 502: the relay's upstream refused the relay's credentials (status 401)",
    );
    expect(await page.locator('#status').innerText()).toBe('error');
    // The relay sent its (wrong) key upstream; the page sent none and got none back.
    expect(replay.requests.slice(upstreamBefore).map((r) => r.headers['authorization'])).toEqual([`Bearer ${wrongKey}`]);
    const [chat] = chatRequests();
    expect(chatRequests()).toHaveLength(1);
    // What the page got back (the same request again, read here): a 502, without the relay's key.
    const again = await fetch(chat!.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chat!.postData() ?? '',
    });
    expect(again.status).toBe(502);
    expect(again.headers.get('x-should-retry')).toBe('false');
    const body = await again.text();
    expect(body).toContain("refused the relay's credentials");
    expect(body).not.toContain(wrongKey);
  }, 30_000);
});
