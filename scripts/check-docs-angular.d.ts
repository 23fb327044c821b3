// Used by scripts/check-docs.mjs only (an ambient file: no top-level import).
// The Angular API the snippets import, typed as Angular types it (the real
// thing is built and tested in examples/angular/ by npm run e2e).
declare module '@angular/core' {
  export interface Signal<T> {
    (): T;
  }
  export interface WritableSignal<T> extends Signal<T> {
    set(value: T): void;
    update(fn: (value: T) => T): void;
  }
  export function Component(meta: {
    selector: string;
    changeDetection?: unknown;
    imports?: unknown[];
    template: string;
    styles?: string | string[];
  }): <T>(target: T, context: ClassDecoratorContext) => void;
  export function Injectable(meta?: { providedIn?: 'root' | null }): <T>(target: T, context: ClassDecoratorContext) => void;
  export const ChangeDetectionStrategy: { readonly OnPush: 0; readonly Default: 1 };
  export function computed<T>(fn: () => T): Signal<T>;
  export function signal<T>(value: T): WritableSignal<T>;
  export function input<T>(initial: T): Signal<T>;
  export function inject<T>(token: abstract new (...args: never[]) => T): T;
  export class InjectionToken<T> {
    constructor(description: string, options?: { factory: () => T });
  }
}
declare module '@angular/core/rxjs-interop' {
  import type { Observable } from 'rxjs';
  import type { Signal } from '@angular/core';
  export function toSignal<T>(source: Observable<T>): Signal<T | undefined>;
  export function toSignal<T, U>(source: Observable<T>, options: { initialValue: U }): Signal<T | U>;
  export function takeUntilDestroyed<T>(): import('rxjs').MonoTypeOperatorFunction<T>;
}
declare module '@angular/forms' {
  type ValueOf<C> = { [K in keyof C]: C[K] extends FormControl<infer T> ? T : never };
  export class FormControl<T> {
    constructor(value: T, options?: { nonNullable?: boolean });
    readonly value: T;
    setValue(value: T, options?: { emitEvent?: boolean }): void;
  }
  export class FormGroup<C extends Record<string, FormControl<any>>> {
    constructor(controls: C);
    readonly controls: C;
    patchValue(value: Partial<ValueOf<C>>, options?: { emitEvent?: boolean }): void;
    setValue(value: ValueOf<C>, options?: { emitEvent?: boolean }): void;
    getRawValue(): ValueOf<C>;
    disable(options?: { emitEvent?: boolean }): void;
    enable(options?: { emitEvent?: boolean }): void;
  }
  export const ReactiveFormsModule: unknown;
}
