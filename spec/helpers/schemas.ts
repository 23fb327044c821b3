// The same schemas written with each Standard Schema library the specs run
// against: zod 4, valibot 1 (through @valibot/to-json-schema's
// toStandardJsonSchema) and arktype 2. Real libraries, no mocks.
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';

/**
 * A forecast tool's arguments: `city` (a described string), `days` (a whole
 * number 1–7, 3 when left out) and `from` (a date string the schema turns
 * into a `Date`: a transform).
 */
export const forecast = {
  zod: z.object({
    city: z.string().describe('The city'),
    days: z.number().int().min(1).max(7).default(3),
    from: z.string().transform((s) => new Date(s)),
  }),
  valibot: toStandardJsonSchema(
    v.object({
      city: v.pipe(v.string(), v.description('The city')),
      days: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(7)), 3),
      from: v.pipe(
        v.string(),
        v.transform((s) => new Date(s)),
      ),
    }),
  ),
  arktype: type({
    city: type('string').describe('The city'),
    days: ['1 <= number.integer <= 7', '=', 3],
    from: type('string').pipe((s) => new Date(s)),
  }),
};

/** A recipe answer: `title`, `minutes` (a whole number ≥ 1), `steps` (strings) and `vegan` (false when left out). */
export const recipe = {
  zod: z.object({ title: z.string(), minutes: z.number().int().min(1), steps: z.array(z.string()), vegan: z.boolean().default(false) }),
  valibot: toStandardJsonSchema(
    v.object({
      title: v.string(),
      minutes: v.pipe(v.number(), v.integer(), v.minValue(1)),
      steps: v.array(v.string()),
      vegan: v.optional(v.boolean(), false),
    }),
  ),
  arktype: type({ title: 'string', minutes: 'number.integer >= 1', steps: 'string[]', vegan: ['boolean', '=', false] }),
};

/**
 * A city that an async check refuses when it is 'Atlantis' (zod and valibot;
 * ArkType has no async validation). The valibot one is a plain valibot
 * schema: `@valibot/to-json-schema` cannot write a `check` as JSON Schema, so
 * a tool with it takes a hand-written `parameters`.
 */
export const asyncCity = {
  zod: z.object({ city: z.string().refine(async (city) => (await Promise.resolve(city)) !== 'Atlantis', 'no such city') }),
  valibot: v.objectAsync({
    city: v.pipeAsync(
      v.string(),
      v.checkAsync(async (city) => (await Promise.resolve(city)) !== 'Atlantis', 'no such city'),
    ),
  }),
};

export type Library = keyof typeof forecast;
export const libraries: Library[] = ['zod', 'valibot', 'arktype'];
