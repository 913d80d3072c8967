import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { saslprep } from './saslprep.js';

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
export const SCRAM_SHA_256_PLUS = 'SCRAM-SHA-256-PLUS';

/**
 * Channel binding data for SCRAM-SHA-256-PLUS. PostgreSQL supports `tls-server-end-point`: the hash of
 * the server's certificate (RFC 5929), which the TLS layer computes. Passing one switches the client
 * to the -PLUS mechanism; everything else about the exchange is unchanged.
 */
export interface ScramChannelBinding {
  readonly type: 'tls-server-end-point';
  readonly data: Buffer;
}

export interface ScramClientOptions {
  readonly password: string;
  /**
   * SCRAM user name. PostgreSQL ignores it (the StartupMessage user counts) and libpq sends it empty,
   * so the default is ''.
   */
  readonly username?: string;
  /** Fixed client nonce, for test vectors only. Default: 18 random bytes, base64. */
  readonly clientNonce?: string;
  readonly channelBinding?: ScramChannelBinding;
  /**
   * Cap on the server's iteration count. PBKDF2 runs synchronously on the event loop, so an upstream
   * (or an impostor) announcing i=2^31 could stall the gateway for minutes; PostgreSQL's default is
   * 4096. Default: 1,000,000 (about a second of CPU).
   */
  readonly maxIterations?: number;
}

type ScramState = 'initial' | 'clientFirstSent' | 'clientFinalSent' | 'done';

/**
 * SCRAM-SHA-256 client (RFC 5802 with RFC 7677's hash) for authenticating the gateway upstream:
 *
 *   const scram = new ScramSha256Client({ password });
 *   send(encodeSASLInitialResponse(scram.mechanism, Buffer.from(scram.clientFirstMessage())));
 *   // AuthenticationSASLContinue(data):
 *   send(encodeSASLResponse(Buffer.from(scram.clientFinalMessage(data))));
 *   // AuthenticationSASLFinal(data):
 *   scram.verifyServerFinal(data); // throws if the server does not know the password
 *
 * Every call validates the server's message and throws UpstreamAuthError on anything unexpected; the
 * exchange is strictly ordered and each step can run once.
 */
export class ScramSha256Client {
  readonly mechanism: typeof SCRAM_SHA_256 | typeof SCRAM_SHA_256_PLUS;
  private readonly password: string;
  private readonly username: string;
  private readonly clientNonce: string;
  private readonly gs2Header: string;
  private readonly channelBindingData: Buffer;
  private readonly maxIterations: number;
  private state: ScramState = 'initial';
  private expectedServerSignature: Buffer | undefined;

  constructor(options: ScramClientOptions) {
    this.password = options.password;
    this.username = options.username ?? '';
    this.clientNonce = options.clientNonce ?? randomBytes(18).toString('base64');
    if (!isPrintableNonce(this.clientNonce)) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, 'client nonce must be printable ASCII without commas');
    }
    this.maxIterations = options.maxIterations ?? 1_000_000;
    // gs2-header: 'n' = client does not support channel binding; 'p=<type>' = uses it. ('y' — supports
    // it but the server offered no -PLUS — is what libpq sends over TLS without -PLUS; a caller wanting
    // downgrade detection should choose the mechanism with selectScramMechanism instead.)
    if (options.channelBinding === undefined) {
      this.mechanism = SCRAM_SHA_256;
      this.gs2Header = 'n,,';
      this.channelBindingData = Buffer.alloc(0);
    } else {
      this.mechanism = SCRAM_SHA_256_PLUS;
      this.gs2Header = `p=${options.channelBinding.type},,`;
      this.channelBindingData = options.channelBinding.data;
    }
  }

  /** client-first-message: gs2-header + `n=<user>,r=<nonce>`. */
  clientFirstMessage(): string {
    this.step('initial', 'clientFirstSent');
    return this.gs2Header + this.clientFirstBare();
  }

  /** Parses server-first-message and returns client-final-message (with the proof). */
  clientFinalMessage(serverFirst: string | Uint8Array): string {
    this.step('clientFirstSent', 'clientFinalSent');
    const serverFirstText = asText(serverFirst);
    const { nonce, salt, iterations } = this.parseServerFirst(serverFirstText);

    const saltedPassword = pbkdf2Sync(saslprep(this.password), salt, iterations, 32, 'sha256');
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const channelBinding = Buffer.concat([Buffer.from(this.gs2Header, 'utf8'), this.channelBindingData]).toString('base64');
    const clientFinalWithoutProof = `c=${channelBinding},r=${nonce}`;
    const authMessage = `${this.clientFirstBare()},${serverFirstText},${clientFinalWithoutProof}`;

    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    return `${clientFinalWithoutProof},p=${proof.toString('base64')}`;
  }

  /**
   * Checks server-final-message. A wrong signature means the server does not hold this password's
   * verifier — an impostor — and must end the connection even if it then says AuthenticationOk.
   */
  verifyServerFinal(serverFinal: string | Uint8Array): void {
    this.step('clientFinalSent', 'done');
    const text = asText(serverFinal);
    const first = text.split(',')[0] ?? '';
    if (first.startsWith('e=')) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramServerError, `upstream ended SCRAM with error "${first.slice(2)}"`);
    }
    if (!first.startsWith('v=') || !isBase64(first.slice(2))) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server-final-message has no valid v= (server signature) attribute');
    }
    const signature = Buffer.from(first.slice(2), 'base64');
    const expected = this.expectedServerSignature!;
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new UpstreamAuthError(
        UpstreamAuthErrorCode.ScramServerSignature,
        'upstream SCRAM server signature is wrong: the server does not know the password (possible impostor); connection must be dropped',
      );
    }
  }

  /** True once the server signature has been verified. */
  get verified(): boolean {
    return this.state === 'done';
  }

  private clientFirstBare(): string {
    return `n=${escapeSaslName(this.username)},r=${this.clientNonce}`;
  }

  private parseServerFirst(text: string): { nonce: string; salt: Buffer; iterations: number } {
    const parts = text.split(',');
    if (parts[0]?.startsWith('m=')) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server-first-message requires an unsupported mandatory extension (m=)');
    }
    const [r, s, i] = parts;
    if (r === undefined || !r.startsWith('r=') || s === undefined || !s.startsWith('s=') || i === undefined || !i.startsWith('i=')) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server-first-message must be r=<nonce>,s=<salt>,i=<iterations>');
    }
    const nonce = r.slice(2);
    if (!nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length || !isPrintableNonce(nonce)) {
      throw new UpstreamAuthError(
        UpstreamAuthErrorCode.ScramProtocol,
        'server nonce does not extend the client nonce with printable characters (replayed or forged exchange)',
      );
    }
    const saltText = s.slice(2);
    if (saltText === '' || !isBase64(saltText)) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server salt is not valid base64');
    }
    const iterationText = i.slice(2);
    if (!/^[1-9][0-9]{0,9}$/.test(iterationText)) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, `server iteration count "${iterationText}" is not a positive integer`);
    }
    const iterations = Number(iterationText);
    if (iterations > this.maxIterations) {
      throw new UpstreamAuthError(
        UpstreamAuthErrorCode.ScramProtocol,
        `server iteration count ${iterations} exceeds maxIterations ${this.maxIterations}`,
      );
    }
    return { nonce, salt: Buffer.from(saltText, 'base64'), iterations };
  }

  private step(expected: ScramState, next: ScramState): void {
    if (this.state !== expected) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, `SCRAM step out of order: in state ${this.state}, expected ${expected}`);
    }
    this.state = next;
  }
}

/**
 * Picks the SCRAM mechanism to use from the server's AuthenticationSASL list. With channel binding
 * available (TLS upstream) -PLUS is preferred; without, plain SCRAM-SHA-256.
 */
export function selectScramMechanism(
  offered: readonly string[],
  channelBindingAvailable: boolean,
): typeof SCRAM_SHA_256 | typeof SCRAM_SHA_256_PLUS {
  if (channelBindingAvailable && offered.includes(SCRAM_SHA_256_PLUS)) return SCRAM_SHA_256_PLUS;
  if (offered.includes(SCRAM_SHA_256)) return SCRAM_SHA_256;
  throw new UpstreamAuthError(
    UpstreamAuthErrorCode.NoSupportedMechanism,
    `upstream offered SASL mechanisms [${offered.join(', ')}]; the gateway supports ${SCRAM_SHA_256}${channelBindingAvailable ? ` and ${SCRAM_SHA_256_PLUS}` : ''}`,
  );
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function asText(message: string | Uint8Array): string {
  return typeof message === 'string' ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8');
}

/** RFC 5802 saslname: ',' and '=' are escaped as =2C and =3D. */
function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** RFC 5802 `printable`: %x21-2B / %x2D-7E (printable ASCII except ','). */
function isPrintableNonce(nonce: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}

function isBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}
