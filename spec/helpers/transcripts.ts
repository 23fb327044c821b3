import type { ChatStreamEvent } from '../../lib';
import { builtInTranscripts, type BuiltInTranscript } from '../../lib/testing/transcripts';

/** The events of a built-in transcript, parsed from its SSE text. */
export function transcriptEvents(name: BuiltInTranscript): ChatStreamEvent[] {
  return builtInTranscripts[name]
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice('data: '.length)) as ChatStreamEvent);
}

/** The answer text of a built-in transcript: its text deltas joined. */
export function transcriptText(name: BuiltInTranscript): string {
  return transcriptEvents(name)
    .map((e) => (e.type === 'content-delta' ? (e.delta?.message?.content?.text ?? '') : ''))
    .join('');
}
