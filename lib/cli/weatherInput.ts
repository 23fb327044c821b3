import type { StandardSchemaWithJsonSchema } from 'cohere-rx';

// The demo tool's arguments, as a Standard Schema written by hand. The CLI
// ships inside the package, and the package depends on no schema library: an
// app would write `z.object({ location: z.string().trim().min(1) })` (or the
// valibot or arktype equivalent) and get the same three things from it. This
// object gives them with no dependency: the JSON Schema the model is told, a
// validation that names each issue, and the output type `execute` gets.

/** The JSON Schema of the arguments, sent to the model as the tool's `parameters`. */
const jsonSchema = {
  type: 'object',
  properties: { location: { type: 'string', description: 'The city' } },
  required: ['location'],
};

/** `{ location }`: a city name, trimmed; empty or missing is an issue the model reads back. */
export const weatherInput: StandardSchemaWithJsonSchema<{ location: string }> = {
  '~standard': {
    version: 1,
    vendor: 'cohere-rx-cli',
    validate: (value) => {
      const location = value !== null && typeof value === 'object' ? (value as { location?: unknown }).location : undefined;
      if (typeof location !== 'string') return { issues: [{ message: 'expected the city name, a string', path: ['location'] }] };
      const city = location.trim();
      return city === ''
        ? { issues: [{ message: 'expected a city name, not an empty string', path: ['location'] }] }
        : { value: { location: city } };
    },
    jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
  },
};
