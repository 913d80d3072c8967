import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A TCP listener that tracks its sockets so shutdown can stop accepting and then drain. */
export class Listener {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #address: ListenAddress | undefined;

  constructor(onSocket: (socket: Socket) => void) {
    this.#server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      onSocket(socket);
    });
  }

  /** Binds; rejects with the OS error (EADDRINUSE, EACCES) so the caller can say which listener failed. */
  listen(address: ListenAddress): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen(address.port, address.host, () => {
        this.#server.off('error', onError);
        const bound = this.#server.address();
        this.#address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : address;
        resolve(this.#address);
      });
    });
  }

  get address(): ListenAddress | undefined {
    return this.#address;
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  /**
   * No new connections; existing ones keep going. (net.Server's close callback waits for every
   * connection to end, so it is not awaited here: the drain logic owns that wait.)
   */
  stopAccepting(): void {
    if (this.#server.listening) this.#server.close();
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}
