// The public surface of cohere-rx/telemetry. Every export is listed by name.
// The only entry point that imports @opentelemetry/api (an optional peer
// dependency): an app without telemetry loads nothing of it.
export { openTelemetry } from './openTelemetry';
export type { OpenTelemetryOptions } from './openTelemetry';

// Deliberately not exported:
// export { w3cTraceContext } from './traceContext';  // the default propagator; pass `propagation` of @opentelemetry/api for the global one
// export { OpenTelemetryRecorder } from './recorder'; // what openTelemetry() returns, typed as the core's Telemetry
