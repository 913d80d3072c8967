// Test-only: a scripted MySQL 8 server for the upstream login paths MariaDB cannot exercise
// (caching_sha2_password fast and full authentication, RSA key exchange, auth switches).
import { constants, createHash, privateDecrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { Capability, ServerStatus, UTF8MB4_GENERAL_CI } from '../protocol/constants.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { Packet } from '../protocol/packet.js';
import { nextSequenceId } from '../protocol/packet.js';
import { encodeAuthMoreData, encodeAuthSwitchRequest } from '../protocol/messages/auth.js';
import { encodeColumnCount, encodeColumnDefinition } from '../protocol/messages/columns.js';
import { encodeErr, encodeOk } from '../protocol/messages/generic.js';
import { decodeHandshakeResponse41, encodeHandshakeV10, isSslRequest } from '../protocol/messages/handshake.js';
import type { HandshakeResponse41 } from '../protocol/messages/handshake.js';
import { PayloadWriter } from '../protocol/writer.js';
import { PacketStream } from '../session/packet-stream.js';
import { upgradeToTls } from '../session/tls-upgrade.js';

/** What MySQL 8.0 offers in its greeting (SSL added when TLS is configured). */
export const MYSQL8_CAPABILITIES =
  (Capability.LONG_PASSWORD |
    Capability.FOUND_ROWS |
    Capability.LONG_FLAG |
    Capability.CONNECT_WITH_DB |
    Capability.NO_SCHEMA |
    Capability.COMPRESS |
    Capability.ODBC |
    Capability.LOCAL_FILES |
    Capability.IGNORE_SPACE |
    Capability.PROTOCOL_41 |
    Capability.INTERACTIVE |
    Capability.IGNORE_SIGPIPE |
    Capability.TRANSACTIONS |
    Capability.RESERVED |
    Capability.SECURE_CONNECTION |
    Capability.MULTI_STATEMENTS |
    Capability.MULTI_RESULTS |
    Capability.PS_MULTI_RESULTS |
    Capability.PLUGIN_AUTH |
    Capability.CONNECT_ATTRS |
    Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
    Capability.CAN_HANDLE_EXPIRED_PASSWORDS |
    Capability.SESSION_TRACK |
    Capability.DEPRECATE_EOF |
    Capability.QUERY_ATTRIBUTES) >>>
  0;

export interface FakeMysql8Options {
  readonly user: string;
  readonly password: string;
  /** The account's plugin (default caching_sha2_password). */
  readonly accountPlugin?: 'caching_sha2_password' | 'mysql_native_password';
  /** The plugin the greeting names (default_authentication_plugin); default the account's. */
  readonly greetingPlugin?: string;
  /** Offer TLS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The password's hash is in the server's cache, so fast authentication can succeed (default true). */
  readonly cached?: boolean;
  /** After the handshake response, switch to this plugin whatever the client used (a rogue or odd server). */
  readonly forceSwitchTo?: string;
  /** The server's RSA key pair (caching_sha2_password full authentication without TLS). */
  readonly rsa: { readonly publicKey: string; readonly privateKey: string };
  /** Answers COM_QUERY after login: result columns and text rows, or an OK when absent. */
  readonly answer?: (sql: string) => { columns: string[]; rows: Array<Array<string | null>> } | undefined;
}

/** One packet the server received, with whether it came inside TLS. */
export interface ReceivedPacket {
  readonly sequenceId: number;
  readonly payload: Buffer;
  readonly tls: boolean;
}

/** What happened on one connection. */
export interface FakeConnection {
  readonly received: ReceivedPacket[];
  /** The greeting's scramble, and the one sent with an AuthSwitchRequest (if any). */
  readonly scramble: Buffer;
  switchScramble: Buffer | undefined;
  response: HandshakeResponse41 | undefined;
  /** How authentication went: the path taken and its result. */
  readonly steps: string[];
  outcome: 'pending' | 'ok' | 'denied' | 'closed';
  readonly queries: string[];
  readonly done: Promise<void>;
}

export interface FakeMysql8 {
  readonly port: number;
  readonly connections: FakeConnection[];
  close(): Promise<void>;
}

const sha1 = (...parts: Uint8Array[]): Buffer => parts.reduce((hash, part) => hash.update(part), createHash('sha1')).digest();
const sha256 = (...parts: Uint8Array[]): Buffer => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ b[i % b.length]!));
const equal = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** The server side of the checks, written from the MySQL manual (not from the gateway's code). */
function cachingSha2Matches(response: Buffer, password: string, scramble: Buffer): boolean {
  if (response.length !== 32) return false;
  const stored = sha256(sha256(Buffer.from(password)));
  return equal(sha256(xor(response, sha256(stored, scramble))), stored);
}

function nativeMatches(response: Buffer, password: string, scramble: Buffer): boolean {
  if (response.length !== 20) return false;
  const stored = sha1(sha1(Buffer.from(password)));
  return equal(sha1(xor(response, sha1(scramble, stored))), stored);
}

function scramble20(): Buffer {
  // Printable and NUL-free, as servers make them.
  return Buffer.from(randomBytes(20).map((byte) => 0x21 + (byte % 0x5e)));
}

export async function startFakeMysql8(options: FakeMysql8Options): Promise<FakeMysql8> {
  const connections: FakeConnection[] = [];
  const sockets = new Set<Socket>();
  const secureContext = options.tls ? createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : undefined;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const scramble = scramble20();
    let resolveDone!: () => void;
    const connection: FakeConnection = {
      received: [],
      scramble,
      switchScramble: undefined,
      response: undefined,
      steps: [],
      outcome: 'pending',
      queries: [],
      done: new Promise((resolve) => (resolveDone = resolve)),
    };
    connections.push(connection);
    serve(socket, connection, options, secureContext)
      .catch(() => {
        if (connection.outcome === 'pending') connection.outcome = 'closed';
      })
      .finally(() => {
        socket.destroy();
        resolveDone();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function serve(socket: Socket, connection: FakeConnection, options: FakeMysql8Options, secureContext: ReturnType<typeof createSecureContext> | undefined): Promise<void> {
  const accountPlugin = options.accountPlugin ?? 'caching_sha2_password';
  const capabilities = (MYSQL8_CAPABILITIES | (secureContext ? Capability.SSL : 0)) >>> 0;
  socket.write(
    encodeHandshakeV10({
      serverVersion: '8.0.36',
      connectionId: 42,
      authPluginData: connection.scramble,
      capabilities,
      characterSet: UTF8MB4_GENERAL_CI,
      statusFlags: ServerStatus.AUTOCOMMIT,
      authPluginName: options.greetingPlugin ?? accountPlugin,
    }),
  );
  let tls = false;
  let reader = new PacketReader({ peer: 'gateway' });
  reader.holdAfterNextPacket();
  let stream = new PacketStream(socket, reader, 'gateway');
  let transport: Duplex = socket;
  const read = async (): Promise<Packet> => {
    const packet = await stream.next(5_000);
    connection.received.push({ sequenceId: packet.sequenceId, payload: Buffer.from(packet.payload), tls });
    return packet;
  };
  let first = await read();
  const held = reader.takeHeld();
  stream.detach();
  if (isSslRequest(first.payload)) {
    if (!secureContext) throw new Error('SSLRequest without TLS offered');
    transport = await upgradeToTls(socket, held, secureContext, 5_000);
    tls = true;
    connection.steps.push('tls');
  }
  reader = new PacketReader({ peer: 'gateway' });
  stream = new PacketStream(transport, reader, 'gateway');
  stream.feed(held.length > 0 && !tls ? held : Buffer.alloc(0));
  if (tls) first = await read();
  const response = decodeHandshakeResponse41(first.payload);
  connection.response = response;
  let sequenceId = nextSequenceId(first.sequenceId);
  const send = (packet: Buffer): void => {
    transport.write(packet);
  };
  const exchange = async (build: (sequenceId: number) => Buffer): Promise<Packet> => {
    send(build(sequenceId));
    const packet = await read();
    sequenceId = nextSequenceId(packet.sequenceId);
    return packet;
  };
  const deny = (): void => {
    connection.steps.push('denied');
    connection.outcome = 'denied';
    send(encodeErr({ errorCode: 1045, sqlState: '28000', message: `Access denied for user '${response.user}'@'localhost' (using password: YES)` }, sequenceId));
  };
  if (response.user !== options.user) return deny();

  let plugin = response.authPluginName ?? '';
  let authData = response.authResponse;
  let scramble = connection.scramble;
  const target = options.forceSwitchTo ?? (plugin !== accountPlugin ? accountPlugin : undefined);
  if (target) {
    scramble = scramble20();
    connection.switchScramble = scramble;
    connection.steps.push(`switch:${target}`);
    plugin = target;
    const reply = await exchange((id) => encodeAuthSwitchRequest({ pluginName: target, pluginData: scramble }, id));
    authData = reply.payload;
  }

  let accepted: boolean;
  if (plugin === 'mysql_native_password') {
    accepted = nativeMatches(authData, options.password, scramble);
    connection.steps.push('native');
  } else if (plugin === 'mysql_clear_password') {
    accepted = authData.toString('utf8') === `${options.password}\0`;
    connection.steps.push('cleartext');
  } else {
    const fast = cachingSha2Matches(authData, options.password, scramble);
    if (fast && (options.cached ?? true)) {
      connection.steps.push('fast-auth');
      send(encodeAuthMoreData(Buffer.from([0x03]), sequenceId));
      sequenceId = nextSequenceId(sequenceId);
      accepted = true;
    } else if (!fast && (options.cached ?? true)) {
      // MySQL 8: a cached account whose scramble does not match is refused without full authentication.
      connection.steps.push('fast-auth-mismatch');
      accepted = false;
    } else {
      connection.steps.push('full-auth');
      let reply = await exchange((id) => encodeAuthMoreData(Buffer.from([0x04]), id));
      if (tls) {
        accepted = reply.payload.toString('utf8') === `${options.password}\0`;
        connection.steps.push('cleartext-in-tls');
      } else {
        // A client configured with the server's key encrypts at once; others ask for it (0x02).
        if (reply.payload.length === 1 && reply.payload[0] === 0x02) {
          connection.steps.push('public-key-request');
          reply = await exchange((id) => encodeAuthMoreData(Buffer.from(options.rsa.publicKey, 'latin1'), id));
        }
        const plain = privateDecrypt({ key: options.rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, reply.payload);
        accepted = xor(plain, scramble).toString('utf8') === `${options.password}\0`;
        connection.steps.push('rsa');
      }
    }
  }
  if (!accepted) return deny();
  connection.outcome = 'ok';
  send(encodeOk({ statusFlags: ServerStatus.AUTOCOMMIT }, sequenceId, response.capabilities));
  await commands(transport, read, connection, options, response.capabilities);
}

/** After login: COM_QUERY answered from `options.answer`, COM_PING, COM_QUIT. */
async function commands(transport: Duplex, read: () => Promise<Packet>, connection: FakeConnection, options: FakeMysql8Options, clientCapabilities: number): Promise<void> {
  const deprecateEof = (clientCapabilities & Capability.DEPRECATE_EOF) !== 0;
  for (;;) {
    const packet = await read();
    const command = packet.payload[0];
    if (command === 0x01) return; // COM_QUIT
    if (command !== 0x03) {
      transport.write(encodeOk({ statusFlags: ServerStatus.AUTOCOMMIT }, 1, clientCapabilities));
      continue;
    }
    const sql = packet.payload.toString('utf8', 1);
    connection.queries.push(sql);
    const result = options.answer?.(sql);
    if (!result) {
      transport.write(encodeOk({ statusFlags: ServerStatus.AUTOCOMMIT }, 1, clientCapabilities));
      continue;
    }
    transport.write(textResultSet(result.columns, result.rows, deprecateEof, clientCapabilities));
  }
}

/** A text-protocol result set of VARCHAR columns from table `app.t`. */
export function textResultSet(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>, deprecateEof: boolean, capabilities: number): Buffer {
  let id = 1;
  const packets: Buffer[] = [encodeColumnCount(columns.length, id++)];
  for (const name of columns) {
    packets.push(
      encodeColumnDefinition(
        { catalog: 'def', schema: 'app', table: 't', orgTable: 't', name, orgName: name, characterSet: UTF8MB4_GENERAL_CI, columnLength: 400, type: 0xfd, flags: 0, decimals: 0 },
        id++,
      ),
    );
  }
  if (!deprecateEof) packets.push(new PayloadWriter().int1(0xfe).int2(0).int2(ServerStatus.AUTOCOMMIT).packet(id++));
  for (const row of rows) {
    const w = new PayloadWriter();
    for (const value of row) {
      if (value === null) w.int1(0xfb);
      else w.lenencString(value);
    }
    packets.push(w.packet(id++));
  }
  packets.push(
    deprecateEof
      ? encodeOk({ statusFlags: ServerStatus.AUTOCOMMIT }, id, capabilities, 0xfe)
      : new PayloadWriter().int1(0xfe).int2(0).int2(ServerStatus.AUTOCOMMIT).packet(id),
  );
  return Buffer.concat(packets);
}
