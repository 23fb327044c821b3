import { ClientStream, type ClientStreamOptions, directClient } from '../../lib/server/clientStream';

// The pacing of one client, with fake timers: what is held, when the producer
// is asked to wait, and when a client counts as stuck.
const decoder = new TextDecoder();

/** A client stream with nobody reading it yet, and what it told its producer. */
function made(options: Partial<ClientStreamOptions> = {}) {
  const events = { cancelled: 0, dropped: 0 };
  const client = new ClientStream({
    maxBufferedBytes: 100,
    clientTimeoutMs: 1000,
    heartbeatMs: 0,
    onCancel: () => events.cancelled++,
    onDrop: () => events.dropped++,
    ...options,
  });
  return { client, events };
}

/** A client stream read as a web stream. */
function open(options: Partial<ClientStreamOptions> = {}) {
  const { client, events } = made(options);
  return { client, reader: client.stream.getReader(), events };
}

describe('ClientStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should hand a frame to a waiting read at once, and join frames that wait into one read', async () => {
    const { client, reader } = open();
    const first = reader.read();
    client.write('a');
    expect(decoder.decode((await first).value)).toBe('a');
    client.write('b');
    client.write('c');
    expect(decoder.decode((await reader.read()).value)).toBe('bc');
  });

  it('should ask the producer to wait from maxBufferedBytes waiting, until the client has read them', async () => {
    const { client, reader } = open({ maxBufferedBytes: 10 });
    client.write('12345');
    expect(client.ready()).toBeUndefined();
    client.write('67890');
    const wait = client.ready();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    expect(decoder.decode((await reader.read()).value)).toBe('1234567890');
    await Promise.resolve();
    expect(released).toBe(true);
    expect(client.ready()).toBeUndefined();
  });

  it('should count bytes, not characters', () => {
    const { client } = open({ maxBufferedBytes: 6 });
    client.write('日本'); // 6 bytes of UTF-8
    expect(client.buffered).toBe(6);
    expect(client.ready()).toBeInstanceOf(Promise);
  });

  it('should release a waiting producer when the client goes away', async () => {
    const { client, reader, events } = open({ maxBufferedBytes: 1 });
    client.write('xx');
    const wait = client.ready()!;
    await reader.cancel();
    await expect(wait).resolves.toBeUndefined();
    expect(events.cancelled).toBe(1);
  });

  it('should drop a client that has taken nothing for clientTimeoutMs while frames wait', async () => {
    const { client, reader, events } = open();
    client.write('a');
    await reader.read(); // it has begun to read
    client.write('b'); // and now reads no more
    jest.advanceTimersByTime(999);
    expect(events.dropped).toBe(0);
    jest.advanceTimersByTime(300); // between 1 and 1.25 times the limit
    expect(events.dropped).toBe(1);
    await expect(reader.read()).rejects.toThrow(/read nothing for 1000 ms/);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should not drop a client that keeps reading, nor one with nothing waiting for it', async () => {
    const { client, reader, events } = open();
    client.write('a');
    await reader.read();
    for (let i = 0; i < 10; i++) {
      client.write('x');
      jest.advanceTimersByTime(600);
      await reader.read();
    }
    jest.advanceTimersByTime(10_000); // nothing waits: a thinking model is not a stuck client
    expect(events.dropped).toBe(0);
  });

  it('should not drop anyone before the runtime has begun to read (the handler still choosing its answer)', async () => {
    const { client, reader, events } = open({ heartbeatMs: 100 });
    client.write('first event');
    jest.advanceTimersByTime(5000);
    expect(events.dropped).toBe(0);
    // No heartbeat went in before the first read.
    expect(decoder.decode((await reader.read()).value)).toBe('first event');
  });

  it('should drop a client that has not taken the end of the stream', async () => {
    const { client, reader, events } = open();
    const first = reader.read();
    client.write('last');
    await first;
    client.end(); // the end waits for the client's next read
    jest.advanceTimersByTime(1300);
    expect(events.dropped).toBe(1);
    await expect(reader.read()).rejects.toThrow();
  });

  it('should close after the last frame once the client reads on, and leave no timer', async () => {
    const { client, reader } = open({ heartbeatMs: 50 });
    client.write('a');
    client.end();
    expect(decoder.decode((await reader.read()).value)).toBe('a');
    expect((await reader.read()).done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('ClientStream attached to a sink (toNodeHandler writes to the socket directly)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A destination with `room` writes of space before it reports full, as a socket does. */
  function sinkOf(room = Infinity) {
    const sink = {
      chunks: [] as string[],
      room,
      ended: 0,
      destroyed: 0,
      write(chunk: string | Uint8Array): boolean {
        sink.chunks.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk));
        return --sink.room > 0;
      },
      end: () => void sink.ended++,
      destroy: () => void sink.destroyed++,
    };
    return sink;
  }
  function attached(options: Partial<ClientStreamOptions> = {}, room = Infinity) {
    return { ...made(options), sink: sinkOf(room) };
  }

  it('should be found by its stream until the stream is read, and never for another stream', () => {
    const { client } = attached();
    expect(directClient(client.stream)).toBe(client);
    expect(directClient(new ReadableStream())).toBeUndefined();
    const other = attached().client;
    other.stream.getReader();
    expect(directClient(other.stream)).toBeUndefined();
  });

  it('should send what waited at attachment as one write, then the frames of each turn as one write, as text', async () => {
    const { client, sink } = attached();
    client.write('a');
    client.write('b');
    client.attach(sink);
    expect(sink.chunks).toEqual(['ab']);
    // An upstream chunk's events come in one turn: one write once they are all here (a microtask later).
    client.write('c');
    client.write('d');
    expect(sink.chunks).toEqual(['ab']);
    await Promise.resolve();
    expect(sink.chunks).toEqual(['ab', 'cd']);
    client.write('e');
    await Promise.resolve();
    expect(sink.chunks).toEqual(['ab', 'cd', 'e']);
  });

  it('should end after the frames of the turn it ends in, and send nothing once the client is gone', async () => {
    const { client, sink, events } = attached();
    client.attach(sink);
    client.write('x');
    client.end();
    expect(sink.ended).toBe(0);
    await Promise.resolve();
    expect(sink.chunks).toEqual(['x']);
    expect(sink.ended).toBe(1);

    const other = attached();
    other.client.attach(other.sink);
    other.client.write('y');
    other.client.cancel();
    await Promise.resolve();
    expect(other.sink.chunks).toEqual([]);
    expect(other.events.cancelled).toBe(1);
    expect(events.cancelled).toBe(0);
  });

  it("should hold frames while the sink is full, send them as one write at its 'drain', and end after them", async () => {
    const { client, sink } = attached({ maxBufferedBytes: 4 }, 1);
    client.attach(sink);
    client.write('1');
    await Promise.resolve(); // written: it fills the sink
    client.write('23');
    client.write('45');
    expect(sink.chunks).toEqual(['1']);
    expect(client.ready()).toBeInstanceOf(Promise);
    client.end();
    expect(sink.ended).toBe(0);
    sink.room = Infinity;
    client.drain();
    expect(sink.chunks).toEqual(['1', '2345']);
    expect(sink.ended).toBe(1);
    expect(client.ready()).toBeUndefined();
  });

  it('should drop an attached client that drains nothing for clientTimeoutMs while frames wait: the sink is destroyed', async () => {
    const { client, sink, events } = attached({ clientTimeoutMs: 1000 }, 1);
    client.attach(sink);
    client.write('x');
    await Promise.resolve(); // written: it fills the sink
    client.write('y');
    jest.advanceTimersByTime(2100);
    expect(sink.destroyed).toBe(1);
    expect(events.dropped).toBe(1);
    expect(sink.ended).toBe(0);
  });

  it('should stop and tell the producer once when the attached client goes away', () => {
    const { client, sink, events } = attached();
    client.attach(sink);
    client.cancel();
    client.cancel();
    client.write('late');
    expect(events.cancelled).toBe(1);
    expect(sink.chunks).toEqual([]);
  });

  it('should refuse a second attachment, and an attachment after the web stream was read', async () => {
    const { client, sink } = attached();
    client.attach(sink);
    expect(() => client.attach(sinkOf())).toThrow('read already');
    const read = attached().client;
    const reader = read.stream.getReader();
    const pending = reader.read();
    read.write('x');
    await pending;
    expect(() => read.attach(sinkOf())).toThrow('read already');
  });
});
