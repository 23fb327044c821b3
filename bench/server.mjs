// The replay server for the loopback benchmark, in its own process so that its
// CPU time is not counted against the client being measured.
import { startReplayServer } from '../dist/testing.mjs';
import { deltaFrame, headFrames, tailFrames } from './transcript.mjs';

const n = Number(process.argv[2] ?? 400);
const transcript = [...headFrames(), ...Array.from({ length: n }, (_, i) => deltaFrame(i)), ...tailFrames(n)].join('');
const server = await startReplayServer({ transcripts: { text: transcript } });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
