import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { AuthenticationType, BackendCode, FrontendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';

/** Authentication ('R') requests without data. */
export interface AuthenticationPlain {
  readonly type: 'authentication';
  readonly subtype:
    | typeof AuthenticationType.Ok
    | typeof AuthenticationType.KerberosV5
    | typeof AuthenticationType.CleartextPassword
    | typeof AuthenticationType.GSS
    | typeof AuthenticationType.SSPI;
}

export interface AuthenticationMD5Password {
  readonly type: 'authentication';
  readonly subtype: typeof AuthenticationType.MD5Password;
  /** 4-byte salt (view). */
  readonly salt: Buffer;
}

export interface AuthenticationSASL {
  readonly type: 'authentication';
  readonly subtype: typeof AuthenticationType.SASL;
  /** Mechanisms in the server's order of preference, e.g. ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']. */
  readonly mechanisms: readonly string[];
}

/** SASLContinue, SASLFinal and GSSContinue carry mechanism-specific bytes. */
export interface AuthenticationWithData {
  readonly type: 'authentication';
  readonly subtype:
    | typeof AuthenticationType.SASLContinue
    | typeof AuthenticationType.SASLFinal
    | typeof AuthenticationType.GSSContinue;
  readonly data: Buffer;
}

export type AuthenticationMessage =
  | AuthenticationPlain
  | AuthenticationMD5Password
  | AuthenticationSASL
  | AuthenticationWithData;

export function decodeAuthentication(frame: Frame): AuthenticationMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.Authentication, 'Authentication', false);
  const subtype = cursor.int32('authentication type');
  switch (subtype) {
    case AuthenticationType.Ok:
    case AuthenticationType.KerberosV5:
    case AuthenticationType.CleartextPassword:
    case AuthenticationType.GSS:
    case AuthenticationType.SSPI:
      cursor.end();
      return { type: 'authentication', subtype };
    case AuthenticationType.MD5Password: {
      const salt = cursor.bytes(4, 'MD5 salt');
      cursor.end();
      return { type: 'authentication', subtype, salt };
    }
    case AuthenticationType.SASL: {
      const mechanisms: string[] = [];
      for (;;) {
        const mechanism = cursor.cstring('SASL mechanism name');
        if (mechanism === '') break;
        mechanisms.push(mechanism);
      }
      cursor.end();
      return { type: 'authentication', subtype, mechanisms };
    }
    case AuthenticationType.SASLContinue:
    case AuthenticationType.SASLFinal:
    case AuthenticationType.GSSContinue:
      return { type: 'authentication', subtype, data: cursor.rest() };
    default:
      return cursor.fail(`unknown authentication type ${subtype}`);
  }
}

const AUTH_OK = new MessageWriter().int32(AuthenticationType.Ok).frame(BackendCode.Authentication);
const AUTH_CLEARTEXT = new MessageWriter().int32(AuthenticationType.CleartextPassword).frame(BackendCode.Authentication);

/** AuthenticationOk (shared buffer: read-only). */
export function encodeAuthenticationOk(): Buffer {
  return AUTH_OK;
}

/** AuthenticationCleartextPassword (shared buffer: read-only): how the gateway asks a client for its token. */
export function encodeAuthenticationCleartextPassword(): Buffer {
  return AUTH_CLEARTEXT;
}

export function encodeAuthenticationMD5Password(salt: Uint8Array): Buffer {
  if (salt.length !== 4) throw new ProtocolError(ProtocolErrorCode.Unencodable, `MD5 salt is ${salt.length} bytes; expected 4`);
  return new MessageWriter().int32(AuthenticationType.MD5Password).bytes(salt).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSASL(mechanisms: readonly string[]): Buffer {
  const writer = new MessageWriter().int32(AuthenticationType.SASL);
  for (const mechanism of mechanisms) {
    if (mechanism === '') throw new ProtocolError(ProtocolErrorCode.Unencodable, 'SASL mechanism name is empty; an empty name ends the list');
    writer.cstring(mechanism);
  }
  return writer.byte(0).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSASLContinue(data: Uint8Array): Buffer {
  return new MessageWriter().int32(AuthenticationType.SASLContinue).bytes(data).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSASLFinal(data: Uint8Array): Buffer {
  return new MessageWriter().int32(AuthenticationType.SASLFinal).bytes(data).frame(BackendCode.Authentication);
}

/** PasswordMessage ('p' answering cleartext or MD5): the password, or the gateway token, as text. */
export interface PasswordMessage {
  readonly type: 'password';
  readonly password: string;
}

export interface SASLInitialResponseMessage {
  readonly type: 'saslInitialResponse';
  readonly mechanism: string;
  /** Client-first message bytes; null when the client sent length -1 (no initial response). */
  readonly data: Buffer | null;
}

/** SASLResponse and GSSResponse: the whole body is mechanism data. */
export interface SASLResponseMessage {
  readonly type: 'saslResponse';
  readonly data: Buffer;
}

/**
 * 'p' means PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse depending on which
 * Authentication request it answers — the frame alone cannot tell, so the session picks the decoder.
 */
export function decodePasswordMessage(frame: Frame): PasswordMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.AuthResponse, 'PasswordMessage', true);
  const password = cursor.cstring('password');
  cursor.end();
  return { type: 'password', password };
}

export function decodeSASLInitialResponse(frame: Frame): SASLInitialResponseMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.AuthResponse, 'SASLInitialResponse', true);
  const mechanism = cursor.cstring('mechanism');
  const data = cursor.nullableBytes('initial response');
  cursor.end();
  return { type: 'saslInitialResponse', mechanism, data };
}

export function decodeSASLResponse(frame: Frame): SASLResponseMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.AuthResponse, 'SASLResponse', true);
  return { type: 'saslResponse', data: cursor.rest() };
}

export function encodePasswordMessage(password: string): Buffer {
  return new MessageWriter().cstring(password).frame(FrontendCode.AuthResponse);
}

export function encodeSASLInitialResponse(mechanism: string, data: Uint8Array | null): Buffer {
  return new MessageWriter().cstring(mechanism).nullableBytes(data).frame(FrontendCode.AuthResponse);
}

export function encodeSASLResponse(data: Uint8Array): Buffer {
  return new MessageWriter().bytes(data).frame(FrontendCode.AuthResponse);
}
