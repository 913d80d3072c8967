import { compileProgram, type Inst, Op } from './program.js';
import { parseRegex } from './parse.js';

/** Finds leftmost-longest, non-overlapping, non-empty matches and reports each [start, end). */
export type SpanFinder = (text: string, onMatch: (start: number, end: number) => void) => void;

/** Once a match is found, competing threads older than this are dropped: bounds the re-scan per match. */
export const MAX_CUSTOM_MATCH = 256;

interface ThreadList {
  pcs: Int32Array;
  starts: Int32Array;
  marks: Int32Array;
  count: number;
  generation: number;
}

/**
 * Compiles a policy regex into a Pike VM: all NFA threads advance together, one text character at
 * a time, so a search costs O(text × program) whatever the pattern — no backtracking, no ReDoS.
 * Threads are kept in order of start offset (leftmost wins; the longest end among those). After a
 * match is found, threads more than MAX_CUSTOM_MATCH characters old are dropped, so the work past a
 * match's end (re-scanned by the next search) is bounded and iterating over all matches stays
 * linear. With no live thread, a first-character table skips ahead.
 */
export function compileSafeRegex(detector: string, source: string): SpanFinder {
  const prog = compileProgram(detector, parseRegex(detector, source));
  const size = prog.length;
  const first = firstChars(prog);
  const newList = (): ThreadList => ({
    pcs: new Int32Array(size),
    starts: new Int32Array(size),
    marks: new Int32Array(size).fill(-1),
    count: 0,
    generation: 0,
  });
  const stack = new Int32Array(size * 2 + 2);

  return (text, onMatch) => {
    const n = text.length;
    let cur = newList();
    let next = newList();
    let generation = 0;

    // Adds pc and its epsilon closure at text offset `at` to `list`.
    const add = (list: ThreadList, pc0: number, start: number, at: number): void => {
      let sp = 0;
      stack[sp++] = pc0;
      while (sp > 0) {
        const pc = stack[--sp]!;
        if (list.marks[pc] === list.generation) continue;
        list.marks[pc] = list.generation;
        const inst = prog[pc]!;
        if (inst.op === Op.Jump) stack[sp++] = inst.x;
        else if (inst.op === Op.Split) {
          stack[sp++] = inst.y; // popped after x: x keeps priority
          stack[sp++] = inst.x;
        } else if (inst.op === Op.Assert) {
          if (assertHolds(inst.kind, text, at)) stack[sp++] = pc + 1;
        } else {
          list.pcs[list.count] = pc;
          list.starts[list.count++] = start;
        }
      }
    };

    const reset = (list: ThreadList): void => {
      list.count = 0;
      list.generation = ++generation;
    };

    let from = 0;
    while (from <= n) {
      reset(cur);
      let bestStart = -1;
      let bestEnd = -1;
      for (let i = from; i <= n; i++) {
        if (bestStart < 0) {
          if (cur.count === 0 && first !== null) {
            while (i < n && !first(text.charCodeAt(i))) i++;
            if (i >= n) break;
          }
          add(cur, 0, i, i); // the newest start has the lowest priority
        }
        if (cur.count === 0) break;
        reset(next);
        const c = i < n ? text.charCodeAt(i) : -1;
        for (let k = 0; k < cur.count; k++) {
          const start = cur.starts[k]!;
          if (bestStart >= 0 && start > bestStart) break;
          // Once a match is pending, only threads that can still beat it within the cap live on.
          if (bestStart >= 0 && i - start > MAX_CUSTOM_MATCH) continue;
          const inst = prog[cur.pcs[k]!]!;
          if (inst.op === Op.Match) {
            if (i > start && (bestStart < 0 || start < bestStart || i > bestEnd)) {
              bestStart = start;
              bestEnd = i;
            }
          } else if (inst.op === Op.Char && c >= 0 && inst.test(c)) add(next, cur.pcs[k]! + 1, start, i + 1);
        }
        [cur, next] = [next, cur];
      }
      if (bestStart < 0) return;
      onMatch(bestStart, bestEnd);
      from = bestEnd;
    }
  };
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function assertHolds(kind: 'start' | 'end' | 'word' | 'nonword', text: string, at: number): boolean {
  if (kind === 'start') return at === 0;
  if (kind === 'end') return at === text.length;
  const before = at > 0 && isWordCode(text.charCodeAt(at - 1));
  const after = at < text.length && isWordCode(text.charCodeAt(at));
  return (before !== after) === (kind === 'word');
}

/** A test for characters that can begin a match, or null when a match can begin anywhere (or be empty). */
function firstChars(prog: readonly Inst[]): ((c: number) => boolean) | null {
  const tests: ((c: number) => boolean)[] = [];
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const inst = prog[pc]!;
    if (inst.op === Op.Jump) stack.push(inst.x);
    else if (inst.op === Op.Split) stack.push(inst.x, inst.y);
    else if (inst.op === Op.Assert) stack.push(pc + 1);
    else if (inst.op === Op.Char) tests.push(inst.test);
    else return null;
  }
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) table[c] = tests.some((t) => t(c)) ? 1 : 0;
  return (c) => (c < 128 ? table[c] === 1 : tests.some((t) => t(c)));
}
