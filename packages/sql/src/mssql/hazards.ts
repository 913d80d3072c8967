import type { Flag } from '@gatehouse/core';
import { SIDE_EFFECT_ROUTINES } from './side-effects.js';
import type { TokenView } from './token-view.js';

/** Side effects found in a statement's tokens: the category they force and their flags. */
export interface Hazards {
  readonly category: 'admin' | 'write' | undefined;
  readonly flags: readonly Flag[];
}

export const NO_HAZARDS: Hazards = { category: undefined, flags: [] };

/**
 * Finds calls to side-effect routines (a word from the table followed by `(`, or named after
 * EXEC), OPENROWSET(BULK …) file reads, and NEXT VALUE FOR (advances a sequence: a write).
 * Lexical, so it also works where the parser gives up.
 */
export function findHazards(view: TokenView, from: number, to: number): Hazards {
  let category: 'admin' | 'write' | undefined;
  const flags = new Set<Flag>();
  for (let k = from; k < to; k++) {
    const token = view.token(k);
    if (token.kind !== 'word' && token.kind !== 'quoted-ident') continue;
    const name = token.value!.toLowerCase();
    const routine = SIDE_EFFECT_ROUTINES.get(name);
    if (routine && (view.punct(k + 1) === '(' || isExecuted(view, k))) {
      flags.add('side-effect-function');
      if (routine.fileAccess) flags.add('file-access');
      // OPENROWSET(BULK 'file', …) reads a file; every other form runs a query elsewhere.
      if (name === 'openrowset' && view.word(k + 2) === 'BULK') flags.add('file-access');
      else if (routine.dynamic) flags.add('dynamic');
      category = routine.category === 'admin' || category === 'admin' ? 'admin' : 'write';
    } else if (name === 'next' && view.word(k + 1) === 'VALUE' && view.word(k + 2) === 'FOR') {
      flags.add('side-effect-function');
      category = category ?? 'write';
    }
  }
  return flags.size === 0 ? NO_HAZARDS : { category, flags: [...flags] };
}

/** `EXEC master.sys.xp_cmdshell`: the routine is the last part of a name that follows EXEC. */
function isExecuted(view: TokenView, k: number): boolean {
  let j = k - 1;
  // Walk back over `part.` pairs (and the empty part of `db..proc`).
  while (j >= 1 && view.punct(j) === '.') {
    j--;
    if (view.punct(j) === '.') continue;
    const kind = view.token(j).kind;
    if (kind !== 'word' && kind !== 'quoted-ident') return false;
    j--;
  }
  if (j >= 2 && view.punct(j) === '=' && view.token(j - 1).kind === 'variable') return isExecWord(view.word(j - 2));
  return isExecWord(view.word(j));
}

function isExecWord(word: string): boolean {
  return word === 'EXEC' || word === 'EXECUTE';
}
