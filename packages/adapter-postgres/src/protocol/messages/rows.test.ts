import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { backendFrame, rawTypedFrame } from '../../testing/support.js';
import { BackendCode } from '../codes.js';
import { dataRowValue, decodeDataRow, encodeDataRow, rewriteDataRow, scanDataRow } from './rows.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('DataRow layout and rewrite', () => {
  const original = encodeDataRow([b('1'), b('alice@example.com'), null, b('x'), b('secret'), b('')]);
  const frame = backendFrame(original);

  it('scans column boundaries without decoding, reusing a layout', () => {
    const layout = scanDataRow(frame);
    expect(layout.columnCount).toBe(6);
    expect([...layout.lengths]).toEqual([1, 17, -1, 1, 6, 0]);
    expect(dataRowValue(frame, layout, 1)!.toString()).toBe('alice@example.com');
    expect(dataRowValue(frame, layout, 2)).toBeNull();
    const again = scanDataRow(backendFrame(encodeDataRow([b('z')])), layout);
    expect(again).toBe(layout);
    expect(again.columnCount).toBe(1);
    expect(() => dataRowValue(frame, scanDataRow(frame), 6)).toThrow(ProtocolError);
  });

  it('returns the original bytes when nothing is replaced', () => {
    expect(rewriteDataRow(frame, new Map())).toBe(frame.raw);
  });

  it('replaces selected columns and keeps every other column byte-identical', () => {
    const rewritten = rewriteDataRow(frame, new Map<number, Buffer | null>([[1, b('a***@example.com')], [4, null], [5, b('filled')]]));
    const decoded = decodeDataRow(backendFrame(rewritten));
    expect(decoded.values.map((v) => v?.toString() ?? null)).toEqual(['1', 'a***@example.com', null, 'x', null, 'filled']);
    const before = scanDataRow(frame);
    const after = scanDataRow(backendFrame(rewritten));
    for (const untouched of [0, 2, 3]) {
      const a = frame.payload.subarray(before.starts[untouched]! - 4, before.starts[untouched]! + Math.max(before.lengths[untouched]!, 0));
      const rewrittenFrame = backendFrame(rewritten);
      const c = rewrittenFrame.payload.subarray(after.starts[untouched]! - 4, after.starts[untouched]! + Math.max(after.lengths[untouched]!, 0));
      expect(c.equals(a)).toBe(true);
    }
    expect(rewriteDataRow(frame, new Map([[0, b('1')]])).equals(original)).toBe(true);
  });

  it('refuses replacements outside the row', () => {
    expect(() => rewriteDataRow(frame, new Map([[6, null]]))).toThrow(ProtocolError);
    expect(() => rewriteDataRow(frame, new Map([[-1, null]]))).toThrow(ProtocolError);
  });

  it('rejects a column length pointing past the end, other negative lengths, and trailing bytes', () => {
    const pastEnd = Buffer.from([0, 1, 0, 0, 0, 9, 0x61]);
    const negative = Buffer.from([0, 1, 0xff, 0xff, 0xff, 0xfe]);
    const missing = Buffer.from([0, 2, 0, 0, 0, 0]);
    const trailing = Buffer.from([0, 1, 0, 0, 0, 0, 0x61]);
    for (const payload of [pastEnd, negative, missing, trailing, Buffer.from([0])]) {
      try {
        scanDataRow(rawTypedFrame(BackendCode.DataRow, payload));
        throw new Error('expected failure');
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe(ProtocolErrorCode.Malformed);
      }
    }
  });
});
