import { weatherInput } from '../lib/cli/weatherInput';

// The CLI's hand-written Standard Schema (no schema library in the package).
describe('the CLI demo tool input (a hand-written Standard Schema)', () => {
  const validate = (value: unknown) => weatherInput['~standard'].validate(value);

  it('should give the trimmed city as its output', () => {
    expect(validate({ location: '  Paris ' })).toEqual({ value: { location: 'Paris' } });
  });

  it('should name the issue of a missing, non-string or blank location', () => {
    for (const bad of [{}, { location: 7 }, null, 'Paris']) {
      expect(validate(bad)).toEqual({ issues: [{ message: 'expected the city name, a string', path: ['location'] }] });
    }
    expect(validate({ location: ' ' })).toEqual({ issues: [{ message: 'expected a city name, not an empty string', path: ['location'] }] });
  });

  it('should describe its input as the JSON Schema of an object with a required location', () => {
    expect(weatherInput['~standard'].jsonSchema.input({ target: 'draft-07' })).toEqual({
      type: 'object',
      properties: { location: { type: 'string', description: 'The city' } },
      required: ['location'],
    });
  });
});
