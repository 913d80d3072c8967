// Test-only: a TCP relay between the gateway and the server that records every command the server
// receives, so tests can assert what the gateway actually sent upstream (rewritten filters,
// injected trace context) instead of trusting the gateway's own account.
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Document } from 'bson';
import type { MongoServer } from '@gatehouse/testkit';
import { decodeDocument } from '../protocol/bson-codec.js';
import { MessageReader, CLIENT_OPCODES } from '../protocol/message-reader.js';
import { decodeOpMsg } from '../protocol/op-msg.js';
import { OpCode } from '../protocol/opcodes.js';

export interface RecordingRelay {
  /** The server as the gateway should see it (the relay's address). */
  readonly server: MongoServer;
  /** Every OP_MSG command body received so far, with document sequences spliced in by identifier. */
  readonly commands: Document[];
  stop(): Promise<void>;
}

export async function startRecordingRelay(upstream: MongoServer): Promise<RecordingRelay> {
  const commands: Document[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const target = connect(upstream.port, upstream.host);
    sockets.add(client).add(target);
    const reader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' });
    client.on('data', (chunk: Buffer) => {
      // A TLS upstream (MONGODB_URL with tls=true) is relayed as it is, unread.
      if (!upstream.tls) record(chunk);
      target.write(chunk);
    });
    const record = (chunk: Buffer): void => {
      for (const message of reader.push(chunk)) {
        if (message.opCode !== OpCode.Msg) continue;
        const msg = decodeOpMsg(message);
        const command = decodeDocument(msg.body);
        for (const sequence of msg.sequences) command[sequence.identifier] = sequence.documents.map(decodeDocument);
        commands.push(command);
      }
    };
    target.pipe(client);
    const close = (): void => {
      client.destroy();
      target.destroy();
    };
    client.on('close', close).on('error', close);
    target.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay did not bind a TCP port');
  return {
    server: { ...upstream, host: '127.0.0.1', port: address.port },
    commands,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
