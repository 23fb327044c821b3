// redisStore() on ioredis 5 clients (the peer range is ioredis 5 or 6; the
// other Redis specs run on ioredis 6), on a real redis-server. The app's own
// client is the way to hand the store an ioredis 5: the store duplicates it
// for its other connections, so every command here goes through ioredis 5.
// A *.once.spec.ts file: CI runs it once, on the main Node.
import { randomUUID } from 'node:crypto';
import Redis5 from 'ioredis5';
import { redisStore, type GenerationStore } from '../../lib/server';
import { collect } from '../helpers/collect';
import { startRedis, type RedisServer } from '../helpers/redis';
import { expected, frameOf, storeContract } from './contract';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const LEASE_MS = 600;

/** The ioredis 5 clients made for a spec, disconnected after it (the stores leave an app's client open). */
let clients: Redis5[] = [];
const client = (): Redis5 => {
  const made = new Redis5(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  clients.push(made);
  return made;
};
afterEach(() => {
  for (const made of clients) made.disconnect();
  clients = [];
});

it('should run on ioredis 5 (the version installed under the alias)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('ioredis5/package.json') as { version: string };
  expect(version).toMatch(/^5\./);
});

describe('redisStore on ioredis 5 clients: the store contract, across two instances', () => {
  const prefixes = new WeakMap<GenerationStore, string>();
  storeContract({
    make: (options) => {
      const prefix = `v5${randomUUID().slice(0, 8)}:`;
      const store = redisStore({ client: client(), prefix, leaseMs: LEASE_MS, ...options });
      prefixes.set(store, prefix);
      return store;
    },
    peer: (store, options) => redisStore({ client: client(), prefix: prefixes.get(store) ?? '', leaseMs: LEASE_MS, ...options }),
  });
});

describe('redisStore on an ioredis 5 client', () => {
  it('should store a flush of many generations, larger than one command, and read it back on another instance', async () => {
    const prefix = `v5big${randomUUID().slice(0, 8)}:`;
    const store = redisStore({ client: client(), prefix, leaseMs: LEASE_MS });
    const other = redisStore({ client: client(), prefix, leaseMs: LEASE_MS });
    try {
      const writers = await Promise.all(Array.from({ length: 30 }, () => store.start(randomUUID())));
      for (const writer of writers) for (let seq = 1; seq <= 800; seq++) writer.append(seq, frameOf(seq));
      await Promise.all(writers.map((writer) => writer.end()));
      for (const writer of [writers[0], writers[29]]) {
        expect(await collect(other.read(writer?.id ?? '', 0))).toEqual({ values: expected(1, 800), completed: true });
      }
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });
});
