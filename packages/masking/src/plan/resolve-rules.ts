import type { ColumnLineage, ColumnMaskRule, Dialect, MaskStrategySpec, ResultColumn } from '@gatehouse/core';
import { strategyRank } from '../strategies/strategy.js';
import { compilePattern, type CompiledPattern, matchDotted, splitPath, wildcardMatch } from './glob.js';

/** The rule a column (or nested field) gets, after picking the strictest candidate. */
export interface ResolvedRule {
  readonly strategy: MaskStrategySpec;
  readonly rule: string;
}

export interface CompiledRule {
  readonly pattern: CompiledPattern;
  readonly source: ColumnMaskRule;
}

export function compileRules(rules: readonly ColumnMaskRule[]): CompiledRule[] {
  return rules.map((source) => ({ pattern: compilePattern(source.pattern), source }));
}

/**
 * Rules matching a dotted path (dotted patterns) or its last segment (name patterns). The dialect
 * says whether the path has a schema segment (see glob.ts).
 */
export function rulesForPath(
  rules: readonly CompiledRule[],
  path: readonly string[],
  dialect: Dialect,
  extraNames: readonly string[] = [],
): ColumnMaskRule[] {
  const found: ColumnMaskRule[] = [];
  const last = path[path.length - 1];
  for (const r of rules) {
    const { dotted, name } = r.pattern;
    if (dotted !== undefined) {
      if (path.length > 1 && matchDotted(dotted, path, dialect)) found.push(r.source);
    } else if (name !== undefined) {
      const p = name;
      if ((last !== undefined && (last === '*' || wildcardMatch(p, last))) || extraNames.some((n) => wildcardMatch(p, n))) {
        found.push(r.source);
      }
    }
  }
  return found;
}

/** The strictest of several rules; on a derived value, partial becomes redact. */
export function strictest(candidates: readonly ColumnMaskRule[], derived: boolean): ResolvedRule | undefined {
  let best: ResolvedRule | undefined;
  for (const c of candidates) {
    // partial keeps the tail of the value; on concat(ssn, name) that tail is someone else's data.
    const strategy: MaskStrategySpec = derived && c.strategy.kind === 'partial' ? { kind: 'redact' } : c.strategy;
    if (!best || strategyRank(strategy.kind) > strategyRank(best.strategy.kind)) best = { strategy, rule: c.rule };
  }
  return best;
}

/**
 * For each result column, the rule it gets from (a) its protocol-reported source table.column,
 * (b) its name and source column name, and (c) classifier lineage (by position, else by output
 * name). Every match counts; the strictest wins.
 */
export function resolveColumnRules(
  columns: readonly ResultColumn[],
  rules: readonly CompiledRule[],
  dialect: Dialect,
  lineage: readonly ColumnLineage[] = [],
): (ResolvedRule | undefined)[] {
  const byPosition = new Map<number, ColumnLineage[]>();
  const byName = new Map<string, ColumnLineage[]>();
  for (const entry of lineage) {
    if (entry.position !== undefined) push(byPosition, entry.position, entry);
    else push(byName, entry.output.toLowerCase(), entry);
  }
  return columns.map((column, index) => {
    if (rules.length === 0) return undefined;
    const candidates: ColumnMaskRule[] = [];
    let derived = false;
    const names = column.column !== undefined ? [column.name, column.column] : [column.name];
    const own = column.table !== undefined && column.column !== undefined ? [...splitPath(column.table), column.column] : [column.name];
    candidates.push(...rulesForPath(rules, own, dialect, names));
    const entries = byPosition.get(index) ?? byName.get(column.name.toLowerCase()) ?? [];
    for (const entry of entries) {
      for (const source of entry.sources) {
        let path = splitPath(source);
        // A direct star source names this very column of the starred table.
        if (entry.direct && path[path.length - 1] === '*') path = [...path.slice(0, -1), column.column ?? column.name];
        const matched = rulesForPath(rules, path, dialect);
        if (matched.length > 0) {
          candidates.push(...matched);
          if (!entry.direct) derived = true;
        }
      }
    }
    return strictest(candidates, derived);
  });
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
