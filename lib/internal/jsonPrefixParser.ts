import { CohereJsonError } from '../errors/CohereJsonError';
import { type Frame, markDirty, put, snapshotFrame, snapshotStack } from './jsonSnapshots';

// An incremental JSON parser for the UI operators (internal, not exported).
//
// Text goes in piece by piece (`push`); each character is looked at once, so
// the total work is linear in the text. `snapshot()` returns the value parsed
// so far as plain, immutable-by-convention objects: only the containers on the
// path to what changed since the last snapshot are new objects; every settled
// subtree keeps its identity.
//
// What a snapshot shows of a value still arriving:
// - a string: the characters decoded so far (an escape shows once it is
//   complete; a trailing high surrogate waits for its partner);
// - an object or an array: itself, as soon as it opens, with its members so far;
// - a number: nothing until a following character proves it ended (`12` might
//   become `123`); at the top level, when the text ends;
// - `true`, `false`, `null`: nothing until the last letter.
// An object member whose value shows nothing yet is absent; so is a key still
// arriving.

// Where the parser is.
const VALUE = 0; // a value must come
const VALUE_OR_CLOSE = 1; // after '[': a value or ']'
const KEY_OR_CLOSE = 2; // after '{': a key or '}'
const KEY = 3; // after ',' in an object
const COLON = 4;
const STRING = 5; // inside a string (a key when `inKey`)
const ESCAPE = 6; // after a backslash in a string
const UNICODE = 7; // inside \uXXXX
const NUMBER = 8;
const LITERAL = 9; // true, false, null
const AFTER_VALUE = 10; // ',' or the container's closer must come
const DONE = 11; // the top-level value is complete; only whitespace may follow

// Where a number is, by the JSON grammar: -? (0 | [1-9]\d*) (\.\d+)? ([eE][+-]?\d+)?
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_E = 5;
const N_E_SIGN = 6;
const N_EXP = 7;

const LITERALS: Record<number, [string, unknown]> = { 116: ['true', true], 102: ['false', false], 110: ['null', null] };
const ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };
const NEAR = 32;

export class JsonPrefixParser {
  /** Something visible changed since the last `snapshot()`. */
  changed = false;
  /** A character other than whitespace has arrived. */
  started = false;

  private state = VALUE;
  private readonly stack: Frame[] = [];
  private root: unknown = undefined;

  // the string being parsed
  private inKey = false;
  private str = ''; // decoded so far, less `held`
  private held = ''; // a trailing high surrogate, held back until its partner (or the closing quote) arrives
  private shown = 0; // visible length of a value string, as last marked
  private hex = 0;
  private hexDigits = 0;

  // the number or literal being parsed
  private num = N_MINUS;
  private numText = '';
  private literal = '';
  private literalValue: unknown = null;
  private literalAt = 0;

  // for error messages
  private offset = 0; // of the current piece in the whole text
  private line = 1;
  private lineStart = 0;
  private before = ''; // the last characters before the current piece

  /** Parses the next piece. Throws `CohereJsonError` at the first character JSON does not allow there. */
  push(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case STRING: {
          let j = i;
          while (j < n) {
            const d = text.charCodeAt(j);
            if (d === 34 || d === 92 || d < 0x20) break;
            j++;
          }
          if (j > i) {
            const last = text.charCodeAt(j - 1);
            if (last >= 0xd800 && last <= 0xdbff) this.append(text.slice(i, j - 1), text.charAt(j - 1));
            else this.append(text.slice(i, j), '');
          }
          if (j === n) return this.end(text);
          const d = text.charCodeAt(j);
          if (d === 34) this.closeString();
          else if (d === 92) this.state = ESCAPE;
          else this.fail(text, j, 'a control character must be escaped inside a string');
          i = j + 1;
          continue;
        }
        case ESCAPE: {
          if (c === 117) {
            this.state = UNICODE;
            this.hex = 0;
            this.hexDigits = 0;
          } else {
            const s = ESCAPES[c];
            if (s === undefined) this.fail(text, i, 'not an escape');
            this.append(s, '');
            this.state = STRING;
          }
          break;
        }
        case UNICODE: {
          const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (h < 0) this.fail(text, i, 'not a hex digit');
          this.hex = this.hex * 16 + h;
          if (++this.hexDigits === 4) {
            const unit = String.fromCharCode(this.hex);
            if (this.hex >= 0xd800 && this.hex <= 0xdbff) this.append('', unit);
            else this.append(unit, '');
            this.state = STRING;
          }
          break;
        }
        case NUMBER: {
          const start = i;
          let j = i;
          let ended = false;
          while (j < n) {
            const d = text.charCodeAt(j);
            const digit = d >= 48 && d <= 57;
            let next = -1;
            switch (this.num) {
              case N_MINUS:
                next = d === 48 ? N_ZERO : digit ? N_INT : -1;
                break;
              case N_ZERO:
                next = d === 46 ? N_DOT : d === 101 || d === 69 ? N_E : -2;
                break;
              case N_INT:
                next = digit ? N_INT : d === 46 ? N_DOT : d === 101 || d === 69 ? N_E : -2;
                break;
              case N_DOT:
                next = digit ? N_FRAC : -1;
                break;
              case N_FRAC:
                next = digit ? N_FRAC : d === 101 || d === 69 ? N_E : -2;
                break;
              case N_E:
                next = d === 43 || d === 45 ? N_E_SIGN : digit ? N_EXP : -1;
                break;
              case N_E_SIGN:
                next = digit ? N_EXP : -1;
                break;
              case N_EXP:
                next = digit ? N_EXP : -2;
                break;
            }
            if (next === -1) this.fail(text, j, 'not a number');
            if (next === -2) {
              ended = true; // a character that is not part of the number: it ended
              break;
            }
            this.num = next;
            j++;
          }
          this.numText += text.slice(start, j);
          if (!ended) return this.end(text);
          this.settle(Number(this.numText));
          i = j; // the character after the number is read in the new state
          continue;
        }
        case LITERAL: {
          if (c !== this.literal.charCodeAt(this.literalAt)) this.fail(text, i, `not ${this.literal}`);
          if (++this.literalAt === this.literal.length) this.settle(this.literalValue);
          break;
        }
        default: {
          if (c === 32 || c === 10 || c === 13 || c === 9) {
            if (c === 10) {
              this.line++;
              this.lineStart = this.offset + i + 1;
            }
            break;
          }
          this.started = true;
          this.structural(text, i, c);
        }
      }
      i++;
    }
    this.end(text);
  }

  /**
   * Ends the text. A top-level number is complete now. Throws
   * `CohereJsonError` (`incomplete`) unless one whole value has arrived.
   */
  finish(): void {
    if (
      this.state === NUMBER &&
      this.stack.length === 0 &&
      (this.num === N_ZERO || this.num === N_INT || this.num === N_FRAC || this.num === N_EXP)
    ) {
      this.settle(Number(this.numText));
    }
    if (this.state === DONE) return;
    const open =
      this.stack.length === 0
        ? 'before any value'
        : this.stack[this.stack.length - 1]!.array
          ? 'with an array open'
          : 'with an object open';
    const inside =
      this.state === STRING || this.state === ESCAPE || this.state === UNICODE
        ? 'inside a string'
        : this.state === NUMBER
          ? 'inside a number'
          : this.state === LITERAL
            ? `inside ${this.literal}`
            : open;
    throw new CohereJsonError('incomplete', this.where(this.offset), this.before, `the text ended ${inside}`);
  }

  /** The value parsed so far (`undefined` while nothing shows), and clears `changed`. */
  snapshot(): unknown {
    this.changed = false;
    if (this.state === DONE) return this.root;
    if (this.stack.length > 0) return snapshotStack(this.stack, this.shownString());
    if (this.inValueString()) return this.visible();
    return undefined;
  }

  // ---- structure -------------------------------------------------------------

  private structural(text: string, i: number, c: number): void {
    switch (this.state) {
      case VALUE:
      case VALUE_OR_CLOSE:
        if (c === 93 && this.state === VALUE_OR_CLOSE) return this.close();
        return this.startValue(text, i, c);
      case KEY_OR_CLOSE:
        if (c === 125) return this.close();
      // falls through
      case KEY:
        if (c !== 34) return this.fail(text, i, 'a key must be a string');
        this.openString(true);
        return;
      case COLON:
        if (c !== 58) return this.fail(text, i, 'a colon must follow a key');
        this.state = VALUE;
        return;
      case AFTER_VALUE: {
        const array = this.stack[this.stack.length - 1]!.array;
        if (c === 44) this.state = array ? VALUE : KEY;
        else if (c === (array ? 93 : 125)) this.close();
        else this.fail(text, i, array ? 'a comma or ] must follow an array item' : 'a comma or } must follow an object member');
        return;
      }
      default: // DONE
        return this.fail(text, i, 'text after the JSON value');
    }
  }

  private startValue(text: string, i: number, c: number): void {
    if (c === 123 || c === 91) {
      const array = c === 91;
      this.stack.push({ array, work: array ? [] : {}, key: '', snap: undefined, dirty: true });
      this.touch(this.stack.length - 2);
      this.state = array ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
    } else if (c === 34) {
      this.openString(false);
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      this.state = NUMBER;
      this.num = c === 45 ? N_MINUS : c === 48 ? N_ZERO : N_INT;
      this.numText = text.charAt(i);
    } else {
      const literal = LITERALS[c];
      if (literal === undefined) return this.fail(text, i, 'not the start of a value');
      this.state = LITERAL;
      this.literal = literal[0];
      this.literalValue = literal[1];
      this.literalAt = 1;
    }
  }

  private openString(key: boolean): void {
    this.state = STRING;
    this.inKey = key;
    this.str = '';
    this.held = '';
    if (!key) {
      this.shown = 0;
      this.touch(this.stack.length - 1); // an empty string shows at once
    }
  }

  private closeString(): void {
    this.str += this.held; // a lone high surrogate stays, as JSON.parse keeps it
    this.held = '';
    if (this.inKey) {
      this.stack[this.stack.length - 1]!.key = this.str;
      this.state = COLON;
      return;
    }
    if (this.str.length !== this.shown) this.touch(this.stack.length - 1); // a held-back surrogate
    this.settle(this.str, true);
  }

  /** A value is complete: it becomes a settled member of its container, or the result. */
  private settle(value: unknown, shown = false): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.root = value;
      this.state = DONE;
      if (!shown) this.changed = true;
      return;
    }
    if (top.array) (top.work as unknown[]).push(value);
    else put(top.work as Record<string, unknown>, top.key, value);
    if (!shown) this.touch(this.stack.length - 1);
    this.state = AFTER_VALUE;
  }

  /** Closes the open container (the caller checked that the closer matches it). */
  private close(): void {
    const value = snapshotFrame(this.stack, this.stack.length - 1, this.shownString());
    this.stack.pop();
    // The container showed already with these members: its parent is dirty
    // exactly when the container was, so nothing new shows.
    this.settle(value, true);
  }

  // ---- strings ---------------------------------------------------------------

  /** Appends decoded text, then `high` (a high surrogate, or '') as the new held-back unit. */
  private append(s: string, high: string): void {
    if (this.held !== '') this.str += this.held;
    if (s !== '') this.str += s;
    this.held = high;
    if (!this.inKey && this.str.length !== this.shown) {
      this.shown = this.str.length;
      this.touch(this.stack.length - 1);
    }
  }

  private inValueString(): boolean {
    return !this.inKey && (this.state === STRING || this.state === ESCAPE || this.state === UNICODE);
  }

  private visible(): string {
    return this.str;
  }

  // ---- snapshots (jsonSnapshots.ts) -----------------------------------------

  /** Something visible changed in frames 0..depth. */
  private touch(depth: number): void {
    this.changed = true;
    markDirty(this.stack, depth);
  }

  /** The value string being parsed, as it shows, or `undefined` when none is. */
  private shownString(): string | undefined {
    return this.inValueString() ? this.visible() : undefined;
  }

  // ---- positions and errors --------------------------------------------------

  private end(text: string): void {
    this.offset += text.length;
    this.before = text.length >= NEAR ? text.slice(-NEAR) : (this.before + text).slice(-NEAR);
  }

  private where(offset: number): { offset: number; line: number; column: number } {
    return { offset, line: this.line, column: offset - this.lineStart + 1 };
  }

  private fail(text: string, i: number, problem: string): never {
    const near = (this.before + text.slice(Math.max(0, i - NEAR), i)).slice(-NEAR) + text.charAt(i);
    const char = JSON.stringify(text.charAt(i));
    throw new CohereJsonError('invalid', this.where(this.offset + i), near, `unexpected ${char}: ${problem}`);
  }
}
