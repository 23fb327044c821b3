// How redisStore() lays a generation out in Redis, and how it reads Redis's
// replies back. No I/O here.
//
// Per generation, three keys sharing the hash tag {<id>} (one cluster slot):
//   <prefix>{<id>}:s  a Stream, the generation itself:
//                       0-1   meta: created <ms> [owner <owner>]
//                       1-<n> a batch of frames, the last one numbered n:
//                             fields <seq> <frame> <seq> <frame> …
//                       2-0   the end: end <last seq>
//                     Entry ids are explicit, so one XRANGE/XREAD "after 1-<n>"
//                     reads from any frame, and nothing can follow the end (an
//                     XADD below the top id fails). Appends use NOMKSTREAM: a
//                     stream that vanished (expired, Redis restarted) is never
//                     recreated half empty.
//   <prefix>{<id>}:l  the lease: the running instance's token, PX leaseMs,
//                     renewed every leaseMs/3, deleted with the end.
//   <prefix>{<id>}:x  a stop request, for a runner that missed the pub/sub message.
// Per store: the channel <prefix>stop (messages: ids to stop), and claims
// <prefix>claim:<key>.

/** @internal The keys of one generation. */
export interface GenerationKeys {
  readonly stream: string;
  readonly lease: string;
  readonly stop: string;
}

/** @internal */
export function keysOf(prefix: string, id: string): GenerationKeys {
  const base = `${prefix}{${id}}`;
  return { stream: `${base}:s`, lease: `${base}:l`, stop: `${base}:x` };
}

/** @internal The entry ids of the layout. */
export const META_ID = '0-1';
export const END_ID = '2-0';
/** @internal The id of the batch whose last frame is `seq`; also the cursor "after frame `seq`". */
export const batchId = (seq: number): string => `1-${seq}`;

/** @internal One stream entry: its id and its field/value list. */
export type Entry = readonly [id: string, fields: readonly string[]];

/** @internal Compares two stream ids (`<ms>-<seq>`) as Redis orders them. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/** @internal The entries of an XRANGE/XREVRANGE reply (an empty list for anything else). */
export function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const entries: Entry[] = [];
  for (const item of reply) {
    if (Array.isArray(item) && typeof item[0] === 'string' && Array.isArray(item[1])) {
      entries.push([item[0], (item[1] as unknown[]).map(String)]);
    }
  }
  return entries;
}

/**
 * @internal An XREAD reply as key → entries: RESP2 (and ioredis' "legacy"
 * mapping of RESP3) gives `[[key, entries], …]`, RESP3's own mapping an object.
 */
export function streamsOf(reply: unknown): Map<string, Entry[]> {
  const streams = new Map<string, Entry[]>();
  if (Array.isArray(reply)) {
    for (const item of reply) if (Array.isArray(item) && typeof item[0] === 'string') streams.set(item[0], entriesOf(item[1]));
  } else if (reply instanceof Map) {
    for (const [key, value] of reply as Map<unknown, unknown>) streams.set(String(key), entriesOf(value));
  } else if (reply !== null && typeof reply === 'object') {
    for (const [key, value] of Object.entries(reply)) streams.set(key, entriesOf(value));
  }
  return streams;
}

/** @internal A field of an entry, by name. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** @internal The last sequence number an entry accounts for (0 for the meta entry). */
export function lastSeqOf([id, fields]: Entry): number {
  if (id === END_ID) return Number(fieldOf(fields, 'end') ?? 0);
  if (id.startsWith('1-')) return Number(id.slice(2));
  return 0;
}
