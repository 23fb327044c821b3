/**
 * One way to read a fetch body, whatever the fetch: a web `ReadableStream`
 * (WHATWG fetch, undici, browsers) or an async iterable of bytes (the Node
 * stream of node-fetch 2, which cross-fetch uses in Node).
 */
export interface ByteSource {
  read(): Promise<IteratorResult<Uint8Array | string>>;
  /** Stops reading and releases the connection. Never throws. */
  cancel(): void;
}

interface WebStreamLike {
  getReader(): {
    read(): Promise<IteratorResult<Uint8Array | string>>;
    cancel(reason?: unknown): Promise<void>;
  };
}

interface NodeStreamLike extends AsyncIterable<Uint8Array | string> {
  destroy?(error?: Error): void;
  setEncoding?(encoding: string): unknown;
}

function ignore(): void {}

/** Opens `body` for reading, or returns `undefined` when it is not a body we can read. */
export function openByteSource(body: unknown): ByteSource | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  if (typeof (body as WebStreamLike).getReader === 'function') {
    const reader = (body as WebStreamLike).getReader();
    return {
      read: () => reader.read(),
      cancel: () => {
        // cancel() rejects when the stream already errored; nothing to do then.
        reader.cancel().catch(ignore);
      },
    };
  }
  const iterable = body as NodeStreamLike;
  if (typeof iterable[Symbol.asyncIterator] === 'function') {
    // A Node stream decodes UTF-8 itself (a character split across chunks
    // included), so no TextDecoder is needed: jsdom, where cross-fetch is the
    // fallback, has none.
    if (typeof iterable.setEncoding === 'function') iterable.setEncoding('utf8');
    const iterator = iterable[Symbol.asyncIterator]();
    return {
      read: () => iterator.next(),
      cancel: () => {
        if (typeof iterable.destroy === 'function') iterable.destroy();
        else iterator.return?.()?.catch(ignore);
      },
    };
  }
  return undefined;
}
