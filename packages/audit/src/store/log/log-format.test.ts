import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../canonical-json.js';
import { eventHash, GENESIS_HASH } from '../../chain/event-hash.js';
import { encodeHeader, encodeRecords, parseSegment } from './log-format.js';
import type { LogRecord } from './log-format.js';

function chain(count: number): LogRecord[] {
  const records: LogRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const body = canonicalJson({ type: 'statement', seq, text: `ünïcode ${seq}`, n: seq * 3 });
    const hash = eventHash(prevHash, body);
    records.push({ seq, body, prevHash, hash });
    prevHash = hash;
  }
  return records;
}

function segment(records: readonly LogRecord[]): Buffer {
  return Buffer.concat([encodeHeader({ firstSeq: 1, prevHash: GENESIS_HASH }), encodeRecords(records)]);
}

describe('segment log format', () => {
  it('reads back exactly what it wrote', () => {
    const records = chain(5);
    const parsed = parseSegment(segment(records))!;
    expect(parsed.broken).toBeUndefined();
    expect(parsed.records).toEqual(records);
    expect(parsed.validEnd).toBe(segment(records).length);
  });

  it('a segment cut at any byte keeps every whole record before the cut and reports the rest as torn', () => {
    const records = chain(3);
    const whole = segment(records);
    const ends = [encodeHeader({ firstSeq: 1, prevHash: GENESIS_HASH }).length];
    for (const record of records) ends.push(ends.at(-1)! + encodeRecords([record]).length);
    for (let cut = ends[0]!; cut < whole.length; cut++) {
      const parsed = parseSegment(whole.subarray(0, cut))!;
      const intact = ends.filter((end) => end <= cut).length - 1;
      expect(parsed.records).toHaveLength(intact);
      expect(parsed.validEnd).toBe(ends[intact]);
      expect(parsed.broken !== undefined).toBe(cut !== ends[intact]);
    }
  });

  it('stops at a record whose bytes were changed', () => {
    const records = chain(4);
    const bytes = segment(records);
    const at = bytes.indexOf('ünïcode 3');
    bytes[at + 10] = 0x39; // "ünïcode 3" (ü and ï take two bytes each): the 3 becomes a 9
    const parsed = parseSegment(bytes)!;
    expect(parsed.records.map((record) => record.seq)).toEqual([1, 2]);
    expect(parsed.broken).toContain('seq 3');
  });

  it('rejects a buffer without a complete header', () => {
    expect(parseSegment(Buffer.from('GHAUDIT1 1 '))).toBeUndefined();
  });
});
