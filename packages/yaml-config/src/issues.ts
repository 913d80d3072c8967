import type { LocatedProblem } from '@gatehouse/core';
import type { z } from 'zod';
import { UNKNOWN_KEYS_MARKER, asRecord, describeInput } from './schema-primitives.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/**
 * A top-level list whose items have a name: `rules[2].mask` reads better as `rule "analysts-read"
 * mask`, `connections[0].upstream` as `connection "orders" upstream`.
 */
export interface NamedList {
  /** What one item is called in messages (`rule`). */
  readonly item: string;
  /** The key holding the item's name (`id`). */
  readonly nameKey: string;
}

/** Top-level key → how its items are named in messages. */
export type NamedLists = Readonly<Record<string, NamedList>>;

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

/** zod's own English messages; ours are written per schema and are kept as they are. */
const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized)/;

/** A readable name for a data path, naming list items by their name key when they have one. */
export function pathLabel(path: readonly PropertyKey[], data: unknown, namedLists: NamedLists = {}): string {
  let label = '';
  let rest = path;
  const [first, index] = path;
  const named = typeof first === 'string' ? namedLists[first] : undefined;
  if (named !== undefined && typeof index === 'number') {
    const list = asRecord(data)[first as string];
    const name = Array.isArray(list) ? asRecord(list[index])[named.nameKey] : undefined;
    if (typeof name === 'string') {
      label = `${named.item} "${name}"`;
      rest = path.slice(2);
    }
  }
  for (const key of rest) label += typeof key === 'number' ? `[${key}]` : `${label === '' ? '' : ' '}${String(key)}`;
  return label === '' ? 'the document' : label;
}

function messageFor(issue: Issue, source: YamlSource, namedLists: NamedLists): string {
  const key = issue.path[issue.path.length - 1];
  if (issue.code !== 'custom' && issue.input === undefined && key !== undefined && !source.has(issue.path)) {
    return `missing required key "${String(key)}" in ${pathLabel(issue.path.slice(0, -1), source.data, namedLists)}; add it`;
  }
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  if (issue.code === 'invalid_type') {
    const expected = EXPECTED_TEXT[issue.expected] ?? issue.expected;
    return `${pathLabel(issue.path, source.data, namedLists)} must be ${expected}, not ${describeInput(issue.input)}`;
  }
  return `${pathLabel(issue.path, source.data, namedLists)}: ${issue.message}`;
}

function unknownKeyProblems(issue: Issue & { code: 'unrecognized_keys' }, source: YamlSource): LocatedProblem[] {
  const [, context = 'map', knownText = ''] = issue.message.split(UNKNOWN_KEYS_MARKER);
  const known = knownText === '' ? [] : knownText.split(',');
  return issue.keys.map((key) => {
    const hint = didYouMean(key, known) || `; expected one of ${known.join(', ')}`;
    return { file: source.file, ...source.locate([...issue.path, key], 'key'), message: `unknown key "${key}" in ${context}${hint}` };
  });
}

/**
 * Parameters a custom issue may carry: `at: 'key'` points at the key instead of its value;
 * `firstPath` names an earlier node (for duplicates: "first defined at line N").
 */
export interface LocatedIssueParams {
  readonly at?: 'key';
  readonly firstPath?: PropertyKey[];
}

/**
 * Turns zod issues into problems located at the YAML node they are about: the key for unknown
 * keys, the value for wrong values, the enclosing map for missing keys. Sorted by position.
 */
export function locateIssues(issues: readonly Issue[], source: YamlSource, namedLists: NamedLists = {}): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.message.startsWith(UNKNOWN_KEYS_MARKER)) {
      problems.push(...unknownKeyProblems(issue, source));
      continue;
    }
    const params = issue.code === 'custom' ? (issue.params as LocatedIssueParams | undefined) : undefined;
    let message = messageFor(issue, source, namedLists);
    if (params?.firstPath !== undefined) message += ` (first defined at line ${source.locate(params.firstPath).line})`;
    problems.push({ file: source.file, ...source.locate(issue.path, params?.at), message });
  }
  return sortProblems(problems);
}

/** Removes exact repeats and orders problems by position, the order an editor lists them in. */
export function sortProblems(problems: readonly LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((problem) => {
      const key = `${problem.file}:${problem.line}:${problem.column}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
