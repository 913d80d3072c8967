/**
 * One logical MySQL packet: a payload with the sequence id it was sent under. A payload of 16 MiB − 1
 * bytes or more travels as several physical packets (each `0xffffff` bytes, the last shorter, possibly
 * empty); the reader joins them, so `payload` is always the whole logical payload.
 *
 * `raw` is every physical packet exactly as it arrived (headers included), so a packet the gateway
 * lets through is forwarded with `socket.write(packet.raw)` and never re-serialised. Both buffers are
 * views into the chunk that carried them when the packet arrived in one piece; do not mutate them.
 */
export interface Packet {
  /** The sequence id of the first physical packet. */
  readonly sequenceId: number;
  /** The sequence id of the last physical packet (equal to `sequenceId` unless the payload was split). */
  readonly lastSequenceId: number;
  readonly payload: Buffer;
  readonly raw: Buffer;
}

/** The sequence id that follows `id` (ids wrap at 256). */
export function nextSequenceId(id: number): number {
  return (id + 1) & 0xff;
}
