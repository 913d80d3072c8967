/** Wire protocol opcodes (the header's opCode field). Only OP_MSG, OP_QUERY and OP_REPLY are spoken. */
export const OpCode = {
  /** Legacy reply; still what a server answers an OP_QUERY handshake with. */
  Reply: 1,
  /** Removed in MongoDB 5.1; refused. */
  Update: 2001,
  Insert: 2002,
  /** Legacy query; drivers still send the first hello/isMaster this way. */
  Query: 2004,
  GetMore: 2005,
  Delete: 2006,
  KillCursors: 2007,
  /** Compressed wrapper: never negotiated (the gateway advertises no compressors), so refused. */
  Compressed: 2012,
  /** The message every modern command and reply uses. */
  Msg: 2013,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** A readable name for logs and error messages. */
export function describeOpCode(opCode: number): string {
  for (const [name, value] of Object.entries(OpCode)) if (value === opCode) return `OP_${name.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? '_' : '') + c).toUpperCase()} (${opCode})`;
  return `unknown opcode ${opCode}`;
}

/** Size of the standard message header: messageLength, requestID, responseTo, opCode (int32 LE each). */
export const HEADER_BYTES = 16;

/** The server default for maxMessageSizeBytes; the gateway enforces it on both sides. */
export const DEFAULT_MAX_MESSAGE_BYTES = 48_000_000;
/** The server default for maxBsonObjectSize. */
export const DEFAULT_MAX_BSON_OBJECT_BYTES = 16 * 1024 * 1024;
/** The server default for maxWriteBatchSize. */
export const DEFAULT_MAX_WRITE_BATCH_SIZE = 100_000;
