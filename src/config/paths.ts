/**
 * Turns zod's issues into `ConfigIssue`s an operator reads: paths written as in the YAML
 * (`devices[2].groups[0].legs[1].switch`) and messages that name what was expected and found,
 * without echoing string values (they may be secrets).
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors';

/** A step into the document: a mapping key or a list index. */
export type PathSegment = string | number;

// Keys printed after a dot; anything else (spaces, dots, ...) is printed quoted in brackets.
const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `['devices', 2, 'groups']` → `devices[2].groups`; the root is the empty string. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** What YAML calls the type of a value, for "expected X, got Y". */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

const EXPECTED_NAMES: Record<string, string> = {
  object: 'mapping',
  array: 'list',
  int: 'integer',
};

type RawIssue = z.core.$ZodRawIssue;

function listValues(values: readonly unknown[]): string {
  return values.map(String).join(', ');
}

function describeRange(issue: RawIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  if (issue.origin === 'string') {
    if (small && bound === 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${bound} characters`;
  }
  if (issue.origin === 'array') {
    return `must have ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
  }
  const relation = small
    ? issue.inclusive
      ? 'at least'
      : 'greater than'
    : issue.inclusive
      ? 'at most'
      : 'less than';
  return `must be ${relation} ${bound}, got ${String(issue.input)}`;
}

/** "expected A or B, got T" over every branch of a union that failed on the value's type. */
function describeUnion(issue: RawIssue & { code: 'invalid_union' }): string {
  const expected = issue.errors.flat().map((branch) => {
    if (branch.code === 'invalid_type') return EXPECTED_NAMES[branch.expected] ?? branch.expected;
    if (branch.code === 'invalid_value') return listValues(branch.values);
    return branch.message;
  });
  return `expected ${[...new Set(expected)].join(' or ')}, got ${describeType(issue.input)}`;
}

/**
 * Error map for `safeParse(data, { error: describeZodIssue })`: the message of every issue the
 * schema did not word itself.
 */
export function describeZodIssue(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'invalid_value':
      return `must be one of ${listValues(issue.values)}, got ${JSON.stringify(issue.input)}`;
    case 'too_small':
    case 'too_big':
      return describeRange(issue);
    case 'invalid_union':
      return describeUnion(issue);
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return undefined;
  }
}

/** One issue per problem: an unrecognised-keys issue becomes one issue per key, at that key. */
export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code !== 'unrecognized_keys') {
      return [{ path: formatPath(issue.path), message: issue.message }];
    }
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: 'unknown key',
    }));
  });
}
