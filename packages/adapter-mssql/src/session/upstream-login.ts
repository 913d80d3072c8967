import { connect as connectTcp, isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { GatehouseError } from '@gatehouse/core';
import { decodeLogin7Response } from './login-response.js';
import type { LoginResponse } from './login-response.js';
import { TdsMessageStream } from './message-stream.js';
import { encodeLogin7, TdsVersion } from '../protocol/login7.js';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { clientEncryptionOutcome, decodePrelogin, Encryption, encodePrelogin } from '../protocol/prelogin.js';
import { connectStrictTls, connectTlsInPrelogin } from '../tls/tls-setup.js';

/** How the gateway reaches and logs in to the SQL Server behind a connection. */
export interface MssqlUpstreamSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Node TLS options (from `upstreamTlsOptions`), or undefined for `tls: disable`. */
  readonly tls: ConnectionOptions | undefined;
  /** TDS 8: TLS before PRELOGIN (needs `tls`). */
  readonly strict?: boolean;
  /** Packet size to ask for (the server may lower it); default 8192. */
  readonly packetSize?: number;
  readonly appName?: string;
  readonly connectTimeoutMs?: number;
  /** ENVCHANGE routing hops the gateway follows itself (never passed to clients); default 3. */
  readonly maxRedirects?: number;
}

/** The upstream refused or failed the gateway's login. `number` is SQL Server's error number (18456 …). */
export class UpstreamLoginError extends GatehouseError {
  readonly number: number | undefined;
  readonly serverMessage: string | undefined;

  constructor(message: string, details: { number?: number; serverMessage?: string; cause?: unknown } = {}) {
    super('mssql.upstream-login', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.number = details.number;
    this.serverMessage = details.serverMessage;
  }
}

/** A logged-in upstream connection, ready for requests. */
export interface MssqlUpstreamConnection {
  /** Where requests are written and responses read (TLS socket or TCP socket). */
  readonly stream: Duplex;
  /** The TCP socket under it (destroy this to close). */
  readonly socket: Socket;
  readonly messages: TdsMessageStream;
  readonly encryption: 'none' | 'full' | 'strict';
  readonly login: LoginResponse;
  /** `host:port` of every server that redirected us, in order. */
  readonly redirects: readonly string[];
}

/**
 * Connects and logs in with the gateway's own SQL credentials: PRELOGIN (ENCRYPT_ON when TLS is
 * configured, ENCRYPT_NOT_SUP otherwise — never login-only), TLS inside PRELOGIN or TDS 8 strict,
 * LOGIN7, then the login response. ENVCHANGE routing is followed here, so clients never see it.
 */
export async function loginUpstream(settings: MssqlUpstreamSettings): Promise<MssqlUpstreamConnection> {
  const redirects: string[] = [];
  let target = { host: settings.host, port: settings.port };
  for (let hop = 0; ; hop++) {
    const connection = await loginOnce(settings, target);
    const routing = connection.login.routing;
    if (!routing) return { ...connection, redirects };
    connection.socket.destroy();
    if (hop >= (settings.maxRedirects ?? 3)) {
      throw new UpstreamLoginError(`upstream redirected the login more than ${settings.maxRedirects ?? 3} times (last to ${routing.server}:${routing.port})`);
    }
    redirects.push(`${target.host}:${target.port}`);
    target = { host: routing.server, port: routing.port };
  }
}

async function loginOnce(settings: MssqlUpstreamSettings, target: { host: string; port: number }): Promise<Omit<MssqlUpstreamConnection, 'redirects'>> {
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  const socket = await openTcp(target.host, target.port, timeoutMs);
  try {
    const tlsOptions = settings.tls ? withServerName(settings.tls, target.host, settings.host) : undefined;
    let stream: Duplex = socket;
    let encryption: MssqlUpstreamConnection['encryption'] = 'none';
    if (settings.strict) {
      if (!tlsOptions) throw new UpstreamLoginError('TDS 8 strict encryption needs TLS (tls: require or verify-full)');
      stream = (await connectStrictTls(socket, { ...tlsOptions, timeoutMs })).tls;
      encryption = 'strict';
    }
    const messages = new TdsMessageStream(stream, 'upstream', { allowedTypes: [PacketType.TabularResult] });
    const sent = settings.strict ? Encryption.NotSupported : tlsOptions ? Encryption.On : Encryption.NotSupported;
    stream.write(encodeMessage(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: sent, instance: Buffer.alloc(0), threadId: process.pid, mars: false })));
    const answer = decodePrelogin((await messages.next(timeoutMs)).payload);
    if (!settings.strict) {
      const outcome = clientEncryptionOutcome(sent, answer.encryption ?? Encryption.NotSupported);
      if (outcome === 'refuse') {
        throw new UpstreamLoginError(
          tlsOptions
            ? `upstream ${target.host}:${target.port} does not support encryption, which this connection requires`
            : `upstream ${target.host}:${target.port} requires encryption; configure tls: require or verify-full`,
        );
      }
      if (outcome === 'full') {
        const leftover = messages.detach();
        if (leftover.length > 0) throw new UpstreamLoginError('upstream sent bytes before the TLS handshake');
        stream = (await connectTlsInPrelogin(socket, { ...tlsOptions!, timeoutMs })).tls;
        messages.attach(stream);
        encryption = 'full';
      }
    }
    stream.write(
      encodeMessage(
        PacketType.Login7,
        encodeLogin7({
          tdsVersion: TdsVersion.V7_4,
          packetSize: settings.packetSize ?? 8192,
          clientPid: process.pid,
          hostName: 'gatehouse',
          userName: settings.user,
          password: settings.password,
          appName: settings.appName ?? 'Gatehouse',
          serverName: target.host,
          clientInterfaceName: 'Gatehouse',
          database: settings.database,
        }),
      ),
    );
    const login = decodeLogin7Response((await messages.next(timeoutMs)).payload);
    if (!login.loginAck) {
      const error = login.errors[0];
      throw new UpstreamLoginError(`upstream ${target.host}:${target.port} refused the gateway's login${error ? `: ${error.number} ${error.message}` : ''}`, {
        ...(error ? { number: error.number, serverMessage: error.message } : {}),
      });
    }
    messages.setPacketSize(login.packetSize ?? 4096);
    return { stream, socket, messages, encryption, login };
  } catch (error) {
    socket.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`logging in to upstream ${target.host}:${target.port} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** SNI for the host actually dialled (a redirect changes it); verification options stay as configured. */
function withServerName(tls: ConnectionOptions, dialled: string, configured: string): ConnectionOptions {
  if (dialled === configured) return tls;
  return { ...tls, ...(isIP(dialled) === 0 ? { servername: dialled } : {}) };
}

function openTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port, noDelay: true, keepAlive: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamLoginError(`connecting to upstream ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new UpstreamLoginError(`connecting to upstream ${host}:${port} failed: ${error.message}`, { cause: error }));
    });
  });
}
