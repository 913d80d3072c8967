import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { LocatedProblem } from '@gatehouse/core';

/** A parsed YAML file that can point at the node behind any data path. */
export interface YamlSource {
  readonly file: string;
  /** The plain data, or undefined when the text had syntax errors. */
  readonly data: unknown;
  /** YAML syntax problems, located; empty when the text parsed. */
  readonly syntaxProblems: readonly LocatedProblem[];
  /** Problem location for the node at `path`: the value, or its key when `at` is 'key'. */
  locate(path: readonly PropertyKey[], at?: 'key' | 'value'): { line: number; column: number };
  /** True when the map at `path` has the key, so a missing key can be told from a bad value. */
  has(path: readonly PropertyKey[]): boolean;
}

interface Found {
  readonly node: Node | null;
  readonly keyNode: Node | null;
  /** The whole path was found (not just a prefix). */
  readonly complete: boolean;
}

function child(node: Node, key: PropertyKey): { value: Node | null; key: Node | null } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const itemKey = isScalar(item.key) ? item.key.value : item.key;
      if (String(itemKey) === String(key)) return { value: (item.value as Node | null) ?? null, key: item.key as Node };
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item === undefined ? undefined : { value: item as Node, key: null };
  }
  return undefined;
}

function find(document: Document, path: readonly PropertyKey[]): Found {
  let node = document.contents as Node | null;
  let keyNode: Node | null = null;
  for (const key of path) {
    if (node === null) return { node: keyNode, keyNode, complete: false };
    const next = child(node, key);
    if (next === undefined) return { node, keyNode, complete: false };
    // A key with an empty value (`when:`) has no value node: point at its key instead.
    keyNode = next.key;
    node = next.value ?? next.key;
  }
  return { node, keyNode, complete: true };
}

/** `Map keys must be unique at line 2, column 1:\n…` → `Map keys must be unique`. */
function syntaxMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

/** Parses YAML keeping node ranges, so every later problem can name its exact line and column. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxProblems = document.errors.map((error) => ({
    file,
    ...position(error.pos[0]),
    message: `YAML syntax error: ${syntaxMessage(error.message)}`,
  }));
  return {
    file,
    data: syntaxProblems.length === 0 ? document.toJS({ maxAliasCount: 1000 }) : undefined,
    syntaxProblems,
    locate(path, at = 'value') {
      const found = find(document, path);
      const target = at === 'key' && found.complete && found.keyNode !== null ? found.keyNode : found.node;
      return position(target?.range?.[0] ?? 0);
    },
    has(path) {
      return find(document, path).complete;
    },
  };
}
