import { AwaitableStream } from '@gatehouse/proxy';
import type { Frame } from '../protocol/frame.js';
import type { PushReader } from '../protocol/push-reader.js';

/** Awaitable PostgreSQL frames for the handshake phases (the shared AwaitableStream). */
export class FrameStream extends AwaitableStream<Frame, PushReader> {}
