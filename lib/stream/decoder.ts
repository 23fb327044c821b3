import { createParser, type EventSourceMessage, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { CohereParseError } from '../errors/CohereParseError';
import type { RelayHooks } from '../internal/relay';
import type { Scrub } from '../internal/secret';
import type { ChatStreamEvent } from '../types/events';

/** `{`: every JSON event starts with it, so the `[DONE]` check costs nothing for them. */
const OPEN_BRACE = 123;
const CR = 13;
const STREAM = { stream: true };

/**
 * The hot path: bytes → text → SSE messages (eventsource-parser) → events.
 *
 * Each `data:` field must be a JSON object; `data: [DONE]` (sent by
 * OpenAI-style gateways and by Cohere itself) is skipped. Anything else is a
 * `CohereParseError`, thrown out of `push()`, quoting the data scrubbed.
 */
export class EventDecoder {
  /** Made at the first chunk of bytes: Node-stream bodies give text, and jsdom has no `TextDecoder`. */
  private text: TextDecoder | undefined;
  private readonly parser: EventSourceParser;
  /** The last text fed, to see whether it ended in a CR. */
  private last = '';
  /** Where text goes: the parser, or a relay's splitter in front of it (`RelayHooks.split`). */
  private readonly feed: (text: string, end?: boolean) => void;

  /**
   * @param onEvent Receives each event, in order, with the SSE message it
   * came in (its `event` name, its `id`, its `data` text as received; a
   * relay's `count`, when one event stands for several messages).
   * @param accepting Whether events are still wanted; data is not even parsed when not.
   * @param split A relay's splitter (`RelayHooks.split`), in front of the parser.
   */
  constructor(
    private readonly onEvent: (event: ChatStreamEvent, message: EventSourceMessage & { count?: number }) => void,
    private readonly accepting: () => boolean,
    private readonly maxBufferSize: number,
    private readonly scrub: Scrub,
    split?: RelayHooks['split'],
  ) {
    this.parser = createParser({
      onEvent: (message) => this.decode(message),
      onError: (error) => this.onParserError(error),
      maxBufferSize,
    });
    // eslint-disable-next-line @typescript-eslint/unbound-method -- createParser's feed is a closure: it has no `this`
    const parse = this.parser.feed;
    this.feed = split
      ? split(parse, (event, count) => this.accepting() && onEvent(event as ChatStreamEvent, { data: '', count }), maxBufferSize)
      : parse;
  }

  /** Decodes one chunk of the body. */
  push(chunk: Uint8Array | string): void {
    this.last = typeof chunk === 'string' ? chunk : (this.text ??= new TextDecoder()).decode(chunk, STREAM);
    this.feed(this.last);
  }

  /** The body ended: decodes what is held back, and drops an event not ended by a blank line. */
  end(): void {
    const rest = this.text ? this.text.decode() : '';
    if (rest !== '') this.last = rest;
    this.feed(rest, true);
    // The parser holds back a CR that ends a chunk, in case an LF follows. At EOF
    // nothing follows: that CR ended its line (for a CR-only stream, the blank
    // line that dispatches the last event). A lone LF completes it as a CRLF.
    if (this.last.charCodeAt(this.last.length - 1) === CR) this.parser.feed('\n');
    // At EOF the SSE spec discards an event that was not ended by a blank line.
    this.parser.reset({ consume: true });
  }

  private decode(message: EventSourceMessage): void {
    if (!this.accepting()) return;
    const data = message.data;
    if (data.length > this.maxBufferSize) throw this.tooLarge();
    let event: ChatStreamEvent;
    if (data.charCodeAt(0) === OPEN_BRACE) {
      // Every real event: JSON text that starts with `{` parses to an object or throws.
      event = this.parseJson(data) as ChatStreamEvent;
    } else {
      if (data.trim() === '[DONE]') return;
      // Anything else (JSON with leading spaces, or not an event at all) must still be an object.
      const value = this.parseJson(data);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new CohereParseError('not-an-object', this.quote(data));
      }
      event = value as ChatStreamEvent;
    }
    this.onEvent(event, message);
  }

  private parseJson(data: string): unknown {
    try {
      return JSON.parse(data);
    } catch (error) {
      // V8's message quotes the text around the fault, which may hold a key a
      // server echoed: keep only where it broke, in words of our own.
      throw new CohereParseError('invalid-json', this.quote(data), { detail: jsonFault(error) });
    }
  }

  /** The data cut to what an error quotes, then scrubbed (cheap even for a 16 MiB line). */
  private quote(data: string): string {
    return this.scrub(data.length > 1024 ? data.slice(0, 1024) : data);
  }

  private tooLarge(): CohereParseError {
    return new CohereParseError('too-large', `<an event over ${this.maxBufferSize} characters>`);
  }

  private onParserError(error: ParseError): void {
    // Unknown fields and bad `retry:` values are ignored, as the SSE spec says.
    if (error.type === 'max-buffer-size-exceeded') throw this.tooLarge();
  }
}

/** Where `JSON.parse` failed, without quoting the text: "at position 41", or "unexpected end". */
function jsonFault(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message);
  if (position) return `JSON breaks at position ${position[1]}`;
  if (/end of (JSON )?input|unterminated/i.test(message)) return 'the JSON text ends too soon';
  return 'not valid JSON';
}
