import { readFile } from 'node:fs/promises';
import type { LocatedProblem } from '@gatehouse/core';
import { defaultLoadError } from './errors.js';
import type { LoadErrorFactory } from './errors.js';
import { locateIssues } from './issues.js';
import type { NamedLists } from './issues.js';
import { parseYamlSource } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

/** The part of a zod schema validation needs, so callers may pass any zod 4 schema. */
export interface SafeParseSchema<T> {
  safeParse(data: unknown, params: { reportInput: boolean }): { success: true; data: T } | { success: false; error: { issues: unknown[] } };
}

export interface ValidateYamlOptions {
  /** Stable error code of the thrown error (`policy.invalid`, `config.invalid`). */
  readonly code: string;
  /** Top-level lists whose items messages name by a key (`rule "x"`). */
  readonly namedLists?: NamedLists;
  /** The error to throw; default ConfigLoadError. */
  readonly createError?: LoadErrorFactory;
}

/**
 * Parses and validates YAML against a zod schema. Either returns the data, or throws one error
 * listing every problem (syntax first, since nothing else can be checked without a tree).
 */
export function validateYaml<T>(text: string, file: string, schema: SafeParseSchema<T>, options: ValidateYamlOptions): { data: T; source: YamlSource } {
  const createError = options.createError ?? defaultLoadError;
  const source = parseYamlSource(text, file);
  if (source.syntaxProblems.length > 0) throw createError(options.code, source.syntaxProblems);
  // reportInput keeps each issue's input, which tells a missing key from a wrong value.
  const result = schema.safeParse(source.data, { reportInput: true });
  if (!result.success) {
    const problems: LocatedProblem[] = locateIssues(result.error.issues as Parameters<typeof locateIssues>[0], source, options.namedLists);
    throw createError(options.code, problems);
  }
  return { data: result.data, source };
}

/** Reads a file, turning an I/O failure into a located load error the CLI prints like any other. */
export async function readSource(path: string, code: string, createError: LoadErrorFactory = defaultLoadError): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'read failed';
    throw createError(code, [{ file: path, line: 1, column: 1, message: `cannot read the file (${reason}); check the path and permissions` }]);
  }
}
