import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>;

export interface Loopback {
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: RecordedRequest[];
  /** How many requests saw their connection closed by the client before the response ended. */
  abortedByClient: number;
  /** Sockets currently open. */
  openSockets(): number;
  /** Resolves once a request has been closed by the client before its response ended. */
  clientClosed(): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a random port, for specs of the HTTP layer. */
export async function startLoopback(handler: Handler): Promise<Loopback> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  let closedWaiters: (() => void)[] = [];
  const state = { abortedByClient: 0 };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = requests.length;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.on('close', () => {
        if (!res.writableFinished) {
          state.abortedByClient++;
          const waiters = closedWaiters;
          closedWaiters = [];
          waiters.forEach((w) => w());
        }
      });
      Promise.resolve(handler(req, res, index)).catch((err) => {
        res.destroy(err as Error);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get abortedByClient() {
      return state.abortedByClient;
    },
    openSockets: () => sockets.size,
    clientClosed: () => (state.abortedByClient > 0 ? Promise.resolve() : new Promise<void>((resolve) => closedWaiters.push(resolve))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/** Writes `text` as separate writes of `size` bytes each, yielding to the event loop between them. */
export async function writeInPieces(res: ServerResponse, text: string | Buffer, size: number): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves at the response's `'drain'`, or when it closes first; leaves no listener behind. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
