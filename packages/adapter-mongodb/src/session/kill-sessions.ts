import type { Document } from 'bson';
import type { Logger } from '@gatehouse/proxy';
import { lsidKey } from './operation-registry.js';
import type { OperationRegistry } from './operation-registry.js';

/**
 * killSessions is answered by the gateway: the server cannot tell principals' sessions apart (one
 * gateway user), so it is never forwarded. Each named lsid of this principal has its in-flight
 * commands interrupted, on whichever connection they run; other lsids are ignored, as mongod
 * ignores sessions it does not know. Server-side cursors of those sessions are left to time out.
 */
export function answerKillSessions(list: unknown, principalId: string, operations: OperationRegistry | undefined, log: Logger): Document {
  if (!Array.isArray(list)) return { ok: 0, errmsg: 'killSessions takes an array of session ids', code: 14, codeName: 'TypeMismatch' };
  let interrupted = 0;
  for (const item of list as unknown[]) {
    const key = lsidKey(item);
    if (key !== undefined && operations) interrupted += operations.interrupt(key, principalId);
  }
  log.info({ principal: principalId, sessions: list.length, interrupted }, 'killSessions');
  return { ok: 1 };
}
