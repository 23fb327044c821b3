#!/usr/bin/env node
// The `cohere-rx` command: `chat` streams an answer to stdout, `demo` (what
// `npm start` runs) shows a whole tool-use conversation. It uses only the
// package's public surface, as any app would.
import {
  chatStream$,
  defineTool,
  isStepEndEvent,
  isToolResultEvent,
  runTools$,
  textOnly,
  toolCalls,
  toolPlan,
  type ChatMessage,
  type ChatStreamOptions,
  type Citation,
  type StepEndEvent,
  type ToolCall,
  type ToolResultEvent,
  type Usage,
} from 'cohere-rx';
import { startReplayServer, type ReplayServer } from 'cohere-rx/testing';
import { filter, map, merge, share, type Observable, type Subscription } from 'rxjs';
import { HELP, parseArgs, type CliArgs } from './args';
import { weatherInput } from './weatherInput';

const out = process.stdout;
const err = process.stderr;
const color = out.isTTY === true && !('NO_COLOR' in process.env);
const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = paint('2');
const bold = paint('1');
const cyan = paint('36');

/** The subscription in progress, so that Ctrl-C or a closed stdout can unsubscribe it. */
let current: Subscription | undefined;
/** Set once the command must stop early (Ctrl-C, stdout closed): nothing more is subscribed. */
let stopped = false;
let stop: (code: number) => void = () => {};
/** Settles with the exit code when the command stops early. */
const stoppedEarly = new Promise<number>((resolve) => {
  stop = (code) => {
    if (stopped) return;
    stopped = true;
    current?.unsubscribe(); // aborts the request: the connection closes
    resolve(code);
  };
});

// The reader of stdout may go away (`| head -1`): the next write fails with
// EPIPE, emitted here instead of thrown as an uncaught stack. That is a normal
// end for a command in a pipe: cancel the request, stop quietly, exit 0.
let stdoutGone = false;
out.on('error', (e: NodeJS.ErrnoException) => {
  if (stdoutGone) return;
  stdoutGone = true;
  if (e.code !== 'EPIPE') err.write(`cohere-rx: cannot write to stdout: ${oneLine(e.message)}\n`);
  stop(e.code === 'EPIPE' ? 0 : 1);
});
// A closed stderr must not crash the command either; there is nowhere left to say so.
err.on('error', () => {});

/** The last character written to stdout, to end an open line before an error. */
let lastChar = '\n';

/** Writes to stdout unless its reader has gone. */
function write(text: string): void {
  if (stdoutGone || text === '') return;
  out.write(text);
  lastChar = text[text.length - 1]!;
}

/** An error's message on one line, whatever it is (so `--json` users get one stderr line). */
function describeError(e: unknown): string {
  const message = typeof e === 'object' && e !== null && typeof (e as Error).message === 'string' ? (e as Error).message : String(e);
  return oneLine(message);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Subscribes, hands each value to `onValue`, and settles when the stream ends. */
function follow<T>(source$: Observable<T>, onValue: (value: T) => void): Promise<void> {
  // Stopped already (stdout closed while a server was starting): never subscribe.
  if (stopped) return new Promise<void>(() => {});
  return new Promise((resolve, reject) => {
    current = source$.subscribe({ next: onValue, error: reject, complete: resolve });
  });
}

async function chat(args: CliArgs, options: ChatStreamOptions): Promise<void> {
  const messages: ChatMessage[] = [];
  if (args.system !== undefined) messages.push({ role: 'system', content: args.system });
  messages.push({ role: 'user', content: args.prompt });
  const events$ = chatStream$({ model: args.model, messages }, options);
  if (args.json) {
    await follow(events$, (event) => write(`${JSON.stringify(event)}\n`));
  } else {
    await follow(events$.pipe(textOnly()), write);
    write('\n');
  }
}

/** The demo's stand-in for a weather service. */
function getWeather(location: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    paris: { location: 'Paris', temperature_c: 18, conditions: 'sunny' },
    tokyo: { location: 'Tokyo', temperature_c: 24, conditions: 'light rain' },
  };
  return known[location.toLowerCase()] ?? { location, temperature_c: 15, conditions: 'cloudy' };
}

// Typed by its input schema (hand-written: see weatherInput.ts): the loop
// validates the arguments before execute runs, and sends the issues back to
// the model when they are wrong.
const get_weather = defineTool({
  description: 'The current weather in a city.',
  input: weatherInput,
  execute: ({ location }) => getWeather(location),
});

function describeSource(source: NonNullable<Citation['sources']>[number]): string {
  if (source.type === 'tool') return `${source.id ?? 'tool'} ${JSON.stringify(source.tool_output ?? {})}`;
  const doc = source.document ?? {};
  return `${source.id ?? 'document'}${typeof doc['title'] === 'string' ? ` "${doc['title']}"` : ''}`;
}

function addUsage(total: Usage, more: Usage | undefined): Usage {
  const sum = (a?: number, b?: number) => (a ?? 0) + (b ?? 0);
  return {
    billed_units: {
      input_tokens: sum(total.billed_units?.input_tokens, more?.billed_units?.input_tokens),
      output_tokens: sum(total.billed_units?.output_tokens, more?.billed_units?.output_tokens),
    },
    tokens: {
      input_tokens: sum(total.tokens?.input_tokens, more?.tokens?.input_tokens),
      output_tokens: sum(total.tokens?.output_tokens, more?.tokens?.output_tokens),
    },
  };
}

/** Ends the line in progress, if any. */
function endLine(): void {
  if (lastChar !== '\n') write('\n');
}

/**
 * A whole tool-use conversation: runTools$ streams a turn, runs the tools it
 * asks for, sends their outputs back as documents (so the answer can cite
 * them) and streams the next turn, until the model answers. The terminal
 * shows the plan, the tool calls and the text as they arrive.
 */
async function demo(args: CliArgs, options: ChatStreamOptions): Promise<void> {
  const question = 'What is the weather in Paris and in Tokyo right now? Which is better for a walk?';
  write(`${bold('you:')} ${question}\n`);
  const events$ = runTools$(
    { model: args.model, messages: [{ role: 'user', content: question }] },
    { ...options, tools: { get_weather }, maxSteps: 4 },
  ).pipe(share());
  type Piece = { plan: string } | { call: ToolCall } | { text: string } | { result: ToolResultEvent } | { end: StepEndEvent };
  const pieces$: Observable<Piece> = merge(
    events$.pipe(
      toolPlan(),
      map((plan) => ({ plan })),
    ),
    events$.pipe(
      toolCalls(),
      map((call) => ({ call })),
    ),
    events$.pipe(
      textOnly(),
      map((text) => ({ text })),
    ),
    events$.pipe(
      filter(isToolResultEvent),
      map((result) => ({ result })),
    ),
    events$.pipe(
      filter(isStepEndEvent),
      map((end) => ({ end })),
    ),
  );
  let inPlan = false;
  let inText = false;
  let total: Usage = {};
  let citations: Citation[] = [];
  await follow(pieces$, (piece) => {
    if ('plan' in piece) {
      if (!inPlan) write(dim('plan: '));
      inPlan = true;
      write(dim(piece.plan));
    } else if ('call' in piece) {
      endLine();
      write(`${cyan('tool call')} ${bold(piece.call.function.name)}(${piece.call.function.arguments})\n`);
    } else if ('text' in piece) {
      if (!inText) {
        endLine();
        write(`${bold('assistant:')} `);
      }
      inText = true;
      write(piece.text);
    } else if ('result' in piece) {
      const { call } = piece.result;
      const outcome = 'error' in piece.result ? `error: ${describeError(piece.result.error)}` : JSON.stringify(piece.result.output);
      endLine();
      write(`${dim(`ran ${call.function.name}(${call.function.arguments}) -> ${outcome}`)}\n`); // the newline outside the colour, so endLine() sees it
    } else {
      // A step is over: its usage counts, and the last step's citations are the answer's.
      endLine();
      inPlan = inText = false;
      total = addUsage(total, piece.end.response.usage);
      citations = piece.end.response.message.citations ?? [];
    }
  });
  if (citations.length > 0) {
    write(`${bold('citations:')}\n`);
    citations.forEach((c, i) => {
      write(`  [${i + 1}] "${c.text ?? ''}" <- ${(c.sources ?? []).map(describeSource).join('; ')}\n`);
    });
  }
  write(
    dim(
      `usage: ${total.billed_units?.input_tokens ?? 0} input / ${total.billed_units?.output_tokens ?? 0} output tokens billed` +
        ` (${total.tokens?.input_tokens ?? 0} / ${total.tokens?.output_tokens ?? 0} processed)\n`,
    ),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err.write(`cohere-rx: ${(e as Error).message}\nTry 'cohere-rx --help'.\n`);
    return 2;
  }
  if (args.command === 'help') {
    write(`${HELP}\n`);
    return 0;
  }
  const key = process.env['CO_API_KEY'] ?? '';
  const replay = args.replay || (args.command === 'demo' && key === '' && args.baseUrl === undefined);
  if (!replay && key === '' && args.baseUrl === undefined) {
    err.write('cohere-rx: CO_API_KEY is not set. Set it, or add --replay to use the built-in replay server.\n');
    return 1;
  }

  let server: ReplayServer | undefined;
  const onInterrupt = () => stop(130);
  process.once('SIGINT', onInterrupt);
  try {
    if (replay) {
      server = await startReplayServer({ delayMs: 15, jitterMs: 30 });
      if (args.command === 'demo') err.write(dim('(no CO_API_KEY: streaming from the built-in replay server)\n'));
    }
    const options: ChatStreamOptions = {
      baseUrl: server?.url ?? args.baseUrl,
      apiKey: server ? '' : key,
      clientName: 'cohere-rx-cli',
    };
    const work = (args.command === 'chat' ? chat(args, options) : demo(args, options)).then(
      () => 0,
      (e: unknown) => {
        // End an open line of text; with --json every line is already whole,
        // so stdout stays NDJSON. The error itself goes to stderr, one line.
        if (!args.json && lastChar !== '\n') write('\n');
        err.write(`cohere-rx: ${describeError(e)}\n`);
        return 1;
      },
    );
    return await Promise.race([work, stoppedEarly]);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await server?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    err.write(`cohere-rx: ${describeError(e)}\n`);
    process.exitCode = 1;
  },
);
