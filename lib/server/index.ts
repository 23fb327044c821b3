// The public surface of cohere-rx/server. Every export is listed by name.
export { createChatHandler } from './createChatHandler';
export type { ChatHandlerOptions, IncomingChatRequest } from './createChatHandler';
export type { RelayApprovalOptions } from './approvals';
export { toEventStream } from './toEventStream';
export type { EventStreamOptions } from './toEventStream';
export { toNodeHandler } from './toNodeHandler';
export type { NodeRequest } from './toNodeHandler';
export { CohereRelayError, isCohereRelayError } from './CohereRelayError';
export { memoryStore } from './stores/memoryStore';
export type { MemoryStoreOptions } from './stores/memoryStore';
export { redisStore } from './stores/redisStore';
export type { RedisStoreOptions } from './stores/redisStore';
export type { RedisStoreClient, RedisStorePipeline } from './stores/redisConnection';
export type { GenerationStore, GenerationWriter, GenerationInfo, StoredFrame, StartOptions } from './stores/GenerationStore';
export { CohereStoreError, isCohereStoreError } from './stores/CohereStoreError';
export type { StoreFailure } from './stores/CohereStoreError';

// Deliberately not exported:
// export { sseFrame } from './sseFrame';               // Cohere's framing, for cohere-rx/testing's replay server
// export { FrameWriter } from './frames';              // the one writer of what a relay sends (reserved names, ids)
// export { ClientStream } from './clientStream';       // the pacing of one client (maxBufferedBytes, clientTimeoutMs)
// export { openEventStream } from './eventStream';     // the engine of toEventStream and createChatHandler
