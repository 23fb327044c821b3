// npm run docs: the API reference of every entry point, into docs/api/ (generated,
// not committed). lib/server/index.ts is picked up as soon as it exists.
//
// Every exported function, class, interface, type alias and variable needs a
// doc comment: TypeDoc's notDocumented validation (and, for functions, the
// plugin beside it), made an error by treatWarningsAsErrors, so `npm run docs`
// fails on an undocumented export. Properties and methods are not required to
// have one.
import { existsSync } from 'node:fs';

const entryPoints = ['lib/index.ts', 'lib/testing/index.ts', 'lib/server/index.ts', 'lib/telemetry/index.ts'].filter((p) => existsSync(p));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  entryPoints,
  out: 'docs/api',
  tsconfig: 'tsconfig.json',
  name: 'cohere-rx',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Functions: see scripts/typedoc-plugin.mjs.
  requiredToBeDocumented: ['Class', 'Interface', 'TypeAlias', 'Variable'],
  plugin: ['./scripts/typedoc-plugin.mjs'],
  // The built-in transcripts object is internal; `BuiltInTranscript` (exported)
  // is the union of its keys.
  intentionallyNotExported: ['builtInTranscripts'],
  // No public repository yet (see package.json): no source links, and no
  // warning about a missing or local git remote.
  disableSources: true,
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
};

export default config;
