import type { Decision } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { PayloadCursor } from '../protocol/cursor.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { PayloadWriter } from '../protocol/writer.js';
import { addToCountRow, diagnosticsQueryOf, RowAllowance, rowLimitWarning, warningRow } from './row-limit.js';

const DECISION: Decision = {
  effect: 'allow',
  rules: ['support-capped', 'support-reads'],
  reason: 'allowed',
  risk: { score: 0, factors: [] },
  obligations: { audit: 'standard', rowLimit: 2 },
  observed: [],
};

function payloadOf(packet: Buffer): Buffer {
  const [parsed] = new PacketReader().push(packet);
  return parsed!.payload;
}

describe('row limit', () => {
  it('gives out exactly its allowance', () => {
    const allowance = new RowAllowance(2);
    expect([allowance.take(), allowance.take(), allowance.take(), allowance.take()]).toEqual([true, true, false, false]);
    expect(new RowAllowance(0).take()).toBe(false);
  });

  it('words the warning with the limit and the rules, never a value', () => {
    expect(rowLimitWarning(1000, DECISION)).toEqual({
      level: 'Warning',
      code: 1931,
      message: expect.stringMatching(/^gatehouse: result cut to 1000 rows by policy \(support-capped, support-reads\); /) as string,
    });
    expect(rowLimitWarning(1, { ...DECISION, rules: [] }).message).toMatch(/^gatehouse: result cut to 1 row by policy;/);
  });

  it('recognises the diagnostics statements it adds to, and nothing else', () => {
    for (const text of ['SHOW WARNINGS', ' show  warnings ;', 'SHOW\nWARNINGS']) expect(diagnosticsQueryOf(text)).toBe('list');
    for (const text of ['SHOW COUNT(*) WARNINGS', 'show count( * ) warnings;', 'SELECT @@warning_count', 'SELECT @@session.warning_count AS n', 'select @@warning_count n']) {
      expect(diagnosticsQueryOf(text)).toBe('count');
    }
    for (const text of ['SHOW WARNINGS LIMIT 1', 'SHOW ERRORS', 'SHOW WARNINGS; SELECT 1', '/* c */ SHOW WARNINGS', 'SELECT @@warning_count, 1', `SHOW WARNINGS${' '.repeat(100)}`]) {
      expect(diagnosticsQueryOf(text)).toBeUndefined();
    }
  });

  it('builds a SHOW WARNINGS text row (Level, Code, Message) at the given sequence id', () => {
    const packet = warningRow({ level: 'Warning', code: 1931, message: 'cut ✓' }, 7);
    expect(packet[3]).toBe(7);
    const c = new PayloadCursor(payloadOf(packet), 'row');
    expect([c.lenencString('level'), c.lenencString('code'), c.lenencString('message')]).toEqual(['Warning', '1931', 'cut ✓']);
    expect(c.remaining).toBe(0);
  });

  it('adds to a warning count row, and leaves anything else alone', () => {
    const row = new PayloadWriter().lenencString('3').payload();
    const counted = addToCountRow(row, 2, 4)!;
    expect(counted[3]).toBe(4);
    expect(new PayloadCursor(payloadOf(counted), 'row').lenencString('count')).toBe('5');
    expect(addToCountRow(Buffer.from([0xfb]), 1, 4)).toBeUndefined();
    expect(addToCountRow(new PayloadWriter().lenencString('x').payload(), 1, 4)).toBeUndefined();
    expect(addToCountRow(new PayloadWriter().lenencString('1').lenencString('2').payload(), 1, 4)).toBeUndefined();
  });
});
