import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDataDir } from '../test-support/pglite-template.js';
import { PgliteDriver } from './pglite-driver.js';
import { copyText, copyTextArray } from './sql-copy-text.js';

const AWKWARD = ['plain', '', 'tab\there', 'line\nbreak', 'cr\rreturn', 'back\\slash', '"quoted"', 'comma,brace{}', 'NULL', ' spaced ', '\\N', 'ünï©ødé ✓', '{"json":"\\u0001"}'];

describe('COPY text format', () => {
  it('escapes only what COPY would misread', () => {
    expect(copyText('plain')).toBe('plain');
    expect(copyText(null)).toBe('\\N');
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyTextArray([])).toBe('{}');
    expect(copyTextArray(['a', 'b"c'])).toBe('{"a","b\\\\"c"}');
  });

  describe('round trip through PGlite', () => {
    let driver: PgliteDriver;
    beforeAll(async () => {
      driver = await PgliteDriver.open({ dataDir: await freshDataDir() });
      await driver.query('CREATE TABLE copied (id int, value text, list text[])');
    });
    afterAll(() => driver.close());

    it('gives back every value and array element exactly', async () => {
      const lines = AWKWARD.map((value, id) => `${id}\t${copyText(value)}\t${copyTextArray(AWKWARD.slice(id))}\n`).join('') + `${AWKWARD.length}\t${copyText(null)}\t${copyTextArray([])}\n`;
      await driver.transaction((tx) => tx.copyFrom('copied', ['id', 'value', 'list'], lines));
      const rows = await driver.query<{ id: number; value: string | null; list: string[] }>('SELECT id, value, list FROM copied ORDER BY id');
      expect(rows.map((row) => row.value)).toEqual([...AWKWARD, null]);
      expect(rows.map((row) => row.list)).toEqual([...AWKWARD.map((_, id) => AWKWARD.slice(id)), []]);
    });
  });
});
