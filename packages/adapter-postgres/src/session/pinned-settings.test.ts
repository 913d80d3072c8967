import { createSqlClassifier } from '@gatehouse/sql';
import type { SqlClassifier } from '@gatehouse/sql';
import { beforeAll, describe, expect, it } from 'vitest';
import { touchesPinnedSetting } from './pinned-settings.js';

describe('touchesPinnedSetting', () => {
  let classifier: SqlClassifier;
  beforeAll(async () => {
    classifier = await createSqlClassifier();
  });
  const touches = (text: string): boolean => touchesPinnedSetting(text, classifier.classify(text, { dialect: 'postgres', database: 'app' }));

  it('finds SET and RESET of a pinned setting in any letter case', () => {
    for (const text of [
      "SET client_encoding TO 'SJIS'",
      'set NAMES sjis',
      'SeT SESSION standard_conforming_strings = off',
      'RESET client_encoding',
      'reSET local Names',
      "SELECT 1; sEt client_encoding = 'SJIS'",
      "UPDATE t SET a = 1; SET names 'SJIS'",
    ]) {
      expect(touches(text), text).toBe(true);
    }
  });

  it('scans a statement it cannot read', () => {
    expect(touches("SET client_encoding TO 'SJIS' garbage ("), 'unparseable').toBe(true);
  });

  it('passes statements that change nothing pinned, with or without SET in them', () => {
    for (const text of [
      'SELECT abalance FROM pgbench_accounts WHERE aid = 5',
      "UPDATE t SET label = 'x'",
      "UPDATE t SET names = 'x'",
      'SET search_path TO app',
      'SELECT reset_time FROM jobs',
      "INSERT INTO settings (name) VALUES ('set client_encoding')",
    ]) {
      expect(touches(text), text).toBe(false);
    }
  });
});
