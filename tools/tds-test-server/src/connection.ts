import type { Socket } from 'node:net';
import {
  acceptStrictTls,
  acceptTlsInPrelogin,
  decodeLogin7,
  decodePrelogin,
  Encryption,
  encodePrelogin,
  negotiateEncryption,
  PacketType,
} from '@gatehouse/adapter-mssql';
import type { Encryption as EncryptionValue } from '@gatehouse/adapter-mssql';
import { Channel } from './channel.js';
import { loginFailure, loginSuccess, negotiatedPacketSize } from './login.js';
import { Session } from './session.js';
import type { ServerState } from './server-state.js';

const ENCRYPTION_SETTING: Record<string, EncryptionValue> = {
  off: Encryption.Off,
  on: Encryption.On,
  required: Encryption.Required,
};

/** One client connection: PRELOGIN (+TLS), LOGIN7, then the request loop. */
export async function serveConnection(socket: Socket, state: ServerState): Promise<void> {
  socket.setNoDelay(true);
  const spid = state.nextSpid();
  const first = await firstChunk(socket);
  if (!first) return;
  let channel: Channel;
  let strict = false;
  if (first[0] === 0x16) {
    // TDS 8: TLS before anything else.
    if (!state.tls) {
      socket.destroy();
      return;
    }
    const { tls } = await acceptStrictTls(socket, { key: state.tls.key, cert: state.tls.cert, initial: first });
    channel = new Channel(tls, spid);
    strict = true;
  } else {
    channel = new Channel(socket, spid, first);
  }
  const prelogin = await channel.next();
  if (!prelogin || prelogin.type !== PacketType.Prelogin) {
    socket.destroy();
    return;
  }
  const request = decodePrelogin(prelogin.payload);
  const setting: EncryptionValue = strict ? Encryption.NotSupported : state.tls ? (ENCRYPTION_SETTING[state.tls.encryption ?? 'off'] ?? Encryption.Off) : Encryption.NotSupported;
  const { response, outcome } = strict ? { response: Encryption.NotSupported, outcome: 'none' as const } : negotiateEncryption(request.encryption ?? Encryption.NotSupported, setting);
  channel.send(
    PacketType.TabularResult,
    encodePrelogin({
      version: { major: 16, minor: 0, build: 4135, subbuild: 0 },
      encryption: response,
      instance: Buffer.alloc(0),
      mars: false,
      ...(request.fedAuthRequired !== undefined ? { fedAuthRequired: false } : {}),
    }),
  );
  state.record({ spid, event: 'prelogin', outcome: strict ? 'strict' : outcome });
  if (outcome === 'refuse') {
    socket.end();
    return;
  }
  let loginOnly: { detach(): Buffer } | undefined;
  if (outcome === 'full' || outcome === 'login-only') {
    const leftover = channel.pause();
    const { tls, carrier } = await acceptTlsInPrelogin(socket, { key: state.tls!.key, cert: state.tls!.cert, initial: leftover });
    channel.resume(tls);
    if (outcome === 'login-only') {
      loginOnly = carrier;
      // A LOGIN7 longer than one packet continues in plaintext after its first (encrypted) packet.
      carrier.once('plaintext', (rest: Buffer) => {
        channel.pause();
        channel.resume(socket, rest);
      });
    }
  }
  const loginMessage = await channel.next();
  if (!loginMessage || loginMessage.type !== PacketType.Login7) {
    socket.destroy();
    return;
  }
  if (loginOnly && channel.current !== socket) {
    const rest = channel.pause();
    const extra = loginOnly.detach();
    channel.resume(socket, Buffer.concat([rest, extra]));
  }
  const login = decodeLogin7(loginMessage.payload);
  const expected = state.users.get(login.userName);
  const ok = login.fedAuth === undefined && expected !== undefined && expected === login.password;
  state.record({ spid, event: 'login', user: login.userName, ok, encrypted: outcome, fedAuth: login.fedAuth !== undefined });
  if (!ok) {
    channel.send(PacketType.TabularResult, loginFailure(login.userName));
    channel.current.end();
    return;
  }
  const packetSize = negotiatedPacketSize(login);
  const database = login.database || 'master';
  channel.send(PacketType.TabularResult, loginSuccess(login, database, packetSize, state.route));
  if (state.route) {
    // Redirected, as Azure SQL's gateway does: the client must reconnect to the routed server.
    state.record({ spid, event: 'routed', to: `${state.route.server}:${state.route.port}` });
    channel.current.end();
    return;
  }
  channel.setPacketSize(packetSize);
  await new Session(channel, state, { user: login.userName, database }).run();
}

function firstChunk(socket: Socket): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.once('close', onEnd);
  });
}
