// Test-only: prepared statements and cursors in raw packets (drivers rarely open server-side cursors).
import { ColumnType, Command } from '../protocol/constants.js';
import { PayloadCursor } from '../protocol/cursor.js';
import type { Packet } from '../protocol/packet.js';
import { encodeCommandText } from '../protocol/messages/commands.js';
import { decodeErr } from '../protocol/messages/generic.js';
import { PayloadWriter } from '../protocol/writer.js';
import type { RawClient } from './raw-client.js';

export const CURSOR_TYPE_READ_ONLY = 0x01;

export interface Prepared {
  readonly id: number;
  readonly params: number;
  readonly columns: number;
}

/** COM_STMT_PREPARE and its whole response (OK, parameter and column definitions, EOFs without DEPRECATE_EOF). */
export async function prepare(client: RawClient, sql: string, deprecateEof: boolean): Promise<Prepared> {
  let expected = Number.POSITIVE_INFINITY;
  let seen = 0;
  let ok: Prepared | undefined;
  await client.request(
    encodeCommandText(Command.STMT_PREPARE, sql),
    () => ++seen >= expected,
    (packet) => {
      if (ok) return;
      if (packet.payload[0] === 0xff) throw new Error(`prepare failed: ${decodeErr(packet.payload).message}`);
      const c = new PayloadCursor(packet.payload, 'prepare ok');
      c.skip(1, 'status');
      ok = { id: c.int4('id'), columns: c.int2('columns'), params: c.int2('params') };
      const eofs = deprecateEof ? 0 : (ok.params > 0 ? 1 : 0) + (ok.columns > 0 ? 1 : 0);
      expected = 1 + ok.params + ok.columns + eofs;
    },
  );
  return ok!;
}

/** COM_STMT_EXECUTE with `flags`, binding every parameter as a string (or as long data already sent). */
export function execute(id: number, flags: number, params: ReadonlyArray<string | { longData: true }>): Buffer {
  const w = new PayloadWriter().int1(Command.STMT_EXECUTE).int4(id).int1(flags).int4(1);
  if (params.length > 0) {
    w.zeros(Math.floor((params.length + 7) / 8)); // no NULLs
    w.int1(1); // new parameter types follow
    for (const param of params) w.int1(typeof param === 'string' ? ColumnType.VAR_STRING : ColumnType.BLOB).int1(0);
    for (const param of params) if (typeof param === 'string') w.lenencString(param);
  }
  return w.packet(0);
}

export function fetch(id: number, rows: number): Buffer {
  return new PayloadWriter().int1(Command.STMT_FETCH).int4(id).int4(rows).packet(0);
}

/** Collects a response that may contain several terminators: until `done(packet)`; ERR ends it too. */
export function collect(client: RawClient, bytes: Buffer, done: (packet: Packet) => boolean): Promise<Packet[]> {
  return client.request(bytes, (packet) => packet.payload[0] === 0xff || done(packet));
}
