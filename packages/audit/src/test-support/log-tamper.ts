import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_CHARS, LENGTH_BYTES, parseHeader } from '../store/log/log-format.js';

/**
 * Edits the body of event `seq` inside its segment file, as an attacker with disk access would:
 * `from` becomes `to` (same length, so the record's framing holds). Returns how to undo it.
 */
export function tamperLogBody(logDir: string, seq: number, from: string, to: string): () => void {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('tamperLogBody keeps the record length: from and to must be the same size');
  for (const name of readdirSync(logDir).filter((file) => file.endsWith('.seg'))) {
    const path = join(logDir, name);
    const original = readFileSync(path);
    const head = parseHeader(original);
    if (!head) continue;
    let offset = head.end;
    for (let current = head.header.firstSeq; offset + LENGTH_BYTES <= original.length; current++) {
      const length = original.readUInt32BE(offset);
      const bodyStart = offset + LENGTH_BYTES + HASH_CHARS;
      const bodyEnd = offset + LENGTH_BYTES + length;
      if (current === seq) {
        const at = original.subarray(bodyStart, bodyEnd).indexOf(from);
        if (at < 0) throw new Error(`event ${seq}'s body holds no ${from}`);
        const edited = Buffer.from(original);
        edited.write(to, bodyStart + at);
        writeFileSync(path, edited);
        return () => writeFileSync(path, original);
      }
      offset = bodyEnd;
    }
  }
  throw new Error(`no segment in ${logDir} holds event ${seq}`);
}
