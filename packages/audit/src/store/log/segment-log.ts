import { hash } from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLogCorruptError } from '../../errors.js';
import { ByteSink } from './byte-sink.js';
import { encodeHeader, HASH_CHARS, LENGTH_BYTES, parseHeader, parseSegment, readRecords } from './log-format.js';
import type { LogRecord } from './log-format.js';

/** The end of a hash chain: the last seq and its hash (seq 0 with the genesis hash when empty). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The segment log's directory inside the embedded store's data directory. */
export const LOG_DIRECTORY = 'gatehouse-audit-log';

/** A segment grows to about this size before the next append starts a new one. */
export const SEGMENT_BYTES = 16 * 1024 * 1024;

const SEGMENT_NAME = /^(\d{16})\.seg$/;

/** How much of a segment one read takes in (records are ~1 KB). */
const READ_BYTES = 4 * 1024 * 1024;

interface Segment {
  readonly path: string;
  readonly firstSeq: number;
  lastSeq: number;
  /**
   * Where each record starts, by seq - firstSeq, then where the last one ends: built on the first
   * bodies() lookup in the segment, kept up to date by append() in the active one.
   */
  offsets?: number[];
}

/** The canonical bodies of the events of one append, each written with the seq the log gives it. */
export interface BodySource {
  readonly count: number;
  /** Writes event `index`'s canonical JSON, carrying `seq`, as UTF-8 at the end of `sink`. */
  write(index: number, seq: number, sink: ByteSink): void;
}

/** What an append sealed: seqs `firstSeq` to `firstSeq + count - 1`, chained from `prevHash`. */
export interface SealedRange {
  readonly firstSeq: number;
  readonly count: number;
  readonly prevHash: string;
  /** The records as written (bodies and hashes as text); readable until the log's next append. */
  records(): LogRecord[];
}

/** A record's place in a segment file, with the hash it links to. */
interface Position {
  readonly segment: Segment;
  readonly seq: number;
  readonly offset: number;
  readonly prevHash: string;
}

interface ActiveSegment {
  readonly segment: Segment;
  readonly fd: number;
  size: number;
  dirty: boolean;
}

/**
 * The embedded store's write path and its body store: append-only, hash-chained segment files
 * (log-format.ts) in one directory. Appending costs a seal (seq, SHA-256) per event and one write
 * per batch, the events' canonical bodies written straight into the batch's bytes (BodySource); sync() is one fdatasync. The search index (PGlite) is fed from here later and holds
 * no bodies: it reads them back by seq (bodies()). Segments go when retention prunes past them.
 * Synchronous file I/O: it runs in the store's worker thread, never on the gateway's.
 */
export class SegmentLog {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #segments: Segment[];
  #head: ChainHead;
  #active: ActiveSegment | undefined;
  /** Where the last read() stopped. */
  #cursor: Position | undefined;
  /** Where a batch is laid out before its one write. */
  readonly #sink = new ByteSink();

  private constructor(dir: string, segments: Segment[], head: ChainHead, active: ActiveSegment | undefined, segmentBytes: number) {
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#segments = segments;
    this.#head = head;
    this.#active = active;
  }

  /**
   * Opens (creating) the log in `dir`, given how far the index got: checks every record the index
   * does not hold yet (hash, link, seq), truncates a torn last record, and checks the log continues
   * the index's chain (read() then hands the index what it lacks). Segments the index holds all of
   * are not read: verify() checks them against the index's hashes.
   */
  static open(dir: string, indexed: ChainHead, options: { readonly segmentBytes?: number } = {}): SegmentLog {
    const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir)
      .filter((name) => SEGMENT_NAME.test(name))
      .sort();
    const segments: Segment[] = [];
    let firstUnindexed: LogRecord | undefined;
    let end: ChainHead | undefined;
    let lastSize = 0;
    for (const [i, name] of names.entries()) {
      const path = join(dir, name);
      const newest = i === names.length - 1;
      const nextFirstSeq = newest ? undefined : Number(SEGMENT_NAME.exec(names[i + 1]!)![1]);
      if (nextFirstSeq !== undefined && nextFirstSeq - 1 <= indexed.seq) {
        segments.push({ path, firstSeq: Number(SEGMENT_NAME.exec(name)![1]), lastSeq: nextFirstSeq - 1 });
        continue;
      }
      const buffer = readFileSync(path);
      const parsed = parseSegment(buffer);
      if (!parsed) {
        // A crash while the segment was being created, before its header was complete: it holds nothing.
        if (newest) {
          unlinkSync(path);
          break;
        }
        throw new AuditLogCorruptError(`audit log segment ${path} has no valid header`);
      }
      if (parsed.broken !== undefined) {
        if (!newest) throw new AuditLogCorruptError(`audit log segment ${path} is damaged: ${parsed.broken}`);
        // A write cut short by a crash: nobody was told it was committed (that waits for the fsync).
        truncate(path, parsed.validEnd);
      }
      const { header, records } = parsed;
      if (end && (header.firstSeq !== end.seq + 1 || header.prevHash !== end.hash)) {
        throw new AuditLogCorruptError(`audit log segment ${path} does not continue the chain of the segment before it (expected seq ${end.seq + 1})`);
      }
      for (const record of records) {
        if (record.seq === indexed.seq && record.hash !== indexed.hash) {
          throw new AuditLogCorruptError(`the audit log and its search index disagree about event ${record.seq} (${path})`);
        }
        if (record.seq === indexed.seq + 1) firstUnindexed = record;
      }
      const last = records.at(-1);
      end = last ? { seq: last.seq, hash: last.hash } : { seq: header.firstSeq - 1, hash: header.prevHash };
      segments.push({ path, firstSeq: header.firstSeq, lastSeq: end.seq });
      lastSize = parsed.validEnd;
    }
    if (end && end.seq > indexed.seq && (!firstUnindexed || firstUnindexed.prevHash !== indexed.hash)) {
      throw new AuditLogCorruptError(`the audit log ends at seq ${end.seq} but does not continue its search index's chain at ${indexed.seq + 1}: events are missing or the index was altered`);
    }
    const head = end && end.seq >= indexed.seq ? end : indexed;
    // Keep appending to the newest segment when it ends at the head; else the next append starts one.
    const newest = segments.at(-1);
    let active: ActiveSegment | undefined;
    if (newest && newest.lastSeq === head.seq && lastSize < segmentBytes) {
      active = { segment: newest, fd: openSync(newest.path, 'r+'), size: lastSize, dirty: false };
    }
    return new SegmentLog(dir, segments, head, active, segmentBytes);
  }

  get head(): ChainHead {
    return this.#head;
  }

  /**
   * Seals the events (seq, prev hash, hash) and writes them in one write. Not durable until sync().
   * On a failed write the file is cut back and nothing changes.
   */
  append(bodies: BodySource): SealedRange {
    const sink = this.#sink;
    sink.clear();
    const firstSeq = this.#head.seq + 1;
    const prevHash = this.#head.hash;
    const count = bodies.count;
    const generation = sink.generation;
    const records = (): LogRecord[] => {
      if (sink.generation !== generation) throw new Error('the records of an append are readable only until the next append');
      return readRecords(sink.bytes.subarray(0, sink.length), 0, firstSeq, prevHash, count).records;
    };
    if (count === 0) return { firstSeq, count, prevHash, records };
    const active = this.#active ?? this.#startSegment();
    // Where each record ends in the batch, for a segment whose record offsets are kept.
    const ends: number[] | undefined = active.segment.offsets ? [] : undefined;
    /** Where the previous record's hash is in the batch (-1: before the batch, it is `prevHash`). */
    let linkAt = -1;
    for (let i = 0; i < count; i++) {
      // The hash covers `<prev hash>\n<body>`: laid out so that it ends where the body begins, in
      // the record's length and hash slots, it is hashed in place; both slots are filled after.
      const start = sink.length;
      sink.reserve(LENGTH_BYTES + HASH_CHARS);
      const linked = start + LENGTH_BYTES - 1;
      if (linkAt < 0) sink.bytes.write(prevHash, linked, HASH_CHARS, 'latin1');
      else sink.bytes.copyWithin(linked, linkAt, linkAt + HASH_CHARS);
      sink.bytes[linked + HASH_CHARS] = 0x0a;
      sink.length = start + LENGTH_BYTES + HASH_CHARS;
      bodies.write(i, firstSeq + i, sink);
      const bytes = sink.bytes;
      const digest = hash('sha256', bytes.subarray(linked, sink.length), 'hex');
      bytes.writeUInt32BE(sink.length - start - LENGTH_BYTES, start);
      bytes.write(digest, start + LENGTH_BYTES, HASH_CHARS, 'latin1');
      linkAt = start + LENGTH_BYTES;
      ends?.push(sink.length);
    }
    const bytes = sink.bytes;
    try {
      for (let written = 0; written < sink.length; ) written += writeSync(active.fd, bytes, written, sink.length - written, active.size + written);
    } catch (error) {
      try {
        ftruncateSync(active.fd, active.size);
      } catch {
        // The torn tail is truncated at the next open instead.
      }
      throw error;
    }
    if (ends) for (const end of ends) active.segment.offsets!.push(active.size + end);
    active.size += sink.length;
    active.dirty = true;
    const lastSeq = firstSeq + count - 1;
    active.segment.lastSeq = lastSeq;
    this.#head = { seq: lastSeq, hash: bytes.toString('latin1', linkAt, linkAt + HASH_CHARS) };
    if (active.size >= this.#segmentBytes) this.#finishActive();
    return { firstSeq, count, prevHash, records };
  }

  /**
   * Up to `max` records after seq `after`, in order, read back from the segment files (what the
   * index feeds on, so a large backlog costs disk, not memory). Sequential reads continue where
   * the last one stopped.
   */
  read(after: number, max: number): LogRecord[] {
    const records: LogRecord[] = [];
    while (records.length < max && after < this.#head.seq) {
      const segment = this.#segments.find((candidate) => candidate.firstSeq <= after + 1 && after + 1 <= candidate.lastSeq);
      if (!segment) throw new AuditLogCorruptError(`the audit log has no segment holding seq ${after + 1}`);
      const chunk = this.#readAt(this.#positionOf(segment, after + 1), max - records.length);
      if (chunk.records.length === 0) throw new AuditLogCorruptError(`the audit log segment ${segment.path} ends before seq ${after + 1}`);
      records.push(...chunk.records);
      after = chunk.records.at(-1)!.seq;
      this.#cursor = { segment, seq: after + 1, offset: chunk.end, prevHash: chunk.records.at(-1)!.hash };
    }
    return records;
  }

  /**
   * The bodies of these seqs as the log holds them (undefined where it holds none: pruned, or the
   * segment is gone). Not checked against the chain here: verify() does that with the index's hashes.
   */
  bodies(seqs: readonly number[]): (string | undefined)[] {
    const out: (string | undefined)[] = new Array<string | undefined>(seqs.length);
    const bySegment = new Map<Segment, number[]>();
    for (const [i, seq] of seqs.entries()) {
      const segment = this.#segmentHolding(seq);
      if (!segment) continue;
      const wanted = bySegment.get(segment);
      if (wanted) wanted.push(i);
      else bySegment.set(segment, [i]);
    }
    for (const [segment, indexes] of bySegment) {
      const active = this.#active?.segment === segment ? this.#active : undefined;
      const fd = active ? active.fd : openIfPresent(segment.path);
      if (fd === undefined) continue;
      try {
        const offsets = this.#offsetsOf(segment);
        for (const i of indexes) {
          const at = seqs[i]! - segment.firstSeq;
          const start = offsets[at];
          const end = offsets[at + 1];
          if (start === undefined || end === undefined) continue;
          const record = Buffer.allocUnsafe(end - start);
          if (readSync(fd, record, 0, record.length, start) !== record.length || record.readUInt32BE(0) !== record.length - LENGTH_BYTES) continue;
          out[i] = record.toString('utf8', LENGTH_BYTES + HASH_CHARS);
        }
      } finally {
        if (!active) closeSync(fd);
      }
    }
    return out;
  }

  /** Makes every record appended so far durable. */
  sync(): void {
    const active = this.#active;
    if (!active || !active.dirty) return;
    fdatasyncSync(active.fd);
    active.dirty = false;
  }

  /** Deletes the segments whose records retention removed, all up to `seq` (the active one stays). */
  dropThrough(seq: number): void {
    for (let i = 0; i < this.#segments.length; ) {
      const segment = this.#segments[i]!;
      if (segment.lastSeq <= seq && segment !== this.#active?.segment) {
        unlinkSync(segment.path);
        this.#segments.splice(i, 1);
      } else i++;
    }
  }

  /** Syncs and closes the file. */
  close(): void {
    if (this.#active) this.#finishActive();
  }

  #segmentHolding(seq: number): Segment | undefined {
    let low = 0;
    let high = this.#segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const segment = this.#segments[middle]!;
      if (seq < segment.firstSeq) high = middle - 1;
      else if (seq > segment.lastSeq) low = middle + 1;
      else return segment;
    }
    return undefined;
  }

  /** Record offsets of a segment (see Segment.offsets), walking its length prefixes once. */
  #offsetsOf(segment: Segment): number[] {
    if (segment.offsets) return segment.offsets;
    const buffer = readFileSync(segment.path);
    const head = parseHeader(buffer);
    if (!head) throw new AuditLogCorruptError(`audit log segment ${segment.path} has no valid header`);
    const offsets = [head.end];
    const count = segment.lastSeq - segment.firstSeq + 1;
    let offset = head.end;
    while (offsets.length <= count && offset + LENGTH_BYTES <= buffer.length) {
      offset += LENGTH_BYTES + buffer.readUInt32BE(offset);
      if (offset > buffer.length) break;
      offsets.push(offset);
    }
    segment.offsets = offsets;
    return offsets;
  }

  /** Where seq's record starts in the segment, and the hash before it. */
  #positionOf(segment: Segment, seq: number): Position {
    const cursor = this.#cursor;
    if (cursor && cursor.segment === segment && cursor.seq === seq) return cursor;
    // Not where the last read stopped (the first read, or a retry): walk the segment from its header.
    const buffer = readFileSync(segment.path);
    const head = parseHeader(buffer);
    if (!head) throw new AuditLogCorruptError(`audit log segment ${segment.path} has no valid header`);
    if (seq === segment.firstSeq) return { segment, seq, offset: head.end, prevHash: head.header.prevHash };
    const before = readRecords(buffer, head.end, segment.firstSeq, head.header.prevHash, seq - segment.firstSeq);
    const last = before.records.at(-1);
    if (!last || last.seq !== seq - 1) throw new AuditLogCorruptError(`audit log segment ${segment.path} ends before seq ${seq}`);
    return { segment, seq, offset: before.end, prevHash: last.hash };
  }

  #readAt(position: Position, max: number): { records: LogRecord[]; end: number } {
    const segment = position.segment;
    const fd = openSync(segment.path, 'r');
    try {
      let size = READ_BYTES;
      for (;;) {
        const buffer = Buffer.allocUnsafe(size);
        const read = readSync(fd, buffer, 0, size, position.offset);
        const chunk = readRecords(buffer.subarray(0, read), 0, position.seq, position.prevHash, max);
        // A record larger than the buffer: read again with room for it.
        if (chunk.records.length === 0 && read === size) {
          size *= 4;
          continue;
        }
        return { records: chunk.records, end: position.offset + chunk.end };
      }
    } finally {
      closeSync(fd);
    }
  }

  #startSegment(): ActiveSegment {
    const firstSeq = this.#head.seq + 1;
    const segment: Segment = { path: join(this.#dir, `${String(firstSeq).padStart(16, '0')}.seg`), firstSeq, lastSeq: firstSeq - 1 };
    // Read too: bodies are read back from the active segment.
    const fd = openSync(segment.path, 'w+');
    const header = encodeHeader({ firstSeq, prevHash: this.#head.hash });
    writeSync(fd, header, 0, header.length, 0);
    fsyncSync(fd);
    // The new file's directory entry must be durable before anything in it is promised to be.
    syncDirectory(this.#dir);
    this.#segments.push(segment);
    this.#active = { segment, fd, size: header.length, dirty: false };
    return this.#active;
  }

  #finishActive(): void {
    const active = this.#active!;
    if (active.dirty) fdatasyncSync(active.fd);
    closeSync(active.fd);
    this.#active = undefined;
  }
}

/** A read-only descriptor, or undefined when the file is gone (a segment removed behind our back). */
function openIfPresent(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function truncate(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
