import { createServer } from 'node:net';

/**
 * True when nothing listens on host:port right now. Racy by nature (someone may take it next), so
 * callers still handle a bind failure; it lets the demo pick a free port instead of failing.
 */
export function portAvailable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
