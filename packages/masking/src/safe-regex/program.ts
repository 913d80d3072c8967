import { CustomDetectorError } from '../errors.js';
import type { CharTest, ParsedRegex, RegexNode } from './parse.js';

export const enum Op {
  Char,
  Split,
  Jump,
  Assert,
  Match,
}

export type Inst =
  | { op: Op.Char; test: CharTest }
  | { op: Op.Split; x: number; y: number }
  | { op: Op.Jump; x: number }
  | { op: Op.Assert; kind: 'start' | 'end' | 'word' | 'nonword' }
  | { op: Op.Match };

export const MAX_PROGRAM = 20_000;

/** Compiles a parsed regex to a Thompson NFA program (Pike VM instructions). Counted repeats are unrolled. */
export function compileProgram(detector: string, parsed: ParsedRegex): Inst[] {
  const prog: Inst[] = [];
  const fold = parsed.ignoreCase;
  const emit = (inst: Inst): number => {
    if (prog.length >= MAX_PROGRAM) {
      throw new CustomDetectorError(detector, `the regex expands to more than ${MAX_PROGRAM} states; use smaller repeat counts.`);
    }
    prog.push(inst);
    return prog.length - 1;
  };
  const gen = (node: RegexNode): void => {
    switch (node.t) {
      case 'char':
        emit({ op: Op.Char, test: fold ? caseless(node.test) : node.test });
        return;
      case 'assert':
        emit({ op: Op.Assert, kind: node.kind });
        return;
      case 'cat':
        for (const item of node.items) gen(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.alts.forEach((alt, i) => {
          if (i < node.alts.length - 1) {
            const split = emit({ op: Op.Split, x: 0, y: 0 });
            (prog[split] as { x: number }).x = prog.length;
            gen(alt);
            jumps.push(emit({ op: Op.Jump, x: 0 }));
            (prog[split] as { y: number }).y = prog.length;
          } else gen(alt);
        });
        for (const j of jumps) (prog[j] as { x: number }).x = prog.length;
        return;
      }
      case 'rep': {
        for (let i = 0; i < node.min; i++) gen(node.node);
        if (node.max < 0) {
          // x*: L: split body, out; body; jump L
          const split = emit({ op: Op.Split, x: 0, y: 0 });
          (prog[split] as { x: number }).x = prog.length;
          gen(node.node);
          emit({ op: Op.Jump, x: split });
          (prog[split] as { y: number }).y = prog.length;
        } else {
          const splits: number[] = [];
          for (let i = node.min; i < node.max; i++) {
            const split = emit({ op: Op.Split, x: 0, y: 0 });
            (prog[split] as { x: number }).x = prog.length;
            splits.push(split);
            gen(node.node);
          }
          for (const s of splits) (prog[s] as { y: number }).y = prog.length;
        }
        return;
      }
    }
  };
  gen(parsed.node);
  emit({ op: Op.Match });
  return prog;
}

function caseless(test: CharTest): CharTest {
  return (c) => {
    if (test(c)) return true;
    if (c >= 65 && c <= 90) return test(c + 32);
    if (c >= 97 && c <= 122) return test(c - 32);
    if (c > 127) {
      const s = String.fromCharCode(c);
      const lower = s.toLowerCase();
      const upper = s.toUpperCase();
      return (lower.length === 1 && test(lower.charCodeAt(0))) || (upper.length === 1 && test(upper.charCodeAt(0)));
    }
    return false;
  };
}
