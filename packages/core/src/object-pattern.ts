import type { Dialect } from './dialect.js';

/**
 * How a pattern written with a schema segment (`*.*.users`, the dialect-neutral way) meets a name
 * that has none: MySQL `database.table`, MongoDB `database.collection`.
 *
 * - `broad`: the missing schema matches any single pattern segment (`*`, `public`, `p*`), and a name
 *   segment the classifier could not resolve (`?`, or a star source `*` in lineage) matches any pattern
 *   segment. For MongoDB a whole `*` after the first segment also covers a dotted collection name
 *   (`app.*` covers `app.system.profile`). Use it where matching more is the safe side: deny and
 *   review conditions, `unless` on allow rules, masks, row filters.
 * - `narrow`: the missing schema matches only a whole `*` (or is absorbed by `**`); `?` is just text.
 *   Use it where matching more would grant more: allow conditions, `unless` on deny/review rules.
 *   `*.public.users` does not allow MySQL `shop.users`; `*.*.users` does.
 *
 * In both modes the name also matches as it is written, so `shop.users`, `*.users` and `app.**`
 * work for two-part names too. Whether a name lacks the schema depends on the dialect, never on how
 * many dots it has (a MongoDB collection may be called `system.profile`).
 */
export const OBJECT_MATCH_MODES = ['broad', 'narrow'] as const;
export type ObjectMatchMode = (typeof OBJECT_MATCH_MODES)[number];

/** Dialects whose object names have no schema segment between the database and the object. */
export const SCHEMALESS_DIALECTS: readonly Dialect[] = ['mysql', 'mongodb'];

/** A compiled dotted-name glob: `*` is one segment or part of one, `**` any number of segments. */
export interface ObjectPattern {
  readonly source: string;
  readonly mode: ObjectMatchMode;
  /** Matches a dotted ObjectRef name (`db.schema.table`, `db.table`, `db.collection`) of `dialect`. */
  matches(name: string, dialect: Dialect): boolean;
  /** Matches a name already split into segments (a column path: table segments, column, fields…). */
  matchesSegments(segments: readonly string[], dialect: Dialect): boolean;
}

const enum SegmentKind {
  Literal,
  /** A whole `*`. */
  Star,
  /** `*` inside a segment (`*email*`, `user*`). */
  Partial,
  /** A whole `**`. */
  GlobStar,
}

interface PatternSegment {
  readonly kind: SegmentKind;
  /** Lower-cased segment text. */
  readonly text: string;
}

const SCHEMALESS = new Set<Dialect>(SCHEMALESS_DIALECTS);
/**
 * Stands for the missing schema in the name handed to the fast-path regex. Broad mode treats a real
 * name segment that is exactly this character as unresolved too (matching more is its safe side).
 */
const SLOT_MARK = '\u0001';
/** Longer names take the table walk, whose cost has no backtracking term. */
const MAX_REGEX_NAME = 256;
const REGEX_SPECIALS = /[\\^$+?.()|[\]{}]/g;
const NO_SLOT = -1;
/** The virtual schema sits right after the database segment. */
const SLOT_INDEX = 1;

function compileSegment(text: string): PatternSegment {
  const lower = text.toLowerCase();
  if (lower === '*') return { kind: SegmentKind.Star, text: lower };
  if (lower === '**') return { kind: SegmentKind.GlobStar, text: lower };
  // A malformed run of stars (`***`, rejected by objectPatternProblem) is one segment's wildcard.
  if (/^\*+$/.test(lower)) return { kind: SegmentKind.Star, text: '*' };
  return { kind: lower.includes('*') ? SegmentKind.Partial : SegmentKind.Literal, text: lower };
}

/**
 * Compiles a pattern once. Matching a name is then one precompiled regex test (two for a MySQL or
 * MongoDB name that misses as written) when the pattern cannot make the regex backtrack badly, and
 * otherwise, or for names over 256 characters, an O(pattern × name) table walk with no
 * backtracking: a hostile name (MongoDB allows 255-byte namespaces full of dots) cannot make
 * matching slow. Both paths give the same answers (tested). Object names are matched
 * case-insensitively: identifier case rules differ per dialect and quoting, and a deny rule must
 * not be bypassed by writing `USERS`.
 *
 * The pattern is not validated here (see objectPatternProblem): a malformed one matches literally.
 */
export function compileObjectPattern(pattern: string, mode: ObjectMatchMode): ObjectPattern {
  return new CompiledObjectPattern(pattern, mode);
}

interface FastRegexes {
  readonly plain: RegExp | undefined;
  readonly spanning: RegExp | undefined;
}

class CompiledObjectPattern implements ObjectPattern {
  readonly source: string;
  readonly mode: ObjectMatchMode;
  readonly #segments: readonly PatternSegment[];
  readonly #broad: boolean;
  /** The last segment when it is literal: most names fail on it, so it is checked before the table walk. */
  readonly #lastLiteral: string | undefined;
  /**
   * Scratch reused across calls (matching is synchronous): where each name segment starts and
   * ends in the lower-cased name, and two rows of the match table. No per-call split.
   */
  #starts = new Int32Array(8);
  #ends = new Int32Array(8);
  #below = new Uint8Array(16);
  #row = new Uint8Array(16);
  /**
   * The same semantics as one regex (irregexp is several times faster than any JS walk on short
   * names), built on first use of matches() and only when it cannot backtrack badly: at most one
   * segment that spans several name segments, at most two stars inside a segment. Undefined in a
   * slot: that form always takes the table walk.
   */
  #fast: FastRegexes | undefined;

  constructor(source: string, mode: ObjectMatchMode) {
    this.source = source;
    this.mode = mode;
    this.#segments = source.split('.').map(compileSegment);
    this.#broad = mode === 'broad';
    const last = this.#segments[this.#segments.length - 1]!;
    this.#lastLiteral = last.kind === SegmentKind.Literal ? last.text : undefined;
  }

  matches(name: string, dialect: Dialect): boolean {
    const fast = (this.#fast ??= {
      plain: fastRegex(this.#segments, this.#broad, false),
      // Broad MongoDB names: a whole `*` after the first segment spans a dotted collection name.
      spanning: this.#broad ? fastRegex(this.#segments, true, true) : undefined,
    });
    const regex = this.#broad && dialect === 'mongodb' ? fast.spanning : fast.plain;
    if (regex !== undefined && name.length <= MAX_REGEX_NAME) {
      if (regex.test(name)) return true;
      const dot = SCHEMALESS.has(dialect) ? name.indexOf('.') : -1;
      // The name with its missing schema marked: `shop.customers` → `shop.\u0001.customers`.
      return dot >= 0 && regex.test(`${name.slice(0, dot)}.${SLOT_MARK}${name.slice(dot)}`);
    }
    return this.#matchByTable(name, dialect);
  }

  #matchByTable(name: string, dialect: Dialect): boolean {
    const lower = name.toLowerCase();
    let count = 0;
    let from = 0;
    for (;;) {
      const dot = lower.indexOf('.', from);
      const end = dot < 0 ? lower.length : dot;
      this.#push(count++, from, end);
      if (dot < 0) break;
      from = dot + 1;
    }
    return this.#match(lower, count, dialect);
  }

  matchesSegments(segments: readonly string[], dialect: Dialect): boolean {
    // Joined only to reuse one representation; the boundaries come from the segments, so a segment
    // that contains a dot (a MongoDB field name) stays one segment.
    const lower = segments.join('.').toLowerCase();
    let from = 0;
    for (let i = 0; i < segments.length; i++) {
      const end = from + segments[i]!.length;
      this.#push(i, from, end);
      from = end + 1;
    }
    if (lower.length !== Math.max(0, from - 1)) return this.#matchUnevenCase(segments, dialect);
    return this.#match(lower, segments.length, dialect);
  }

  /** Lower-casing changed a length (rare non-ASCII letters): lower-case per segment instead. */
  #matchUnevenCase(segments: readonly string[], dialect: Dialect): boolean {
    const lowered = segments.map((segment) => segment.toLowerCase());
    let from = 0;
    for (let i = 0; i < lowered.length; i++) {
      const end = from + lowered[i]!.length;
      this.#push(i, from, end);
      from = end + 1;
    }
    return this.#match(lowered.join('.'), lowered.length, dialect);
  }

  #push(index: number, start: number, end: number): void {
    if (index >= this.#starts.length) {
      const starts = new Int32Array(this.#starts.length * 2);
      const ends = new Int32Array(this.#starts.length * 2);
      starts.set(this.#starts);
      ends.set(this.#ends);
      this.#starts = starts;
      this.#ends = ends;
    }
    this.#starts[index] = start;
    this.#ends[index] = end;
  }

  /**
   * table[i][j] = pattern segments i… match name segments j…; computed bottom-up, one row per
   * pattern segment. For schemaless dialects the name gets a virtual schema segment at index 1 that
   * may be skipped (the name as written) or matched (the name with its schema filled in).
   */
  #match(name: string, count: number, dialect: Dialect): boolean {
    if (count === 0) return false;
    // A literal last pattern segment always meets the last name segment (the slot is never last).
    if (this.#lastLiteral !== undefined && !this.#literalMatches(this.#lastLiteral, name, count - 1)) return false;
    const slot = count >= 2 && SCHEMALESS.has(dialect) ? SLOT_INDEX : NO_SLOT;
    const length = count + (slot === NO_SLOT ? 0 : 1);
    const spanning = this.#broad && dialect === 'mongodb';
    this.#ensureRows(length + 1);
    let below = this.#below;
    let row = this.#row;
    // No pattern left: only the end of the name, or a skippable slot before it, matches.
    below[length] = 1;
    for (let j = length - 1; j >= 0; j--) below[j] = j === slot ? below[j + 1]! : 0;
    const segments = this.#segments;
    for (let i = segments.length - 1; i >= 0; i--) {
      const segment = segments[i]!;
      for (let j = length; j >= 0; j--) {
        let matched = j === slot && row[j + 1] === 1;
        if (!matched) {
          if (segment.kind === SegmentKind.GlobStar) {
            matched = below[j] === 1 || (j < length && row[j + 1] === 1);
          } else if (j < length && this.#segmentMatches(segment, name, slot !== NO_SLOT && j >= slot ? j - 1 : j, j === slot)) {
            // A spanning star keeps consuming segments of a dotted MongoDB collection name.
            matched = below[j + 1] === 1 || (spanning && segment.kind === SegmentKind.Star && i >= 1 && row[j + 1] === 1);
          }
        }
        row[j] = matched ? 1 : 0;
      }
      const done = below;
      below = row;
      row = done;
    }
    return below[0] === 1;
  }

  /** Pattern segment against name segment `index`, or against the missing schema. */
  #segmentMatches(segment: PatternSegment, name: string, index: number, isSlot: boolean): boolean {
    if (isSlot) return this.#broad || segment.kind === SegmentKind.Star;
    switch (segment.kind) {
      case SegmentKind.Star:
        return true;
      case SegmentKind.Literal:
        return this.#literalMatches(segment.text, name, index);
      default:
        return wildcardMatch(segment.text, name, this.#starts[index]!, this.#ends[index]!) || this.#unresolved(name, index);
    }
  }

  #literalMatches(text: string, name: string, index: number): boolean {
    const start = this.#starts[index]!;
    const end = this.#ends[index]!;
    if (end - start === text.length && name.startsWith(text, start)) return true;
    return this.#unresolved(name, index);
  }

  /** Broad mode: a name segment the classifier could not resolve (`?`, a star source `*`) matches anything. */
  #unresolved(name: string, index: number): boolean {
    if (!this.#broad) return false;
    const start = this.#starts[index]!;
    if (this.#ends[index]! - start !== 1) return false;
    const code = name.charCodeAt(start);
    return code === QUESTION_MARK || code === ASTERISK || code === SLOT_MARK_CODE;
  }

  #ensureRows(size: number): void {
    if (this.#below.length >= size) return;
    this.#below = new Uint8Array(size * 2);
    this.#row = new Uint8Array(size * 2);
  }
}

const QUESTION_MARK = 0x3f;
const ASTERISK = 0x2a;
const SLOT_MARK_CODE = SLOT_MARK.charCodeAt(0);

/** The regex form of a pattern (see CompiledObjectPattern.#fast), or undefined when it could backtrack. */
function fastRegex(segments: readonly PatternSegment[], broad: boolean, spanning: boolean): RegExp | undefined {
  let multi = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === SegmentKind.GlobStar || (spanning && segment.kind === SegmentKind.Star && i >= 1)) multi++;
    if (segment.kind === SegmentKind.Partial && segment.text.split('*').length > 3) return undefined;
  }
  if (multi > 1) return undefined;
  if (segments.length === 1 && segments[0]!.kind === SegmentKind.GlobStar) return /^[\s\S]*$/;
  let source = '^';
  segments.forEach((segment, index) => {
    if (segment.kind === SegmentKind.GlobStar) {
      // Leading: zero or more "seg." prefixes; elsewhere: zero or more ".seg" continuations.
      source += index === 0 ? '(?:[^.]*\\.)*' : '(?:\\.[^.]*)*';
      return;
    }
    if (index > 0 && segments[index - 1]!.kind !== SegmentKind.GlobStar) source += '\\.';
    else if (index > 1) source += '\\.';
    source += segmentRegex(segment, broad, spanning && index >= 1);
  });
  return new RegExp(`${source}$`, 'i');
}

function segmentRegex(segment: PatternSegment, broad: boolean, spanning: boolean): string {
  if (segment.kind === SegmentKind.Star) return spanning ? '[^.]*(?:\\.[^.]*)*' : '[^.]*';
  const own = segment.text.replace(REGEX_SPECIALS, '\\$&').replace(/\*/g, '[^.]*');
  return broad ? `(?:[?*${SLOT_MARK}]|${own})` : own;
}

/**
 * `*` is any run of characters; everything else is literal. Matches `text` (or its slice
 * [start, end)) as given: lower-case both sides for a case-insensitive match. Iterative with one
 * backtrack point, O(n·m) at worst, so `*a*a*a*b` stays fast on long input (a regex would backtrack).
 */
export function wildcardMatch(pattern: string, text: string, start = 0, end = text.length): boolean {
  let p = 0;
  let t = start;
  let star = -1;
  let mark = start;
  while (t < end) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Why a pattern is malformed, or undefined when it is fine. */
export function objectPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'an empty pattern matches nothing; write a glob such as "*.*.users"';
  if (pattern.split('.').some((segment) => segment.length === 0)) {
    return `pattern "${pattern}" has an empty segment; segments are separated by single dots`;
  }
  if (/\*\*\*|[^.]\*\*|\*\*[^.]/.test(pattern)) {
    return `"**" must be a whole segment in "${pattern}" (write "a.**.b"); use "*" inside a segment`;
  }
  return undefined;
}
