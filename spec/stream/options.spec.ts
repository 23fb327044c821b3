// Options that can never work fail when you subscribe, with a CohereConfigError
// naming the option, before any request and without retries. Checked against a
// real loopback server that counts the requests it gets.
import fc from 'fast-check';
import { chatStream$, isCohereConfigError, type ChatStreamOptions } from '../../lib';
import { collect, narrow } from '../helpers/collect';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

let server: Loopback;
beforeAll(async () => {
  server = await startLoopback((_req, res) => {
    res.writeHead(200, sseHeaders);
    res.end(toSse(textTurn));
  });
});
afterAll(() => server.close());

const KEY = 'co-test-4d9b1f0e77a2c3';

/** Subscribes, and returns the error delivered synchronously, at subscribe. */
function errorAtSubscribe(options: ChatStreamOptions, req: unknown = request): unknown {
  let error: unknown;
  let settled = false;
  const sub = chatStream$(req as typeof request, options).subscribe({
    error: (e: unknown) => {
      error = e;
      settled = true;
    },
    complete: () => void (settled = true),
  });
  sub.unsubscribe();
  expect(settled).toBe(true); // delivered before subscribe() returned
  return error;
}

function expectConfigError(error: unknown, option: string): void {
  expect(isCohereConfigError(error)).toBe(true);
  expect(narrow(error, isCohereConfigError).option).toBe(option);
  expect(narrow(error, isCohereConfigError).message).toContain(option);
}

describe('option validation', () => {
  beforeEach(() => {
    server.requests.length = 0;
  });
  afterEach(() => {
    expect(server.requests).toHaveLength(0); // nothing was ever sent
  });

  it('should reject a baseUrl that is not an absolute http(s) URL, naming it and its value', () => {
    const bad = fc.oneof(
      fc.constantFrom(
        '',
        '   ',
        'localhost:8080',
        'ftp://example.com',
        'http//x.y',
        'file:///etc/passwd',
        '//cdn.example.com',
        'ws://127.0.0.1:1',
        '/relative/outside/a/page',
        'not a url at all',
      ),
      fc.domain(), // a bare host name: the scheme was forgotten
    );
    fc.assert(
      fc.property(bad, (baseUrl) => {
        const error = errorAtSubscribe({ apiKey: KEY, baseUrl });
        expectConfigError(error, 'baseUrl');
        if (baseUrl.trim() !== '') expect(narrow(error, isCohereConfigError).message).toContain(JSON.stringify(baseUrl));
      }),
      { seed: 0xc0ffee, numRuns: 60 },
    );
  });

  it('should reject a baseUrl with credentials, a query or a fragment', () => {
    for (const baseUrl of [`http://user:pw@127.0.0.1:1`, `${server.url}/?region=eu`, `${server.url}#top`]) {
      expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl }), 'baseUrl');
    }
  });

  it('should reject a maxRetries that is not a whole number >= 0', () => {
    const bad = fc.oneof(
      fc.constantFrom<unknown>(NaN, -1, Infinity, -Infinity, '3', null, true, {}),
      fc.double({ noInteger: true }),
      fc.integer({ max: -1 }),
    );
    fc.assert(
      fc.property(bad, (maxRetries) => {
        expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, maxRetries: maxRetries as number }), 'maxRetries');
      }),
      { seed: 0xc0ffee, numRuns: 60 },
    );
  });

  it.each(['timeoutMs', 'idleTimeoutMs'] as const)('should reject a %s that is not a number >= 0', (option) => {
    const bad = fc.oneof(fc.constantFrom<unknown>(NaN, -0.5, '1000', null, [], -Infinity), fc.integer({ max: -1 }));
    fc.assert(
      fc.property(bad, (value) => {
        expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, [option]: value as number }), option);
      }),
      { seed: 0xc0ffee, numRuns: 30 },
    );
  });

  it('should reject a key that no header can carry, without quoting it', () => {
    const controlOrSpace = fc.constantFrom('\n', '\r', '\r\n', '\t', ' ', '\u0000', '\u00e9', '\u2028', '\u{1F511}');
    const key = fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{8,30}$/), controlOrSpace, fc.stringMatching(/^[A-Za-z0-9]{0,10}$/));
    fc.assert(
      fc.property(key, ([head, bad, tail]) => {
        const apiKey = `${head}${bad}${tail}`;
        const error = errorAtSubscribe({ apiKey, baseUrl: server.url });
        expectConfigError(error, 'apiKey');
        expect(narrow(error, isCohereConfigError).message).not.toContain(head);
      }),
      { seed: 0xc0ffee, numRuns: 60 },
    );
  });

  it('should reject a CO_API_KEY that no header can carry, naming CO_API_KEY', () => {
    const saved = process.env['CO_API_KEY'];
    process.env['CO_API_KEY'] = `${KEY}\n`;
    try {
      const error = errorAtSubscribe({ baseUrl: server.url });
      expectConfigError(error, 'apiKey');
      expect(narrow(error, isCohereConfigError).message).toContain('CO_API_KEY');
      expect(narrow(error, isCohereConfigError).message).not.toContain(KEY);
    } finally {
      if (saved === undefined) delete process.env['CO_API_KEY'];
      else process.env['CO_API_KEY'] = saved;
    }
  });

  it('should reject header names and values no header can carry, naming the header but not its value', () => {
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, headers: { 'x team': 'a' } }), 'headers');
    const error = errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, headers: { 'X-Secret': 'hunter2hunter2\r\nX-Evil: 1' } });
    expectConfigError(error, 'headers.x-secret');
    expect(narrow(error, isCohereConfigError).message).not.toContain('hunter2');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, headers: { 'x-n': 5 as unknown as string } }), 'headers.x-n');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, clientName: 'my\napp' }), 'clientName');
  });

  it('should reject a fetch that is not a function, a signal that is not a signal, and a request that is not an object', () => {
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, fetch: 'fetch' as never }), 'fetch');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url, signal: {} as AbortSignal }), 'signal');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url }, null), 'request');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url }, '{"model":"x"}'), 'request');
    const cyclic: Record<string, unknown> = { model: 'x', messages: [] };
    cyclic['self'] = cyclic;
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url }, cyclic), 'request');
    expectConfigError(errorAtSubscribe({ apiKey: KEY, baseUrl: server.url }, { model: 'x', messages: [], seed: 10n }), 'request');
  });

  describe('with no key anywhere', () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env['CO_API_KEY'];
      delete process.env['CO_API_KEY'];
    });
    afterEach(() => {
      if (saved !== undefined) process.env['CO_API_KEY'] = saved;
    });

    it("should fail before any request, naming CO_API_KEY and the apiKey: '' opt-out", () => {
      const error = errorAtSubscribe({ baseUrl: server.url });
      expectConfigError(error, 'apiKey');
      expect(narrow(error, isCohereConfigError).message).toContain('CO_API_KEY');
      expect(narrow(error, isCohereConfigError).message).toContain("apiKey: ''");
    });

    it('should treat an empty CO_API_KEY as no key', () => {
      process.env['CO_API_KEY'] = '';
      expectConfigError(errorAtSubscribe({ baseUrl: server.url }), 'apiKey');
    });
  });
});

describe('accepted options', () => {
  beforeEach(() => {
    server.requests.length = 0;
  });

  it.each([
    ['a trailing slash', '/'],
    ['a trailing /v2', '/v2'],
    ['a trailing /v2/', '/v2/'],
    ['the whole endpoint', '/v2/chat'],
    ['several slashes', '///'],
  ])('should send to /v2/chat once with %s', async (_label, suffix) => {
    const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: `${server.url}${suffix}` }));
    expect(out.completed).toBe(true);
    expect(server.requests.map((r) => r.url)).toEqual(['/v2/chat']);
  });

  it('should keep a path prefix of a relay', async () => {
    const out = await collect(chatStream$(request, { apiKey: '', baseUrl: `${server.url}/relay/cohere/v2` }));
    expect(out.completed).toBe(true);
    expect(server.requests[0]!.url).toBe('/relay/cohere/v2/chat');
    expect(server.requests[0]!.headers['authorization']).toBeUndefined();
  });

  it("should resolve a path baseUrl against the page's URL in a page", async () => {
    const g = globalThis as { location?: { href: string } };
    g.location = { href: `${server.url}/app/index.html` };
    try {
      const out = await collect(chatStream$(request, { apiKey: '', baseUrl: '/api' }));
      expect(out.completed).toBe(true);
      expect(server.requests[0]!.url).toBe('/api/v2/chat');
    } finally {
      delete g.location;
    }
  });

  it('should accept a key given only as an Authorization header', async () => {
    const saved = process.env['CO_API_KEY'];
    delete process.env['CO_API_KEY'];
    try {
      const out = await collect(chatStream$(request, { baseUrl: server.url, headers: { Authorization: `Bearer ${KEY}` } }));
      expect(out.completed).toBe(true);
      expect(server.requests[0]!.headers['authorization']).toBe(`Bearer ${KEY}`);
    } finally {
      if (saved !== undefined) process.env['CO_API_KEY'] = saved;
    }
  });

  it('should accept 0 and Infinity as "no time limit"', async () => {
    const out = await collect(
      chatStream$(request, { apiKey: KEY, baseUrl: server.url, timeoutMs: 0, idleTimeoutMs: Infinity, maxRetries: 0 }),
    );
    expect(out.completed).toBe(true);
  });
});
