// Type tests of typed tools and structured output: compiled by
// spec/types/schemaTypes.once.spec.ts (the TypeScript compiler, in Jest) and by
// `tsc --noEmit -p .`. Never run. Every `@ts-expect-error` line must be an
// error: one that no longer is fails the compile (TS2578), so each proves
// that a misuse is caught; the `Equal` checks prove the exact types.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unused-vars -- deliberate misuses and type-only values, checked by the compiler */
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import { map, type Observable } from 'rxjs';
import * as v from 'valibot';
import { z } from 'zod';
import {
  chatStream$,
  defineTool,
  responseFormat,
  runTools$,
  structured,
  type ChatRequest,
  type DeepPartial,
  type StandardSchemaWithJsonSchema,
  type StructuredAnswer,
  type ToolDefinition,
} from '../../lib';

/** `true` only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}
declare const request: ChatRequest;

type Forecast = { city: string; days: number; from: Date };

// ---- defineTool({ input }): execute gets the schema's output, with no generic

const zodTool = defineTool({
  input: z.object({ city: z.string(), days: z.number().default(3), from: z.string().transform((s) => new Date(s)) }),
  execute: (args) => {
    expectType<Equal<typeof args, Forecast>>(true);
    // @ts-expect-error city is a string
    args.city.toFixed();
    // @ts-expect-error from is the transform's Date, not the string the model wrote
    const from: string = args.from;
    // @ts-expect-error no such argument
    void args.country;
    return { ok: true, from };
  },
});
expectType<Equal<typeof zodTool, ToolDefinition<Forecast, { ok: boolean; from: string }>>>(true);

const valibotTool = defineTool({
  input: toStandardJsonSchema(
    v.object({
      city: v.string(),
      days: v.optional(v.number(), 3),
      from: v.pipe(
        v.string(),
        v.transform((s) => new Date(s)),
      ),
    }),
  ),
  execute: (args) => {
    expectType<Equal<typeof args, Forecast>>(true);
    // @ts-expect-error days has its default: a number, never undefined
    const days: undefined = args.days;
    return days;
  },
});
expectType<Equal<typeof valibotTool, ToolDefinition<Forecast, undefined>>>(true);

const arktypeTool = defineTool({
  input: type({ city: 'string', days: ['number', '=', 3], from: type('string').pipe((s) => new Date(s)) }),
  execute: ({ city, days, from }) => {
    expectType<Equal<typeof city, string>>(true);
    expectType<Equal<typeof days, number>>(true);
    expectType<Equal<typeof from, Date>>(true);
    // @ts-expect-error from is a Date
    from.toUpperCase();
    return city.length + days;
  },
});
expectType<Equal<Parameters<typeof arktypeTool.execute>[0], Forecast>>(true);

// An execute that asks for more than the schema gives is refused.
// @ts-expect-error the schema gives no `days`
defineTool({
  input: z.object({ city: z.string() }),
  execute: (args: { city: string; days: number }) => args.days,
});

// A Standard Schema without JSON Schema (valibot as it is) needs a hand-written parameters...
// @ts-expect-error parameters is required: this input cannot describe itself as JSON Schema
defineTool({ input: v.object({ city: v.string() }), execute: ({ city }) => city });
const withParameters = defineTool({
  input: v.object({ city: v.string() }),
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: ({ city }) => city.length,
});
expectType<Equal<typeof withParameters, ToolDefinition<{ city: string }, number>>>(true);

// ...and a hand-written Standard JSON Schema types the tool like a library's.
const handWritten: StandardSchemaWithJsonSchema<{ q: string }, { q: string; limit: number }> = {
  '~standard': {
    version: 1,
    vendor: 'spec',
    validate: (value) => ({ value: { q: String((value as { q?: unknown }).q), limit: 10 } }),
    jsonSchema: { input: () => ({ type: 'object' }), output: () => ({ type: 'object' }) },
  },
};
defineTool({
  input: handWritten,
  execute: (args) => expectType<Equal<typeof args, { q: string; limit: number }>>(true),
});

// ---- the old form keeps working, and keeps its types

const legacy = defineTool<{ city: string }, number>({
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  execute: ({ city }) => city.length,
});
expectType<Equal<typeof legacy, ToolDefinition<{ city: string }, number>>>(true);
// @ts-expect-error the generic still types the arguments: city is a string
defineTool<{ city: string }>({ execute: ({ city }) => city.toFixed() });
const inferred = defineTool({ execute: (args: { q: string }) => args.q });
expectType<Equal<typeof inferred, ToolDefinition<{ q: string }, string>>>(true);

// Typed and untyped tools go together into runTools$.
runTools$(request, { tools: { zodTool, valibotTool, arktypeTool, legacy, inferred } });

// ---- structured(): partials typed as a deep-partial of the input, the value as the output

const Recipe = z.object({
  title: z.string(),
  unit: z.enum(['min', 'h']),
  steps: z.array(z.object({ text: z.string(), seconds: z.number() })),
  servings: z.string().transform((s) => Number(s)),
});
type RecipeIn = { title: string; unit: 'min' | 'h'; steps: { text: string; seconds: number }[]; servings: string };
type RecipeOut = { title: string; unit: 'min' | 'h'; steps: { text: string; seconds: number }[]; servings: number };

const answers$ = chatStream$({ ...request, response_format: responseFormat(Recipe) }).pipe(structured(Recipe));
expectType<Equal<typeof answers$, Observable<StructuredAnswer<RecipeIn, RecipeOut>>>>(true);
answers$.pipe(
  map((answer) => {
    if (answer.done) {
      expectType<Equal<typeof answer.value, RecipeOut>>(true);
      // @ts-expect-error servings is the transform's number
      answer.value.servings.padStart(2);
      return answer.value.title;
    }
    const partial = answer.partial;
    expectType<Equal<typeof partial.title, string | undefined>>(true);
    // @ts-expect-error a member may not have arrived yet
    void partial.title.length;
    // @ts-expect-error servings is still the string the model writes
    const servings: number | undefined = partial.servings;
    // A string literal may show cut short ('mi' of 'min'): any string fits, the literals stay for autocompletion.
    expectType<Equal<typeof partial.unit, 'min' | 'h' | (string & {}) | undefined>>(true);
    const step = partial.steps?.[0];
    expectType<Equal<typeof step, { text?: string; seconds?: number } | undefined>>(true);
    return servings;
  }),
);

// The same over a tool loop, and with valibot and arktype.
runTools$(request, { tools: { zodTool } }).pipe(structured(Recipe));
const vRecipe = v.object({ title: v.string(), minutes: v.optional(v.number(), 10) });
chatStream$(request)
  .pipe(structured(vRecipe))
  .subscribe((a) => {
    if (a.done) expectType<Equal<typeof a.value, { title: string; minutes: number }>>(true);
    else expectType<Equal<typeof a.partial, { title?: string; minutes?: number | undefined }>>(true);
  });
const aRecipe = type({ title: 'string', tags: 'string[]' });
chatStream$(request)
  .pipe(structured(aRecipe))
  .subscribe((a) => {
    if (a.done) expectType<Equal<typeof a.value, { title: string; tags: string[] }>>(true);
  });

// ---- responseFormat(): the request's response_format, from a Standard JSON Schema only

const format: ChatRequest['response_format'] = responseFormat(Recipe);
void format;
responseFormat(toStandardJsonSchema(vRecipe));
responseFormat(aRecipe);
// @ts-expect-error a valibot schema as it is has no JSON Schema: wrap it in toStandardJsonSchema()
responseFormat(vRecipe);
// @ts-expect-error not a schema
structured({ parse: (x: unknown) => x });

// ---- DeepPartial

const soFar: DeepPartial<{ unit: 'c' | 'f'; tags: string[]; at: { lat: number } }> = { unit: 'cel', tags: ['wea'], at: {} };
void soFar;
// @ts-expect-error a number shows only once complete: it keeps its type
const wrong: DeepPartial<{ n: number }> = { n: '1' };
void wrong;
