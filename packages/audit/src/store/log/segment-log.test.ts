import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalTemplate } from '../../canonical-json.js';
import { GENESIS_HASH } from '../../chain/event-hash.js';
import { AuditLogCorruptError } from '../../errors.js';
import { SegmentLog } from './segment-log.js';

const EMPTY = { seq: 0, hash: GENESIS_HASH };

function templates(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => canonicalTemplate({ type: 'statement', statementId: `q${from + i}`, at: '2026-01-01T00:00:00.000Z' }));
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort()
    .map((name) => join(dir, name));
}

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'gatehouse-audit-log-'));

describe('SegmentLog', () => {
  it('chains appends, survives a reopen, and reads back across segments', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 300 });
    const first = log.append(templates(1, 3));
    const second = log.append(templates(4, 4));
    expect([...first, ...second].map((record) => record.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(second[0]!.prevHash).toBe(first[2]!.hash);
    log.sync();
    log.close();
    expect(segmentFiles(dir).length).toBeGreaterThan(1);

    const reopened = SegmentLog.open(dir, EMPTY, { segmentBytes: 300 });
    expect(reopened.head).toEqual({ seq: 7, hash: second[3]!.hash });
    expect(reopened.read(0, 100)).toEqual([...first, ...second]);
    expect(reopened.read(2, 3).map((record) => record.seq)).toEqual([3, 4, 5]);
    expect(reopened.read(5, 100).map((record) => record.seq)).toEqual([6, 7]);
    const more = reopened.append(templates(8, 1));
    expect(more[0]).toMatchObject({ seq: 8, prevHash: second[3]!.hash });
    reopened.close();
  });

  it('truncates a torn last record and continues the chain from the record before it', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    const records = log.append(templates(1, 3));
    log.close();
    const [file] = segmentFiles(dir);
    truncateSync(file!, statSync(file!).size - 5);

    const reopened = SegmentLog.open(dir, EMPTY);
    expect(reopened.head).toEqual({ seq: 2, hash: records[1]!.hash });
    const next = reopened.append(templates(3, 1));
    expect(next[0]).toMatchObject({ seq: 3, prevHash: records[1]!.hash });
    reopened.close();
    expect(SegmentLog.open(dir, EMPTY).read(0, 10).map((record) => record.seq)).toEqual([1, 2, 3]);
  });

  it('drops a newest segment whose header was never completed', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
    log.append(templates(1, 2));
    log.close();
    writeFileSync(join(dir, '0000000000000003.seg'), 'GHAUDIT1 3');
    const reopened = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
    expect(reopened.head.seq).toBe(2);
    expect(reopened.append(templates(3, 1))[0]!.seq).toBe(3);
    reopened.close();
  });

  it('refuses to open over damage in an older segment', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
    log.append(templates(1, 2));
    log.append(templates(3, 2));
    log.close();
    const [oldest] = segmentFiles(dir);
    const bytes = readFileSync(oldest!);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
    writeFileSync(oldest!, bytes);
    expect(() => SegmentLog.open(dir, EMPTY, { segmentBytes: 200 })).toThrow(AuditLogCorruptError);
  });

  it('checks the log continues what the index holds, and starts after the index when behind it', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    const records = log.append(templates(1, 3));
    log.close();
    expect(() => SegmentLog.open(dir, { seq: 2, hash: 'f'.repeat(64) })).toThrow(AuditLogCorruptError);
    const indexedAhead = SegmentLog.open(dir, { seq: 5, hash: 'a'.repeat(64) });
    expect(indexedAhead.head).toEqual({ seq: 5, hash: 'a'.repeat(64) });
    expect(indexedAhead.append(templates(6, 1))[0]).toMatchObject({ seq: 6, prevHash: 'a'.repeat(64) });
    indexedAhead.dropThrough(5);
    indexedAhead.close();
    // The segment holding 1..3 is gone (the index has it); the new one starts at 6.
    expect(segmentFiles(dir).map((path) => path.slice(-20))).toEqual(['0000000000000006.seg']);
    expect(records).toHaveLength(3);
  });

  it('a failed write leaves no partial record behind', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    log.append(templates(1, 1));
    log.close();
    // Bytes a crashed writer left after the last whole record are cut at open.
    const [file] = segmentFiles(dir);
    appendFileSync(file!, Buffer.from([0, 0, 1]));
    const reopened = SegmentLog.open(dir, EMPTY);
    expect(reopened.append(templates(2, 1))[0]!.seq).toBe(2);
    reopened.close();
    expect(SegmentLog.open(dir, EMPTY).read(0, 10).map((record) => record.seq)).toEqual([1, 2]);
  });
});
