import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sseHeaders, startLoopback, type Loopback } from './helpers/loopback';
import { textTurn, toSse } from './helpers/sse';

// Packs the library (built by `pretest`) as npm would publish it, installs the tarball into an empty
// project and uses it from both module systems, over real HTTP.
const root = resolve(__dirname, '..');
let dir = '';
let server: Loopback & { userAgents: string[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohere-rx-pack-'));
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, 'rxjs@7.8'], {
    cwd: dir,
    stdio: 'pipe',
  });
  const userAgents: string[] = [];
  server = Object.assign(
    await startLoopback((req, res) => {
      userAgents.push(String(req.headers['user-agent']));
      res.writeHead(200, sseHeaders);
      res.end(toSse(textTurn));
    }),
    { userAgents },
  );
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const script = (load: string) => `
${load}
const { lastValueFrom, toArray } = rxjs;
lastValueFrom(cohere.chatStream$({ model: 'm', messages: [] }, { apiKey: 'k', baseUrl: process.argv[2] }).pipe(toArray()))
  .then((events) => {
    const text = events.filter((e) => e.type === 'content-delta').map((e) => e.delta.message.content.text).join('');
    console.log(JSON.stringify({ text, count: events.length, errorClass: typeof cohere.CohereApiError }));
  });
`;

// Async: the loopback server lives in this process and must keep answering.
async function run(file: string, source: string): Promise<{ text: string; count: number; errorClass: string }> {
  writeFileSync(join(dir, file), source);
  const { stdout } = await promisify(execFile)(process.execPath, [file, server.url], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(stdout.trim()) as { text: string; count: number; errorClass: string };
}

const expected = { text: 'Bonjour, café 日本語 🦀!', count: textTurn.length, errorClass: 'function' };

describe('the packed package', () => {
  it('should work with import from an ES module', async () => {
    expect(await run('esm.mjs', script(`import * as cohere from 'cohere-rx'; import * as rxjs from 'rxjs';`))).toEqual(expected);
  });

  it('should work with require from CommonJS', async () => {
    expect(await run('cjs.cjs', script(`const cohere = require('cohere-rx'); const rxjs = require('rxjs');`))).toEqual(expected);
  });

  // A runtime without a global fetch (Node < 18) falls back to cross-fetch: loaded
  // at run time only, so browser bundles never include it.
  it('should fall back to cross-fetch without a global fetch, from ESM and from CommonJS', async () => {
    const noFetch = 'delete globalThis.fetch;\n';
    expect(await run('esm-nofetch.mjs', script(`import * as cohere from 'cohere-rx'; import * as rxjs from 'rxjs'; ${noFetch}`))).toEqual(
      expected,
    );
    expect(await run('cjs-nofetch.cjs', script(`const cohere = require('cohere-rx'); const rxjs = require('rxjs'); ${noFetch}`))).toEqual(
      expected,
    );
    expect(server.userAgents.filter((ua) => /node-fetch/.test(ua))).toHaveLength(2);
  });

  // cohere-rx/server is bundled apart from the core: the relay's hooks into chatStream$ (an
  // internal option under Symbol.for('cohere-rx/relay-hooks')) must still reach it. If they did
  // not, the relay would write each event again with JSON.stringify, and the spacing below would go.
  it("should forward an upstream's data as received through cohere-rx/server, from ESM and from CommonJS", async () => {
    const data = '{ "type" : "content-delta", "index":0, "delta":{"message":{"content":{"text":"caf\\u00e9"}}} }';
    const spaced = await startLoopback((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(`${toSse(textTurn.slice(0, 2))}event: content-delta\ndata: ${data}\n\n${toSse(textTurn.slice(2))}`);
    });
    try {
      const relayScript = (load: string) => `
${load}
const server = http.createServer(toNodeHandler(createChatHandler({ apiKey: 'k', baseUrl: process.argv[2], maxRetries: 0 })));
server.listen(0, '127.0.0.1', async () => {
  const response = await fetch('http://127.0.0.1:' + server.address().port + '/api/v2/chat', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [] }),
  });
  const text = await response.text();
  server.close();
  console.log(JSON.stringify({ lines: text.split('\\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)) }));
});
`;
      const relayed = async (file: string, source: string) => {
        writeFileSync(join(dir, file), source);
        const { stdout } = await promisify(execFile)(process.execPath, [file, spaced.url], { cwd: dir, encoding: 'utf8' });
        return (JSON.parse(stdout.trim()) as { lines: string[] }).lines;
      };
      for (const lines of [
        await relayed(
          'relay.mjs',
          relayScript(`import http from 'node:http'; import { createChatHandler, toNodeHandler } from 'cohere-rx/server';`),
        ),
        await relayed(
          'relay.cjs',
          relayScript(`const http = require('node:http'); const { createChatHandler, toNodeHandler } = require('cohere-rx/server');`),
        ),
      ]) {
        expect(lines[2]).toBe(data);
        expect(lines).toHaveLength(textTurn.length + 1);
      }
    } finally {
      await spaced.close();
    }
  });

  it('should ship only dist and package metadata', () => {
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = (JSON.parse(listing) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.every((f) => f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f))).toBe(true);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.mjs',
        'dist/index.d.ts',
        'dist/index.d.mts',
        'LICENSE',
        'CHANGELOG.md',
        'README.md',
      ]),
    );
  });
});
