// The public surface of cohere-rx/testing. Every export is listed by name.
export { startReplayServer } from './replayServer';
export type { ReplayFault, ReplayRequest, ReplayServer, ReplayServerOptions } from './replayServer';
export type { BuiltInTranscript } from './transcripts';
export { pickByStep } from './pickByStep';
export type { ReplayAnswer } from './pickByStep';
export {
  citationEnd,
  citationStart,
  contentEnd,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  thinkingDelta,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
  toolPlanDelta,
} from './events';
export { answerEvents, tokenize, toolCallEvents } from './eventSequences';
