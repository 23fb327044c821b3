// Random keys, given every way a key can be given, echoed by a hostile server
// (whole or in pieces) at random places of every kind of answer: no error the
// library raises ever shows any six characters of the key in a row, however
// it is looked at (message, String, stack, JSON, util.inspect, cause chain).
import fc from 'fast-check';
import { inspect } from 'node:util';
import { chatStream$, isCohereError, type ChatStreamOptions } from '../../lib';
import { collect, errorOf } from '../helpers/collect';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A key as random as a real one (fast-check's own strings lean to repeats, which match ordinary text). */
function keyFromSeed(seed: number, length: number): string {
  let x = seed >>> 0 || 0x9e3779b9;
  let key = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    key += ALPHABET[x % ALPHABET.length];
  }
  return key;
}

type Place = 'json-message' | 'json-field' | 'text-body' | 'bad-json' | 'not-object' | 'generation' | 'content-type' | 'html-body';
type Given = 'apiKey' | 'apiKey function' | 'env' | 'header';

interface Case {
  key: string;
  given: Given;
  place: Place;
  status: number;
  /** Where in the surrounding text the echo goes, 0..1. */
  at: number;
  /** What of the key is echoed: all of it, or a piece (as a proxy that cuts it might). */
  piece: [number, number];
  filler: string;
}

let server: Loopback;
let current: Case;

/** The text the server puts around the echo. */
function around(c: Case, echo: string): string {
  const cut = Math.floor(c.filler.length * c.at);
  return `${c.filler.slice(0, cut)}${echo}${c.filler.slice(cut)}`;
}

beforeAll(async () => {
  server = await startLoopback((req, res) => {
    const c = current;
    const auth = String(req.headers['authorization'] ?? '');
    const token = auth.replace(/^Bearer /, '');
    const echo = token.slice(c.piece[0], c.piece[1]);
    const text = around(c, echo);
    switch (c.place) {
      case 'json-message':
        res.writeHead(c.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', message: text }));
        return;
      case 'json-field':
        res.writeHead(c.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'denied', detail: { headers: { authorization: auth }, note: text } }));
        return;
      case 'text-body':
        res.writeHead(c.status, { 'content-type': 'text/plain' });
        res.end(text);
        return;
      case 'bad-json':
        res.writeHead(200, sseHeaders);
        // Valid JSON up to the echo, broken right after it: V8's message quotes this spot.
        res.end(`${toSse(textTurn.slice(0, 2))}data: {"type":"content-delta","text":"${text.replace(/"/g, '')}" oops}\n\n`);
        return;
      case 'not-object':
        res.writeHead(200, sseHeaders);
        res.end(`${toSse(textTurn.slice(0, 1))}data: ${JSON.stringify(text)}\n\n`);
        return;
      case 'generation':
        res.writeHead(200, sseHeaders);
        res.end(toSse([textTurn[0], { type: 'message-end', delta: { finish_reason: 'ERROR', error: text } }]));
        return;
      case 'content-type':
        res.writeHead(200, { 'content-type': `text/html; note=${echo}` });
        res.end('<html></html>');
        return;
      case 'html-body':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><body>${text}</body></html>`);
        return;
    }
  });
});
afterAll(() => server.close());

/** Everything an error shows, its causes included, every way it can be shown. */
function everythingShown(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: Infinity, showHidden: true })];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error;
    parts.push(String(e), String(e.message), String(e.stack), JSON.stringify(e) ?? '', JSON.stringify(Object.entries(e)));
    current = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** The first run of six or more characters of `key` that shows in `text`, if any. */
function leakedPiece(key: string, text: string): string | undefined {
  for (let i = 0; i + 6 <= key.length; i++) {
    const piece = key.slice(i, i + 6);
    if (text.includes(piece)) return piece;
  }
  return undefined;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    seed: fc.integer(),
    length: fc.integer({ min: 16, max: 64 }),
    given: fc.constantFrom<Given>('apiKey', 'apiKey function', 'env', 'header'),
    place: fc.constantFrom<Place>(
      'json-message',
      'json-field',
      'text-body',
      'bad-json',
      'not-object',
      'generation',
      'content-type',
      'html-body',
    ),
    status: fc.constantFrom(400, 401, 403, 404, 422, 500, 503),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    whole: fc.boolean(),
    from: fc.nat(),
    size: fc.integer({ min: 6, max: 64 }),
    filler: fc.string({ maxLength: 400 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  })
  .map(({ seed, length, whole, from, size, ...rest }) => {
    const start = whole ? 0 : from % (length - 5);
    const end = whole ? length : Math.min(length, start + size);
    return { ...rest, key: keyFromSeed(seed, length), piece: [start, end] as [number, number] };
  });

describe('the API key, given any way and echoed anywhere', () => {
  const savedEnv = process.env['CO_API_KEY'];
  afterAll(() => {
    if (savedEnv === undefined) delete process.env['CO_API_KEY'];
    else process.env['CO_API_KEY'] = savedEnv;
  });

  it('should never show six characters of itself in a row in any error', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        current = c;
        delete process.env['CO_API_KEY'];
        const options: ChatStreamOptions = { baseUrl: server.url, maxRetries: 0 };
        if (c.given === 'apiKey') options.apiKey = c.key;
        if (c.given === 'apiKey function') options.apiKey = async () => c.key;
        if (c.given === 'env') process.env['CO_API_KEY'] = c.key;
        if (c.given === 'header') options.headers = { Authorization: `Bearer ${c.key}` };
        const out = await collect(chatStream$(request, options));
        expect(isCohereError(out.error)).toBe(true);
        expect(leakedPiece(c.key, everythingShown(out.error))).toBeUndefined();
      }),
      { seed: 0xc0ffee, numRuns: 150 },
    );
  });

  it('should still say what went wrong around the echo', async () => {
    current = {
      key: keyFromSeed(7, 40),
      given: 'apiKey',
      place: 'json-message',
      status: 401,
      at: 0.5,
      piece: [0, 40],
      filler: 'invalid api token ',
    };
    const out = await collect(chatStream$(request, { apiKey: current.key, baseUrl: server.url, maxRetries: 0 }));
    expect(errorOf(out, isCohereError).message).toBe('Cohere API request failed with status 401: invalid a[REDACTED]pi token');
  });
});
