import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { AuthenticationType } from '../protocol/codes.js';
import type { AuthenticationMessage } from '../protocol/messages/authentication.js';
import { encodePasswordMessage, encodeSASLInitialResponse, encodeSASLResponse } from '../protocol/messages/authentication.js';
import { cleartextPasswordResponse } from './cleartext.js';
import { md5PasswordResponse } from './md5.js';
import { ScramSha256Client, selectScramMechanism } from './scram.js';
import type { ScramChannelBinding } from './scram.js';

/** Upstream authentication methods, named as in pg_hba.conf / libpq's require_auth. */
export type UpstreamAuthMethod = 'trust' | 'password' | 'md5' | 'scram-sha-256';

export interface UpstreamAuthenticatorOptions {
  readonly user: string;
  readonly password: string;
  /** Whether the upstream connection is TLS; cleartext passwords are refused without it. */
  readonly encrypted: boolean;
  /** Allow a cleartext password over an unencrypted upstream (loopback development only). */
  readonly allowPlaintextPassword?: boolean;
  /** Methods the upstream may choose. Default: all four, like libpq without require_auth. */
  readonly allowedMethods?: readonly UpstreamAuthMethod[];
  readonly channelBinding?: ScramChannelBinding;
  readonly maxScramIterations?: number;
}

/**
 * Drives the gateway's side of upstream authentication: feed it each decoded Authentication message;
 * it returns the 'p' message to send, or null when nothing is to be sent (SASLFinal, Ok). It refuses
 * methods not allowed, and an AuthenticationOk that arrives before a started SCRAM exchange proved the
 * server (an impostor skipping the server signature).
 */
export class UpstreamAuthenticator {
  private readonly options: UpstreamAuthenticatorOptions;
  private readonly allowed: ReadonlySet<UpstreamAuthMethod>;
  private scram: ScramSha256Client | undefined;
  private challenged = false;
  private done = false;

  constructor(options: UpstreamAuthenticatorOptions) {
    this.options = options;
    this.allowed = new Set(options.allowedMethods ?? ['trust', 'password', 'md5', 'scram-sha-256']);
  }

  /** True after AuthenticationOk was accepted. */
  get complete(): boolean {
    return this.done;
  }

  respond(message: AuthenticationMessage): Buffer | null {
    if (this.done) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, 'upstream sent an Authentication message after AuthenticationOk');
    }
    switch (message.subtype) {
      case AuthenticationType.Ok:
        if (this.scram !== undefined && !this.scram.verified) {
          throw new UpstreamAuthError(
            UpstreamAuthErrorCode.ScramServerSignature,
            'upstream said AuthenticationOk before completing SCRAM (server never proved it knows the password)',
          );
        }
        if (!this.challenged) this.require('trust');
        this.done = true;
        return null;
      case AuthenticationType.CleartextPassword:
        this.challenge('password');
        return encodePasswordMessage(
          cleartextPasswordResponse(this.options.password, this.options.encrypted, this.options.allowPlaintextPassword ?? false),
        );
      case AuthenticationType.MD5Password:
        this.challenge('md5');
        return encodePasswordMessage(md5PasswordResponse(this.options.user, this.options.password, message.salt));
      case AuthenticationType.SASL: {
        this.challenge('scram-sha-256');
        const mechanism = selectScramMechanism(message.mechanisms, this.options.channelBinding !== undefined);
        this.scram = new ScramSha256Client({
          password: this.options.password,
          ...(mechanism === 'SCRAM-SHA-256-PLUS' && this.options.channelBinding !== undefined
            ? { channelBinding: this.options.channelBinding }
            : {}),
          ...(this.options.maxScramIterations !== undefined ? { maxIterations: this.options.maxScramIterations } : {}),
        });
        return encodeSASLInitialResponse(this.scram.mechanism, Buffer.from(this.scram.clientFirstMessage(), 'utf8'));
      }
      case AuthenticationType.SASLContinue:
        return encodeSASLResponse(Buffer.from(this.activeScram().clientFinalMessage(message.data), 'utf8'));
      case AuthenticationType.SASLFinal:
        this.activeScram().verifyServerFinal(message.data);
        return null;
      default:
        throw new UpstreamAuthError(
          UpstreamAuthErrorCode.UnsupportedMethod,
          `upstream requested authentication type ${message.subtype} (Kerberos/GSS/SSPI), which the gateway does not support`,
        );
    }
  }

  private challenge(method: UpstreamAuthMethod): void {
    if (this.challenged) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, `upstream started a second authentication exchange (${method})`);
    }
    this.require(method);
    this.challenged = true;
  }

  private require(method: UpstreamAuthMethod): void {
    if (!this.allowed.has(method)) {
      throw new UpstreamAuthError(
        UpstreamAuthErrorCode.UnsupportedMethod,
        `upstream chose authentication method "${method}", which is not allowed (allowed: ${[...this.allowed].join(', ')})`,
      );
    }
  }

  private activeScram(): ScramSha256Client {
    if (this.scram === undefined) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, 'upstream sent a SASL continuation without starting SASL');
    }
    return this.scram;
  }
}
