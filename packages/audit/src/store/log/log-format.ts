import { eventHash } from '../../chain/event-hash.js';

/*
 * The embedded store's segment files. A segment is a header line, then records:
 *
 *   header  `GHAUDIT1 <first seq> <prev hash>\n` (ASCII; prev hash = the hash before the first record)
 *   record  u32 big-endian byte length N, then N bytes: the event's hash (64 hex) and its canonical
 *           JSON body (UTF-8, carrying its seq), exactly the text the hash covers.
 *
 * The chain makes every record self-checking: a record whose hash does not match its predecessor's
 * hash and its body is torn (a crash mid-write) or altered.
 */

const MAGIC = 'GHAUDIT1';
export const HASH_CHARS = 64;
export const LENGTH_BYTES = 4;

/** One sealed event as the log holds it. */
export interface LogRecord {
  readonly seq: number;
  readonly body: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface SegmentHeader {
  readonly firstSeq: number;
  readonly prevHash: string;
}

export function encodeHeader(header: SegmentHeader): Buffer {
  return Buffer.from(`${MAGIC} ${header.firstSeq} ${header.prevHash}\n`, 'latin1');
}

/** Records laid out back to back: the format's plain definition (SegmentLog.append seals them in place). */
export function encodeRecords(records: readonly LogRecord[]): Buffer {
  const lengths = records.map((record) => Buffer.byteLength(record.body, 'utf8'));
  let total = 0;
  for (const length of lengths) total += LENGTH_BYTES + HASH_CHARS + length;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    out.writeUInt32BE(HASH_CHARS + lengths[i]!, offset);
    out.write(record.hash, offset + LENGTH_BYTES, 'latin1');
    out.write(record.body, offset + LENGTH_BYTES + HASH_CHARS, 'utf8');
    offset += LENGTH_BYTES + HASH_CHARS + lengths[i]!;
  }
  return out;
}

export interface ParsedSegment {
  readonly header: SegmentHeader;
  readonly records: LogRecord[];
  /** Bytes up to the end of the last intact record (the header's length when there is none). */
  readonly validEnd: number;
  /** Why parsing stopped before the end of the buffer; absent when everything was intact. */
  readonly broken?: string;
}

/** The header, or undefined when the buffer does not start with a complete one. */
export function parseHeader(buffer: Buffer): { header: SegmentHeader; end: number } | undefined {
  const newline = buffer.indexOf(0x0a);
  if (newline < 0) return undefined;
  const match = /^GHAUDIT1 (\d+) ([0-9a-f]{64})$/.exec(buffer.toString('latin1', 0, newline));
  if (!match) return undefined;
  return { header: { firstSeq: Number(match[1]), prevHash: match[2]! }, end: newline + 1 };
}

/**
 * Reads a whole segment, checking every record against the chain (hash, link and seq). Stops at the
 * first record that is incomplete or does not check out: for the newest segment that is a torn
 * write to truncate, for an older one damage to report.
 */
export function parseSegment(buffer: Buffer): ParsedSegment | undefined {
  const head = parseHeader(buffer);
  if (!head) return undefined;
  const read = readRecords(buffer, head.end, head.header.firstSeq, head.header.prevHash, Number.MAX_SAFE_INTEGER, true);
  return { header: head.header, records: read.records, validEnd: read.end, ...(read.broken !== undefined ? { broken: read.broken } : {}) };
}

export interface ReadRecords {
  readonly records: LogRecord[];
  /** Offset just past the last complete record read. */
  readonly end: number;
  readonly broken?: string;
}

/**
 * Up to `max` complete records from `offset`, the first being `seq` after `prevHash`. A record cut
 * off by the end of the buffer ends the read (the caller reads on from `end`). `check`: verify
 * each record's hash and seq, and stop at the first that fails (recovery); without it the bytes
 * are trusted (re-reading what this process wrote; verify() checks the index's copy anyway).
 */
export function readRecords(buffer: Buffer, offset: number, seq: number, prevHash: string, max: number, check = false): ReadRecords {
  const records: LogRecord[] = [];
  const stop = (broken: string): ReadRecords => ({ records, end: offset, broken });
  while (offset < buffer.length && records.length < max) {
    if (offset + LENGTH_BYTES > buffer.length) return stop(`a record's length is cut short at byte ${offset}`);
    const length = buffer.readUInt32BE(offset);
    if (length < HASH_CHARS) return stop(`the record at byte ${offset} has an impossible length`);
    if (offset + LENGTH_BYTES + length > buffer.length) return stop(`the record at byte ${offset} is cut short`);
    const hash = buffer.toString('latin1', offset + LENGTH_BYTES, offset + LENGTH_BYTES + HASH_CHARS);
    const body = buffer.toString('utf8', offset + LENGTH_BYTES + HASH_CHARS, offset + LENGTH_BYTES + length);
    if (check) {
      if (eventHash(prevHash, body) !== hash) return stop(`the record at byte ${offset} (seq ${seq}) does not match its hash`);
      if (bodySeq(body) !== seq) return stop(`the record at byte ${offset} should be seq ${seq}`);
    }
    records.push({ seq, body, prevHash, hash });
    prevHash = hash;
    seq++;
    offset += LENGTH_BYTES + length;
  }
  return { records, end: offset };
}

function bodySeq(body: string): unknown {
  try {
    return (JSON.parse(body) as { seq?: unknown }).seq;
  } catch {
    return undefined;
  }
}
