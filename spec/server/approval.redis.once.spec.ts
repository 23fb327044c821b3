// Tool approval on several relay instances: two relays (two createChatHandler
// instances, each with its own redisStore client) on one real redis-server.
// A token is spent once across the instances (the store's claim), and with
// `owner` a token issued to one user is worth nothing to another.
import { chatStream$, type ChatMessage, type ChatRequest, type ChatStreamEvent, type StepEndEvent, type ToolDefinition } from '../../lib';
import { createChatHandler, redisStore, toNodeHandler, type ChatHandlerOptions, type GenerationStore } from '../../lib/server';
import { answerEvents, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { collect } from '../helpers/collect';
import { startRedis, type RedisServer } from '../helpers/redis';
import { browser, closeAll, keep, KEY, serveRelay, type RelayServer } from './harness';

const SECRET = 'several-instances-approval-secret-0123456789';
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Pay the invoice' }] };
const toolTurn = toolCallEvents([{ id: 'call_pay', name: 'pay_invoice', arguments: { invoice: 'INV-7', amount: 120 } }], { id: 't1' });
function pick(body: Record<string, unknown>): readonly ChatStreamEvent[] {
  const messages = body['messages'] as ChatMessage[];
  return messages[messages.length - 1]?.role === 'tool' ? answerEvents('Done.', { id: 't2' }) : toolTurn;
}

let redis: RedisServer;
let upstream: ReplayServer;
let payments: number;
const stores: GenerationStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(async () => {
  upstream = keep(await startReplayServer({ pick }));
  payments = 0;
});
afterEach(async () => {
  await closeAll();
  for (const store of stores.splice(0)) await store.close();
});

const tools: Record<string, ToolDefinition> = {
  pay_invoice: { needsApproval: true, execute: () => ({ paid: ++payments }) },
};

/** One relay instance: its own Redis client, the same secret and Redis as the others. */
async function instance(options: ChatHandlerOptions = {}): Promise<RelayServer> {
  const store = redisStore({ url: redis.url, leaseMs: 2000 });
  stores.push(store);
  const handler = createChatHandler({
    apiKey: KEY,
    baseUrl: upstream.url,
    maxRetries: 0,
    tools,
    approvalSecret: SECRET,
    store,
    ...options,
  });
  return keep(await serveRelay('node:http', toNodeHandler(handler)));
}

async function pause(relay: RelayServer, headers: Record<string, string> = {}): Promise<{ messages: ChatMessage[]; token: string }> {
  const out = await collect(chatStream$(request, browser(relay, { headers })));
  expect(out.error).toBeUndefined();
  const end = out.values.filter((e) => (e as { type: string }).type === 'step-end').pop() as unknown as StepEndEvent;
  return { messages: end.messages, token: end.pending![0]!.token };
}
function decide(relay: RelayServer, messages: ChatMessage[], token: string, headers: Record<string, string> = {}) {
  const approvals = [{ tool_call_id: 'call_pay', approved: true, token }];
  return collect(chatStream$({ ...request, messages, approvals } as ChatRequest, browser(relay, { headers })));
}
const errorOf = (values: readonly unknown[]) =>
  (values.find((e) => (e as { type: string }).type === 'tool-result') as { error?: string } | undefined)?.error;

describe('tool approval on several relay instances sharing a redisStore', () => {
  it('should run an approved call once across instances: the same approval replayed on the other instance runs nothing', async () => {
    const [a, b] = [await instance(), await instance()];
    const { messages, token } = await pause(a);
    const first = await decide(b, messages, token);
    expect(first.error).toBeUndefined();
    expect(payments).toBe(1);
    const replayed = await decide(a, messages, token);
    expect(replayed.error).toBeUndefined();
    expect(payments).toBe(1);
    expect(errorOf(replayed.values)).toMatch(/used/);
  });

  it("should bind tokens to the relay's owner: another user's request cannot spend them, on any instance", async () => {
    const owner = (req: Request) => req.headers.get('x-user') ?? 'anonymous';
    const [a, b] = [await instance({ owner }), await instance({ owner })];
    const { messages, token } = await pause(a, { 'x-user': 'alice' });
    const mallory = await decide(b, messages, token, { 'x-user': 'mallory' });
    expect(mallory.error).toBeUndefined();
    expect(payments).toBe(0);
    expect(errorOf(mallory.values)).toMatch(/invalid/);
    const alice = await decide(b, messages, token, { 'x-user': 'alice' });
    expect(alice.error).toBeUndefined();
    expect(payments).toBe(1);
  });
});
