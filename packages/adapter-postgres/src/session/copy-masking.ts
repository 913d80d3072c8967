import type { MaskPlan } from '@gatehouse/core';
import type { Frame } from '../protocol/frame.js';
import { encodeCopyData } from '../protocol/messages/copy.js';
import type { CopyOutFormat } from './copy-format.js';

/** A masking failure the row cannot be sent after (malformed row, value that cannot be masked). */
export class CopyRowError extends Error {}

/**
 * Masks COPY TO STDOUT rows: one row per CopyData (what the server sends), parsed as the text
 * format (tab-separated, \N for NULL, backslash escapes) or CSV (comma, double quotes, empty
 * unquoted field for NULL), masked per column, and written back in the same format.
 */
export class CopyRowMasker {
  readonly #plan: MaskPlan;
  readonly #format: CopyOutFormat;
  #headerPending: boolean;

  /** Values masked so far (for the request's audit record). */
  get maskedCount(): number {
    return this.#plan.maskedCount;
  }

  constructor(plan: MaskPlan, format: CopyOutFormat) {
    this.#plan = plan;
    this.#format = format;
    this.#headerPending = format.csv && format.header;
  }

  mask(frame: Frame): Buffer {
    if (this.#headerPending) {
      this.#headerPending = false; // column names, not data
      return frame.raw;
    }
    const row = frame.payload.toString('utf8');
    if (!row.endsWith('\n')) throw new CopyRowError('COPY row without its line end');
    const body = row.slice(0, -1);
    const fields = this.#format.csv ? parseCsvRow(body) : parseTextRow(body);
    let changed = false;
    for (const index of this.#plan.maskedColumns) {
      if (index >= fields.length) throw new CopyRowError('COPY row has fewer fields than columns');
      const value = fields[index]!;
      if (value === null) continue;
      const masked = this.#plan.maskTextValue(index, value);
      if (masked !== value) {
        fields[index] = masked;
        changed = true;
      }
    }
    if (!changed) return frame.raw;
    const out = this.#format.csv ? fields.map(formatCsvField).join(',') : fields.map(formatTextField).join('\t');
    return encodeCopyData(Buffer.from(`${out}\n`, 'utf8'));
  }
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** COPY text format: raw tabs only separate fields (a tab in data is written as \t). */
export function parseTextRow(body: string): (string | null)[] {
  return body.split('\t').map((field) => {
    if (field === '\\N') return null;
    return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, escape: string) => {
      if (escape[0] === 'x' && escape.length > 1) return String.fromCharCode(parseInt(escape.slice(1), 16));
      if (/^[0-7]+$/.test(escape)) return String.fromCharCode(parseInt(escape, 8));
      return TEXT_ESCAPES[escape] ?? escape;
    });
  });
}

export function formatTextField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r\b\f\v]/g, (char) => {
    switch (char) {
      case '\\':
        return '\\\\';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      default:
        return '\\v';
    }
  });
}

/** One CSV record (the whole CopyData): an unquoted empty field is NULL, as COPY writes it. */
export function parseCsvRow(body: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (body[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = body.indexOf('"', i);
        if (quote < 0) throw new CopyRowError('unterminated quoted CSV field');
        value += body.slice(i, quote);
        if (body[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
    } else {
      const comma = body.indexOf(',', i);
      const end = comma < 0 ? body.length : comma;
      const raw = body.slice(i, end);
      if (raw.includes('"')) throw new CopyRowError('stray quote in an unquoted CSV field');
      fields.push(raw === '' ? null : raw);
      i = end;
    }
    if (i >= body.length) return fields;
    if (body[i] !== ',') throw new CopyRowError('CSV field not followed by a comma');
    i++;
    if (i === body.length) {
      fields.push(null);
      return fields;
    }
  }
}

export function formatCsvField(value: string | null): string {
  if (value === null) return '';
  // Quote empty strings too, or they would read back as NULL.
  if (value === '' || /[",\n\r]/.test(value) || value.trim() !== value) return `"${value.replace(/"/g, '""')}"`;
  return value;
}
