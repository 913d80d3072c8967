import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PgliteDriver } from '../pglite-driver.js';
import type { PgliteDriverOptions } from '../pglite-driver.js';
import { ASYNC_SYNC_INTERVAL_MS } from '../audit-store.js';
import { SyncSchedule } from '../sql-driver.js';
import { CATCH_UP_SQL } from '../sql-driver.js';
import type { AuditAppendSettings, SqlQueryable } from '../sql-driver.js';
import { CheckpointSigner } from '../../chain/checkpoint-signer.js';
import type { CheckpointPolicy } from '../sql-append.js';
import { openEmbeddedAuditLog, rememberedSchema } from '../log/embedded-audit-log.js';
import type { EmbeddedAuditLog } from '../log/embedded-audit-log.js';
import { LOG_DIRECTORY } from '../log/segment-log.js';
import { toWorkerError } from './pglite-worker-protocol.js';
import { PartReceiver } from './shared-parts.js';
import type { ReceivedEvents } from './shared-parts.js';
import type { AppendReceipt, WorkerReady, WorkerReply, WorkerRequest } from './pglite-worker-protocol.js';

/*
 * The worker thread that owns the embedded store (see pglite-worker-driver.ts): the segment log
 * that audit appends go to, and the PGlite database that indexes it for search, fed in large
 * batches off the append path. The WASM engine, file writes and fsyncs run here, off the
 * gateway's thread.
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
  const options = workerData as PgliteDriverOptions;
  const fsync = options.fsync ?? true;
  const logDir = join(options.dataDir, LOG_DIRECTORY);
  /** The latest settings an append brought (the signing key for interval checkpoints among them). */
  let settings: AuditAppendSettings | undefined;
  let audit: Promise<EmbeddedAuditLog> | undefined;
  /**
   * The log once open. Filling bodies and dropping pruned segments use this, never `audit`: a
   * query inside a transaction must not wait for an open that itself waits for PGlite's
   * transaction lock (a deadlock). Rows of the trail are only read after the log opened anyway.
   */
  let openLog: EmbeddedAuditLog | undefined;

  // Without settings yet (a read after a restart, before any append) there is no signing key:
  // the index then counts events towards the next interval checkpoint instead of signing one.
  const policy = (): CheckpointPolicy => (settings ? checkpointPolicy(settings) : { everyEvents: Number.MAX_SAFE_INTEGER, everyMs: Number.MAX_SAFE_INTEGER });
  /**
   * The log opens with the first append (which names the schema), or with the first query or
   * transaction when a log exists already (it names its schema): so a restart recovers before
   * anything reads, even through a driver that only ever queries.
   */
  const ensureLog = (fromAppend?: AuditAppendSettings): Promise<EmbeddedAuditLog> | undefined => {
    if (fromAppend) settings = fromAppend;
    const schema = settings?.schema ?? rememberedSchema(logDir);
    if (!audit && schema !== undefined) {
      const opening = openEmbeddedAuditLog(driver, logDir, schema, policy);
      audit = opening;
      opening.then(
        (opened) => (openLog = opened),
        () => undefined,
      );
      // A failed open is retried by the next request instead of failing every later one.
      opening.catch(() => {
        if (audit === opening) audit = undefined;
      });
    }
    return audit;
  };
  /**
   * Opens the log (recovering it) on the first request of any kind, and brings the index up to
   * date for a query that reads the trail's tables (the store asks with CATCH_UP_SQL before each
   * search, read, verify, prune and checkpoint). Queries of other schemas sharing the database
   * (approvals, polled twice a second) do not wait for the index, nor make it index early.
   */
  const caughtUp = async (text?: string): Promise<void> => {
    const opening = ensureLog();
    if (!opening) return;
    const opened = await opening;
    if (text !== undefined && (text === CATCH_UP_SQL || text.includes(`${opened.schema}.`))) await opened.feeder.catchUp();
  };

  /** Rows of the events table come back with the log's bodies (the index keeps none). */
  const withBodies = <R extends object>(rows: readonly R[]): readonly R[] => {
    openLog?.fillBodies(rows);
    return rows;
  };

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

  const parts = new PartReceiver();
  port.on('message', (request: WorkerRequest) => {
    // Read first, before anything can fail: later batches name its parts and shapes.
    let received: ReceivedEvents | Error | undefined;
    if (request.op === 'append-audit') {
      try {
        received = parts.receive(request.wire);
      } catch (error) {
        received = error instanceof Error ? error : new Error(String(error));
      }
    }
    const run = async (): Promise<unknown> => {
      switch (request.op) {
        case 'query': {
          await caughtUp(request.text);
          return withBodies(await driver.query(request.text, request.params));
        }
        case 'begin':
          await caughtUp();
          return begin(request.tx);
        case 'tx-query': {
          const open = transactions.get(request.tx);
          if (!open) throw new Error(`no open transaction ${request.tx}`);
          return withBodies(await open.tx.query(request.text, request.params));
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
        case 'after-commit': {
          await driver.afterCommit();
          // A prune may have just committed: its log segments go too.
          return openLog?.dropPruned();
        }
        case 'append-audit': {
          const opened = ensureLog(request.settings);
          if (!opened) throw new Error('the first audit append must carry the store settings');
          const { log, feeder, schema } = await opened;
          if (settings && settings.schema !== schema) throw new Error(`this data directory's audit log belongs to schema ${schema}, not ${settings.schema}`);
          if (received instanceof Error) throw received;
          const sealed = log.append(received!);
          if (!fsync) {
            // Durability left to the OS by configuration (PgliteDriverOptions.fsync).
          } else if (syncs.due(request.sync)) {
            log.sync();
            syncs.synced();
          } else syncs.later(async () => log.sync());
          feeder.appended();
          // Nobody reads where unsealed events landed: the reply only says they did.
          if (!request.sealed) return undefined;
          const records = sealed.records();
          return { firstSeq: sealed.firstSeq, prevHash: sealed.prevHash, hashes: records.map((record) => record.hash), bodies: records.map((record) => record.body) } satisfies AppendReceipt;
        }
        case 'close':
          syncs.cancel();
          if (audit) {
            const { log, feeder } = await audit.catch(() => ({ log: undefined, feeder: undefined }));
            await feeder?.stop();
            if (fsync) log?.sync();
            log?.close();
          }
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
