import { Capability, ERR_HEADER, OK_HEADER } from '../protocol/constants.js';
import { PayloadCursor } from '../protocol/cursor.js';
import { decodeColumnCount } from '../protocol/messages/columns.js';
import { encodeQuery } from '../protocol/messages/commands.js';
import { decodeErr, isResultSetTerminator } from '../protocol/messages/generic.js';
import type { UpstreamConnection } from './upstream-login.js';
import { PacketStream } from './packet-stream.js';
import { UpstreamLoginError } from './upstream-login.js';

/**
 * Runs one statement of the gateway's own on a logged-in upstream before the client's traffic
 * starts (pinning session settings), and returns its text rows. The statement is the gateway's,
 * never the client's, so it is not decided by policy.
 */
export async function internalQuery(upstream: UpstreamConnection, sql: string, timeoutMs = 10_000): Promise<Array<Array<string | null>>> {
  const stream = new PacketStream(upstream.socket, upstream.reader, 'upstream');
  const deprecateEof = (upstream.capabilities & upstream.greeting.capabilities & Capability.DEPRECATE_EOF) !== 0;
  try {
    upstream.socket.write(encodeQuery(sql));
    const first = await stream.next(timeoutMs);
    if (first.payload[0] === ERR_HEADER) {
      const err = decodeErr(first.payload);
      throw new UpstreamLoginError(`the gateway's session setup failed: ${err.message}`, { errorCode: err.errorCode, serverMessage: err.message });
    }
    if (first.payload[0] === OK_HEADER) return [];
    const count = decodeColumnCount(first.payload);
    for (let i = 0; i < count; i++) await stream.next(timeoutMs);
    if (!deprecateEof) await stream.next(timeoutMs);
    const rows: Array<Array<string | null>> = [];
    for (;;) {
      const packet = await stream.next(timeoutMs);
      if (packet.payload[0] === ERR_HEADER) {
        const err = decodeErr(packet.payload);
        throw new UpstreamLoginError(`the gateway's session setup failed: ${err.message}`, { errorCode: err.errorCode });
      }
      if (isResultSetTerminator(packet.payload, deprecateEof)) return rows;
      const c = new PayloadCursor(packet.payload, 'text row');
      const row: Array<string | null> = [];
      for (let i = 0; i < count; i++) {
        const length = c.lenencIntOrNull('value length');
        row.push(length < 0 ? null : c.bytes(length, 'value').toString('utf8'));
      }
      rows.push(row);
    }
  } finally {
    stream.detach();
  }
}
