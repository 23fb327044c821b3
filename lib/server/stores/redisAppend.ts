// How redisStore() sends a flush: every pending batch of every generation of
// the instance in ONE command, a short Lua script that runs the XADDs (and,
// for the generations that end, the end entry, PEXPIRE and DEL of the lease)
// inside Redis. ioredis spends about 12 µs of the relay's CPU per command
// (encoding, a promise, parsing the reply), so 200 XADDs in a pipeline cost
// more than one EVAL carrying the same frames (bench/stores.mjs). Where
// scripting is refused (an ACL without EVAL, a proxy), the store falls back
// to a pipeline of the same commands.
//
// The script goes as bytes (`SCRIPT_BYTES`), encoded once: then ioredis
// encodes each argument on its own instead of joining the whole command into
// one string first. One non-ASCII character in any frame (an accent in one
// token) makes such a joined string two-byte, and V8 encodes a two-byte string
// to UTF-8 several times slower per byte than the (mostly one-byte) frames
// alone: that encoding was the largest single cost of redisStore in the
// relay's CPU profile; bytes for the script halve the cost of building and
// encoding a flush (docs/performance.md). Redis gets the same bytes either way.
import { batchId, END_ID, type GenerationKeys } from './redisLayout';
import type { Command } from './redisConnection';

/** Frames per stream entry at most: Lua's `unpack` has a stack limit (about 8000 values). */
export const MAX_FRAMES_PER_ENTRY = 1000;

/** @internal One generation's share of a flush. */
export interface AppendPart {
  readonly keys: GenerationKeys;
  /** `seq, frame, seq, frame, …` */
  readonly fields: readonly string[];
  /** With `end`: the last sequence number of the generation. */
  readonly lastSeq: number;
  readonly end: boolean;
}

/**
 * KEYS: per part, its stream and its lease. ARGV[1]: retentionMs; then per
 * part: the number of entries, each entry as `id, n, <n field values>`, then
 * the end's last seq, or '' for no end. Answers per part: 1 stored, 0 the
 * stream is gone (NOMKSTREAM), -1 Redis refused an XADD.
 */
export const APPEND_SCRIPT = `
local out = {}
local a = 2
for i = 1, #KEYS, 2 do
  local stream, lease = KEYS[i], KEYS[i + 1]
  local ok = 1
  local entries = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, entries do
    local n = tonumber(ARGV[a + 1])
    if ok == 1 then
      local r = redis.pcall('XADD', stream, 'NOMKSTREAM', ARGV[a], unpack(ARGV, a + 2, a + 1 + n))
      if type(r) == 'table' and r.err then ok = -1 elseif not r then ok = 0 end
    end
    a = a + 2 + n
  end
  local last = ARGV[a]
  a = a + 1
  if ok == 1 and last ~= '' then
    local r = redis.pcall('XADD', stream, 'NOMKSTREAM', '${END_ID}', 'end', last)
    if type(r) == 'table' and r.err then ok = -1 elseif not r then ok = 0 else
      redis.call('PEXPIRE', stream, ARGV[1])
      redis.call('DEL', lease)
    end
  end
  out[#out + 1] = ok
end
return out
`;

/** APPEND_SCRIPT as UTF-8 bytes (a Node `Buffer`: ioredis runs on Node and its look-alikes), where there is a `Buffer`. */
const SCRIPT_BYTES: string | Uint8Array =
  (globalThis as { Buffer?: { from(text: string, encoding: 'utf8'): Uint8Array } }).Buffer?.from(APPEND_SCRIPT, 'utf8') ?? APPEND_SCRIPT;

/** A part's frames as stream entries: `[id, fields]`, each of at most MAX_FRAMES_PER_ENTRY frames. */
function entriesOfPart(fields: readonly string[]): [string, readonly string[]][] {
  const entries: [string, readonly string[]][] = [];
  const step = 2 * MAX_FRAMES_PER_ENTRY;
  for (let i = 0; i < fields.length; i += step) {
    const chunk = fields.slice(i, i + step);
    entries.push([batchId(Number(chunk[chunk.length - 2])), chunk]);
  }
  return entries;
}

/**
 * Arguments per flush command, about, at most: a flush with more (many
 * generations' frames waiting on a slow Redis) goes as several commands in
 * one pipeline, each generation's frames whole in one of them; so no script
 * holds Redis for long. (A generation's own frames over it go alone.)
 */
export const MAX_ARGS_PER_COMMAND = 16_384;

/** @internal `parts` in groups of about MAX_ARGS_PER_COMMAND arguments at most (in order; a part is never split). */
export function flushGroups<T extends AppendPart>(parts: readonly T[]): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let size = 0;
  for (const part of parts) {
    // Its keys, the entry count and end, and per entry (at most MAX_FRAMES_PER_ENTRY frames) an id and a count.
    const args = 5 + part.fields.length + 2 * Math.ceil(part.fields.length / (2 * MAX_FRAMES_PER_ENTRY));
    if (group.length > 0 && size + args > MAX_ARGS_PER_COMMAND) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(part);
    size += args;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** @internal The EVAL command for `parts`. */
export function appendScriptCommand(parts: readonly AppendPart[], retentionMs: number): Command {
  const keys: string[] = [];
  const argv: (string | number)[] = [retentionMs];
  for (const part of parts) {
    keys.push(part.keys.stream, part.keys.lease);
    const entries = entriesOfPart(part.fields);
    argv.push(entries.length);
    for (const [id, fields] of entries) argv.push(id, fields.length, ...fields);
    argv.push(part.end ? String(part.lastSeq) : '');
  }
  return ['eval', SCRIPT_BYTES, keys.length, ...keys, ...argv];
}

/** @internal What became of a part: stored, its stream gone (NOMKSTREAM), or refused by Redis. */
export type AppendOutcome = 'stored' | 'gone' | 'refused';

/** @internal The script's answer for each part: 'stored', 'gone' or 'refused'. */
export function appendOutcomes(reply: unknown, count: number): AppendOutcome[] {
  const values = Array.isArray(reply) ? reply : [];
  return Array.from({ length: count }, (_, i) => {
    const value = Number(values[i]);
    return value === 1 ? 'stored' : value === 0 ? 'gone' : 'refused';
  });
}

/**
 * @internal The same work as plain commands, for a Redis that refuses
 * scripts: per part its XADDs, then (for an end) the end entry, PEXPIRE and
 * DEL. `appends[i]`: the indexes of part i's XADDs among `commands` (their
 * replies tell whether it was stored).
 */
export function appendPipeline(parts: readonly AppendPart[], retentionMs: number): { commands: Command[]; appends: number[][] } {
  const commands: Command[] = [];
  const appends: number[][] = [];
  for (const part of parts) {
    const { stream, lease } = part.keys;
    const mine: number[] = [];
    for (const [id, fields] of entriesOfPart(part.fields)) mine.push(commands.push(['xadd', stream, 'NOMKSTREAM', id, ...fields]) - 1);
    if (part.end) {
      mine.push(commands.push(['xadd', stream, 'NOMKSTREAM', END_ID, 'end', String(part.lastSeq)]) - 1);
      // The end before the lease goes: a reader that finds no lease always finds the end (redisTails.ts).
      commands.push(['pexpire', stream, retentionMs], ['del', lease]);
    }
    appends.push(mine);
  }
  return { commands, appends };
}
