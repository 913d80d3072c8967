import {
  DEFAULT_COLLATION,
  DoneStatus,
  encodeDone,
  encodeRoutingEnvChange,
  encodeEnvChangeBytes,
  encodeEnvChangeString,
  encodeFeatureExtAck,
  encodeLoginAck,
  encodeMessageToken,
  EnvChangeType,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
} from '@gatehouse/adapter-mssql';
import type { Login7 } from '@gatehouse/adapter-mssql';

export const SERVER_NAME = 'tds-test-server';
/** What LOGINACK calls the program: honest about being a stand-in. */
export const PROGRAM_NAME = 'Gatehouse TDS test server (SQL Server stand-in)';

/** The client's packet size, clamped as SQL Server clamps it (0 = keep the server default). */
export function negotiatedPacketSize(login: Login7): number {
  if (login.packetSize === 0) return 4096;
  return Math.min(MAX_PACKET_SIZE, Math.max(MIN_PACKET_SIZE, login.packetSize));
}

/** The token stream of a successful login, in SQL Server's order. */
export function loginSuccess(login: Login7, database: string, packetSize: number, route?: { readonly server: string; readonly port: number }): Buffer {
  const tokens = [
    encodeEnvChangeString(EnvChangeType.Database, database, ''),
    encodeMessageToken('info', { number: 5701, state: 2, class: 0, message: `Changed database context to '${database}'.`, serverName: SERVER_NAME }),
    encodeEnvChangeBytes(EnvChangeType.Collation, DEFAULT_COLLATION, Buffer.alloc(0)),
    encodeEnvChangeString(EnvChangeType.Language, 'us_english', ''),
    encodeMessageToken('info', { number: 5703, state: 1, class: 0, message: 'Changed language setting to us_english.', serverName: SERVER_NAME }),
    encodeLoginAck({ tdsVersion: 0x74000004, progName: PROGRAM_NAME, progVersion: { major: 16, minor: 0, buildHi: 0x10, buildLow: 0x27 } }),
    encodeEnvChangeString(EnvChangeType.PacketSize, String(packetSize), '4096'),
  ];
  if (route) tokens.push(encodeRoutingEnvChange({ protocol: 0, port: route.port, server: route.server }));
  if (login.features.length > 0) tokens.push(encodeFeatureExtAck([]));
  tokens.push(encodeDone({ status: DoneStatus.Final }));
  return Buffer.concat(tokens);
}

/** SQL Server's answer to a failed login: error 18456, class 14, then DONE with the error bit. */
export function loginFailure(user: string): Buffer {
  return Buffer.concat([
    encodeMessageToken('error', { number: 18456, state: 1, class: 14, message: `Login failed for user '${user}'.`, serverName: SERVER_NAME, lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error }),
  ]);
}
