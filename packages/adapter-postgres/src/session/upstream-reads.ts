import type { OnReadOpts, Socket } from 'node:net';

/** Bytes per read: what Node allocates for each read of a socket without `onread`. */
const READ_BYTES = 64 * 1024;

const NEVER = (): boolean => false;

/**
 * Reads of a plaintext upstream socket into memory the session manages (net.Socket's `onread`): a
 * read then costs no allocation and no pass through the Readable machinery (push, buffering, a
 * read-more tick), which the relay, handling every chunk at once, has no use for. Chunks still
 * arrive as the socket's 'data' events, so the handshake and the relay read them as before; pause()
 * and resume() stop and restart reading as usual.
 *
 * A chunk is a view of that memory, so the memory is read into again only when its holder says
 * nothing refers to the last chunk any more (`reuseWhen`: no write of it pending, no frame of it
 * queued). Until then, and by default, every read gets fresh memory, as without `onread`.
 */
export class UpstreamReads {
  #socket: Socket | undefined;
  #memory: Buffer | undefined;
  #reusable: () => boolean = NEVER;

  /** For net.connect: where the next read goes (asked after every read), and what to do with it. */
  readonly onread: OnReadOpts = {
    buffer: (): Buffer => (this.#memory !== undefined && this.#reusable() ? this.#memory : (this.#memory = Buffer.allocUnsafeSlow(READ_BYTES))),
    callback: (bytes: number, memory: Uint8Array): boolean => {
      this.#socket?.emit('data', (memory as Buffer).subarray(0, bytes));
      return true; // keep reading: pausing is the listeners' call (pause())
    },
  };

  /** The socket made with `onread`: its chunks are emitted on it as 'data'. */
  attach(socket: Socket): void {
    this.#socket = socket;
  }

  /** From now on the last chunk's memory is read into again whenever `reusable()` says so. */
  reuseWhen(reusable: () => boolean): void {
    this.#reusable = reusable;
  }
}
