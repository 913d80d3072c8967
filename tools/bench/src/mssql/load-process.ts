// The tedious clients of the SQL Server bench, in a process of their own (forked by load-driver.ts)
// so their CPU is not taken from the relay and the gateway under test, as pgbench is its own process.
import type { Connection } from 'tedious';
import type { LoadReply, LoadRequest } from './load-protocol.js';
import { close, connectTedious, pointSelects, seedAccounts } from './tedious-client.js';

const pools = new Map<string, Connection[]>();

async function handle(request: LoadRequest): Promise<unknown> {
  switch (request.op) {
    case 'seed':
      return seedAccounts(request.target, request.rows);
    case 'open':
      pools.set(request.pool, await Promise.all(Array.from({ length: request.connections }, () => connectTedious(request.target))));
      return undefined;
    case 'measure': {
      const connections = pools.get(request.pool);
      if (!connections) throw new Error(`no pool named ${request.pool}; open it first`);
      return pointSelects(connections, request.seconds, request.rows);
    }
    case 'close':
      for (const connections of pools.values()) await Promise.all(connections.map(close));
      pools.clear();
      return undefined;
  }
}

process.on('message', (message) => {
  const request = message as LoadRequest;
  handle(request).then(
    (result) => process.send!({ id: request.id, ok: true, result } satisfies LoadReply),
    (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies LoadReply),
  );
});
