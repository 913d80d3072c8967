import { parseArgs } from 'node:util';
import { attributeNameProblem } from '@gatehouse/identity';
import { UsageError } from './usage-error.js';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | readonly boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/** node:util parseArgs in strict mode, with its errors turned into UsageError. */
export function parseOptions(args: readonly string[], options: OptionSpec, allowPositionals = true): ParsedOptions {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values: values as ParsedOptions['values'], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify.*$/s, '') : String(error));
  }
}

export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`missing required option --${name}`);
  return value;
}

export function optionalOption(values: ParsedOptions['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function oneOfOption<const T extends readonly string[]>(name: string, value: string, allowed: T): T[number] {
  if (!allowed.includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T[number];
}

export function listOption(value: unknown): string[] {
  if (typeof value !== 'string' || value.trim() === '') return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** The options every command that takes principal attributes declares. */
export const ATTRIBUTE_OPTIONS = {
  attr: { type: 'string', multiple: true },
  'attr-list': { type: 'string', multiple: true },
} as const;

function splitPair(option: string, pair: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new UsageError(`--${option} must be key=value (got "${pair}")`);
  const key = pair.slice(0, at).trim();
  const problem = attributeNameProblem(key);
  if (problem !== undefined) throw new UsageError(`--${option}: ${problem}`);
  return [key, pair.slice(at + 1)];
}

/**
 * Principal attributes from the command line. `--attr key=value` is one text value and a repeated
 * key becomes a list (`--attr region=eu --attr region=us`); `--attr-list key=a,b` is always a list,
 * split at commas (`--attr-list tenants=` is an empty list). Values are never split otherwise, so a
 * value may contain commas and `=`.
 */
export function parseAttributes(pairs: readonly string[], lists: readonly string[] = []): Record<string, string | string[]> {
  const attributes: Record<string, string | string[]> = {};
  const add = (key: string, values: string | string[]): void => {
    const existing = attributes[key];
    if (existing === undefined) attributes[key] = values;
    else attributes[key] = [...(Array.isArray(existing) ? existing : [existing]), ...(Array.isArray(values) ? values : [values])];
  };
  for (const pair of pairs) add(...splitPair('attr', pair));
  for (const pair of lists) {
    const [key, text] = splitPair('attr-list', pair);
    add(
      key,
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    );
  }
  return attributes;
}

/** The attributes given by ATTRIBUTE_OPTIONS, or undefined when there are none. */
export function attributeOptions(values: ParsedOptions['values']): Record<string, string | string[]> | undefined {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  const attributes = parseAttributes(strings(values['attr']), strings(values['attr-list']));
  return Object.keys(attributes).length === 0 ? undefined : attributes;
}
