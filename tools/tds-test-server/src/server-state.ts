import type { Engine } from './engine/database.js';

export interface TlsSettings {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** What the server says in PRELOGIN: `off` (login-only unless the client asks for more), `on`, `required`. */
  readonly encryption?: 'off' | 'on' | 'required';
}

/** Something that happened on the server, for tests to assert on (never contains passwords). */
export interface ServerEvent {
  readonly spid: number;
  readonly event: string;
  readonly [key: string]: unknown;
}

/** State shared by all connections of one server. */
export class ServerState {
  private spid = 51;
  private handle = 0;
  readonly events: ServerEvent[] = [];
  /** Told of every event as it happens (the CLI prints them for tests in another process). */
  onEvent: ((event: ServerEvent) => void) | undefined;
  /** The session holding SQLite's (single) transaction, if any. */
  transactionOwner: number | undefined;

  constructor(
    readonly engine: Engine,
    readonly users: ReadonlyMap<string, string>,
    readonly tls: TlsSettings | undefined,
    /** When set, every successful login is answered with ENVCHANGE routing to this server. */
    readonly route?: { readonly server: string; readonly port: number },
  ) {}

  nextSpid(): number {
    return this.spid++;
  }

  nextHandle(): number {
    return ++this.handle;
  }

  record(event: ServerEvent): void {
    this.events.push(event);
    this.onEvent?.(event);
    if (this.events.length > 10_000) this.events.shift();
  }
}
