import type { Dialect } from '@gatehouse/core';
import { builtinDetector, isBuiltinDetector, BUILTIN_DETECTORS, type BuiltinDetectorOptions } from '../detectors/builtin.js';
import { createScanner, type Scanner } from '../detectors/scan.js';
import { MaskPlanError } from '../errors.js';
import { redactKeyDetails, redactQuotedFragments } from './quoted.js';
import { literalRedactorFor, type LiteralRedactor } from './sql-literals.js';

export interface RedactTextOptions {
  /** Lexes literals as this dialect does; without it (or for mongodb) a generic regex is used. */
  readonly dialect?: Dialect;
  /** Built-in detectors to run. Default: all except the opt-in high_entropy. */
  readonly detectors?: readonly string[];
  /** Replaces the dialect's literal redactor (tests, other front ends). */
  readonly literalRedactor?: LiteralRedactor;
  /** Redact the contents of "…" and '…' fragments. Default true; turn off for statement text. */
  readonly quotedFragments?: boolean;
  /** What a detected value becomes. Default `****`. */
  readonly replacement?: string;
  readonly detectorOptions?: BuiltinDetectorOptions;
}

const DEFAULT_NAMES = BUILTIN_DETECTORS.filter((n) => n !== 'high_entropy');
const scanners = new Map<string, Scanner>();

function scannerFor(names: readonly string[], options: BuiltinDetectorOptions | undefined): Scanner {
  const key = names.join(',');
  const cached = options === undefined ? scanners.get(key) : undefined;
  if (cached) return cached;
  const detectors = names.map((name) => {
    if (!isBuiltinDetector(name)) throw new MaskPlanError(`redactText: unknown detector "${name}".`);
    return builtinDetector(name, options);
  });
  const scanner = createScanner(detectors);
  if (options === undefined) scanners.set(key, scanner);
  return scanner;
}

/**
 * Redacts free text from a server or a client — error messages, notices, logs, statement text —
 * before it reaches a client, a log or the audit trail:
 *   1. detected PII and secrets (on the raw text, where detection is most reliable);
 *   2. PostgreSQL `Key (col)=(value)` details;
 *   3. literals, lexed as the dialect lexes them (strings, numbers, comment bodies → `?`);
 *   4. the contents of quoted fragments, which is where servers echo offending values.
 * Over-redaction is the accepted failure; apostrophes inside words are recognised as prose.
 */
export function redactText(text: string, options: RedactTextOptions = {}): string {
  if (text.length === 0) return text;
  const scanner = scannerFor(options.detectors ?? DEFAULT_NAMES, options.detectorOptions);
  const replacement = options.replacement ?? '****';
  let out = text;
  const matches = scanner(out);
  if (matches.length > 0) {
    let s = '';
    let last = 0;
    for (const m of matches) {
      s += out.slice(last, m.start) + replacement;
      last = m.end;
    }
    out = s + out.slice(last);
  }
  out = redactKeyDetails(out);
  // An apostrophe between two letters is prose ("doesn't", "O'Brien"), not the start of a string:
  // held aside while literals and quotes are redacted, so it neither hides the rest of the line
  // nor splits a quoted value in two.
  const protect = !out.includes(PROSE_APOSTROPHE) && INTRA_WORD_APOSTROPHE.test(out);
  if (protect) out = out.replace(INTRA_WORD_APOSTROPHE_ALL, PROSE_APOSTROPHE);
  out = (options.literalRedactor ?? literalRedactorFor(options.dialect))(out);
  if (options.quotedFragments !== false) out = redactQuotedFragments(out);
  if (protect) out = out.replaceAll(PROSE_APOSTROPHE, "'");
  return out;
}

/** A private-use character stands in for prose apostrophes while quotes are interpreted. */
const PROSE_APOSTROPHE = '\uE000';
const INTRA_WORD_APOSTROPHE = /(?<=\p{L})'(?=\p{L})/u;
const INTRA_WORD_APOSTROPHE_ALL = /(?<=\p{L})'(?=\p{L})/gu;
