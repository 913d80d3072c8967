import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';
import { saslprep } from './saslprep.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

export interface ScramClientOptions {
  readonly mechanism: ScramMechanism;
  readonly username: string;
  readonly password: string;
  /** Fixed client nonce, for test vectors only. Default: 24 random bytes, base64. */
  readonly clientNonce?: string;
  /** Cap on the server's iteration count (PBKDF2 runs on the event loop). Default 1,000,000. */
  readonly maxIterations?: number;
}

type State = 'initial' | 'first' | 'final' | 'done';

/**
 * SCRAM client (RFC 5802 / 7677) for the gateway's own login to MongoDB, producing the payloads of
 * `saslStart` / `saslContinue`. MongoDB specifics: SCRAM-SHA-1 hashes the password as
 * hex(MD5("user:mongo:password")) (no SASLprep); SCRAM-SHA-256 uses the SASLprep'd password. The
 * math is the same as the PostgreSQL adapter's SCRAM-SHA-256 client (a candidate for a shared lib;
 * adapters do not import each other).
 */
export class ScramClient {
  readonly mechanism: ScramMechanism;
  readonly #username: string;
  readonly #password: string;
  readonly #nonce: string;
  readonly #maxIterations: number;
  readonly #hash: 'sha1' | 'sha256';
  readonly #keyLength: number;
  #state: State = 'initial';
  #serverSignature: Buffer | undefined;

  constructor(options: ScramClientOptions) {
    this.mechanism = options.mechanism;
    this.#username = options.username;
    this.#hash = options.mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256';
    this.#keyLength = this.#hash === 'sha1' ? 20 : 32;
    this.#password =
      options.mechanism === 'SCRAM-SHA-1'
        ? createHash('md5').update(`${options.username}:mongo:${options.password}`, 'utf8').digest('hex')
        : saslprep(options.password);
    this.#nonce = options.clientNonce ?? randomBytes(24).toString('base64');
    this.#maxIterations = options.maxIterations ?? 1_000_000;
  }

  /** client-first-message: `n,,n=<user>,r=<nonce>`. */
  clientFirst(): Buffer {
    this.#step('initial', 'first');
    return Buffer.from(`n,,${this.#bare()}`, 'utf8');
  }

  /** Parses server-first-message and returns client-final-message with the proof. */
  clientFinal(serverFirst: Uint8Array): Buffer {
    this.#step('first', 'final');
    const text = Buffer.from(serverFirst).toString('utf8');
    const attributes = parseAttributes(text);
    if (attributes.has('m')) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server-first-message requires an unsupported extension (m=)');
    const nonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterationsText = attributes.get('i');
    if (!nonce || !salt || !iterationsText) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server-first-message must carry r=, s= and i=');
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'server nonce does not extend the client nonce (replayed or forged exchange)');
    }
    if (!/^[1-9][0-9]{0,9}$/.test(iterationsText)) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, 'iteration count is not a positive integer');
    const iterations = Number(iterationsText);
    if (iterations > this.#maxIterations) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramProtocol, `iteration count ${iterations} exceeds ${this.#maxIterations}`);
    const salted = pbkdf2Sync(this.#password, Buffer.from(salt, 'base64'), iterations, this.#keyLength, this.#hash);
    const clientKey = this.#hmac(salted, 'Client Key');
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#bare()},${text},${withoutProof}`;
    const signature = this.#hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.#serverSignature = this.#hmac(this.#hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks server-final-message; a wrong signature means the server does not know the password. */
  verifyServerFinal(serverFinal: Uint8Array): void {
    this.#step('final', 'done');
    const attributes = parseAttributes(Buffer.from(serverFinal).toString('utf8'));
    const error = attributes.get('e');
    if (error !== undefined) throw new UpstreamAuthError(UpstreamAuthErrorCode.Refused, `upstream ended SCRAM with "${error}"`);
    const verifier = attributes.get('v');
    const expected = this.#serverSignature!;
    const actual = verifier === undefined ? Buffer.alloc(0) : Buffer.from(verifier, 'base64');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramServerSignature, 'upstream SCRAM server signature is wrong: the server does not know the password (possible impostor)');
    }
  }

  get complete(): boolean {
    return this.#state === 'done';
  }

  #bare(): string {
    return `n=${this.#username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.#nonce}`;
  }

  #hmac(key: Buffer, text: string): Buffer {
    return createHmac(this.#hash, key).update(text, 'utf8').digest();
  }

  #step(expected: State, next: State): void {
    if (this.#state !== expected) throw new UpstreamAuthError(UpstreamAuthErrorCode.ScramState, `SCRAM step out of order (in ${this.#state}, expected ${expected})`);
    this.#state = next;
  }
}

function parseAttributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) map.set(part[0]!, part.slice(2));
  }
  return map;
}
