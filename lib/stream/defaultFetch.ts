import { CohereConfigError } from '../errors/CohereConfigError';
import type { FetchLike } from './options';

/** `globalThis.fetch` where there is one, else cross-fetch (loaded only then). */
export async function defaultFetch(): Promise<FetchLike> {
  if (typeof globalThis.fetch === 'function') return globalThis.fetch.bind(globalThis);
  // Only a runtime without a global fetch (Node < 18, a jsdom test) gets here. The
  // specifier is not a literal, so browser bundlers (where fetch always exists)
  // leave cross-fetch out instead of shipping it, or warning that it is CommonJS.
  const specifier = 'cross-fetch';
  const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { default?: FetchLike; fetch?: FetchLike };
  const crossFetch = mod.default ?? mod.fetch;
  if (!crossFetch) throw new CohereConfigError('fetch', 'this runtime has no fetch and cross-fetch did not load: pass options.fetch');
  return crossFetch;
}
