import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import * as names from '../../lib/telemetry/attributes';

// cohere-rx/telemetry writes the conventions' names out as strings (the
// incubating entry is not a runtime dependency); each must be the name that
// @opentelemetry/semantic-conventions 1.45 exports for it.
describe('the names cohere-rx/telemetry records', () => {
  it.each([
    ['GEN_AI_OPERATION_NAME', semconv.ATTR_GEN_AI_OPERATION_NAME],
    ['GEN_AI_PROVIDER_NAME', semconv.ATTR_GEN_AI_PROVIDER_NAME],
    ['GEN_AI_REQUEST_MODEL', semconv.ATTR_GEN_AI_REQUEST_MODEL],
    ['GEN_AI_REQUEST_MAX_TOKENS', semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS],
    ['GEN_AI_REQUEST_TEMPERATURE', semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE],
    ['GEN_AI_REQUEST_TOP_P', semconv.ATTR_GEN_AI_REQUEST_TOP_P],
    ['GEN_AI_REQUEST_TOP_K', semconv.ATTR_GEN_AI_REQUEST_TOP_K],
    ['GEN_AI_REQUEST_SEED', semconv.ATTR_GEN_AI_REQUEST_SEED],
    ['GEN_AI_REQUEST_STOP_SEQUENCES', semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES],
    ['GEN_AI_REQUEST_FREQUENCY_PENALTY', semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY],
    ['GEN_AI_REQUEST_PRESENCE_PENALTY', semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY],
    ['GEN_AI_REQUEST_STREAM', semconv.ATTR_GEN_AI_REQUEST_STREAM],
    ['GEN_AI_OUTPUT_TYPE', semconv.ATTR_GEN_AI_OUTPUT_TYPE],
    ['GEN_AI_RESPONSE_ID', semconv.ATTR_GEN_AI_RESPONSE_ID],
    ['GEN_AI_RESPONSE_FINISH_REASONS', semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS],
    ['GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK', semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK],
    ['GEN_AI_USAGE_INPUT_TOKENS', semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS],
    ['GEN_AI_USAGE_OUTPUT_TOKENS', semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS],
    ['GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS', semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
    ['GEN_AI_INPUT_MESSAGES', semconv.ATTR_GEN_AI_INPUT_MESSAGES],
    ['GEN_AI_OUTPUT_MESSAGES', semconv.ATTR_GEN_AI_OUTPUT_MESSAGES],
    ['GEN_AI_AGENT_NAME', semconv.ATTR_GEN_AI_AGENT_NAME],
    ['GEN_AI_TOOL_NAME', semconv.ATTR_GEN_AI_TOOL_NAME],
    ['GEN_AI_TOOL_CALL_ID', semconv.ATTR_GEN_AI_TOOL_CALL_ID],
    ['GEN_AI_TOOL_TYPE', semconv.ATTR_GEN_AI_TOOL_TYPE],
    ['GEN_AI_TOOL_DESCRIPTION', semconv.ATTR_GEN_AI_TOOL_DESCRIPTION],
    ['GEN_AI_TOOL_CALL_ARGUMENTS', semconv.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS],
    ['GEN_AI_TOOL_CALL_RESULT', semconv.ATTR_GEN_AI_TOOL_CALL_RESULT],
    ['GEN_AI_TOKEN_TYPE', semconv.ATTR_GEN_AI_TOKEN_TYPE],
    ['SERVER_ADDRESS', semconv.ATTR_SERVER_ADDRESS],
    ['SERVER_PORT', semconv.ATTR_SERVER_PORT],
    ['ERROR_TYPE', semconv.ATTR_ERROR_TYPE],
    ['HTTP_RESPONSE_STATUS_CODE', semconv.ATTR_HTTP_RESPONSE_STATUS_CODE],
    ['HTTP_REQUEST_RESEND_COUNT', semconv.ATTR_HTTP_REQUEST_RESEND_COUNT],
    ['METRIC_OPERATION_DURATION', semconv.METRIC_GEN_AI_CLIENT_OPERATION_DURATION],
    ['METRIC_TOKEN_USAGE', semconv.METRIC_GEN_AI_CLIENT_TOKEN_USAGE],
    ['METRIC_TIME_TO_FIRST_CHUNK', semconv.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK],
  ] as const)('%s should be the conventions’ name', (constant, expected) => {
    expect(names[constant]).toBe(expected);
  });

  it('should use the conventions’ values for the operations, the provider and the token types', () => {
    expect([
      semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT,
      semconv.GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
      semconv.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    ]).toEqual(['chat', 'invoke_agent', 'execute_tool']);
    expect(semconv.GEN_AI_PROVIDER_NAME_VALUE_COHERE).toBe('cohere');
    expect([semconv.GEN_AI_TOKEN_TYPE_VALUE_INPUT, semconv.GEN_AI_TOKEN_TYPE_VALUE_OUTPUT]).toEqual(['input', 'output']);
    expect(semconv.GEN_AI_OUTPUT_TYPE_VALUE_JSON).toBe('json');
  });

  it('should keep its own names out of the conventions’ namespaces', () => {
    for (const own of [names.RETRY_EVENT, names.RETRY_DELAY, names.LOOP_STEPS]) expect(own).toMatch(/^cohere_rx\./);
  });
});
