import { createChatHandler, CohereRelayError, type ChatHandlerOptions } from 'cohere-rx/server';

/** Your session store: the user behind a session id, or nothing. */
export interface Sessions {
  get(id: string): Promise<{ userId: string } | undefined>;
}

const MAX_TOKENS = 1000;

/**
 * A relay that checks the session, rate-limits each user, pins the model,
 * caps the answer and adds the app's system prompt.
 * `options`: where the requests go (`baseUrl`, `fetch`), for tests.
 */
export function createAppRelay(sessions: Sessions, allow: (userId: string) => boolean, options: ChatHandlerOptions = {}) {
  return createChatHandler({
    apiKey: process.env.CO_API_KEY,
    ...options,
    prepare: async (body, request) => {
      // A real check: the session cookie must name a live session (not merely be present).
      const id = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
      const session = id === undefined ? undefined : await sessions.get(decodeURIComponent(id));
      if (!session) throw new CohereRelayError(401, 'sign in first');
      if (!allow(session.userId)) throw new CohereRelayError(429, 'slow down', { headers: { 'retry-after': '10' } });
      // A cap that holds for any JSON value: only a whole number from 1 to the cap passes.
      const asked = body.max_tokens;
      const maxTokens = typeof asked === 'number' && Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_TOKENS) : MAX_TOKENS;
      // Rewrite: pin the model, cap the answer, add the app's system prompt.
      return {
        ...body,
        model: 'command-a-03-2025',
        max_tokens: maxTokens,
        messages: [{ role: 'system', content: 'You are the help desk of Example Inc.' }, ...(body.messages ?? [])],
      };
    },
  });
}
