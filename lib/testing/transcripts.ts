// The built-in transcripts, embedded as text at build time (esbuild's text
// loader; a jest transform in the specs), so they need no file access at run time.
import rag from './transcripts/rag.sse';
import text from './transcripts/text.sse';
import thinking from './transcripts/thinking.sse';
import toolAnswer from './transcripts/tool-answer.sse';
import toolCalls from './transcripts/tool-calls.sse';

export const builtInTranscripts = {
  text,
  'tool-calls': toolCalls,
  'tool-answer': toolAnswer,
  rag,
  thinking,
} as const;

/** The names of the transcripts the replay server ships with. */
export type BuiltInTranscript = keyof typeof builtInTranscripts;
