// The replay server for the loopback benchmark, in its own process so that its
// CPU time is not counted against the client being measured.
import { startReplayServer } from '../dist/testing.mjs';
import { deltaFrame, headFrames, tailFrames } from './transcript.mjs';

const n = Number(process.argv[2] ?? 400);
const transcript = [...headFrames(), ...Array.from({ length: n }, (_, i) => deltaFrame(i)), ...tailFrames(n)].join('');
// Idle keep-alive connections stay open for a minute: with Node's 5 s, a loaded machine's pause between
// rounds let the server close sockets the SDK's undici was reusing ('other side closed' in section 4).
const server = await startReplayServer({ transcripts: { text: transcript }, keepAliveTimeoutMs: 60_000 });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
