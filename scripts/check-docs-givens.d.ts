// The givens of the docs' snippets: what a ```ts block in README.md or docs/
// assumes without writing it. Typed as real code would have them, so that the
// snippets are checked against the library's types, not waved through.
// Used by scripts/check-docs.mjs only.
import type { ChatDocument, ChatMessage, ChatRequest, ChatStreamEvent, Tool, ToolDefinition } from 'cohere-rx';
import type { Observable } from 'rxjs';

declare global {
  /** A chat request, as an app would build it. */
  const request: ChatRequest;
  const model: string;
  const messages: ChatMessage[];
  const tools: Tool[];
  const documents: ChatDocument[];
  /** Tool definitions of the app, for runTools$ (docs/tools.md). */
  const get_weather: ToolDefinition<{ location: string }>;
  const lookup_order: ToolDefinition<{ id: string }>;
  function showApprovalDialog(callId: string, details: unknown): void;
  function sendEmail(email: { to: string; body: string }): { sent: boolean };
  /** The app's own tool runner. */
  function runTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  /** UI hooks of the app. */
  function showBanner(message: string): void;
  function renderSources(sources: readonly unknown[]): void;
  function askForKey(): void;
  function slowDown(ms: number | undefined): void;
  function report(data: unknown): void;
  /** The text of an email the app shows (docs/ui.md's structured form). */
  const emailText: string;
  /** Whatever token your backend wants instead of a key. */
  const csrf: string;

  // Just enough of Angular for the component snippets (the real thing is
  // built and tested in examples/angular/).
  function Component(meta: {
    selector: string;
    changeDetection?: unknown;
    imports?: unknown[];
    template: string;
  }): <T>(target: T, context: ClassDecoratorContext) => void;
  const ChangeDetectionStrategy: { readonly OnPush: 0; readonly Default: 1 };
  const AsyncPipe: unknown;
  const JsonPipe: unknown;
  function inject<T>(token: abstract new (...args: never[]) => T): T;
  /** The app's service that shares one turn's events between components (docs/angular.md). */
  class ChatService {
    readonly events$: Observable<ChatStreamEvent>;
  }
}
