import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { FeatureId } from '../protocol/login7.js';
import type { Login7 } from '../protocol/login7.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeFeatureExtAck } from '../protocol/tokens/misc.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { EnvChangeType } from '../protocol/tokens/token-types.js';
import type { EnvChangeToken, FeatureExtAckToken, LoginAckToken, MessageToken, RoutingData, Token } from '../protocol/tokens/token-types.js';

/** What a server said in answer to LOGIN7. */
export interface LoginResponse {
  readonly loginAck: LoginAckToken | undefined;
  readonly errors: readonly MessageToken[];
  readonly infos: readonly MessageToken[];
  /** ENVCHANGEs other than routing, in order (database, collation, language, packet size, …). */
  readonly envChanges: readonly EnvChangeToken[];
  readonly featureExtAck: FeatureExtAckToken | undefined;
  readonly routing: RoutingData | undefined;
  readonly packetSize: number | undefined;
  readonly database: string | undefined;
  readonly collation: Buffer | undefined;
  readonly tokens: readonly Token[];
}

/** Decodes a login response message; FEDAUTHINFO/SSPI continuations are refused here (SQL auth only). */
export function decodeLogin7Response(payload: Buffer): LoginResponse {
  const reader = new TokenStreamReader();
  const tokens = reader.push(payload);
  reader.endOfMessage();
  let loginAck: LoginAckToken | undefined;
  let featureExtAck: FeatureExtAckToken | undefined;
  let routing: RoutingData | undefined;
  let packetSize: number | undefined;
  let database: string | undefined;
  let collation: Buffer | undefined;
  const errors: MessageToken[] = [];
  const infos: MessageToken[] = [];
  const envChanges: EnvChangeToken[] = [];
  for (const token of tokens) {
    switch (token.kind) {
      case 'loginack':
        loginAck = token;
        break;
      case 'error':
        errors.push(token);
        break;
      case 'info':
        infos.push(token);
        break;
      case 'featureextack':
        featureExtAck = token;
        break;
      case 'envchange':
        if (token.type === EnvChangeType.Routing) {
          routing = token.routing;
          break;
        }
        envChanges.push(token);
        if (token.type === EnvChangeType.PacketSize) packetSize = Number(token.newValue);
        if (token.type === EnvChangeType.Database) database = String(token.newValue);
        if (token.type === EnvChangeType.Collation && Buffer.isBuffer(token.newValue)) collation = token.newValue;
        break;
      case 'done':
        break;
      default:
        throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `unexpected ${token.kind} token in a login response`);
    }
  }
  if (packetSize !== undefined && (!Number.isInteger(packetSize) || packetSize < 512 || packetSize > 32767)) {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `login response negotiated an unusable packet size ${packetSize}`);
  }
  return { loginAck, errors, infos, envChanges, featureExtAck, routing, packetSize, database, collation, tokens };
}

/**
 * The login response the gateway sends its client, built from the upstream's: LOGINACK, ENVCHANGEs
 * (database, collation, language, packet size — the client adopts the upstream's packet size, so
 * packets can be forwarded verbatim both ways) and INFO pass through as the server sent them; routing
 * never does (the gateway follows it itself). FEATUREEXTACK answers what the CLIENT asked — the
 * gateway logged in upstream with SQL credentials, so FEDAUTH is acknowledged here, as tedious
 * requires, and features the gateway does not relay (UTF-8 support, session recovery) are not.
 */
export function composeClientLoginResponse(upstream: LoginResponse, client: Login7): Buffer {
  const parts: Buffer[] = [];
  for (const token of upstream.tokens) {
    if (token.kind === 'envchange' && token.routing === undefined) parts.push(token.raw);
    else if (token.kind === 'info' || token.kind === 'loginack') parts.push(token.raw);
  }
  if (client.features.length > 0 || client.fedAuth) {
    parts.push(encodeFeatureExtAck(client.fedAuth ? [{ id: FeatureId.FedAuth, data: Buffer.alloc(0) }] : []));
  }
  parts.push(encodeDone());
  return Buffer.concat(parts);
}
