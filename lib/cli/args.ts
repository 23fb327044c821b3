/** Parsed command line of the `cohere-rx` CLI. */
export interface CliArgs {
  command: 'chat' | 'demo' | 'help';
  prompt: string;
  model: string;
  system: string | undefined;
  json: boolean;
  baseUrl: string | undefined;
  replay: boolean;
}

export const DEFAULT_MODEL = 'command-a-03-2025';

export const HELP = `cohere-rx: stream Cohere chat answers from the terminal (Chat API v2).

Usage:
  cohere-rx chat "prompt" [options]   stream the answer to stdout
  cohere-rx chat [options] -- PROMPT  the same; PROMPT may start with -
  cohere-rx demo [--replay]           a tool-use turn, its answer with citations, usage
  cohere-rx --help

Options:
  -m, --model NAME       model (default: ${DEFAULT_MODEL})
  -s, --system TEXT      a system message before the prompt
      --json             print every event as one JSON line (NDJSON), for piping
      --base-url URL     send requests to URL/v2/chat (your proxy, a replay server)
      --replay           use the built-in replay server: no key, no network
  -h, --help             this help
      --                 end of options: the rest is the prompt

The key comes from CO_API_KEY. Without it (and without --base-url), demo uses
the replay server and chat asks for --replay.

With --json, stdout is pure NDJSON on every path: an error goes to stderr as
one line, never to stdout.

Exit codes:
  0    done; also when the reader closes stdout early (| head -1): the
       request is cancelled and the command stops quietly
  1    API or stream error (one line on stderr), or no key
  2    bad usage
  130  interrupted (Ctrl-C); the request is cancelled`;

/** Parses argv (without node and the script). Throws an Error with a usage message. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    command: 'help',
    prompt: '',
    model: DEFAULT_MODEL,
    system: undefined,
    json: false,
    baseUrl: undefined,
    replay: false,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      // POSIX end of options: what follows is operands, so a prompt may start with '-'.
      rest.push(...argv.slice(i + 1));
      break;
    }
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return { ...args, command: 'help' };
      case '-m':
      case '--model':
        args.model = value();
        break;
      case '-s':
      case '--system':
        args.system = value();
        break;
      case '--json':
        args.json = true;
        break;
      case '--base-url':
        args.baseUrl = value();
        break;
      case '--replay':
        args.replay = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new Error(`unknown option ${arg}`);
        rest.push(arg);
    }
  }
  const [command, ...words] = rest;
  if (command === undefined) return args;
  if (command === 'chat') {
    const prompt = words.join(' ').trim();
    if (prompt === '') throw new Error('chat needs a prompt: cohere-rx chat "Hello"');
    return { ...args, command: 'chat', prompt };
  }
  if (command === 'demo') {
    // The demo prints a conversation for people; --json would promise NDJSON it cannot keep.
    if (args.json) throw new Error('demo does not print JSON; use chat --json');
    if (words.length > 0) throw new Error(`demo takes no prompt (got ${JSON.stringify(words.join(' '))})`);
    return { ...args, command: 'demo' };
  }
  throw new Error(`unknown command ${JSON.stringify(command)}`);
}
