import type { StandardSchemaV1 } from '@standard-schema/spec';
import { truncate } from './truncate';

// How CohereValidationError names the issues of a Standard Schema validator
// (internal to the error classes): one line per issue, `path: message`.

/** The most issues a message lists; the error's `issues` keeps them all. */
const LISTED = 20;

/**
 * An issue's path as a JavaScript accessor, the way zod's and ArkType's own
 * messages write it: `items[0].qty`, `["a b"]`; empty for the root.
 */
export function issuePath(path: StandardSchemaV1.Issue['path']): string {
  let out = '';
  for (const segment of path ?? []) {
    const key: unknown = segment !== null && typeof segment === 'object' ? (segment as { key?: unknown }).key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string') out += /^[A-Za-z_$][\w$]*$/.test(key) ? (out === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else out += `[${String(key)}]`;
  }
  return out;
}

/**
 * One line per issue, `- path: message` (just the message for an issue at
 * the root), at most 20 listed. A message that already starts with its path
 * (ArkType's do: `items[0].qty must be a number`) does not get it twice.
 */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const list = Array.isArray(issues) ? issues : [];
  const lines = list.slice(0, LISTED).map((issue: StandardSchemaV1.Issue | null | undefined) => {
    const raw = issue?.message;
    const message = typeof raw === 'string' && raw !== '' ? raw : 'invalid';
    const path = issuePath(Array.isArray(issue?.path) ? issue.path : undefined);
    if (path === '') return `- ${truncate(message)}`;
    const own = message.startsWith(`${path} `) ? message.slice(path.length + 1) : message;
    return `- ${path}: ${truncate(own)}`;
  });
  if (list.length > LISTED) lines.push(`- … and ${list.length - LISTED} more`);
  if (lines.length === 0) lines.push('- (the validator gave no issue)');
  return lines.join('\n');
}
