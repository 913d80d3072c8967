import { AwaitableStream } from '@gatehouse/proxy';
import type { MongoMessage } from '../protocol/message.js';
import type { MessageReader } from '../protocol/message-reader.js';

/** Awaitable MongoDB messages for request/response phases (upstream login, probes): the shared AwaitableStream. */
export class MessageStream extends AwaitableStream<MongoMessage, MessageReader> {}
