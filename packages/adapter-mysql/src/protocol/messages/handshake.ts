import { Capability } from '../constants.js';
import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/** Initial Handshake Packet, protocol version 10: the server's greeting. */
export interface HandshakeV10 {
  readonly protocolVersion: number;
  readonly serverVersion: string;
  readonly connectionId: number;
  /** The full scramble (auth-plugin-data parts 1 and 2, without the trailing NUL): normally 20 bytes. */
  readonly authPluginData: Buffer;
  readonly capabilities: number;
  readonly characterSet: number;
  readonly statusFlags: number;
  readonly authPluginName: string;
  /** MariaDB's extended capabilities (in the reserved bytes when the server lacks CLIENT_MYSQL); 0 otherwise. */
  readonly mariadbCapabilities: number;
}

export function decodeHandshakeV10(payload: Buffer): HandshakeV10 {
  const c = new PayloadCursor(payload, 'HandshakeV10');
  const protocolVersion = c.int1('protocol version');
  if (protocolVersion !== 10) c.fail(`protocol version ${protocolVersion} is not supported (expected 10)`);
  const serverVersion = c.nulString('server version');
  const connectionId = c.int4('connection id');
  const part1 = c.bytes(8, 'auth-plugin-data part 1');
  c.skip(1, 'filler');
  const capsLow = c.int2('capability flags (lower)');
  let characterSet = 0;
  let statusFlags = 0;
  let capsHigh = 0;
  let authDataLength = 0;
  let mariadbCapabilities = 0;
  let part2: Buffer = Buffer.alloc(0);
  let authPluginName = '';
  if (c.remaining > 0) {
    characterSet = c.int1('character set');
    statusFlags = c.int2('status flags');
    capsHigh = c.int2('capability flags (upper)');
    authDataLength = c.int1('auth-plugin-data length');
    c.skip(6, 'reserved');
    mariadbCapabilities = c.int4('reserved / MariaDB capabilities');
  }
  const capabilities = (capsLow | (capsHigh << 16)) >>> 0;
  if (capabilities & Capability.SECURE_CONNECTION) {
    const length = Math.max(13, authDataLength - 8);
    part2 = c.bytes(Math.min(length, c.remaining), 'auth-plugin-data part 2');
  }
  if (capabilities & Capability.PLUGIN_AUTH) authPluginName = c.nulBytesOrRest().toString('utf8');
  // Part 2 ends with a NUL that is not part of the scramble.
  const tail = part2.length > 0 && part2[part2.length - 1] === 0 ? part2.subarray(0, part2.length - 1) : part2;
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, tail]),
    capabilities,
    characterSet,
    statusFlags,
    authPluginName,
    // Only meaningful when the server cleared CLIENT_MYSQL (bit 0), as MariaDB does.
    mariadbCapabilities: capabilities & Capability.LONG_PASSWORD ? 0 : mariadbCapabilities,
  };
}

export interface HandshakeV10Input {
  readonly serverVersion: string;
  readonly connectionId: number;
  /** 20 bytes of scramble. */
  readonly authPluginData: Buffer;
  readonly capabilities: number;
  readonly characterSet: number;
  readonly statusFlags: number;
  readonly authPluginName: string;
}

export function encodeHandshakeV10(input: HandshakeV10Input): Buffer {
  const data = input.authPluginData;
  return new PayloadWriter()
    .int1(10)
    .nulString(input.serverVersion)
    .int4(input.connectionId)
    .bytes(data.subarray(0, 8))
    .int1(0)
    .int2(input.capabilities & 0xffff)
    .int1(input.characterSet)
    .int2(input.statusFlags)
    .int2(input.capabilities >>> 16)
    .int1(data.length + 1)
    .zeros(10)
    .bytes(data.subarray(8))
    .int1(0)
    .nulString(input.authPluginName)
    .packet(0);
}

/** HandshakeResponse41 (or, when it stops after 32 bytes with CLIENT_SSL set, an SSLRequest). */
export interface HandshakeResponse41 {
  readonly capabilities: number;
  readonly maxPacketSize: number;
  readonly characterSet: number;
  /** MariaDB's extended client capabilities (bytes 28..31 of the filler). */
  readonly mariadbCapabilities: number;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database: string | undefined;
  readonly authPluginName: string | undefined;
  readonly connectAttributes: ReadonlyMap<string, string>;
}

/** The 32-byte prefix every HandshakeResponse41 starts with; alone it is an SSLRequest. */
export const SSL_REQUEST_LENGTH = 32;

export function isSslRequest(payload: Buffer): boolean {
  return payload.length === SSL_REQUEST_LENGTH && (payload.readUInt32LE(0) & Capability.SSL) !== 0;
}

export function decodeSslRequest(payload: Buffer): { capabilities: number; maxPacketSize: number; characterSet: number } {
  const c = new PayloadCursor(payload, 'SSLRequest', true);
  const capabilities = c.int4('capability flags');
  const maxPacketSize = c.int4('max packet size');
  const characterSet = c.int1('character set');
  c.skip(23, 'filler');
  c.end();
  return { capabilities, maxPacketSize, characterSet };
}

export function decodeHandshakeResponse41(payload: Buffer): HandshakeResponse41 {
  const c = new PayloadCursor(payload, 'HandshakeResponse41', true);
  const capabilities = c.int4('capability flags');
  if (!(capabilities & Capability.PROTOCOL_41)) c.fail('the client does not speak protocol 4.1 (CLIENT_PROTOCOL_41 unset)');
  const maxPacketSize = c.int4('max packet size');
  const characterSet = c.int1('character set');
  c.skip(19, 'filler');
  const mariadbCapabilities = c.int4('MariaDB capabilities');
  const user = c.nulString('user');
  let authResponse: Buffer;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = c.lenencBytes('auth response');
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = c.bytes(c.int1('auth response length'), 'auth response');
  else authResponse = c.nulBytesOrRest();
  let database: string | undefined;
  if (capabilities & Capability.CONNECT_WITH_DB && c.remaining > 0) database = c.nulString('database');
  let authPluginName: string | undefined;
  if (capabilities & Capability.PLUGIN_AUTH && c.remaining > 0) authPluginName = c.nulBytesOrRest().toString('utf8');
  const connectAttributes = new Map<string, string>();
  if (capabilities & Capability.CONNECT_ATTRS && c.remaining > 0) {
    const length = c.lenencInt('connect attributes length');
    const attrs = new PayloadCursor(c.bytes(length, 'connect attributes'), 'connect attributes');
    while (attrs.remaining > 0) connectAttributes.set(attrs.lenencString('attribute name'), attrs.lenencString('attribute value'));
  }
  return {
    capabilities,
    maxPacketSize,
    characterSet,
    mariadbCapabilities,
    user,
    authResponse: Buffer.from(authResponse),
    database: database === '' ? undefined : database,
    authPluginName,
    connectAttributes,
  };
}

export interface HandshakeResponse41Input {
  readonly capabilities: number;
  readonly maxPacketSize: number;
  readonly characterSet: number;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database?: string;
  readonly authPluginName: string;
  readonly connectAttributes?: ReadonlyMap<string, string>;
}

export function encodeSslRequest(capabilities: number, maxPacketSize: number, characterSet: number, sequenceId: number): Buffer {
  return new PayloadWriter()
    .int4((capabilities | Capability.SSL) >>> 0)
    .int4(maxPacketSize)
    .int1(characterSet)
    .zeros(23)
    .packet(sequenceId);
}

export function encodeHandshakeResponse41(input: HandshakeResponse41Input, sequenceId: number): Buffer {
  let capabilities = input.capabilities | Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH;
  if (input.database) capabilities |= Capability.CONNECT_WITH_DB;
  else capabilities &= ~Capability.CONNECT_WITH_DB;
  const attrs = input.connectAttributes;
  if (attrs && attrs.size > 0) capabilities |= Capability.CONNECT_ATTRS;
  else capabilities &= ~Capability.CONNECT_ATTRS;
  const w = new PayloadWriter()
    .int4(capabilities >>> 0)
    .int4(input.maxPacketSize)
    .int1(input.characterSet)
    .zeros(23)
    .nulString(input.user);
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) w.lenencBytes(input.authResponse);
  else w.int1(input.authResponse.length).bytes(input.authResponse);
  if (input.database) w.nulString(input.database);
  w.nulString(input.authPluginName);
  if (attrs && attrs.size > 0) {
    const inner = new PayloadWriter();
    for (const [name, value] of attrs) inner.lenencString(name).lenencString(value);
    w.lenencBytes(inner.payload());
  }
  return w.packet(sequenceId);
}
