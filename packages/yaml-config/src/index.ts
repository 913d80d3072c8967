export { ConfigLoadError, defaultLoadError } from './errors.js';
export type { LoadErrorFactory } from './errors.js';
export { parseYamlSource } from './yaml-source.js';
export type { YamlSource } from './yaml-source.js';
export { locateIssues, pathLabel, sortProblems } from './issues.js';
export type { LocatedIssueParams, NamedList, NamedLists } from './issues.js';
export { readSource, validateYaml } from './validate-yaml.js';
export type { SafeParseSchema, ValidateYamlOptions } from './validate-yaml.js';
export { closestMatch, didYouMean } from './suggest.js';
export { parseDuration } from './duration.js';
export {
  ALWAYS,
  LIST_SHORTHANDS,
  STRING_SHORTHANDS,
  UNKNOWN_KEYS_MARKER,
  asRecord,
  describeInput,
  duration,
  listOf,
  oneOf,
  shorthand,
  strictMap,
  text,
  wholeNumber,
} from './schema-primitives.js';
