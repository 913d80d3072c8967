import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { BSON } from 'mongodb';
import { CLIENT_OPCODES, MessageReader, decodeOpMsg, encodeOpMsg } from '@gatehouse/adapter-mongodb';
import type { MongoMessage } from '@gatehouse/adapter-mongodb';

/** A listening canned upstream; `stop()` closes it and its connections. */
export interface CannedUpstream {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const HELLO = {
  isWritablePrimary: true,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  logicalSessionTimeoutMinutes: 30,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ok: 1,
};

/**
 * A stand-in MongoDB server that answers every `find` with the same one-document batch (as a
 * find-by-_id through jongodb does, a closed cursor) and anything else (hello, buildInfo, ping)
 * with a minimal success. It answers at once, in the same process and without a storage engine, so
 * a CPU measurement around it shows what the proxy in front costs, not what a server does.
 */
export function startCannedUpstream(): Promise<CannedUpstream> {
  const sockets = new Set<Socket>();
  const findReply = Buffer.from(
    BSON.serialize({
      cursor: { id: BSON.Long.fromNumber(0), ns: 'bench.docs', firstBatch: [{ _id: 7, name: 'customer 7', email: 'c7@example.com', balance: 21 }] },
      ok: 1,
    }),
  );
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' });
    socket.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) socket.write(answer(message, findReply));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

let nextRequestId = 1;

function answer(message: MongoMessage, findReply: Buffer): Buffer {
  const body = decodeOpMsg(message).body;
  // The command name is the first element's: bytes 5.. up to its NUL.
  const name = body.toString('latin1', 5, body.indexOf(0, 5));
  const reply = name === 'find' ? findReply : Buffer.from(BSON.serialize(name === 'hello' || name === 'isMaster' ? { ...HELLO, localTime: new Date() } : { ok: 1 }));
  return encodeOpMsg({ requestId: nextRequestId++, responseTo: message.requestId, body: reply });
}
