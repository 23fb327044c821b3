import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { parseArgs } from '../lib/cli/args';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type BuiltInTranscript, type ReplayServer } from '../lib/testing';
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

type Child = ChildProcessByStdio<null, Readable, Readable>;

function runCli(
  args: string[],
  env: Record<string, string> = {},
  onStdout?: (text: string, kill: (s: NodeJS.Signals) => void, child: Child) => void,
  command: readonly string[] = [process.execPath, cli],
): Promise<Run> {
  return new Promise((done) => {
    const { CO_API_KEY: _ignored, ...base } = process.env;
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      env: { ...base, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      onStdout?.(stdout, (s) => child.kill(s), child);
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
    expect(sent.body).toMatchObject({
      model: 'command-a-03-2025',
      stream: true,
      messages: [{ role: 'user', content: 'Write a haiku about streams' }],
    });
  });

  it('should send the model and the system message it is given', async () => {
    const run = await runCli(['chat', '-m', 'command-r7b', '--system', 'Be brief.', 'hi', '--base-url', server.url], {
      CO_API_KEY: SECRET,
    });
    expect(run.code).toBe(0);
    expect(server.requests[0]!.body).toMatchObject({
      model: 'command-r7b',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('should print one JSON event per line with --json', async () => {
    const run = await runCli(['chat', 'hi', '--json', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
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

  it('should run the demo through the tool loop: tool outputs go back as documents, and the answer cites them', async () => {
    const run = await runCli(['demo', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ran get_weather({"location":"Paris"}) -> {"location":"Paris","temperature_c":18,"conditions":"sunny"}');
    expect(server.requests).toHaveLength(2);
    const second = server.requests[1]!.body as { messages: { role: string; tool_call_id?: string; content?: unknown }[] };
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(second.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'get_weather_k3v9q2m8x1pa',
      content: [{ type: 'document', document: { data: { location: 'Paris', temperature_c: 18, conditions: 'sunny' } } }],
    });
    // Usage is summed over both model turns.
    expect(run.stdout).toMatch(/usage: 279 input \/ 82 output tokens billed/);
    // The tool is defined by its (hand-written) Standard Schema: the model is told its JSON Schema.
    const first = server.requests[0]!.body as { tools: unknown };
    expect(first.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The current weather in a city.',
          parameters: { type: 'object', properties: { location: { type: 'string', description: 'The city' } }, required: ['location'] },
        },
      },
    ]);
  }, 30_000);

  it('should send invalid tool arguments back to the model, naming the issue, and go on', async () => {
    await server.close();
    server = await startReplayServer({
      apiKey: SECRET,
      pick: pickByStep([
        toolCallEvents([{ name: 'get_weather', arguments: { location: '  ' }, id: 'call_blank' }]),
        answerEvents('Which city?'),
      ]),
    });
    const run = await runCli(['demo', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'ran get_weather({"location":"  "}) -> error: Tool call call_blank (get_weather) has invalid arguments: - location: expected a city name, not an empty string',
    );
    const second = server.requests[1]!.body as { messages: { role: string; content?: unknown }[] };
    expect(second.messages[2]!.content).toEqual([
      {
        type: 'document',
        document: {
          data: {
            error: 'Tool call call_blank (get_weather) has invalid arguments:\n- location: expected a city name, not an empty string',
          },
        },
      },
    ]);
    expect(run.stdout).toContain('assistant: Which city?');
  }, 30_000);

  it('should ship without a schema library: the built CLI requires only rxjs and the package itself', () => {
    const code = readFileSync(cli, 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort();
    expect(required).toEqual(['cohere-rx', 'cohere-rx/testing', 'rxjs']);
  });
});

describe('the cohere-rx CLI in pipes', () => {
  /** A replay server slow enough that the stream is still running when the reader goes. */
  async function slowServer(): Promise<void> {
    await server.close();
    server = await startReplayServer({ apiKey: SECRET, delayMs: 30 });
  }

  /** The request was cancelled: the server saw the client close it, and nothing is left open. */
  async function expectCancelled(): Promise<void> {
    await server.waitForClientAborts(1);
    expect(server.activeResponses()).toBe(0);
  }

  /** No stack, no EPIPE, nothing at all on stderr. */
  const expectQuiet = (run: Run) => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.signal).toBeNull();
  };

  it('should stop quietly with exit 0 and cancel the request when the reader closes stdout after the first text', async () => {
    await slowServer();
    const run = await runCli(['chat', 'hi', '--base-url', server.url], { CO_API_KEY: SECRET }, (_text, _kill, child) => {
      child.stdout.destroy();
    });
    expectQuiet(run);
    await expectCancelled();
    expect(run.stdout.length).toBeLessThan(transcript('text').text.length);
  });

  it('should stop quietly with exit 0 and cancel the request when the reader of --json closes after the first line', async () => {
    await slowServer();
    const run = await runCli(['chat', 'hi', '--json', '--base-url', server.url], { CO_API_KEY: SECRET }, (text, _kill, child) => {
      if (text.includes('\n')) child.stdout.destroy();
    });
    expectQuiet(run);
    await expectCancelled();
    const first = run.stdout.slice(0, run.stdout.indexOf('\n'));
    expect(JSON.parse(first)).toEqual(transcript('text').events[0]);
  });

  it.each([
    ['chat --json | head -1', ['--json'], 'head -1'],
    ['chat | head -c 3 (mid-word)', [], 'head -c 3'],
    ['chat | true (a reader that reads nothing)', [], 'true'],
  ])('should exit 0 with nothing on stderr in a shell pipeline: %s', async (_label, flags, reader) => {
    await slowServer();
    // The CLI's own exit status, through the pipeline; its stderr is the shell's.
    const script = `"${process.execPath}" "${cli}" chat hi ${flags.join(' ')} --base-url ${server.url} | ${reader}; echo "cli-exit=\${PIPESTATUS[0]}"`;
    const run = await runCli([], { CO_API_KEY: SECRET }, undefined, ['bash', '-c', script]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/cli-exit=0\n$/);
    await expectCancelled();
    if (reader === 'head -1') expect(JSON.parse(run.stdout.split('\n')[0]!)).toEqual(transcript('text').events[0]);
  });

  it('should exit 0 when the demo is piped into head, with no stack on stderr', async () => {
    const script = `"${process.execPath}" "${cli}" demo | head -1; echo "cli-exit=\${PIPESTATUS[0]}"`;
    const run = await runCli([], {}, undefined, ['bash', '-c', script]);
    expect(run.stdout).toMatch(/^you: .*\ncli-exit=0\n$/);
    expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  }, 30_000);
});

describe('the cohere-rx CLI arguments', () => {
  it('should take everything after -- as the prompt, even when it starts with -', async () => {
    const run = await runCli(['chat', '--base-url', server.url, '--', '-5 °C', 'is', '--json', 'cold'], { CO_API_KEY: SECRET });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${transcript('text').text}\n`); // --json after -- is prompt, not a flag
    expect(server.requests[0]!.body).toMatchObject({ messages: [{ role: 'user', content: '-5 °C is --json cold' }] });
  });

  it('should parse -- as the end of options', () => {
    expect(parseArgs(['chat', '--', '-x'])).toMatchObject({ command: 'chat', prompt: '-x', json: false });
    expect(parseArgs(['chat', '-m', 'a', '--', '-m', 'b'])).toMatchObject({ model: 'a', prompt: '-m b' });
    expect(parseArgs(['chat', '--json', '--', '--help'])).toMatchObject({ command: 'chat', prompt: '--help', json: true });
    expect(parseArgs(['--', 'chat', '--'])).toMatchObject({ command: 'chat', prompt: '--' });
    expect(() => parseArgs(['chat', '--'])).toThrow('chat needs a prompt');
    expect(() => parseArgs(['chat', '-x'])).toThrow('unknown option -x');
  });

  it('should refuse demo --json, which could not be NDJSON', async () => {
    const run = await runCli(['demo', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('demo does not print JSON');
  });

  it('should document --, --json on errors and every exit code in --help', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toContain('-- PROMPT');
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 +done.*\n.*\n {2}1 +API or stream error.*\n {2}2 +bad usage\n {2}130 +interrupted/);
  });
});

describe('the cohere-rx CLI with --json when the stream fails', () => {
  /** stdout is NDJSON (whole lines, each JSON, no blank one), stderr one line, exit code 1. */
  function expectNdjsonFailure(run: Run): unknown[] {
    expect(run.code).toBe(1);
    expect(run.stdout === '' || run.stdout.endsWith('\n')).toBe(true);
    const lines = run.stdout === '' ? [] : run.stdout.slice(0, -1).split('\n');
    const events = lines.map((line) => JSON.parse(line) as unknown);
    expect(run.stderr).toMatch(/^cohere-rx: [^\n]+\n$/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    // whatever arrived is the start of the real stream
    expect(transcript('text').events.slice(0, events.length)).toEqual(events);
    return events;
  }

  it('should keep stdout empty on a 401', async () => {
    const run = await runCli(['chat', 'hi', '--json', '--base-url', server.url], { CO_API_KEY: 'wrong-key' });
    expect(expectNdjsonFailure(run)).toEqual([]);
    expect(run.stderr).toContain('401');
  });

  it.each([
    ['a truncated stream', { kind: 'truncate', afterEvents: 6 }, 6, 'incomplete'],
    ['malformed data', { kind: 'malformed', afterEvents: 3 }, 3, 'Malformed stream data'],
    ['a reset mid-stream', { kind: 'reset', afterEvents: 4 }, 4, ''],
    ['an HTML page', { kind: 'html' }, 0, ''],
    ['a 400 with a multi-line message', { kind: 'status', status: 400, message: 'bad\nrequest\n\nreally' }, 0, 'bad request really'],
  ] as const)('should keep stdout NDJSON and say it on one stderr line after %s', async (_label, fault, count, words) => {
    server.failNext(fault);
    const run = await runCli(['chat', 'hi', '--json', '--base-url', server.url], { CO_API_KEY: SECRET });
    expect(expectNdjsonFailure(run)).toHaveLength(count);
    expect(run.stderr).toContain(words);
  });

  it('should not print a blank line on stdout in text mode when nothing was written', async () => {
    const run = await runCli(['chat', 'hi', '--base-url', server.url], { CO_API_KEY: 'wrong-key' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });
});
