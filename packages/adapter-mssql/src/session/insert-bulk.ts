import type { Action } from '@gatehouse/core';

/** An identifier part: [bracketed]] name], "quoted", or a plain name (temp tables start with #). */
const PART = /^(?:\[((?:[^\]]|\]\])*)\]|"((?:[^"]|"")*)"|([A-Za-z_#@][\w#@$]*))/;

/**
 * `INSERT BULK <table> (<columns>) [WITH (<options>)]` — what bulk-loading clients (tedious, bcp)
 * send before the BULK LOAD data — read strictly: anything after the option list, or any character
 * the form never has, is not recognised (the text then goes to the classifier, which cannot read
 * it and so never lets it through as a plain write). Returns the table's parts.
 */
export function parseInsertBulk(text: string): string[] | undefined {
  const head = /^\s*insert\s+bulk\s+/i.exec(text);
  if (!head) return undefined;
  let rest = text.slice(head[0].length);
  const parts: string[] = [];
  for (;;) {
    const part = PART.exec(rest);
    if (!part) return undefined;
    parts.push(part[1] !== undefined ? part[1].replace(/\]\]/g, ']') : part[2] !== undefined ? part[2].replace(/""/g, '"') : part[3]!);
    rest = rest.slice(part[0].length);
    const dot = /^\s*\.\s*/.exec(rest);
    if (!dot) break;
    rest = rest.slice(dot[0].length);
  }
  if (parts.length > 3) return undefined;
  rest = rest.trimStart();
  const columns = balancedParentheses(rest);
  if (columns === undefined) return undefined;
  rest = rest.slice(columns).trim();
  const options = /^with\s*/i.exec(rest);
  if (options) {
    rest = rest.slice(options[0].length);
    const length = balancedParentheses(rest);
    if (length === undefined || !/^[\w\s,()[\]]*$/.test(rest.slice(0, length))) return undefined;
    rest = rest.slice(length).trim();
  }
  return rest === '' || rest === ';' ? parts : undefined;
}

/** Length of a `( … )` group at the start, brackets honoured; undefined when unbalanced or holding `;`, quotes or comments. */
function balancedParentheses(text: string): number | undefined {
  if (text[0] !== '(') return undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0) return undefined;
      i = close;
      continue;
    }
    if (c === ';' || c === "'" || c === '"' || (c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '*')) return undefined;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return undefined;
}

/** The action a bulk load is decided as: a write on its table (database.schema.table). */
export function insertBulkAction(parts: readonly string[], database: string | undefined): Action {
  const table = parts[parts.length - 1]!;
  const schema = parts.length >= 2 ? parts[parts.length - 2]! || 'dbo' : 'dbo';
  const db = parts.length === 3 ? parts[0]! || (database ?? '?') : (database ?? '?');
  const name = `${db}.${schema}.${table}`;
  return {
    dialect: 'mssql',
    category: 'write',
    operation: 'INSERT BULK',
    objects: [{ name, kind: 'table', access: 'write' }],
    flags: [],
    fingerprint: `INSERT BULK ${name}`,
    redactedText: `INSERT BULK ${name}`,
  };
}
