import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { isCohereError, type Citation, type PendingToolCall } from 'cohere-rx';
import { Observable, Subject, catchError, concat, map, of, scan, switchMap } from 'rxjs';
import { ChatService, emptyView, type ChatView, type ToolCard } from './chat.service';

type Status = 'idle' | 'streaming' | 'done' | 'stopped' | 'error';
type Command = { kind: 'ask'; prompt: string; onServer?: boolean; resume?: string } | { kind: 'stop' };
type Update = { view: ChatView } | { status: Status; error?: string };
interface UiState {
  status: Status;
  view: ChatView | null;
  error: string | null;
}

const initial: UiState = { status: 'idle', view: null, error: null };

function reduce(state: UiState, update: Update): UiState {
  if ('view' in update) return { ...state, view: update.view };
  if (update.status === 'streaming') return { status: 'streaming', view: null, error: null }; // a new question
  return { ...state, status: update.status, error: update.error ?? null };
}

function describe(source: NonNullable<Citation['sources']>[number]): string {
  if (source.type === 'tool') return `${source.id ?? 'tool'}: ${JSON.stringify(source.tool_output ?? {})}`;
  const title = source.document?.['title'];
  return `${source.id ?? 'document'}${typeof title === 'string' ? `: ${title}` : ''}`;
}

/** Cuts the text into plain and cited segments; a cited one carries its sources. */
function segmentsOf(text: string, citations: Citation[]): { text: string; source?: string }[] {
  const out: { text: string; source?: string }[] = [];
  let at = 0;
  const spans = citations.filter((c) => typeof c.start === 'number' && typeof c.end === 'number').sort((a, b) => a.start! - b.start!);
  for (const c of spans) {
    if (c.start! < at || c.end! > text.length) continue;
    if (c.start! > at) out.push({ text: text.slice(at, c.start) });
    out.push({ text: text.slice(c.start, c.end), source: (c.sources ?? []).map(describe).join(' · ') });
    at = c.end!;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/** A card's fields, its state and its result, as the template shows them. */
function cardOf({ call, result }: ToolCard) {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  let output = '';
  if (result && 'error' in result) output = `→ error: ${result.error instanceof Error ? result.error.message : String(result.error)}`;
  else if (result) {
    const value = result.output;
    const fields = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined;
    output = `→ ${fields ? fields.map(([key, v]) => `${key}: ${show(v)}`).join(' · ') : show(value)}`;
  }
  return {
    id: call.id,
    name: call.name,
    done: call.done,
    state: result ? ('error' in result ? 'failed' : 'done') : call.done ? 'running…' : 'writing arguments…',
    fields: Object.entries(call.arguments ?? {}).map(([key, value]) => ({ key, value: show(value) })),
    error: call.error?.message ?? '',
    output,
  };
}

@Component({
  selector: 'app-chat',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <h1>cohere-rx <small>streaming in Angular</small></h1>
      <form id="ask" (submit)="$event.preventDefault(); ask(prompt.value, serverTools.checked)">
        <input
          #prompt
          id="prompt"
          autocomplete="off"
          value="What is the weather in Paris and in Tokyo right now? Which is better for a walk?"
        />
        <button id="send" type="submit" [disabled]="state().status === 'streaming'">Send</button>
        <button id="stop" type="button" [disabled]="state().status !== 'streaming'" (click)="stop()">Stop</button>
        <label class="option"><input #serverTools id="server-tools" type="checkbox" /> run the tool on the server, with my approval</label>
      </form>
      @if (approval(); as approval) {
        <dialog id="approval" class="approval" open aria-labelledby="approval-question">
          <p id="approval-question">
            Allow <code>{{ approval.name }}</code> {{ approval.args }}?
          </p>
          <button id="allow" type="button" (click)="approval.decide(true)">Allow</button>
          <button id="deny" type="button" (click)="approval.decide(false)">Deny</button>
        </dialog>
      }
      @if (state().error; as error) {
        <p id="error" class="error" role="alert">{{ error }}</p>
      }
      <p id="status" class="status">{{ state().status }}</p>
      @if (plan(); as plan) {
        <section>
          <h2>Plan</h2>
          <p id="plan" class="plan">{{ plan }}</p>
        </section>
      }
      @if (cards().length > 0) {
        <section>
          <h2>Tool calls</h2>
          <ul id="tool-calls">
            @for (card of cards(); track card.id) {
              <li class="tool-card" [attr.data-done]="card.done">
                <div class="tool-head">
                  <code class="tool-name">{{ card.name }}</code><span class="tool-state">{{ card.state }}</span>
                </div>
                <dl class="tool-args">
                  @for (field of card.fields; track field.key) {
                    <dt>{{ field.key }}</dt>
                    <dd>{{ field.value }}</dd>
                  }
                </dl>
                @if (card.error) {
                  <p class="tool-error">{{ card.error }}</p>
                }
                @if (card.output) {
                  <p class="tool-output">{{ card.output }}</p>
                }
              </li>
            }
          </ul>
        </section>
      }
      <section>
        <h2>Answer</h2>
        <p id="answer" class="answer">
          @for (segment of segments(); track $index) {
            @if (segment.source !== undefined) {
              <mark class="cite" tabindex="0"
                >{{ segment.text }}<span class="source">{{ segment.source }}</span></mark
              >
            } @else {
              <span>{{ segment.text }}</span>
            }
          }
        </p>
      </section>
      @if (usage(); as usage) {
        <p id="usage" class="usage">{{ usage }}</p>
      }
    </main>
  `,
})
export class ChatComponent {
  private readonly chat = inject(ChatService);
  private readonly commands = new Subject<Command>();

  /**
   * The whole UI state as a signal. switchMap makes a new question, or Stop,
   * unsubscribe the stream in flight (which aborts its request);
   * takeUntilDestroyed does the same when the component goes away.
   */
  readonly state = toSignal(
    this.commands.pipe(
      switchMap((command): Observable<Update> =>
        command.kind === 'stop'
          ? of({ status: 'stopped' as const })
          : concat(
              of({ status: 'streaming' as const }),
              this.chat
                .ask(command.prompt, { decide: command.onServer ? this.decide : undefined, resume: command.resume })
                .pipe(map((view) => ({ view }))),
              of({ status: 'done' as const }),
            ).pipe(
              catchError((err: unknown) =>
                of({ status: 'error' as const, error: isCohereError(err) ? err.message : `Unexpected error: ${String(err)}` }),
              ),
            ),
      ),
      scan(reduce, initial),
      takeUntilDestroyed(),
    ),
    { initialValue: initial },
  );

  // The view is a new object per frame, but each part keeps its identity
  // until it changes (the text while the answer streams, the cards while a
  // call streams), so each computed() below, and the DOM it feeds, only
  // updates when its own part changed.
  private readonly view = computed(() => this.state().view ?? emptyView);
  readonly plan = computed(() => this.view().plan);
  private readonly toolCards = computed(() => this.view().cards);
  readonly cards = computed(() => this.toolCards().map(cardOf));
  private readonly text = computed(() => this.view().text);
  private readonly citations = computed(() => this.view().citations);
  readonly segments = computed(() => segmentsOf(this.text(), this.citations()));
  private readonly final = computed(() => this.view().final);
  readonly usage = computed(() => {
    const final = this.final();
    if (!final?.usage) return '';
    const billed = final.usage.billed_units ?? {};
    return `${billed.input_tokens ?? 0} input · ${billed.output_tokens ?? 0} output tokens · ${final.finish_reason}`;
  });

  /** The call waiting for the user's Allow or Deny, if any. */
  readonly approval = signal<{ name: string; args: string; decide: (allowed: boolean) => void } | null>(null);

  /** Asks the user about one call in the dialog: its answer, once; unsubscribing (Stop) closes the dialog. */
  private readonly decide = (pending: PendingToolCall): Observable<boolean> =>
    new Observable<boolean>((subscriber) => {
      this.approval.set({
        name: pending.call.function.name,
        args: JSON.stringify(pending.args),
        decide: (allowed) => {
          this.approval.set(null);
          subscriber.next(allowed);
          subscriber.complete();
        },
      });
      return () => this.approval.set(null);
    });

  constructor() {
    // After a reload mid-answer: the relay still has the turn; continue it.
    const stored = this.chat.storedGeneration();
    if (stored) queueMicrotask(() => this.commands.next({ kind: 'ask', prompt: '', onServer: stored.onServer, resume: stored.id }));
  }

  ask(prompt: string, onServer = false): void {
    this.commands.next({ kind: 'ask', prompt, onServer });
  }

  stop(): void {
    this.commands.next({ kind: 'stop' });
  }
}
