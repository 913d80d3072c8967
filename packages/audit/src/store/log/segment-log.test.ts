import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../chain/event-hash.js';
import { AuditLogCorruptError } from '../../errors.js';
import { canonicalBodies } from '../../test-support/canonical-bodies.js';
import { SegmentLog } from './segment-log.js';
import { encodeHeader, encodeRecords } from './log-format.js';
import type { LogRecord } from './log-format.js';

const EMPTY = { seq: 0, hash: GENESIS_HASH };

/** Appends statement events q<from>… and returns the records written. */
function appendEvents(log: SegmentLog, from: number, count: number): LogRecord[] {
  const events = Array.from({ length: count }, (_, i) => ({ type: 'statement', statementId: `q${from + i}`, at: '2026-01-01T00:00:00.000Z' }));
  return log.append(canonicalBodies(events)).records();
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
    const first = appendEvents(log, 1, 3);
    const second = appendEvents(log, 4, 4);
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
    const more = appendEvents(reopened, 8, 1);
    expect(more[0]).toMatchObject({ seq: 8, prevHash: second[3]!.hash });
    reopened.close();
  });

  it('seals in place exactly the bytes of the format\'s plain definition', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    const records = [...appendEvents(log, 1, 3), ...appendEvents(log, 4, 1)];
    log.close();
    const [file] = segmentFiles(dir);
    expect(readFileSync(file!)).toEqual(Buffer.concat([encodeHeader({ firstSeq: 1, prevHash: GENESIS_HASH }), encodeRecords(records)]));
    expect(records.map((record) => JSON.parse(record.body).seq)).toEqual([1, 2, 3, 4]);
  });

  it('truncates a torn last record and continues the chain from the record before it', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    const records = appendEvents(log, 1, 3);
    log.close();
    const [file] = segmentFiles(dir);
    truncateSync(file!, statSync(file!).size - 5);

    const reopened = SegmentLog.open(dir, EMPTY);
    expect(reopened.head).toEqual({ seq: 2, hash: records[1]!.hash });
    const next = appendEvents(reopened, 3, 1);
    expect(next[0]).toMatchObject({ seq: 3, prevHash: records[1]!.hash });
    reopened.close();
    expect(SegmentLog.open(dir, EMPTY).read(0, 10).map((record) => record.seq)).toEqual([1, 2, 3]);
  });

  it('drops a newest segment whose header was never completed', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
    appendEvents(log, 1, 2);
    log.close();
    writeFileSync(join(dir, '0000000000000003.seg'), 'GHAUDIT1 3');
    const reopened = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
    expect(reopened.head.seq).toBe(2);
    expect(appendEvents(reopened, 3, 1)[0]!.seq).toBe(3);
    reopened.close();
  });

  it('refuses to open over damage in an older segment', () => {
    const dir = freshDir();
    damagedOldestOfTwoSegments(dir);
    expect(() => SegmentLog.open(dir, EMPTY, { segmentBytes: 200 })).toThrow(AuditLogCorruptError);
  });

  it('checks the log continues what the index holds, and starts after the index when behind it', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    const records = appendEvents(log, 1, 3);
    log.close();
    expect(() => SegmentLog.open(dir, { seq: 2, hash: 'f'.repeat(64) })).toThrow(AuditLogCorruptError);
    const indexedAhead = SegmentLog.open(dir, { seq: 5, hash: 'a'.repeat(64) });
    expect(indexedAhead.head).toEqual({ seq: 5, hash: 'a'.repeat(64) });
    expect(appendEvents(indexedAhead, 6, 1)[0]).toMatchObject({ seq: 6, prevHash: 'a'.repeat(64) });
    indexedAhead.dropThrough(5);
    indexedAhead.close();
    // The segment holding 1..3 is gone (the index has it); the new one starts at 6.
    expect(segmentFiles(dir).map((path) => path.slice(-20))).toEqual(['0000000000000006.seg']);
    expect(records).toHaveLength(3);
  });

  it('a failed write leaves no partial record behind', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY);
    appendEvents(log, 1, 1);
    log.close();
    // Bytes a crashed writer left after the last whole record are cut at open.
    const [file] = segmentFiles(dir);
    appendFileSync(file!, Buffer.from([0, 0, 1]));
    const reopened = SegmentLog.open(dir, EMPTY);
    expect(appendEvents(reopened, 2, 1)[0]!.seq).toBe(2);
    reopened.close();
    expect(SegmentLog.open(dir, EMPTY).read(0, 10).map((record) => record.seq)).toEqual([1, 2]);
  });

  it('hands back bodies by seq across segments, the growing active one included', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 300 });
    const records = [...appendEvents(log, 1, 3), ...appendEvents(log, 4, 4)];
    // Asked once (offsets built), then the active segment grows and is asked again.
    expect(log.bodies([7, 1, 4])).toEqual([records[6]!.body, records[0]!.body, records[3]!.body]);
    const later = appendEvents(log, 8, 2);
    expect(log.bodies([9, 8, 2])).toEqual([later[1]!.body, later[0]!.body, records[1]!.body]);
    expect(log.bodies([0, 10])).toEqual([undefined, undefined]);
    log.close();
    const reopened = SegmentLog.open(dir, EMPTY, { segmentBytes: 300 });
    expect(reopened.bodies([1, 9])).toEqual([records[0]!.body, later[1]!.body]);
    // A segment removed behind the log's back: its bodies are missing, the others still there.
    unlinkSync(segmentFiles(dir)[0]!);
    expect(reopened.bodies([1, 9])).toEqual([undefined, later[1]!.body]);
    reopened.close();
  });

  it('does not read segments the index holds all of at open (verify checks them), only the rest', () => {
    const dir = freshDir();
    const first = damagedOldestOfTwoSegments(dir);
    const indexed = { seq: 2, hash: first[1]!.hash };
    const reopened = SegmentLog.open(dir, indexed, { segmentBytes: 200 });
    expect(reopened.head.seq).toBe(4);
    expect(reopened.bodies([2])[0]).not.toBe(first[1]!.body);
    reopened.close();
  });

  it('drops the segments retention passed, never the active one', () => {
    const dir = freshDir();
    const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 600 });
    for (let i = 1; i <= 8; i += 2) appendEvents(log, i, 2);
    const before = segmentFiles(dir).length;
    log.dropThrough(5);
    expect(segmentFiles(dir).length).toBeLessThan(before);
    expect(log.bodies([1])).toEqual([undefined]);
    expect(log.bodies([7, 8]).every((body) => body !== undefined)).toBe(true);
    const [ninth] = appendEvents(log, 9, 1);
    log.dropThrough(9);
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(log.bodies([9])).toEqual([ninth!.body]);
    log.close();
  });
});

/** Two small segments (records 1–2 and 3–4), one bit flipped near the end of the oldest; returns the first two records. */
function damagedOldestOfTwoSegments(dir: string): LogRecord[] {
  const log = SegmentLog.open(dir, EMPTY, { segmentBytes: 200 });
  const first = appendEvents(log, 1, 2);
  appendEvents(log, 3, 2);
  log.close();
  const [oldest] = segmentFiles(dir);
  const bytes = readFileSync(oldest!);
  bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
  writeFileSync(oldest!, bytes);
  return first;
}
