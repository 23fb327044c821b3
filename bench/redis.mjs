// A redis-server for the benches: Debian's package, on a free loopback port,
// without persistence, in a temporary folder; `stop()` ends it and removes
// the folder. And Redis's own count of the commands it executed. Shared by
// bench/stores.mjs, bench/relay.mjs and bench/generationMemory.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

/** Whether a redis-server is installed (the relay bench skips its Redis case without one). */
export function hasRedisServer() {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis() {
  const binary = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!binary) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'cohere-rx-bench-redis-'));
  const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  proc.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        proc.removeAllListeners('exit');
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Every command Redis executed since its last `CONFIG RESETSTAT` (INFO
 * commandstats: the commands a script runs count too), the bench's own INFO
 * and CONFIG calls left out.
 */
export async function commandCount(admin) {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m && !/^(info|config)/.test(m[1])) total += Number(m[2]);
  }
  return total;
}
