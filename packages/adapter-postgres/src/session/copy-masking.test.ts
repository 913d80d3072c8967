import { describe, expect, it } from 'vitest';
import { copyOutFormat } from './copy-format.js';
import { formatCsvField, formatTextField, parseCsvRow, parseTextRow } from './copy-masking.js';

describe('copyOutFormat', () => {
  it('accepts the default text format and plain CSV options', () => {
    expect(copyOutFormat('COPY users TO STDOUT')).toEqual({ csv: false, header: false });
    expect(copyOutFormat('COPY users TO STDOUT WITH (FORMAT csv, HEADER true)')).toEqual({ csv: true, header: true });
    expect(copyOutFormat('COPY (SELECT 1) TO STDOUT CSV HEADER;')).toEqual({ csv: true, header: true });
  });

  it('refuses formats it cannot parse with certainty', () => {
    expect(copyOutFormat('COPY users TO STDOUT (FORMAT binary)')).toBeUndefined();
    expect(copyOutFormat("COPY users TO STDOUT (FORMAT csv, DELIMITER ';')")).toBeUndefined();
    expect(copyOutFormat("COPY users TO STDOUT (FORMAT 'csv')")).toBeUndefined();
    expect(copyOutFormat("COPY users TO '/tmp/x'")).toBeUndefined();
  });
});

describe('COPY row formats', () => {
  it('round-trips the text format with escapes and NULLs', () => {
    const fields = parseTextRow('1\\tab\ta\\\\b\t\\N\tline\\nbreak');
    expect(fields).toEqual(['1\tab', 'a\\b', null, 'line\nbreak']);
    expect(fields.map(formatTextField).join('\t')).toBe('1\\tab\ta\\\\b\t\\N\tline\\nbreak');
  });

  it('round-trips CSV with quotes, commas, empty strings and NULLs', () => {
    const fields = parseCsvRow('1,"a, ""quoted"" b",,""');
    expect(fields).toEqual(['1', 'a, "quoted" b', null, '']);
    expect(fields.map(formatCsvField).join(',')).toBe('1,"a, ""quoted"" b",,""');
  });

  it('rejects malformed CSV rather than guess', () => {
    expect(() => parseCsvRow('"open')).toThrow();
    expect(() => parseCsvRow('a"b')).toThrow();
  });
});
