import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CohereValidationError, isCohereError, isCohereValidationError } from '../../lib';

// How a CohereValidationError names the issues of each library: one line per
// issue, `- path: message`, the path written as JavaScript reads it.
const order = {
  zod: z.object({ items: z.array(z.object({ qty: z.number() })), 'gift note': z.string() }),
  valibot: v.object({ items: v.array(v.object({ qty: v.number() })), 'gift note': v.string() }),
  arktype: type({ items: type({ qty: 'number' }).array(), 'gift note': 'string' }),
};
const bad = { items: [{ qty: 1 }, { qty: 'two' }], 'gift note': 5 };

async function issuesOf(schema: StandardSchemaV1, value: unknown): Promise<readonly StandardSchemaV1.Issue[]> {
  const result = await schema['~standard'].validate(value);
  if (!result.issues) throw new Error('expected issues');
  return result.issues;
}

describe('CohereValidationError', () => {
  it.each(Object.keys(order) as (keyof typeof order)[])(
    'should name each %s issue as path: message, paths as JavaScript writes them',
    async (library) => {
      const issues = await issuesOf(order[library], bad);
      const error = new CohereValidationError(issues, { value: bad });
      const lines = error.message.split('\n');
      expect(lines[0]).toBe('The answer does not match its schema:');
      // (in the library's order: ArkType's differs)
      expect(
        lines
          .slice(1)
          .map((line) => line.slice(0, line.indexOf(': ') + 2))
          .sort(),
      ).toEqual(['- ["gift note"]: ', '- items[1].qty: ']);
      // Each line ends with the library's own message (ArkType's, which start with the path, without it twice).
      issues.forEach((issue, i) => {
        const own = library === 'arktype' ? issue.message.replace(/^(items\[1\]\.qty|value at \["gift note"\]) /, '') : issue.message;
        expect(lines[i + 1]!.endsWith(own)).toBe(true);
      });
      expect(error.message).not.toContain('items[1].qty: items[1].qty');
      expect(error.issues).toBe(issues);
      expect(error.value).toBe(bad);
    },
  );

  it('should write an issue at the root as its message alone', async () => {
    const error = new CohereValidationError(await issuesOf(z.object({ a: z.string() }), 'text'));
    expect(error.message).toBe('The answer does not match its schema:\n- Invalid input: expected object, received string');
  });

  it('should list 20 issues at most and count the rest, keeping them all in issues', async () => {
    const many = await issuesOf(
      z.array(z.number()),
      Array.from({ length: 25 }, () => 'x'),
    );
    const error = new CohereValidationError(many);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[20]).toBe('- [19]: Invalid input: expected number, received string');
    expect(lines[21]).toBe('- … and 5 more');
    expect(error.issues).toHaveLength(25);
  });

  it('should name the tool call when given one, and be a CohereError known to its guards', () => {
    const call = { id: 'call_9', type: 'function' as const, function: { name: 'lookup', arguments: '{"id":7}' } };
    const error = new CohereValidationError([{ message: 'Expected string', path: [{ key: 'id' }] }], { value: { id: 7 }, toolCall: call });
    expect(error.message).toBe('Tool call call_9 (lookup) has invalid arguments:\n- id: Expected string');
    expect(error.name).toBe('CohereValidationError');
    expect(error.toolCall).toBe(call);
    expect(isCohereValidationError(error)).toBe(true);
    expect(isCohereError(error)).toBe(true);
    expect(isCohereValidationError({ name: 'CohereValidationError', message: 'from another realm' })).toBe(true);
    expect(isCohereValidationError(new Error('x'))).toBe(false);
  });

  it('should cut a very long issue message, and write symbol and odd keys readably', () => {
    const long = 'x'.repeat(500);
    const error = new CohereValidationError([
      { message: long, path: ['a'] },
      { message: 'bad', path: [Symbol('tag'), 'b-c', 0, { key: 'ok' }] },
    ]);
    const lines = error.message.split('\n');
    expect(lines[1]).toBe(`- a: ${'x'.repeat(200)}…`);
    expect(lines[2]).toBe('- [Symbol(tag)]["b-c"][0].ok: bad');
  });
});
