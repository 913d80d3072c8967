// Test-only: a minimal TDS client built from the codec, for behaviour tedious does not exercise.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import {
  decodePrelogin,
  Encryption,
  encodeLogin7,
  encodeMessage,
  encodePrelogin,
  MessageAssembler,
  PacketReader,
  PacketType,
  TokenStreamReader,
} from '@gatehouse/adapter-mssql';
import type { Message, Token } from '@gatehouse/adapter-mssql';

export class RawClient {
  private readonly reader = new PacketReader();
  private readonly assembler = new MessageAssembler();
  private readonly messages: Message[] = [];
  private waiter: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const packet of this.reader.push(chunk)) {
        const m = this.assembler.push(packet);
        if (m) this.messages.push(m);
      }
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async login(port: number, user = 'sa', password = 'Passw0rd!'): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawClient(socket);
    client.send(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.NotSupported }));
    const prelogin = await client.next();
    if (decodePrelogin(prelogin.payload).encryption !== Encryption.NotSupported) throw new Error('unexpected encryption');
    client.send(PacketType.Login7, encodeLogin7({ userName: user, password, database: 'master' }));
    await client.tokens();
    return client;
  }

  send(type: number, payload: Buffer): void {
    this.socket.write(encodeMessage(type, payload));
  }

  async next(): Promise<Message> {
    while (this.messages.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.messages.shift()!;
  }

  /** The next response message's tokens. */
  async tokens(): Promise<Token[]> {
    const message = await this.next();
    const reader = new TokenStreamReader();
    const tokens = reader.push(message.payload);
    reader.endOfMessage();
    return tokens;
  }

  close(): void {
    this.socket.destroy();
  }
}
