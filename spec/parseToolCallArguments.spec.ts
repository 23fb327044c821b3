import fc from 'fast-check';
import { CohereToolArgumentsError, isCohereToolArgumentsError, parseToolCallArguments, type ToolCall } from '../lib';
import { argumentsOrEmptyObject } from '../lib/internal/toolArguments';
import { narrow } from './helpers/collect';

// `args` may be anything, on purpose: the specs feed malformed calls through this cast.
const call = (args: unknown, extra: object = {}): ToolCall =>
  ({ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: args }, ...extra }) as ToolCall;

/** Runs `fn` and returns what it threw, or fails the spec when it did not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const everything = {
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
} as const;

/** Values that are not an object (or are an array): never a tool call. */
const notAnObject = fc.oneof(
  fc.constantFrom(null, undefined, true, false, Number.NaN),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.bigInt(),
  fc.array(fc.anything(everything), { maxLength: 4 }),
);

/** Anything that is not a tool call, in every way one can be wrong. */
const notACall = fc.oneof(
  notAnObject,
  // an object without a `function` object
  fc.dictionary(fc.string(), fc.anything(everything), { maxKeys: 5 }).filter((o) => !('function' in o)),
  fc.record({ id: fc.string(), type: fc.constant('function'), function: notAnObject.filter((v) => v !== undefined) }),
  // `function.arguments` present but not a string (a boxed String is not one either)
  fc.record({
    id: fc.string(),
    type: fc.constant('function'),
    function: fc.record({ name: fc.string(), arguments: fc.anything(everything).filter((v) => v !== undefined && typeof v !== 'string') }),
  }),
  // `function.name` or `id` of the wrong type
  fc.record({ id: fc.oneof(fc.integer(), fc.constant(null)), function: fc.record({ name: fc.string(), arguments: fc.constant('{}') }) }),
  fc.record({ id: fc.string(), function: fc.record({ name: fc.oneof(fc.integer(), fc.object()), arguments: fc.constant('{}') }) }),
);

describe('argumentsOrEmptyObject', () => {
  it('should read absent, empty and blank arguments as {}', () => {
    expect(argumentsOrEmptyObject(undefined)).toBe('{}');
    expect(argumentsOrEmptyObject('')).toBe('{}');
    expect(argumentsOrEmptyObject(' \n\t')).toBe('{}');
  });

  it('should return any other text unchanged, valid JSON or not', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => s.trim() !== ''),
        (text) => {
          expect(argumentsOrEmptyObject(text)).toBe(text);
        },
      ),
    );
  });
});

describe('parseToolCallArguments', () => {
  it('should follow the no-argument rule when arguments are absent or empty', () => {
    const hand = { id: 'call_1', type: 'function', function: { name: 'now' } } as unknown as ToolCall;
    expect(parseToolCallArguments(hand)).toEqual({});
    expect(parseToolCallArguments(call(''))).toEqual({});
    expect(parseToolCallArguments(call(undefined))).toEqual({});
  });

  it('should accept a call without id or name, as a hand-built one may be', () => {
    expect(parseToolCallArguments({ function: { arguments: '{"a":1}' } } as unknown as ToolCall)).toEqual({ a: 1 });
  });

  it.each([
    ['null', null, 'got null'],
    ['a number', 42, 'got a number'],
    ['a string', '{"a":1}', 'got a string'],
    ['an array', [call('{}')], 'got an array'],
    ['an object without function', { id: 'x', type: 'function' }, 'its function is missing'],
    ['function: null', { id: 'x', function: null }, 'its function is null'],
    ['arguments that are an object', call({ city: 'Paris' }), 'its function.arguments is an object, not a string'],
    ['arguments that are null', call(null), 'its function.arguments is null, not a string'],
    ['arguments that are a number', call(3), 'its function.arguments is a number, not a string'],
  ])('should throw a typed not-a-tool-call error for %s', (_label, value, words) => {
    const err = thrown(() => parseToolCallArguments(value as ToolCall));
    expect(err).toBeInstanceOf(CohereToolArgumentsError);
    expect(isCohereToolArgumentsError(err)).toBe(true);
    const e = narrow(err, isCohereToolArgumentsError);
    expect(e.reason).toBe('not-a-tool-call');
    expect(e.toolCall).toBeUndefined();
    expect(e.message).toBe(`Not a tool call: ${words}; expected { id, type: 'function', function: { name, arguments } }`);
  });

  it.each([
    ['an array', '[1]'],
    ['a string', '"x"'],
    ['a number', '3'],
    ['true', 'true'],
    ['null', 'null'],
  ])('should reject JSON that is %s as not-an-object, naming the call', (_label, text) => {
    const c = call(text);
    const e = narrow(
      thrown(() => parseToolCallArguments(c)),
      isCohereToolArgumentsError,
    );
    expect(e).toBeInstanceOf(CohereToolArgumentsError);
    expect(e.reason).toBe('not-an-object');
    expect(e.toolCall).toBe(c);
    expect(e.message).toBe(`Tool call call_1 (get_weather) has invalid arguments: not a JSON object: ${JSON.stringify(text)}`);
  });

  it('should reject invalid JSON with the parser error as cause', () => {
    const e = narrow(
      thrown(() => parseToolCallArguments(call('{"city":'))),
      isCohereToolArgumentsError,
    );
    expect(e.reason).toBe('invalid-json');
    expect(e.cause).toBeInstanceOf(SyntaxError);
    expect(e.toolCall?.function.name).toBe('get_weather');
  });

  it('should keep the reason the constructor can infer when none is given', () => {
    expect(new CohereToolArgumentsError(call('x'), 'not valid JSON', { cause: new SyntaxError('x') }).reason).toBe('invalid-json');
    expect(new CohereToolArgumentsError(call('[1]'), 'not a JSON object').reason).toBe('not-an-object');
    expect(new CohereToolArgumentsError(undefined).reason).toBe('not-a-tool-call');
  });

  describe('properties', () => {
    it('should throw CohereToolArgumentsError (not-a-tool-call) for any value that is not a tool call, never another error', () => {
      fc.assert(
        fc.property(notACall, (value) => {
          const err = thrown(() => parseToolCallArguments(value as ToolCall));
          expect(err).toBeInstanceOf(CohereToolArgumentsError);
          expect(narrow(err, isCohereToolArgumentsError).reason).toBe('not-a-tool-call');
        }),
        { numRuns: 500 },
      );
    });

    it('should, for any value at all, return a plain object or throw CohereToolArgumentsError', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.anything(everything),
            fc.string().map((s) => call(s)),
            fc.json().map((s) => call(s)),
          ),
          (value) => {
            let result: unknown;
            try {
              result = parseToolCallArguments(value as ToolCall);
            } catch (e) {
              expect(e).toBeInstanceOf(CohereToolArgumentsError);
              return;
            }
            expect(typeof result === 'object' && result !== null && !Array.isArray(result)).toBe(true);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('should return exactly the parsed value for any JSON object, and not-an-object for any other JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const text = JSON.stringify(value);
          const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
          if (isObject) expect(parseToolCallArguments(call(text))).toEqual(JSON.parse(text));
          else
            expect(
              narrow(
                thrown(() => parseToolCallArguments(call(text))),
                isCohereToolArgumentsError,
              ).reason,
            ).toBe('not-an-object');
        }),
      );
    });
  });
});
