import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startReplayServer, type BuiltInTranscript, type ReplayServer } from '../lib/testing';
import { transcriptEvents, transcriptText } from './helpers/transcripts';

// The CLI as users run it: a child process (the build from `pretest`) against a replay server.
const cli = resolve(__dirname, '..', 'dist', 'cli.js');
const SECRET = 'cli-secret-key-0b5e-DO-NOT-PRINT';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}, onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((done) => {
    const { CO_API_KEY: _ignored, ...base } = process.env;
    const child = spawn(process.execPath, [cli, ...args], { env: { ...base, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

const transcript = (name: BuiltInTranscript) => ({ events: transcriptEvents(name), text: transcriptText(name) });

let server: ReplayServer;
beforeEach(async () => {
  server = await startReplayServer({ apiKey: SECRET });
});
afterEach(() => server.close());

describe('the cohere-rx CLI', () => {
  it('should print help and exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cohere-rx chat "prompt"');
    expect(run.stdout).toContain('--json');
  });

  it('should stream the answer text to stdout and exit 0', async () => {
    const run = await runCli(['chat', 'Write a haiku about streams', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${transcript('text').text}\n`);
    const sent = server.requests[0]!;
    expect(sent.headers['x-client-name']).toBe('cohere-rx-cli');
    expect(sent.body).toMatchObject({ model: 'command-a-03-2025', stream: true, messages: [{ role: 'user', content: 'Write a haiku about streams' }] });
  });

  it('should send the model and the system message it is given', async () => {
    const run = await runCli(['chat', '-m', 'command-r7b', '--system', 'Be brief.', 'hi', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.code).toBe(0);
    expect(server.requests[0]!.body).toMatchObject({
      model: 'command-r7b',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
    });
  });

  it('should print one JSON event per line with --json', async () => {
    const run = await runCli(['chat', 'hi', '--json', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual(transcript('text').events);
  });

  it('should exit 1 with the API error on stderr, never the key', async () => {
    const run = await runCli(['chat', 'hi', '--base-url', server.url], { CO_API_KEY: 'wrong-key' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cohere-rx: Cohere API request failed with status 401: invalid api token');
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('should exit 1 when a stream breaks, after the text that arrived', async () => {
    server.failNext({ kind: 'truncate', afterEvents: 6 });
    const run = await runCli(['chat', 'hi', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the answer is incomplete');
    expect(transcript('text').text.startsWith(run.stdout.trim())).toBe(true);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
  });

  it('should exit 130 on Ctrl-C and close the connection', async () => {
    await server.close();
    server = await startReplayServer({ apiKey: SECRET, delayMs: 40 });
    let sent = false;
    const run = await runCli(['chat', 'hi', '--base-url', server.url], { CO_API_KEY: SECRET }, (text, kill) => {
      if (!sent && text.length > 10) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(run.code).toBe(130);
    await server.waitForClientAborts(1);
    expect(server.activeResponses()).toBe(0);
    expect(run.stdout.length).toBeLessThan(transcript('text').text.length);
  });

  it('should exit 2 on bad usage and 1 without a key', async () => {
    const bad = await runCli(['chat']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('chat needs a prompt');
    const unknown = await runCli(['--frobnicate']);
    expect(unknown.code).toBe(2);
    const noKey = await runCli(['chat', 'hi']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('CO_API_KEY is not set');
  });

  it('should run the demo on the built-in replay server with no key: tool calls, the answer, citations, usage', async () => {
    const run = await runCli(['demo']);
    expect(run.stderr).toContain('built-in replay server');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tool call get_weather({"location":"Paris"})');
    expect(run.stdout).toContain('tool call get_weather({"location":"Tokyo"})');
    expect(run.stdout).toContain(`assistant: ${transcript('tool-answer').text}`);
    expect(run.stdout).toMatch(/\[1\] "18°C and sunny" <- get_weather_\w+:0/);
    expect(run.stdout).toMatch(/usage: \d+ input \/ \d+ output tokens billed/);
  }, 30_000);
});
