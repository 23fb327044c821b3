import fc from 'fast-check';
import { chatStream$, CohereApiError, CohereConfigError } from '../../../lib';
import { createChatHandler } from '../../../lib/server';
import { collect } from '../../helpers/collect';
import { sseHeaders } from '../../helpers/loopback';
import { request, textTurn, toSse } from '../../helpers/sse';
import { browser, closeAll, FLAVOURS, post, setUp, type Setup } from '../harness';

// The attack: a page on another site makes a visitor's browser post to the
// relay (a form, a text/plain fetch, a beacon: requests a browser sends
// without asking the relay first), so that the app's key pays for it.
const answer = (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, sseHeaders);
  res.end(toSse(textTurn));
};
const body = JSON.stringify(request);

afterEach(closeAll);

describe.each(FLAVOURS)('a relay served by %s', (flavour) => {
  let prepared = 0;
  const counting = { prepare: () => void prepared++ };
  beforeEach(() => (prepared = 0));
  const untouched = ({ up }: Setup) => {
    expect(prepared).toBe(0);
    expect(up.requests).toHaveLength(0);
  };

  describe('a body that is not JSON', () => {
    it('should answer a text/plain body (what a cross-site fetch sends without a preflight) 415, before prepare', async () => {
      const s = await setUp(flavour, answer, counting);
      const refused = await post(s.relay, body, { 'content-type': 'text/plain;charset=UTF-8' });
      expect(refused.status).toBe(415);
      expect(refused.headers['x-should-retry']).toBe('false');
      expect(JSON.parse(refused.text)).toEqual({ message: expect.stringContaining('application/json') });
      untouched(s);
    });

    it('should answer an HTML form post 415, also when express.urlencoded() has parsed it already', async () => {
      const s = await setUp(flavour, answer, counting);
      const form = new URLSearchParams({ model: 'command-a-03-2025', 'messages[0][role]': 'user', 'messages[0][content]': 'spend' });
      const refused = await post(s.relay, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      expect(refused.status).toBe(415);
      untouched(s);
    });

    it('should answer a multipart form and a body without a type 415', async () => {
      const s = await setUp(flavour, answer, counting);
      const data = new FormData();
      data.set('model', 'command-a-03-2025');
      const multipart = await fetch(`${s.relay.url}/api/v2/chat`, { method: 'POST', body: data });
      expect(multipart.status).toBe(415);
      const bare = await fetch(`${s.relay.url}/api/v2/chat`, { method: 'POST', body: new Blob([body]) });
      expect(bare.status).toBe(415);
      untouched(s);
    });

    it('should take application/json with parameters, in any case, as the browser sends it', async () => {
      const s = await setUp(flavour, answer);
      for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8']) {
        expect((await post(s.relay, body, { 'content-type': type })).status).toBe(200);
      }
      expect(s.up.requests).toHaveLength(3);
    });

    it('should refuse every media type but JSON (property: arbitrary content types)', async () => {
      const s = await setUp(flavour, answer, counting);
      const types = fc.oneof(
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'json'),
        fc.stringMatching(/^[a-z]{1,8}\/[a-z+.-]{1,12}(; ?[a-z]+=[a-z0-9-]+)?$/),
      );
      await fc.assert(
        fc.asyncProperty(
          types.filter((t) => t.split(';')[0]!.trim().toLowerCase() !== 'application/json'),
          async (type) => {
            expect((await post(s.relay, body, { 'content-type': type })).status).toBe(415);
          },
        ),
        { numRuns: 40 },
      );
      untouched(s);
    });
  });

  describe('the same-origin rule', () => {
    it("should answer a request whose Origin is another site's 403, before prepare", async () => {
      const s = await setUp(flavour, answer, counting);
      const refused = await post(s.relay, body, { origin: 'https://evil.example' });
      expect(refused.status).toBe(403);
      expect(refused.headers['x-should-retry']).toBe('false');
      expect(JSON.parse(refused.text)).toEqual({ message: expect.stringContaining('https://evil.example') });
      untouched(s);
    });

    it('should answer Sec-Fetch-Site: cross-site 403, whatever the Origin says', async () => {
      const s = await setUp(flavour, answer, counting);
      expect((await post(s.relay, body, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await post(s.relay, body, { 'sec-fetch-site': 'cross-site', origin: s.relay.origin })).status).toBe(403);
      untouched(s);
    });

    it('should answer Origin: null (a sandboxed frame, a file) 403', async () => {
      const s = await setUp(flavour, answer, counting);
      expect((await post(s.relay, body, { origin: 'null' })).status).toBe(403);
      untouched(s);
    });

    it("should let the relay's own page in (its Origin, Sec-Fetch-Site: same-origin), and a request with neither", async () => {
      const s = await setUp(flavour, answer);
      expect((await post(s.relay, body, { origin: s.relay.origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await post(s.relay, body)).status).toBe(200); // curl, a server: no cross-site browser request
      const outcome = await collect(chatStream$(request, browser(s.relay, { headers: { origin: s.relay.origin } })));
      expect(outcome.completed).toBe(true);
      expect(s.up.requests).toHaveLength(3);
    });

    it('should let an origin of allowedOrigins in, even cross-site, and no other', async () => {
      const s = await setUp(flavour, answer, { allowedOrigins: ['https://app.example', 'http://localhost:4200'] });
      expect((await post(s.relay, body, { origin: 'https://app.example', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
      expect((await post(s.relay, body, { origin: 'http://localhost:4200' })).status).toBe(200);
      expect((await post(s.relay, body, { origin: 'https://app.example.evil.example' })).status).toBe(403);
      expect((await post(s.relay, body, { origin: 'http://app.example' })).status).toBe(403);
      expect(s.up.requests).toHaveLength(2);
    });

    it('should hold the rule for every method: a foreign GET, DELETE or OPTIONS is 403, not 405', async () => {
      const s = await setUp(flavour, answer, counting);
      for (const method of ['GET', 'DELETE', 'OPTIONS', 'PUT']) {
        expect((await post(s.relay, body, { origin: 'https://evil.example' }, method)).status).toBe(403);
        expect((await post(s.relay, body, { origin: s.relay.origin }, method)).status).toBe(405);
      }
      untouched(s);
    });

    it('should refuse every origin but its own and the allowed ones (property: arbitrary origins)', async () => {
      const allowed = 'https://app.example:8443';
      const s = await setUp(flavour, answer, { ...counting, allowedOrigins: [allowed] });
      const hosts = fc.oneof(fc.domain(), fc.constantFrom('127.0.0.1', 'localhost', 'app.example', 'APP.example', '[::1]'));
      const origins = fc.oneof(
        fc
          .tuple(fc.constantFrom('http', 'https', 'HTTP', 'ftp'), hosts, fc.option(fc.integer({ min: 1, max: 65535 })))
          .map(([scheme, host, port]) => `${scheme}://${host}${port === null ? '' : `:${port}`}`),
        fc.constantFrom(`${allowed}/`, `${s.relay.origin}/`, s.relay.origin.toUpperCase(), `${allowed}.evil.example`, 'null', ''),
      );
      await fc.assert(
        fc.asyncProperty(origins, async (origin) => {
          const status = (await post(s.relay, body, { origin })).status;
          expect(status).toBe(origin === allowed || origin === s.relay.origin ? 200 : 403);
        }),
        { numRuns: 60 },
      );
      expect(prepared).toBe(s.up.requests.length); // only what passed reached prepare
    });

    it('should take its own origin from publicOrigin behind a proxy that ends TLS', async () => {
      const s = await setUp(flavour, answer, { publicOrigin: 'https://chat.example' });
      expect((await post(s.relay, body, { origin: 'https://chat.example' })).status).toBe(200);
      // The origin the relay itself is reached on is no longer its own.
      expect((await post(s.relay, body, { origin: s.relay.origin })).status).toBe(403);
    });

    it('should read X-Forwarded-Proto and X-Forwarded-Host with trustProxy, and never without', async () => {
      const forwarded = {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'chat.example, proxy.internal',
        origin: 'https://chat.example',
      };
      const trusting = await setUp(flavour, answer, { trustProxy: true });
      expect((await post(trusting.relay, body, forwarded)).status).toBe(200);
      expect((await post(trusting.relay, body, { ...forwarded, 'x-forwarded-proto': 'gopher' })).status).toBe(403);
      const plain = await setUp(flavour, answer);
      expect((await post(plain.relay, body, forwarded)).status).toBe(403);
    });

    it('should give the browser the 403 as a CohereApiError it does not retry', async () => {
      const s = await setUp(flavour, answer, counting);
      const outcome = await collect(chatStream$(request, browser(s.relay, { maxRetries: 2, headers: { origin: 'https://evil.example' } })));
      expect(outcome.error).toBeInstanceOf(CohereApiError);
      expect((outcome.error as CohereApiError).status).toBe(403);
      expect(s.relay.hits).toBe(1);
      untouched(s);
    });
  });
});

describe('the same-origin options at set-up', () => {
  it('should refuse an allowedOrigins or publicOrigin entry that is not an exact origin, naming the option', () => {
    const bad = fc.oneof(
      fc.constantFrom(
        '*',
        'https://app.example/',
        'https://app.example/path',
        'https://APP.example',
        'https://app.example:443',
        'app.example',
        'https://user@app.example',
        'ftp://app.example',
        '',
      ),
      fc.webUrl({ withQueryParameters: true }).filter((u) => new URL(u).origin !== u),
    );
    fc.assert(
      fc.property(bad, (origin) => {
        expect(() => createChatHandler({ allowedOrigins: [origin] })).toThrow(CohereConfigError);
        expect(() => createChatHandler({ allowedOrigins: [origin] })).toThrow(/allowedOrigins/);
        expect(() => createChatHandler({ publicOrigin: origin })).toThrow(/publicOrigin/);
      }),
    );
  });

  it('should suggest the exact form of an origin written loosely', () => {
    expect(() => createChatHandler({ allowedOrigins: ['https://App.Example:443/'] })).toThrow('write it as "https://app.example"');
  });

  it('should refuse allowedOrigins that is not an array, and a trustProxy that is not a boolean', () => {
    expect(() => createChatHandler({ allowedOrigins: 'https://app.example' as unknown as string[] })).toThrow(/allowedOrigins/);
    expect(() => createChatHandler({ trustProxy: 'yes' as unknown as boolean })).toThrow(/trustProxy/);
  });
});
