import { describe, expect, it } from 'vitest';
import { touchesPinnedSetting } from './pinned-settings.js';

describe('touchesPinnedSetting', () => {
  it('finds SET and RESET of a pinned setting in any letter case', () => {
    for (const text of [
      "SET client_encoding TO 'SJIS'",
      'set NAMES sjis',
      'SeT SESSION standard_conforming_strings = off',
      'RESET client_encoding',
      'reSET local Names',
      "SELECT 1; sEt client_encoding = 'SJIS'",
    ]) {
      expect(touchesPinnedSetting(text), text).toBe(true);
    }
  });

  it('passes statements that change nothing pinned, with or without SET in them', () => {
    for (const text of ['SELECT abalance FROM pgbench_accounts WHERE aid = 5', "UPDATE t SET label = 'x'", 'SET search_path TO app', 'SELECT reset_time FROM jobs']) {
      expect(touchesPinnedSetting(text), text).toBe(false);
    }
  });
});
