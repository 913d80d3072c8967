import { AwaitableStream } from '@gatehouse/proxy';
import type { Packet } from '../protocol/packet.js';
import type { PacketReader } from '../protocol/packet-reader.js';

/** Awaitable MySQL packets for the handshake phases (the shared AwaitableStream). */
export class PacketStream extends AwaitableStream<Packet, PacketReader> {}
