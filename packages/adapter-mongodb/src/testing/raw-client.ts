// Test-only: a minimal wire client that reads cursor batches without decoding the documents, so a
// memory measurement shows the gateway's footprint and not a driver's garbage.
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { Binary, Long, deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { encodePlainPayload } from '../auth/plain.js';
import { MessageReader, UPSTREAM_OPCODES } from '../protocol/message-reader.js';
import { decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import { BsonType, findElement, rawElements, readInteger } from '../protocol/raw-bson.js';
import { MessageStream } from '../session/message-stream.js';

export interface RawMongoClient {
  /** Runs a command and returns the reply, decoded (for small replies). */
  command(command: Document): Promise<Document>;
  /**
   * Runs a cursor command and every getMore, counting documents from the raw batches; `onDocument`
   * gets the bytes of the documents whose index it asks for (`wants(index)`), nothing is kept.
   */
  countCursor(command: Document, options: { batchSize: number; wants(index: number): boolean; onDocument(index: number, bytes: Buffer): void }): Promise<number>;
  close(): void;
}

/** Connects over TLS and authenticates with SASL PLAIN (user + gateway token) in one step. */
export async function openRawClient(port: number, ca: string, user: string, token: string): Promise<RawMongoClient> {
  const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const stream = new MessageStream(socket, new MessageReader({ accept: UPSTREAM_OPCODES, peer: 'gateway' }), 'gateway');
  let requestId = 0;

  async function roundTrip(command: Document): Promise<Buffer> {
    socket.write(encodeOpMsg({ requestId: ++requestId, responseTo: 0, body: Buffer.from(serialize(command)) }));
    const reply = await stream.next(150_000);
    return decodeOpMsg(reply).body;
  }

  async function command(body: Document): Promise<Document> {
    const reply = deserialize(await roundTrip(body));
    if (reply['ok'] !== 1) throw Object.assign(new Error(String(reply['errmsg'])), { code: reply['code'] });
    return reply;
  }

  await command({ saslStart: 1, mechanism: 'PLAIN', payload: new Binary(encodePlainPayload(user, token)), $db: '$external' });

  return {
    command,
    async countCursor(first, options) {
      const db = String(first['$db']);
      let count = 0;
      let body = await roundTrip(first);
      for (;;) {
        const top = rawElements(body);
        const cursorElement = findElement(top, 'cursor');
        if (!cursorElement || cursorElement.type !== BsonType.Document) throw new Error(`not a cursor reply: ${JSON.stringify(deserialize(body))}`);
        const cursor = body.subarray(cursorElement.valueStart, cursorElement.end);
        const fields = rawElements(cursor);
        const batch = findElement(fields, 'firstBatch') ?? findElement(fields, 'nextBatch');
        const idElement = findElement(fields, 'id');
        const ns = findElement(fields, 'ns');
        if (!batch || !idElement || !ns) throw new Error('cursor reply without id, ns or batch');
        const items = batch.type === BsonType.Array ? rawElements(cursor.subarray(batch.valueStart, batch.end)) : [];
        const array = cursor.subarray(batch.valueStart, batch.end);
        for (const item of items) {
          if (options.wants(count)) options.onDocument(count, array.subarray(item.valueStart, item.end));
          count++;
        }
        const id = readInteger(cursor, idElement) ?? 0n;
        if (id === 0n) return count;
        const collection = cursor.toString('utf8', ns.valueStart + 4, ns.end - 1).slice(db.length + 1);
        body = await roundTrip({ getMore: Long.fromBigInt(id), collection, batchSize: options.batchSize, $db: db });
      }
    },
    close: () => socket.destroy(),
  };
}
