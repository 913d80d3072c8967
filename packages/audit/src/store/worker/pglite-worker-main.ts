import type { KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { PgliteDriver } from '../pglite-driver.js';
import type { PgliteDriverOptions } from '../pglite-driver.js';
import { ASYNC_SYNC_INTERVAL_MS } from '../audit-store.js';
import { SyncSchedule } from '../sql-driver.js';
import type { AuditAppendSettings, SqlQueryable } from '../sql-driver.js';
import { CheckpointSigner } from '../../chain/checkpoint-signer.js';
import { appendInTransaction } from '../sql-append.js';
import type { CheckpointPolicy } from '../sql-append.js';
import { auditTables } from '../schema.js';
import { toWorkerError } from './pglite-worker-protocol.js';
import type { WorkerReady, WorkerReply, WorkerRequest } from './pglite-worker-protocol.js';

/*
 * The worker thread that owns the embedded PGlite database (see pglite-worker-driver.ts): the
 * WASM engine, its file writes and the fsync after each commit run here, off the gateway's thread.
 */

/** Thrown inside a transaction the caller asked to roll back; not an error for the caller. */
const ROLLBACK = Symbol('rollback');

interface OpenTransaction {
  readonly tx: SqlQueryable;
  /** Lets the transaction callback return (commit) or throw ROLLBACK. */
  end(commit: boolean): void;
  /** Settles when PGlite committed or rolled back. */
  readonly settled: Promise<void>;
}

async function serve(): Promise<void> {
  const port = parentPort!;
  let driver: PgliteDriver;
  try {
    driver = await PgliteDriver.open(workerData as PgliteDriverOptions);
  } catch (error) {
    port.postMessage({ ready: false, error: toWorkerError(error) } satisfies WorkerReady);
    return;
  }
  const transactions = new Map<number, OpenTransaction>();
  // One signer per key, not one per batch (a signer derives its public key and key id). Every
  // message carries a fresh clone of the key: compared with equals(), not exported per batch.
  const signers: { key: KeyObject | string; signer: CheckpointSigner }[] = [];
  const signerFor = (key: KeyObject | string): CheckpointSigner => {
    const known = signers.find((entry) => (typeof key === 'string' || typeof entry.key === 'string' ? entry.key === key : entry.key.equals(key)));
    if (known) return known.signer;
    const signer = new CheckpointSigner(key);
    signers.push({ key, signer });
    return signer;
  };
  const checkpointPolicy = (settings: AuditAppendSettings): CheckpointPolicy => {
    const signer = settings.signingKey !== undefined ? signerFor(settings.signingKey) : undefined;
    return { ...(signer ? { signer } : {}), everyEvents: settings.checkpointEveryEvents, everyMs: settings.checkpointEveryMs };
  };
  const syncs = new SyncSchedule(ASYNC_SYNC_INTERVAL_MS);
  const reply = (message: WorkerReply): void => port.postMessage(message);

  const begin = (txId: number): Promise<void> =>
    new Promise<void>((begun, failed) => {
      let end!: (commit: boolean) => void;
      const decided = new Promise<boolean>((resolve) => (end = resolve));
      const settled = driver.transaction(async (tx) => {
        transactions.set(txId, { tx, end, settled });
        begun();
        if (!(await decided)) throw ROLLBACK;
      });
      settled.then(
        () => transactions.delete(txId),
        (error: unknown) => {
          transactions.delete(txId);
          failed(error);
        },
      );
    });

  port.on('message', (request: WorkerRequest) => {
    const run = async (): Promise<unknown> => {
      switch (request.op) {
        case 'query':
          return driver.query(request.text, request.params);
        case 'begin':
          return begin(request.tx);
        case 'tx-query': {
          const open = transactions.get(request.tx);
          if (!open) throw new Error(`no open transaction ${request.tx}`);
          return open.tx.query(request.text, request.params);
        }
        case 'end': {
          const open = transactions.get(request.tx);
          if (!open) throw new Error(`no open transaction ${request.tx}`);
          open.end(request.commit);
          await open.settled.catch((error: unknown) => {
            if (error !== ROLLBACK) throw error;
          });
          return undefined;
        }
        case 'after-commit':
          return driver.afterCommit();
        case 'append-audit': {
          const tables = auditTables(request.settings.schema);
          const policy = checkpointPolicy(request.settings);
          const sealed = await driver.transaction((tx) => appendInTransaction(tx, tables, request.events, policy, request.now, request.sealed));
          if (syncs.due(request.sync)) {
            await driver.afterCommit();
            syncs.synced();
          } else syncs.later(() => driver.afterCommit());
          return sealed;
        }
        case 'close':
          syncs.cancel();
          await driver.close();
          return undefined;
      }
    };
    run().then(
      (value) => reply({ id: request.id, value }),
      (error: unknown) => reply({ id: request.id, error: toWorkerError(error) }),
    );
  });
  port.postMessage({ ready: true } satisfies WorkerReady);
}

void serve();
