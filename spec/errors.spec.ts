import * as api from '../lib';
import type { CohereErrorName } from '../lib';

// Every error class the package exports has a literal `name` in the exported
// CohereErrorName union, and isCohereError() recognises it, also across
// realms (a plain object with that name and a message).
const classes = Object.entries(api).filter(([key, value]) => typeof value === 'function' && /^Cohere\w*Error$/.test(key)) as [
  string,
  new (...args: never[]) => Error,
][];

describe('error names', () => {
  it('should export the error classes', () => {
    expect(classes.length).toBeGreaterThanOrEqual(13);
  });

  it.each(classes)('should give %s its own literal name, known to isCohereError', (key, ErrorClass) => {
    // Any arguments will do to read the name an instance gets (a call where one is read).
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } };
    const args =
      key === 'CohereToolArgumentsError'
        ? [call, 'x']
        : key === 'CohereValidationError'
          ? [[{ message: 'x' }], { toolCall: call }]
          : ['x', 'x', 'x'];
    const error = new (ErrorClass as unknown as new (...args: unknown[]) => Error)(...args);
    expect(error.name).toBe(key);
    expect(error).toBeInstanceOf(api.CohereError);
    expect(api.isCohereError(error)).toBe(true);
    expect(api.isCohereError({ name: key, message: 'from another realm' })).toBe(true);
  });

  it('should not take any other name for one of ours', () => {
    expect(api.isCohereError({ name: 'CohereSomethingError', message: 'x' })).toBe(false);
    expect(api.isCohereError(new Error('x'))).toBe(false);
  });

  it('should type every class name as a CohereErrorName', () => {
    // Compile-time: each literal must be assignable to the union.
    const names: CohereErrorName[] = [
      new api.CohereApiError(400, {}).name,
      new api.CohereConfigError('baseUrl', 'x').name,
      new api.CohereIncompleteStreamError(0).name,
      new api.CohereTimeoutError('idle', 1).name,
      new api.CohereAbortError().name,
    ];
    expect(names).toEqual(['CohereApiError', 'CohereConfigError', 'CohereIncompleteStreamError', 'CohereTimeoutError', 'CohereAbortError']);
  });
});
