import type { LocatedProblem } from '@gatehouse/core';
import type { z } from 'zod';
import { UNKNOWN_KEYS_MARKER, asRecord, describeInput } from './schema-primitives.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

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

/** `rules[2].mask` reads better as `rule "analysts-read" mask`: name a rule by its id when it has one. */
function pathLabel(path: readonly PropertyKey[], data: unknown): string {
  let label = '';
  let rest = path;
  const [first, index] = path;
  if ((first === 'rules' || first === 'cases') && typeof index === 'number') {
    const list = asRecord(data)[first];
    const name = Array.isArray(list) ? asRecord(list[index])[first === 'rules' ? 'id' : 'name'] : undefined;
    if (typeof name === 'string') {
      label = `${first === 'rules' ? 'rule' : 'case'} "${name}"`;
      rest = path.slice(2);
    }
  }
  for (const key of rest) label += typeof key === 'number' ? `[${key}]` : `${label === '' ? '' : ' '}${String(key)}`;
  return label === '' ? 'the document' : label;
}

function messageFor(issue: Issue, source: YamlSource): string {
  const key = issue.path[issue.path.length - 1];
  if (issue.code !== 'custom' && issue.input === undefined && key !== undefined && !source.has(issue.path)) {
    return `missing required key "${String(key)}" in ${pathLabel(issue.path.slice(0, -1), source.data)}; add it`;
  }
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  if (issue.code === 'invalid_type') {
    const expected = EXPECTED_TEXT[issue.expected] ?? issue.expected;
    return `${pathLabel(issue.path, source.data)} must be ${expected}, not ${describeInput(issue.input)}`;
  }
  return `${pathLabel(issue.path, source.data)}: ${issue.message}`;
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
 * Turns zod issues into problems located at the YAML node they are about: the key for unknown
 * keys, the value for wrong values, the enclosing map for missing keys. Sorted by position.
 */
export function locateIssues(issues: readonly Issue[], source: YamlSource): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.message.startsWith(UNKNOWN_KEYS_MARKER)) {
      problems.push(...unknownKeyProblems(issue, source));
      continue;
    }
    const params = issue.code === 'custom' ? (issue.params as { at?: 'key'; firstPath?: PropertyKey[] } | undefined) : undefined;
    let message = messageFor(issue, source);
    if (params?.firstPath !== undefined) message += ` (first defined at line ${source.locate(params.firstPath).line})`;
    problems.push({ file: source.file, ...source.locate(issue.path, params?.at), message });
  }
  const seen = new Set<string>();
  return problems
    .filter((problem) => {
      const key = `${problem.line}:${problem.column}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
