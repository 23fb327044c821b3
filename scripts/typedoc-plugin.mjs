// TypeDoc plugin for npm run docs (typedoc.config.mjs). Every exported function
// needs a doc comment, on the function or on one of its overloads.
//
// TypeDoc's own rule for functions ("Function" in requiredToBeDocumented) also
// takes in the call signature of every method of every interface and class, so
// each member would need its own comment; the rule here is about what a module
// exports, the same as for classes, interfaces, type aliases and variables.
// Its findings are validation warnings, which the config turns into errors.
//
// It also names each module by the specifier users import it with
// (lib/index.ts: cohere-rx, lib/testing/index.ts: cohere-rx/testing, …)
// instead of TypeDoc's "index" and "testing".
import { Application, Converter, ReflectionKind } from 'typedoc';

/** @param {Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      mod.name = mod.name === 'index' ? 'cohere-rx' : `cohere-rx/${mod.name}`;
    }
  });
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    if (!app.options.getValue('validation').notDocumented) return;
    for (const fn of project.getReflectionsByKind(ReflectionKind.Function)) {
      const documented = fn.hasComment() || (fn.signatures ?? []).some((s) => s.hasComment());
      if (!documented) {
        const where = fn.sources?.[0] ? ` (${fn.sources[0].fileName}:${fn.sources[0].line})` : '';
        app.logger.validationWarning(`${fn.getFriendlyFullName()}${where}, an exported function, has no doc comment`);
      }
    }
  });
}
