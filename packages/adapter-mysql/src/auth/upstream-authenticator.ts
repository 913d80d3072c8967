import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { AUTH_MORE_DATA_HEADER, AUTH_SWITCH_HEADER } from '../protocol/constants.js';
import { CachingSha2, decodeAuthMoreData, decodeAuthSwitchRequest } from '../protocol/messages/auth.js';
import {
  CACHING_SHA2_PASSWORD,
  MYSQL_CLEAR_PASSWORD,
  MYSQL_NATIVE_PASSWORD,
  SHA256_PASSWORD,
  cachingSha2Response,
  cleartextResponse,
  nativePasswordResponse,
  rsaEncryptedPassword,
} from './scramble.js';

export interface UpstreamAuthenticatorOptions {
  readonly password: string;
  /** True once the connection is inside TLS: cleartext is then allowed for full authentication. */
  readonly encrypted: boolean;
  /** The server's RSA public key (PEM), if configured; otherwise it is requested when needed. */
  readonly serverPublicKey?: string;
}

/** What to do with one server packet during authentication. */
export type AuthStep = { readonly kind: 'send'; readonly data: Buffer } | { readonly kind: 'wait' };

/**
 * The gateway's side of the upstream login's plugin exchange, as a pure state machine: given the
 * greeting's plugin and scramble it produces the first response; given each AuthSwitchRequest or
 * AuthMoreData it produces the next. OK and ERR are handled by the caller.
 */
export class UpstreamAuthenticator {
  readonly #options: UpstreamAuthenticatorOptions;
  #plugin = '';
  #scramble: Buffer = Buffer.alloc(0);
  #awaitingPublicKey = false;

  constructor(options: UpstreamAuthenticatorOptions) {
    this.#options = options;
  }

  get plugin(): string {
    return this.#plugin;
  }

  /** The auth response for the greeting (or an AuthSwitchRequest): depends only on plugin and scramble. */
  initialResponse(plugin: string, scramble: Buffer): Buffer {
    this.#plugin = plugin;
    this.#scramble = scramble;
    this.#awaitingPublicKey = false;
    const { password, encrypted } = this.#options;
    switch (plugin) {
      case MYSQL_NATIVE_PASSWORD:
        return nativePasswordResponse(password, scramble);
      case CACHING_SHA2_PASSWORD:
        return cachingSha2Response(password, scramble);
      case MYSQL_CLEAR_PASSWORD:
        if (!encrypted) throw new UpstreamAuthError(UpstreamAuthErrorCode.CleartextRefused, 'the upstream asked for mysql_clear_password over an unencrypted connection; configure tls: require or verify-full');
        return cleartextResponse(password);
      case SHA256_PASSWORD:
        if (encrypted) return cleartextResponse(password);
        if (this.#options.serverPublicKey) return rsaEncryptedPassword(password, scramble, this.#options.serverPublicKey);
        this.#awaitingPublicKey = true;
        return Buffer.from([1]); // sha256_password's request for the public key
      default:
        throw new UpstreamAuthError(UpstreamAuthErrorCode.UnsupportedPlugin, `the upstream asked for authentication plugin ${plugin}, which the gateway does not implement`);
    }
  }

  /** Handles an AuthSwitchRequest (0xfe) or AuthMoreData (0x01) payload. */
  next(payload: Buffer): AuthStep {
    if (payload[0] === AUTH_SWITCH_HEADER) {
      const request = decodeAuthSwitchRequest(payload);
      return { kind: 'send', data: this.initialResponse(request.pluginName, request.pluginData) };
    }
    if (payload[0] !== AUTH_MORE_DATA_HEADER) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.BadExchange, `unexpected packet 0x${(payload[0] ?? 0).toString(16)} during authentication`);
    }
    const data = decodeAuthMoreData(payload);
    const { password, encrypted } = this.#options;
    if (this.#awaitingPublicKey) {
      this.#awaitingPublicKey = false;
      return { kind: 'send', data: rsaEncryptedPassword(password, this.#scramble, data.toString('latin1')) };
    }
    if (this.#plugin === CACHING_SHA2_PASSWORD && data.length === 1) {
      if (data[0] === CachingSha2.FAST_AUTH_SUCCESS) return { kind: 'wait' };
      if (data[0] === CachingSha2.PERFORM_FULL_AUTHENTICATION) {
        if (encrypted) return { kind: 'send', data: cleartextResponse(password) };
        if (this.#options.serverPublicKey) return { kind: 'send', data: rsaEncryptedPassword(password, this.#scramble, this.#options.serverPublicKey) };
        this.#awaitingPublicKey = true;
        return { kind: 'send', data: Buffer.from([CachingSha2.REQUEST_PUBLIC_KEY]) };
      }
    }
    throw new UpstreamAuthError(UpstreamAuthErrorCode.BadExchange, `unexpected AuthMoreData for ${this.#plugin || 'no plugin'}`);
  }
}
