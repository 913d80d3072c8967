import { PayloadCursor } from '../protocol/cursor.js';

/** SESSION_TRACK_SYSTEM_VARIABLES: a changed system variable, as name and value. */
const SYSTEM_VARIABLES = 0x00;

/**
 * The system variables an OK packet's session-state information reports as changed (CLIENT_SESSION_TRACK).
 * Other kinds of entry (schema, state, GTIDs, transaction info) are skipped.
 */
export function sessionStateVariables(info: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const c = new PayloadCursor(info, 'session state information');
  while (c.remaining > 0) {
    const type = c.int1('session state type');
    const data = c.lenencBytes('session state data');
    if (type !== SYSTEM_VARIABLES) continue;
    const entry = new PayloadCursor(data, 'session state variable');
    out.push([entry.lenencString('name'), entry.lenencString('value')]);
  }
  return out;
}
