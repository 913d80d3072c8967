import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A listening relay; `stop()` closes the listener and every connection it carries. */
export interface TcpRelay {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The reference for proxy overhead: a bare Node TCP relay (net.createServer + pipe both ways,
 * nothing else). Whatever Gatehouse costs beyond this is parsing, deciding and its own buffering,
 * not the cost of being a Node process in the path. noDelay matches the gateway's own sockets, so
 * the two differ only in what happens between read and write.
 */
export function startTcpRelay(upstream: { readonly host: string; readonly port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (client) => {
    const server = connect({ host: upstream.host, port: upstream.port, noDelay: true });
    for (const [socket, peer] of [
      [client, server],
      [server, client],
    ] as const) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A reset on one side just ends the pair; failures surface through the client (pgbench).
      socket.on('error', () => peer.destroy());
    }
    client.pipe(server);
    server.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
