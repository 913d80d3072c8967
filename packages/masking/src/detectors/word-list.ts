import type { Detector, DetectorMatch } from './types.js';

interface Node {
  next: Map<number, Node>;
  fail: Node | null;
  /** Lengths of the words ending here (own and via failure links). */
  out: number[];
}

/**
 * A word-list detector: Aho-Corasick over case-folded text, so the scan is linear in the text plus
 * the matches whatever the list size. A hit counts only on word boundaries (`Falcon` matches in
 * "Project Falcon." but not in "Falconry"). Words may contain spaces ("project falcon").
 */
export function wordListDetector(name: string, words: readonly string[]): Detector {
  const root: Node = { next: new Map(), fail: null, out: [] };
  for (const raw of words) {
    const word = raw.trim().toLowerCase();
    if (word.length === 0) continue;
    let node = root;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      let child = node.next.get(c);
      if (!child) {
        child = { next: new Map(), fail: null, out: [] };
        node.next.set(c, child);
      }
      node = child;
    }
    if (!node.out.includes(word.length)) node.out.push(word.length);
  }
  // Breadth-first failure links.
  const queue: Node[] = [];
  for (const child of root.next.values()) {
    child.fail = root;
    queue.push(child);
  }
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    for (const [c, child] of node.next) {
      let f = node.fail;
      while (f !== null && !f.next.has(c)) f = f.fail;
      child.fail = f === null ? root : (f.next.get(c) ?? root);
      for (const len of child.fail.out) if (!child.out.includes(len)) child.out.push(len);
      queue.push(child);
    }
  }

  return {
    name,
    optIn: false,
    find(text: string, out: DetectorMatch[]): void {
      let node = root;
      for (let i = 0; i < text.length; i++) {
        const c = fold(text.charCodeAt(i));
        while (node !== root && !node.next.has(c)) node = node.fail ?? root;
        node = node.next.get(c) ?? root;
        for (const len of node.out) {
          const start = i + 1 - len;
          if (isBoundary(text, start - 1) && isBoundary(text, i + 1)) out.push({ start, end: i + 1, detector: name });
        }
      }
    },
  };
}

function fold(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** True when the character at `index` is not a letter/digit/underscore (or is outside the text). */
function isBoundary(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return true;
  const c = text.charCodeAt(index);
  if (c < 128) return !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95);
  return !/[\p{L}\p{N}]/u.test(String.fromCharCode(c));
}
