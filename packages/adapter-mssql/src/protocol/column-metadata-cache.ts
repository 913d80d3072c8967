import { NOT_ENOUGH_DATA } from './reader.js';
import { rowLayoutOf } from './row-layout.js';
import type { RowLayout } from './row-layout.js';
import { newTokenContext, parseToken } from './tokens/parse-token.js';
import type { ColMetadataToken } from './tokens/token-types.js';

/** COLMETADATA tokens larger than this are parsed every time (the cache holds copies per session). */
const MAX_CACHED_BYTES = 16 * 1024;
/** Distinct result shapes remembered per session (a few statements alternating still hit). */
const MAX_ENTRIES = 4;

/** A remembered COLMETADATA: the token (parsed from a private copy of its bytes) and its compiled row layout. */
export interface CachedColumnMetadata {
  readonly token: ColMetadataToken;
  readonly layout: RowLayout;
}

/**
 * The last few COLMETADATA tokens a session's responses carried, so a statement repeated on the
 * session (the usual OLTP pattern: the same point select, again and again) does not parse the same
 * columns and compile the same row layout per response. A hit needs the bytes to be identical to a
 * cached token's: parsing is a pure function of those bytes, so the result is the same token.
 */
export class ColumnMetadataCache {
  readonly #entries: CachedColumnMetadata[] = [];

  /** The cached entry whose bytes the COLMETADATA token at `buf[offset]` repeats exactly (all of them in `buf`). */
  match(buf: Buffer, offset: number): CachedColumnMetadata | undefined {
    for (const entry of this.#entries) {
      const raw = entry.token.raw;
      const end = offset + raw.length;
      if (end <= buf.length && buf.compare(raw, 0, raw.length, offset, end) === 0) return entry;
    }
    return undefined;
  }

  /**
   * The row layout of a freshly parsed COLMETADATA, remembered when small enough. The entry is
   * parsed again from a copy of the bytes, so it keeps no packet buffer alive.
   */
  remember(token: ColMetadataToken): RowLayout {
    if (token.noMetadata || token.raw.length > MAX_CACHED_BYTES) return rowLayoutOf(token.columns);
    const parsed = parseToken(Buffer.from(token.raw), 0, newTokenContext());
    if (parsed === NOT_ENOUGH_DATA || parsed.token.kind !== 'colmetadata') return rowLayoutOf(token.columns);
    const entry = { token: parsed.token, layout: rowLayoutOf(parsed.token.columns) };
    if (this.#entries.length >= MAX_ENTRIES) this.#entries.pop();
    this.#entries.unshift(entry);
    return entry.layout;
  }
}
