import type { Flag } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { actionOf } from './action-layout.js';
import type { StatementClassification } from './dialect-module.js';

const lineage = [{ output: 'a', position: 0, sources: ['app.public.t.a'], direct: true }];

describe('actionOf', () => {
  it('builds exactly what the spread builds, keys in the same order, for every classification shape', () => {
    const classifications: StatementClassification[] = [
      { category: 'read', operation: 'SELECT', objects: [], flags: [] },
      { category: 'read', operation: 'SELECT', objects: [], flags: [], lineage },
      { category: 'read', operation: 'SELECT', objects: [], flags: [], functions: ['NOW'] },
      { category: 'read', operation: 'SELECT', objects: [], flags: [], lineage, functions: ['NOW'] },
      // Orders the literals do not cover are spread.
      { operation: 'SELECT', category: 'read', objects: [], flags: [] },
      { category: 'read', operation: 'SELECT', objects: [], flags: [], functions: ['NOW'], lineage },
    ];
    const flags: Flag[] = ['unbounded'];
    for (const classification of classifications) {
      for (let repeat = 0; repeat < 2; repeat++) {
        const built = actionOf('mysql', classification, flags, 'SELECT ?', 'SELECT 1');
        const spread = { dialect: 'mysql', ...classification, flags, fingerprint: 'SELECT ?', redactedText: 'SELECT 1' };
        expect(JSON.stringify(built)).toBe(JSON.stringify(spread));
        expect(built).toStrictEqual(spread);
      }
    }
  });
});
