/**
 * Element names as strings without making a new one for the names every command and reply
 * carries: `find`, `filter`, `$db`, `cursor`, `firstBatch`, array indexes… are matched in place
 * and answered with one shared string. Decoding a name is a native call and an allocation; the
 * relay reads a dozen names per round trip, so this is most of what reading them costs. Any other
 * name (a document's own fields) is decoded as before, so the result is always what
 * `toString('utf8')` gives.
 */

/** Names seen on the usual commands and replies (both directions). */
const COMMON_NAMES = [
  // commands
  'find', 'filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'hint', 'comment', 'maxTimeMS', 'let', 'collation',
  'insert', 'documents', 'ordered', 'update', 'updates', 'delete', 'deletes', 'q', 'u', 'multi', 'upsert', 'arrayFilters',
  'aggregate', 'pipeline', 'cursor', 'allowDiskUse', 'explain', 'getMore', 'collection', 'killCursors', 'cursors',
  'count', 'query', 'distinct', 'key', 'findAndModify', 'new', 'remove', 'fields', 'bypassDocumentValidation',
  'lsid', 'txnNumber', 'autocommit', 'startTransaction', 'readConcern', 'writeConcern', 'w', 'j', 'wtimeout', 'level',
  '$db', '$readPreference', 'mode', '$clusterTime', 'clusterTime', 'signature', 'hash', 'keyId', 'apiVersion', 'apiStrict',
  'endSessions', 'ping', 'hello', 'isMaster', 'ismaster', 'buildInfo', 'saslStart', 'saslContinue', 'mechanism', 'payload',
  '_id', '$set', '$inc', '$unset', '$push', '$in', '$eq', '$gt', '$gte', '$lt', '$lte', '$ne', '$and', '$or', '$match', '$project',
  // replies
  'ok', 'n', 'nModified', 'errmsg', 'code', 'codeName', 'writeErrors', 'writeConcernError', 'errInfo', 'index', 'upserted',
  'firstBatch', 'nextBatch', 'id', 'ns', 'postBatchResumeToken', 'operationTime', 'electionId', 'value', 'values',
  'lastErrorObject', 'updatedExisting', 'atClusterTime', 'recoveryToken', 'errorLabels',
];

/** Array indexes up to this are shared strings too (a batch's documents are named 0, 1, 2, …). */
const SHARED_INDEXES = 1_024;
const INDEX_NAMES: readonly string[] = Array.from({ length: SHARED_INDEXES }, (_, index) => String(index));

interface Known {
  readonly bytes: Buffer;
  readonly name: string;
}

/** By length and first byte: `length << 8 | firstByte`. */
const KNOWN = new Map<number, Known[]>();
let longestKnown = 0;
for (const name of COMMON_NAMES) {
  const bytes = Buffer.from(name, 'latin1');
  const key = (bytes.length << 8) | bytes[0]!;
  KNOWN.set(key, [...(KNOWN.get(key) ?? []), { bytes, name }]);
  longestKnown = Math.max(longestKnown, bytes.length);
}

/** The element name in `doc[start..end)` (the bytes before its NUL), decoded as UTF-8. */
export function elementName(doc: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  const first = doc[start]!;
  if (first >= 0x30 && first <= 0x39) {
    const index = arrayIndex(doc, start, end);
    if (index >= 0) return INDEX_NAMES[index]!;
  } else if (length <= longestKnown) {
    const candidates = KNOWN.get((length << 8) | first);
    if (candidates !== undefined) {
      for (const known of candidates) if (sameBytes(known.bytes, doc, start, length)) return known.name;
    }
  }
  return doc.toString('utf8', start, end);
}

/** The index a canonical decimal name ("0", "17", not "017") spells below SHARED_INDEXES, else -1. */
function arrayIndex(doc: Buffer, start: number, end: number): number {
  if (end - start > 4 || (doc[start] === 0x30 && end - start > 1)) return -1;
  let index = 0;
  for (let i = start; i < end; i++) {
    const digit = doc[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    index = index * 10 + digit;
  }
  return index < SHARED_INDEXES ? index : -1;
}

function sameBytes(known: Buffer, doc: Buffer, start: number, length: number): boolean {
  for (let i = 1; i < length; i++) if (known[i] !== doc[start + i]) return false;
  return true;
}
