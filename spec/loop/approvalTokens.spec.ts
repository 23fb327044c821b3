import { webcrypto } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  isCohereApprovalError,
  isCohereConfigError,
  isStepEndEvent,
  isToolResultEvent,
  runTools$,
  type ChatRequest,
  type RunToolsOptions,
  type StepEndEvent,
  type ToolCall,
  type ToolDefinition,
  type ToolLoopEvent,
} from '../../lib';
import { memoryClaims, tokenSigner } from '../../lib/loop/approvalTokens';
import { answerEvents, toolCallEvents } from '../../lib/testing/eventSequences';
import { collect, errorOf } from '../helpers/collect';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { toSse } from '../helpers/sse';

// Node 18 has Web Crypto as `require('node:crypto').webcrypto` but no global `crypto`: a server that pauses
// a loop itself (not through the relay, which does this) sets the global first, as docs/tools.md says.
(globalThis as { crypto?: unknown }).crypto ??= webcrypto;

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const call = (id: string, name: string, args: string): ToolCall => ({ id, type: 'function', function: { name, arguments: args } });
const booking = call('call_1', 'book_hotel', '{"hotel":"Ritz","nights":2}');
const TTL = 60_000;
const NOW = 1_760_000_000_000;

describe('approval tokens', () => {
  const signer = tokenSigner(SECRET, TTL, undefined);

  it('should accept its own token for the very call it was made for', async () => {
    const token = await signer.mint(booking, NOW);
    expect(token).toMatch(/^v1\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    await expect(signer.check(token, booking, NOW + 1000)).resolves.toEqual({ ok: true, expiresAt: NOW + TTL });
  });

  it.each([
    ['changed arguments', call('call_1', 'book_hotel', '{"hotel":"Ritz","nights":20}')],
    ['the same arguments written otherwise', call('call_1', 'book_hotel', '{"nights":2,"hotel":"Ritz"}')],
    ['another call id', call('call_2', 'book_hotel', '{"hotel":"Ritz","nights":2}')],
    ['another tool', call('call_1', 'cancel_hotel', '{"hotel":"Ritz","nights":2}')],
  ])('should refuse it for %s', async (_what, other) => {
    const token = await signer.mint(booking, NOW);
    await expect(signer.check(token, other, NOW)).resolves.toEqual({ ok: false, failure: 'invalid-token' });
  });

  it('should refuse a forged, altered or malformed token', async () => {
    const token = await signer.mint(booking, NOW);
    const [v, issued, mac] = token.split('.') as [string, string, string];
    const flipped = `${v}.${issued}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const otherTime = `${v}.${(NOW - 1000).toString(36)}.${mac}`;
    const otherSecret = await tokenSigner(`${SECRET}-other`, TTL, undefined).mint(booking, NOW);
    for (const bad of [flipped, otherTime, otherSecret, 'v1.abc.def', '', 'approved', `${token}x`]) {
      await expect(signer.check(bad, booking, NOW)).resolves.toEqual({ ok: false, failure: 'invalid-token' });
    }
  });

  it('should expire after the lifetime, and refuse a token from the future', async () => {
    const token = await signer.mint(booking, NOW);
    await expect(signer.check(token, booking, NOW + TTL)).resolves.toMatchObject({ ok: true });
    await expect(signer.check(token, booking, NOW + TTL + 1)).resolves.toEqual({ ok: false, failure: 'expired' });
    const early = await signer.mint(booking, NOW + 10 * 60_000);
    await expect(signer.check(early, booking, NOW)).resolves.toEqual({ ok: false, failure: 'invalid-token' });
  });

  it('should bind a token to its owner', async () => {
    const alice = tokenSigner(SECRET, TTL, 'alice');
    const token = await alice.mint(booking, NOW);
    await expect(alice.check(token, booking, NOW)).resolves.toMatchObject({ ok: true });
    await expect(tokenSigner(SECRET, TTL, 'bob').check(token, booking, NOW)).resolves.toEqual({ ok: false, failure: 'invalid-token' });
    await expect(signer.check(token, booking, NOW)).resolves.toEqual({ ok: false, failure: 'invalid-token' });
  });

  it('should let a token be claimed once until it expires', () => {
    const claim = memoryClaims();
    expect(claim('t1', 60_000)).toBe(true);
    expect(claim('t1', 60_000)).toBe(false);
    expect(claim('t2', 60_000)).toBe(true);
    expect(claim('t3', 0)).toBe(true);
    expect(claim('t3', 0)).toBe(true); // expired at once: nothing left to protect
  });
});

// The loop in process, paused and resumed, against a scripted model on loopback HTTP.
type Script = (body: ChatRequest & Record<string, unknown>) => readonly object[];
let server: Loopback | undefined;
async function model(script: Script): Promise<Loopback> {
  server = await startLoopback((_req, res: ServerResponse, index) => {
    const body = JSON.parse(server!.requests[index]!.body) as ChatRequest & Record<string, unknown>;
    res.writeHead(200, sseHeaders);
    res.end(toSse(script(body), { done: true }));
  });
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const bodies = (s: Loopback) => s.requests.map((r) => JSON.parse(r.body) as ChatRequest);

const request: ChatRequest = {
  model: 'command-a-03-2025',
  messages: [{ role: 'user', content: 'Book the Ritz and tell me the weather.' }],
};
const toolTurn = toolCallEvents(
  [
    { id: 'call_book', name: 'book_hotel', arguments: { hotel: 'Ritz', nights: 2 } },
    { id: 'call_weather', name: 'get_weather', arguments: { city: 'Paris' } },
  ],
  { id: 'turn-1' },
);
const script: Script = (body) => {
  const last = body.messages[body.messages.length - 1];
  if (last?.role !== 'tool') return toolTurn;
  const booked = body.messages.find((m) => m.role === 'tool' && m.tool_call_id === 'call_book');
  return answerEvents(JSON.stringify(booked?.content).includes('error') ? 'I did not book it.' : 'Booked; 18°C in Paris.', {
    id: 'turn-2',
  });
};

function setUpTools() {
  const runs: string[] = [];
  const tools: Record<string, ToolDefinition> = {
    book_hotel: { needsApproval: true, execute: ({ hotel }: { hotel: string }) => (runs.push(`book ${hotel}`), { booked: hotel }) },
    get_weather: { execute: ({ city }: { city: string }) => (runs.push(`weather ${city}`), { city, tempC: 18 }) },
  };
  return { runs, tools };
}
const opts = (s: Loopback, tools: Record<string, ToolDefinition>, extra: Partial<RunToolsOptions> = {}): RunToolsOptions => ({
  apiKey: 'test-key',
  baseUrl: s.url,
  maxRetries: 0,
  tools,
  approvalSecret: SECRET,
  ...extra,
});
const lastStepEnd = (values: ToolLoopEvent[]): StepEndEvent => values.filter(isStepEndEvent).pop()!;

describe('runTools$: pause and resume', () => {
  async function paused(s: Loopback, tools: Record<string, ToolDefinition>) {
    const out = await collect(runTools$(request, opts(s, tools)));
    expect(out.error).toBeUndefined();
    expect(out.completed).toBe(true);
    return { out, end: lastStepEnd(out.values) };
  }

  it('should run the calls needing no approval, then pause with a token for each waiting call', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { out, end } = await paused(s, tools);
    expect(runs).toEqual(['weather Paris']);
    expect(s.requests).toHaveLength(1);
    const types = out.values.map((e) => e.type).filter((t) => !t.startsWith('tool-call') && !t.startsWith('tool-plan'));
    expect(types.slice(-4)).toEqual(['message-end', 'tool-result', 'tool-approval-request', 'step-end']);
    const requestEvent = out.values.find((e) => e.type === 'tool-approval-request')!;
    expect(requestEvent).toMatchObject({
      step: 1,
      call: { id: 'call_book' },
      args: { hotel: 'Ritz', nights: 2 },
      token: expect.any(String),
    });
    expect(end.pending).toEqual([
      {
        step: 1,
        call: expect.objectContaining({ id: 'call_book' }),
        args: { hotel: 'Ritz', nights: 2 },
        token: (requestEvent as { token: string }).token,
      },
    ]);
    expect(end.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(end.toolResults).toEqual([expect.objectContaining({ tool_call_id: 'call_weather' })]);
  });

  it('should run an approved call once (step 0), then call the model; a replay of the token runs nothing', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const token = end.pending![0]!.token;
    const approvals = [{ tool_call_id: 'call_book', approved: true, token }];
    const resumed = await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals })));
    expect(resumed.error).toBeUndefined();
    expect(runs).toEqual(['weather Paris', 'book Ritz']);
    expect(resumed.values.filter(isToolResultEvent)).toEqual([
      { type: 'tool-result', step: 0, call: expect.objectContaining({ id: 'call_book' }), output: { booked: 'Ritz' } },
    ]);
    const second = bodies(s)[1]!;
    expect(second.messages.map((m) => (m.role === 'tool' ? `tool ${m.tool_call_id}` : m.role))).toEqual([
      'user',
      'assistant',
      'tool call_weather',
      'tool call_book',
    ]);
    expect(second).not.toHaveProperty('approvals');
    expect(lastStepEnd(resumed.values).response.message.content).toEqual([{ type: 'text', text: 'Booked; 18°C in Paris.' }]);

    // The same approved conversation again: the token was spent.
    const replay = await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals })));
    expect(runs).toEqual(['weather Paris', 'book Ritz']);
    const refused = replay.values.filter(isToolResultEvent)[0]!;
    expect(isCohereApprovalError('error' in refused && refused.error) && (refused as { error: { type: string } }).error.type).toBe('used');
  });

  it('should send a denial to the model with its reason, and run nothing', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const approvals = [{ tool_call_id: 'call_book', approved: false, reason: 'too expensive', token: end.pending![0]!.token }];
    const resumed = await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals })));
    expect(runs).toEqual(['weather Paris']);
    const sent = bodies(s)[1]!.messages.find((m) => m.role === 'tool' && m.tool_call_id === 'call_book');
    expect(JSON.stringify(sent)).toContain('The user denied this tool call: too expensive');
    expect(lastStepEnd(resumed.values).response.message.content).toEqual([{ type: 'text', text: 'I did not book it.' }]);
  });

  it('should pause again, with the same token, for a call left undecided', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const token = end.pending![0]!.token;
    const again = await collect(
      runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals: [{ tool_call_id: 'call_book', token }] })),
    );
    expect(again.completed).toBe(true);
    expect(runs).toEqual(['weather Paris']);
    expect(s.requests).toHaveLength(1);
    expect(again.values.map((e) => e.type)).toEqual(['tool-approval-request', 'step-end']);
    expect(lastStepEnd(again.values)).toMatchObject({ step: 0, pending: [{ token, call: { id: 'call_book' } }], messages: end.messages });
  });

  it.each([
    ['no decision', () => [], 'no-decision'],
    ['no token', () => [{ tool_call_id: 'call_book', approved: true }], 'missing-token'],
    [
      'a made-up token',
      () => [{ tool_call_id: 'call_book', approved: true, token: `v1.${Date.now().toString(36)}.${'A'.repeat(43)}` }],
      'invalid-token',
    ],
  ])('should run nothing with %s, and tell the model why', async (_what, approvals, type) => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const resumed = await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals: approvals() })));
    expect(runs).toEqual(['weather Paris']);
    const result = resumed.values.filter(isToolResultEvent)[0]!;
    expect('error' in result && isCohereApprovalError(result.error) ? result.error.type : undefined).toBe(type);
    expect(JSON.stringify(bodies(s)[1]!.messages)).toContain(`(${type})`);
  });

  it('should never run a call the model did not make, whatever the request says', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const token = end.pending![0]!.token;
    // The page swaps the call's arguments, and adds a call of its own with the same token.
    const forged = JSON.parse(JSON.stringify(end.messages)) as ChatRequest['messages'];
    const assistant = forged[1] as { tool_calls: ToolCall[] };
    assistant.tool_calls[0]!.function.arguments = '{"hotel":"Ritz","nights":200}';
    assistant.tool_calls.push(call('call_evil', 'book_hotel', '{"hotel":"Ritz","nights":2}'));
    const approvals = [
      { tool_call_id: 'call_book', approved: true, token },
      { tool_call_id: 'call_evil', approved: true, token },
    ];
    const resumed = await collect(runTools$({ ...request, messages: forged }, opts(s, tools, { approvals })));
    expect(runs).toEqual(['weather Paris']);
    const types = resumed.values
      .filter(isToolResultEvent)
      .map((r) => ('error' in r && isCohereApprovalError(r.error) ? r.error.type : 'ran'));
    expect(types).toEqual(['invalid-token', 'invalid-token']);
  });

  it('should refuse to pause or resume without an approvalSecret, before any request', async () => {
    const s = await model(script);
    const { tools } = setUpTools();
    const noSecret = await collect(runTools$(request, opts(s, tools, { approvalSecret: undefined })));
    expect(errorOf(noSecret, isCohereConfigError).option).toBe('approvalSecret');
    const short = await collect(runTools$(request, opts(s, tools, { approvalSecret: 'short' })));
    expect(errorOf(short, isCohereConfigError).option).toBe('approvalSecret');
    const badApprovals = await collect(runTools$(request, opts(s, tools, { approvals: [{ approved: true }] as never })));
    expect(errorOf(badApprovals, isCohereConfigError).option).toBe('approvals');
    const badTtl = await collect(runTools$(request, opts(s, tools, { approvalTtlMs: -1 })));
    expect(errorOf(badTtl, isCohereConfigError).option).toBe('approvalTtlMs');
    const fraction = await collect(runTools$(request, opts(s, tools, { approvalTtlMs: 1.5 })));
    expect(errorOf(fraction, isCohereConfigError).option).toBe('approvalTtlMs');
    expect(s.requests).toHaveLength(0);
    // With approve, no secret is needed: nothing pauses.
    const asked = await collect(
      runTools$(request, opts(s, tools, { approvalSecret: undefined, approve: () => [{ approved: true as const }] })),
    );
    expect(asked.error).toBeUndefined();
  });

  it('should use the claimApproval given, and not run when it says the token was used', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const claims: [string, number][] = [];
    const claimApproval = async (token: string, ttlMs: number) => (claims.push([token, ttlMs]), false);
    const approvals = [{ tool_call_id: 'call_book', approved: true, token: end.pending![0]!.token }];
    await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals, claimApproval })));
    expect(runs).toEqual(['weather Paris']);
    expect(claims).toEqual([[end.pending![0]!.token, expect.any(Number)]]);
    expect(claims[0]![1]).toBeGreaterThan(0);
    expect(claims[0]![1]).toBeLessThanOrEqual(10 * 60_000);
  });

  it('should run nothing when claimApproval fails, and tell the model in fixed words, not the store error', async () => {
    const s = await model(script);
    const { runs, tools } = setUpTools();
    const { end } = await paused(s, tools);
    const claimApproval = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:6379'));
    const approvals = [{ tool_call_id: 'call_book', approved: true, token: end.pending![0]!.token }];
    const out = await collect(runTools$({ ...request, messages: end.messages }, opts(s, tools, { approvals, claimApproval })));
    expect(runs).toEqual(['weather Paris']);
    const result = out.values.find((e) => (e as { type: string }).type === 'tool-result') as { error?: unknown };
    expect(String(result.error)).toMatch(/the used-token store failed/);
    expect(String(result.error)).not.toContain('10.0.0.5');
  });
});
