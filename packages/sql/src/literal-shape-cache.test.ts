import type { Action } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { LiteralShapeCache } from './literal-shape-cache.js';
import { LiteralSpans } from './literal-spans.js';
import { scanPostgresLiteralShape } from './postgres/literal-shape.js';

const spans = new LiteralSpans();

function scanned(text: string): LiteralSpans {
  if (!scanPostgresLiteralShape(text, spans)) throw new Error(`not a plain literal shape: ${text}`);
  return spans;
}

/** An action as the full path makes it for `text`, with the optional fields given. */
function actionOf(text: string, extra: Partial<Action> = {}): Action {
  const redactedText = scanned(text).redacted(text);
  return {
    dialect: 'postgres',
    category: 'read',
    operation: 'SELECT',
    objects: [],
    flags: ['unbounded'],
    ...extra,
    fingerprint: redactedText,
    redactedText,
  };
}

describe('LiteralShapeCache', () => {
  it('answers later texts of a shape with the first action, this text redacted, keys in the same order', () => {
    const lineage = [{ output: 'a', position: 0, sources: ['app.public.t.a'], direct: true }];
    const variants: Array<Partial<Action>> = [{}, { lineage }, { functions: ['NOW'] }, { lineage, functions: ['NOW'] }];
    for (const extra of variants) {
      const cache = new LiteralShapeCache(100, 1 << 20);
      const first = actionOf('SELECT a FROM t WHERE b = 1', extra);
      const remembered = cache.remember('ctx', 'SELECT a FROM t WHERE b = 1', scanned('SELECT a FROM t WHERE b = 1'), [first]);
      expect(Object.isFrozen(remembered)).toBe(true);
      const later = cache.find('ctx', 'SELECT a FROM t WHERE b = 22', scanned('SELECT a FROM t WHERE b = 22'))?.action();
      expect(JSON.stringify(later)).toBe(JSON.stringify(first));
      expect(Object.isFrozen(later!.flags)).toBe(true);
      expect(cache.find('ctx', 'SELECT a FROM t WHERE b = 1', scanned('SELECT a FROM t WHERE b = 1'))).toMatchObject({
        firstText: 'SELECT a FROM t WHERE b = 1',
        firstActions: [first],
      });
    }
    // A key order other than the full path's known ones is copied as it is.
    const cache = new LiteralShapeCache(100, 1 << 20);
    const { fingerprint, redactedText, ...rest } = actionOf('SELECT a FROM t WHERE b = 1');
    const reordered = { fingerprint, redactedText, ...rest } as Action;
    cache.remember('ctx', 'SELECT a FROM t WHERE b = 1', scanned('SELECT a FROM t WHERE b = 1'), [reordered]);
    expect(JSON.stringify(cache.find('ctx', 'SELECT a FROM t WHERE b = 2', scanned('SELECT a FROM t WHERE b = 2'))?.action())).toBe(JSON.stringify(reordered));
  });

  it('keeps shapes apart by context and by shape, whatever was found last', () => {
    const cache = new LiteralShapeCache(100, 1 << 20);
    cache.remember('a', 'SELECT x FROM t WHERE y = 1', scanned('SELECT x FROM t WHERE y = 1'), [actionOf('SELECT x FROM t WHERE y = 1')]);
    cache.remember('a', "SELECT x FROM t WHERE y = 'k'", scanned("SELECT x FROM t WHERE y = 'k'"), [actionOf("SELECT x FROM t WHERE y = 'k'")]);
    expect(cache.find('a', 'SELECT x FROM t WHERE y = 5', scanned('SELECT x FROM t WHERE y = 5'))).toBeDefined();
    expect(cache.find('b', 'SELECT x FROM t WHERE y = 5', scanned('SELECT x FROM t WHERE y = 5'))).toBeUndefined();
    expect(cache.find('a', 'SELECT x FROM t WHERE y = 5 ', scanned('SELECT x FROM t WHERE y = 5 '))).toBeDefined();
    expect(cache.find('a', 'SELECT x FROM t WHERE y  = 5', scanned('SELECT x FROM t WHERE y  = 5'))).toBeUndefined();
    expect(cache.find('a', 'SELECT x FROM t WHERE y = 5 AND z = 6', scanned('SELECT x FROM t WHERE y = 5 AND z = 6'))).toBeUndefined();
    expect(cache.find('a', 'SELECT x FROM t WHERE y = 55', scanned('SELECT x FROM t WHERE y = 55'))?.action().redactedText).toBe('SELECT x FROM t WHERE y = ?');
  });

  it('starts over when full, in entries or in text held, and never keeps a huge shape', () => {
    const byEntries = new LiteralShapeCache(2, 1 << 20);
    const texts = ['SELECT a FROM t WHERE b = 1', 'SELECT c FROM t WHERE b = 1', 'SELECT d FROM t WHERE b = 1'];
    for (const text of texts) byEntries.remember('ctx', text, scanned(text), [actionOf(text)]);
    expect(byEntries.find('ctx', texts[0]!, scanned(texts[0]!))).toBeUndefined();
    expect(byEntries.find('ctx', texts[2]!, scanned(texts[2]!))).toBeDefined();

    const huge = `SELECT a FROM t WHERE b = 1 AND ${'c = d AND '.repeat(1_000)}e = f`;
    const byChars = new LiteralShapeCache(100, 60_000);
    byChars.remember('ctx', huge, scanned(huge), [actionOf(huge)]);
    expect(byChars.find('ctx', huge, scanned(huge))).toBeUndefined();
    // Shapes of 942 characters (three times that held): ten fit in 30,000 characters, the eleventh starts over.
    const shapes = Array.from({ length: 11 }, (_, i) => `SELECT a${i} FROM t WHERE b = 1 AND ${'c = d AND '.repeat(90)}e = f`);
    for (const text of shapes) byChars.remember('ctx', text, scanned(text), [actionOf(text)]);
    expect(byChars.find('ctx', shapes[0]!, scanned(shapes[0]!))).toBeUndefined();
    expect(byChars.find('ctx', shapes[10]!, scanned(shapes[10]!))).toBeDefined();
  });
});
