import { randomUUID } from 'node:crypto';
import { CohereConfigError } from 'cohere-rx';
import { memoryStore } from '../../lib/server';
import { frameOf, storeContract } from './contract';

describe('memoryStore', () => {
  // One process: "another instance" is the same store.
  storeContract({ make: (options) => memoryStore(options), peer: (store) => store });

  it('should check retentionMs when it is made', () => {
    expect(() => memoryStore({ retentionMs: 0 })).toThrow(CohereConfigError);
    expect(() => memoryStore({ retentionMs: 'long' as unknown as number })).toThrow(/retentionMs/);
  });

  it('should give a reader appended frames at once (synchronously), in order, also when appended from its own next()', async () => {
    const store = memoryStore();
    const writer = await store.start(randomUUID());
    const seen: number[] = [];
    store.read(writer.id, 0).subscribe(({ seq }) => {
      seen.push(seq);
      if (seq < 5) writer.append(seq + 1, frameOf(seq + 1));
    });
    writer.append(1, frameOf(1));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await writer.end();
  });

  it('should give a reader catching up the frames appended meanwhile after the stored ones, in order', async () => {
    const store = memoryStore();
    const writer = await store.start(randomUUID());
    for (let seq = 1; seq <= 3; seq++) writer.append(seq, frameOf(seq));
    const seen: number[] = [];
    store.read(writer.id, 0).subscribe(({ seq }) => {
      seen.push(seq);
      if (seq === 1) writer.append(4, frameOf(4)); // while 2 and 3 are still to come
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    await writer.end();
  });
});
