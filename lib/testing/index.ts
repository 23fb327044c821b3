// The public surface of cohere-rx/testing. Every export is listed by name.
export { startReplayServer } from './replayServer';
export type { ReplayFault, ReplayRequest, ReplayServer, ReplayServerOptions } from './replayServer';
export type { BuiltInTranscript } from './transcripts';
export { pickByStep } from './pickByStep';
export type { ReplayAnswer } from './pickByStep';
export {
  answerEvents,
  citationEnd,
  citationStart,
  contentEnd,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  thinkingDelta,
  tokenize,
  toolCallDelta,
  toolCallEnd,
  toolCallEvents,
  toolCallStart,
  toolPlanDelta,
} from './events';
