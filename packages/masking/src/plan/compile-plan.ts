import type { Dialect, MaskPlan, MaskPlanInput, MaskStats, ResultColumn, ValueRepresentation } from '@gatehouse/core';
import type { DetectorMatch } from '../detectors/types.js';
import { MaskingError } from '../errors.js';
import { type BytesMasker, compileBytesStrategy, compileStrategy, type StringMasker } from '../strategies/strategy.js';
import { compileDetectorSet, type DetectorSet } from './detector-set.js';
import { JSON_FAIL, maskJsonSpans } from './json-text.js';
import type { MaskPlanOptions, StandIn } from './options.js';
import { compileRules, type CompiledRule, resolveColumnRules, type ResolvedRule, rulesForPath, strictest } from './resolve-rules.js';
import { splitPath } from './glob.js';

/** What one masked column gets, for explain output and tests. */
export interface ColumnPlan {
  readonly index: number;
  readonly name: string;
  /** The column rule that applies, if any (strictest of all matches). */
  readonly rule?: ResolvedRule;
  /** Content detectors run on its text values. */
  readonly detectors: boolean;
  /** Nested field rules are checked inside documents / JSON values. */
  readonly nested: boolean;
}

export interface CompiledMaskPlan extends MaskPlan {
  readonly columnPlans: readonly ColumnPlan[];
}

const NULLED = Symbol('nulled');
const MAX_DEPTH = 100;
const MAX_PATH_CACHE = 10_000;

/**
 * Compiles a mask plan for one result set: column rules (globs, name patterns, lineage) are
 * resolved here, once; applying the plan to a value is a table lookup plus the strategy itself.
 */
export function compileMaskPlan(input: MaskPlanInput, options: MaskPlanOptions = {}): CompiledMaskPlan {
  const { obligation, columns } = input;
  const rules = compileRules(obligation.columns);
  const resolved = resolveColumnRules(columns, rules, input.dialect, input.lineage);
  const detectorSet = compileDetectorSet(obligation.detectors, obligation.customDetectors, options);
  const strict = obligation.failure === 'strict';
  const stats = new Stats();
  const handlers: (ColumnHandler | undefined)[] = [];
  const columnPlans: ColumnPlan[] = [];
  columns.forEach((column, index) => {
    const rule = resolved[index];
    const structured = column.typeClass === 'json' || column.typeClass === 'other';
    const detectors = !rule && detectorSet !== undefined && (column.typeClass === 'text' || column.typeClass === 'json');
    const nested = !rule && structured && rules.length > 0;
    if (!rule && !detectors && !nested) return;
    const ctx: ColumnContext = {
      column,
      strict,
      stats,
      standIn: options.standIns?.[column.typeClass],
      options,
      ...(rule ? { rule, ruleMask: compileStrategy(rule.strategy, options, rule.rule) } : {}),
      ...(detectors ? { detectorSet } : {}),
      ...(nested ? { rules, basePath: ownPath(column), dialect: input.dialect } : {}),
    };
    handlers[index] = new ColumnHandler(ctx);
    columnPlans.push({ index, name: column.name, ...(rule ? { rule } : {}), detectors, nested });
  });
  return new Plan(handlers, columnPlans, stats);
}

function ownPath(column: ResultColumn): string[] {
  return column.table !== undefined ? [...splitPath(column.table), column.column ?? column.name] : [column.column ?? column.name];
}

class Stats {
  masked = 0;
  private readonly cells = new Map<string, RuleCount>();

  /** The counter of one rule, made on first use; a column keeps its rule's so counting skips the lookup. */
  cell(rule: string): RuleCount {
    let cell = this.cells.get(rule);
    if (cell === undefined) this.cells.set(rule, (cell = { n: 0 }));
    return cell;
  }

  count(rule: string): void {
    this.masked++;
    this.cell(rule).n++;
  }

  /** Values masked per rule; rules whose counter exists but never counted are left out. */
  byRule(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [rule, cell] of this.cells) if (cell.n > 0) out[rule] = cell.n;
    return out;
  }
}

interface RuleCount {
  n: number;
}

interface ColumnContext {
  readonly column: ResultColumn;
  readonly strict: boolean;
  readonly stats: Stats;
  readonly standIn: StandIn | undefined;
  readonly options: MaskPlanOptions;
  readonly rule?: ResolvedRule;
  readonly ruleMask?: StringMasker;
  readonly detectorSet?: DetectorSet;
  readonly rules?: readonly CompiledRule[];
  readonly basePath?: readonly string[];
  /** Whose naming the nested paths follow (MySQL and MongoDB paths have no schema). */
  readonly dialect?: Dialect;
}

/** Per-column masking, specialised at compile time by what the column needs. */
class ColumnHandler {
  private readonly isText: boolean;
  private readonly isJson: boolean;
  /** Bytes for a constant mask (redact on text, or a text stand-in), encoded once. */
  private readonly constantBytes: Uint8Array | null | undefined;
  private readonly constantText: string | null | undefined;
  /** The rule's strategy on bytes (text columns, hash / format-preserving): no decode or re-encode. */
  private readonly ruleBytes: BytesMasker | undefined;
  private readonly ruleCount: RuleCount | undefined;
  private readonly pathRules = new Map<string, ResolvedRule | null>();
  private readonly leafMaskers = new Map<ResolvedRule, StringMasker>();

  constructor(private readonly ctx: ColumnContext) {
    this.isText = ctx.column.typeClass === 'text';
    this.isJson = ctx.column.typeClass === 'json';
    if (ctx.rule && (!this.isText || ctx.rule.strategy.kind === 'redact' || ctx.rule.strategy.kind === 'null')) {
      // The result does not depend on the value: compute it once.
      if (this.isText) this.constantText = ctx.rule.strategy.kind === 'null' ? null : this.fromRule('');
      if (this.constantText !== undefined) {
        this.constantBytes = this.constantText === null ? null : Buffer.from(this.constantText, 'utf8');
      }
    }
    if (ctx.rule && this.isText) this.ruleBytes = compileBytesStrategy(ctx.rule.strategy, ctx.options, ctx.rule.rule);
    if (this.ruleBytes !== undefined) this.ruleCount = ctx.stats.cell(ctx.rule!.rule);
  }

  /** Text representation: string in, string out (null = SQL NULL). */
  text(value: string): string | null {
    const { ctx } = this;
    if (this.constantText !== undefined) {
      if (this.constantText === null) this.nullOrThrow(); // a NOT NULL column in strict mode throws
      ctx.stats.count(ctx.rule!.rule);
      return this.constantText;
    }
    if (ctx.rule) {
      if (!this.isText) return this.nulled(ctx.rule.rule, true) as string | null;
      ctx.stats.count(ctx.rule.rule);
      return this.fromRule(value);
    }
    if (ctx.detectorSet) return this.detect(value, this.isJson);
    return value;
  }

  bytes(value: Uint8Array): Uint8Array | null {
    if (this.constantBytes !== undefined) {
      if (this.constantBytes === null) this.nullOrThrow();
      this.ctx.stats.count(this.ctx.rule!.rule);
      return this.constantBytes;
    }
    if (this.ruleBytes !== undefined) {
      const masked = this.ruleBytes(value);
      if (masked !== undefined) {
        this.ctx.stats.masked++;
        this.ruleCount!.n++;
        // ASCII out: the column's character limit is a byte limit.
        const max = this.ctx.column.maxLength;
        return max !== undefined && max >= 0 && masked.length > max ? masked.subarray(0, max) : masked;
      }
    }
    const input = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    const out = this.text(input);
    if (out === input) return value;
    return out === null ? null : Buffer.from(out, 'utf8');
  }

  typed(value: unknown): unknown {
    if (value === null || value === undefined) return value;
    const { ctx } = this;
    try {
      if (ctx.rule) {
        if (!this.isText) return this.nulled(ctx.rule.rule, false);
        if (value instanceof Uint8Array) return this.bytes(value);
        const s = leafToString(value);
        if (s === undefined) return this.fail('its value is not text');
        ctx.stats.count(ctx.rule.rule);
        return this.fromRule(s);
      }
      if (typeof value === 'string') return ctx.detectorSet ? this.detect(value, this.isJson) : value;
      if (value instanceof Uint8Array) return this.isText || this.isJson ? this.bytes(value) : value;
      if (typeof value === 'object') return this.walk(value, ctx.basePath ?? [ctx.column.name], 0, undefined);
      return value;
    } catch (error) {
      if (error instanceof MaskingError) throw error;
      return this.fail('masking it failed', error);
    }
  }

  private fromRule(value: string): string | null {
    const masked = this.ctx.ruleMask!(value);
    return masked === null ? this.nullOrThrow() : this.truncate(masked);
  }

  /** Detectors over one text value; spans are replaced by their detector's strategy. */
  private detect(value: string, json: boolean): string | null {
    const set = this.ctx.detectorSet!;
    const matches = set.scanner(value);
    if (matches.length === 0) return value;
    const rulesHit = new Set<string>();
    const maskSpan = (m: DetectorMatch, span: string): string | null => {
      const masker = set.maskers.get(m.detector)!;
      rulesHit.add(masker.rule);
      return masker.mask(span);
    };
    let result: string | typeof NULLED;
    if (json) {
      const masked = maskJsonSpans(value, matches, maskSpan);
      if (masked === JSON_FAIL) return this.fail('a detected value in its JSON could not be masked in place');
      result = masked;
    } else {
      result = replaceSpans(value, matches, maskSpan);
    }
    for (const rule of rulesHit) this.ctx.stats.cell(rule).n++;
    this.ctx.stats.masked++;
    return result === NULLED ? this.nullOrThrow() : this.truncate(result);
  }

  /** Documents and arrays: field-path rules and detectors on string leaves; copy-on-write. */
  private walk(value: unknown, path: readonly string[], depth: number, forced: ResolvedRule | undefined): unknown {
    if (depth > MAX_DEPTH) throw new MaskingError(this.ctx.column.name, `it nests deeper than ${MAX_DEPTH} levels`);
    const rule = forced ?? (depth > 0 ? this.ruleForPath(path) : undefined);
    if (value === null || value === undefined) return value;
    if (typeof value === 'string') {
      if (rule) {
        this.ctx.stats.count(rule.rule);
        const masked = this.leafMasker(rule)(value);
        return masked;
      }
      return this.ctx.detectorSet ? this.detectLeaf(value) : value;
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        const m = this.walk(v, path, depth + 1, rule);
        if (m !== v) (copy ??= value.slice())[i] = m;
      }
      return copy ?? value;
    }
    if (isPlainObject(value)) {
      let copy: Record<string, unknown> | undefined;
      for (const key of Object.keys(value)) {
        const v = value[key];
        const m = this.walk(v, [...path, key], depth + 1, rule);
        if (m !== v) (copy ??= { ...value })[key] = m;
      }
      return copy ?? value;
    }
    // Numbers, dates, ObjectIds, binaries …: a string would break the client's types, so NULL.
    if (rule) {
      this.ctx.stats.count(rule.rule);
      return null;
    }
    return value;
  }

  private detectLeaf(value: string): string | null {
    const set = this.ctx.detectorSet!;
    const matches = set.scanner(value);
    if (matches.length === 0) return value;
    this.ctx.stats.masked++;
    const result = replaceSpans(value, matches, (m, span) => {
      const masker = set.maskers.get(m.detector)!;
      this.ctx.stats.cell(masker.rule).n++;
      return masker.mask(span);
    });
    return result === NULLED ? null : result;
  }

  private leafMasker(rule: ResolvedRule): StringMasker {
    if (rule === this.ctx.rule && this.ctx.ruleMask) return this.ctx.ruleMask;
    let mask = this.leafMaskers.get(rule);
    if (!mask) this.leafMaskers.set(rule, (mask = compileStrategy(rule.strategy, this.ctx.options, rule.rule)));
    return mask;
  }

  private ruleForPath(path: readonly string[]): ResolvedRule | undefined {
    const { rules, dialect } = this.ctx;
    if (!rules || !dialect) return undefined;
    const key = path.join('\u0000');
    let rule = this.pathRules.get(key);
    if (rule === undefined) {
      rule = strictest(rulesForPath(rules, path, dialect), false) ?? null;
      if (this.pathRules.size < MAX_PATH_CACHE) this.pathRules.set(key, rule);
    }
    return rule ?? undefined;
  }

  private truncate(s: string): string {
    const max = this.ctx.column.maxLength;
    return max !== undefined && max >= 0 && s.length > max ? s.slice(0, max) : s;
  }

  /** The value must become NULL: a stand-in if configured, else NULL unless NOT NULL in strict mode. */
  private nullOrThrow(): null {
    const { column, strict } = this.ctx;
    if (strict && column.nullable === false && !this.ctx.standIn) {
      throw new MaskingError(column.name, 'it is declared NOT NULL and masking makes it NULL (configure a stand-in for its type)');
    }
    return null;
  }

  /** A non-text column masked by rule: the stand-in, else NULL. */
  private nulled(rule: string, text: boolean): unknown {
    this.ctx.stats.count(rule);
    const standIn = this.ctx.standIn;
    if (standIn) return text ? standIn.text : standIn.value;
    return this.nullOrThrow();
  }

  /** strict: throw; best-effort: NULL. Never the unmasked value. */
  private fail(reason: string, cause?: unknown): null {
    if (this.ctx.strict) throw new MaskingError(this.ctx.column.name, reason, cause === undefined ? undefined : { cause });
    this.ctx.stats.masked++;
    return null;
  }
}

function replaceSpans(
  value: string,
  matches: readonly DetectorMatch[],
  maskSpan: (m: DetectorMatch, span: string) => string | null,
): string | typeof NULLED {
  let out = '';
  let last = 0;
  for (const m of matches) {
    const mask = maskSpan(m, value.slice(m.start, m.end));
    if (mask === null) return NULLED;
    out += value.slice(last, m.start) + mask;
    last = m.end;
  }
  return out + value.slice(last);
}

function leafToString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return value instanceof Date ? value.toISOString() : undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

class Plan implements CompiledMaskPlan {
  readonly active: boolean;
  readonly maskedColumns: readonly number[];

  constructor(
    private readonly handlers: readonly (ColumnHandler | undefined)[],
    readonly columnPlans: readonly ColumnPlan[],
    private readonly counters: Stats,
  ) {
    this.maskedColumns = columnPlans.map((c) => c.index);
    this.active = this.maskedColumns.length > 0;
  }

  get maskedCount(): number {
    return this.counters.masked;
  }

  stats(): MaskStats {
    return { maskedValues: this.counters.masked, byRule: this.counters.byRule() };
  }

  maskTextValue(columnIndex: number, value: Uint8Array | null): Uint8Array | null;
  maskTextValue(columnIndex: number, value: string | null): string | null;
  maskTextValue(columnIndex: number, value: Uint8Array | string | null): Uint8Array | string | null {
    const handler = this.handlers[columnIndex];
    if (handler === undefined || value === null) return value;
    return typeof value === 'string' ? handler.text(value) : handler.bytes(value);
  }

  maskTypedValue(columnIndex: number, value: unknown): unknown {
    const handler = this.handlers[columnIndex];
    return handler === undefined ? value : handler.typed(value);
  }

  maskRow<T extends unknown[]>(values: T, representation: ValueRepresentation = 'typed'): T {
    for (const index of this.maskedColumns) {
      const v: unknown = values[index];
      if (v === null || v === undefined) continue;
      values[index] =
        representation === 'text' && (typeof v === 'string' || v instanceof Uint8Array)
          ? this.maskTextValue(index, v as string)
          : this.maskTypedValue(index, v);
    }
    return values;
  }
}
