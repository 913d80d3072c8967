import type { MaskObligation, ResultColumn } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { MaskingError, MaskPlanError } from '../errors.js';
import { compileMaskPlan } from './compile-plan.js';

const keys = { hash: 'k' };

function obligation(partial: Partial<MaskObligation>): MaskObligation {
  return { columns: [], detectors: [], customDetectors: [], failure: 'best-effort', ...partial };
}

const users: ResultColumn[] = [
  { name: 'id', table: 'app.public.users', column: 'id', typeClass: 'number' },
  { name: 'email', table: 'app.public.users', column: 'email', typeClass: 'text' },
  { name: 'notes', table: 'app.public.users', column: 'notes', typeClass: 'text' },
];

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe('compileMaskPlan: column rules', () => {
  it('matches dotted globs against table.column and leaves other columns alone', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: users,
      obligation: obligation({ columns: [{ pattern: '*.*.users.email', strategy: { kind: 'redact' }, rule: 'r1' }] }),
    });
    expect(plan.active).toBe(true);
    expect(plan.maskedColumns).toEqual([1]);
    expect(text(plan.maskTextValue(1, bytes('alice@example.com')))).toBe('****');
    expect(plan.maskTextValue(1, 'alice@example.com')).toBe('****');
    const notes = bytes('hello');
    expect(plan.maskTextValue(2, notes)).toBe(notes);
    expect(plan.maskTextValue(1, null)).toBeNull();
    expect(plan.stats()).toEqual({ maskedValues: 2, byRule: { r1: 2 } });
  });

  it('supports ** and name patterns, case-insensitively', () => {
    const cols: ResultColumn[] = [{ name: 'Contact_Email', typeClass: 'text' }, ...users];
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: cols,
      obligation: obligation({
        columns: [
          { pattern: '*email*', strategy: { kind: 'partial' }, rule: 'name' },
          { pattern: '**.NOTES', strategy: { kind: 'null' }, rule: 'deep' },
        ],
      }),
    });
    expect(plan.maskedColumns).toEqual([0, 2, 3]);
    expect(plan.maskTypedValue(0, 'alice@example.com')).toBe('****@example.com');
    expect(plan.maskTypedValue(3, 'x')).toBeNull();
  });

  it('is inactive when nothing matches', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: users,
      obligation: obligation({ columns: [{ pattern: '*.*.orders.card', strategy: { kind: 'redact' }, rule: 'r' }] }),
    });
    expect(plan.active).toBe(false);
    expect(plan.maskedColumns).toEqual([]);
  });

  it('picks the strictest of several matching rules', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: users,
      obligation: obligation({
        columns: [
          { pattern: 'email', strategy: { kind: 'partial' }, rule: 'soft' },
          { pattern: '*.*.users.email', strategy: { kind: 'redact', replacement: 'X' }, rule: 'hard' },
        ],
      }),
    });
    expect(plan.maskTypedValue(1, 'alice@example.com')).toBe('X');
  });

  it('never puts a string in a non-text column: NULL, or the configured stand-in', () => {
    const o = obligation({ columns: [{ pattern: '*.*.users.id', strategy: { kind: 'redact' }, rule: 'r' }] });
    const plan = compileMaskPlan({ dialect: 'postgres', columns: users, obligation: o });
    expect(plan.maskTypedValue(0, 42)).toBeNull();
    expect(plan.maskTypedValue(0, 42n)).toBeNull();
    expect(plan.maskTextValue(0, bytes('42'))).toBeNull();
    const withStandIn = compileMaskPlan(
      { dialect: 'postgres', columns: users, obligation: o },
      { standIns: { number: { text: '0', value: 0 } } },
    );
    expect(withStandIn.maskTypedValue(0, 42)).toBe(0);
    expect(text(withStandIn.maskTextValue(0, bytes('42')))).toBe('0');
    const dates: ResultColumn[] = [{ name: 'born', typeClass: 'date' }];
    const datePlan = compileMaskPlan({
      dialect: 'mysql',
      columns: dates,
      obligation: obligation({ columns: [{ pattern: 'born', strategy: { kind: 'hash' }, rule: 'r' }] }),
    }, { keys });
    expect(datePlan.maskTypedValue(0, new Date())).toBeNull();
  });

  it('never grows past the declared maximum length', () => {
    const cols: ResultColumn[] = [{ name: 'email', typeClass: 'text', maxLength: 6 }];
    for (const strategy of [{ kind: 'redact', replacement: '[redacted]' }, { kind: 'hash' }, { kind: 'partial' }] as const) {
      const plan = compileMaskPlan(
        { dialect: 'postgres', columns: cols, obligation: obligation({ columns: [{ pattern: 'email', strategy, rule: 'r' }] }) },
        { keys },
      );
      const out = plan.maskTypedValue(0, 'alice@example.com') as string;
      expect(out.length).toBeLessThanOrEqual(6);
      expect(text(plan.maskTextValue(0, bytes('alice@example.com')))!.length).toBeLessThanOrEqual(6);
    }
  });

  it('gives text bytes the same masked value as the string form (hash, format-preserving; ASCII, non-ASCII, invalid UTF-8)', () => {
    const values = ['alice@example.com', 'Zoë-42 Straße', '', 'x'.repeat(300)];
    for (const kind of ['hash', 'format-preserving'] as const) {
      for (const maxLength of [undefined, 5]) {
        const cols: ResultColumn[] = [{ name: 'email', typeClass: 'text', ...(maxLength === undefined ? {} : { maxLength }) }];
        const plan = compileMaskPlan(
          { dialect: 'postgres', columns: cols, obligation: obligation({ columns: [{ pattern: 'email', strategy: { kind }, rule: 'r' }] }) },
          { keys },
        );
        for (const value of values) expect(text(plan.maskTextValue(0, bytes(value)))).toBe(plan.maskTextValue(0, value));
        const invalid = Uint8Array.of(0x61, 0xff, 0x62);
        expect(text(plan.maskTextValue(0, invalid))).toBe(plan.maskTextValue(0, new TextDecoder().decode(invalid)));
        expect(plan.stats()).toEqual({ maskedValues: 2 * values.length + 2, byRule: { r: 2 * values.length + 2 } });
      }
    }
  });

  it('hashes deterministically across columns, so joins still line up', () => {
    const cols: ResultColumn[] = [
      { name: 'a', table: 'db.s.users', column: 'email', typeClass: 'text' },
      { name: 'b', table: 'db.s.orders', column: 'email', typeClass: 'text' },
    ];
    const plan = compileMaskPlan(
      { dialect: 'postgres', columns: cols, obligation: obligation({ columns: [{ pattern: '*.*.*.email', strategy: { kind: 'hash' }, rule: 'r' }] }) },
      { keys },
    );
    const again = compileMaskPlan(
      { dialect: 'postgres', columns: cols, obligation: obligation({ columns: [{ pattern: '*.*.*.email', strategy: { kind: 'hash' }, rule: 'r' }] }) },
      { keys },
    );
    expect(plan.maskTypedValue(0, 'x@y.com')).toBe(plan.maskTypedValue(1, 'x@y.com'));
    expect(plan.maskTypedValue(0, 'x@y.com')).toBe(again.maskTypedValue(0, 'x@y.com'));
  });

  it('maskRow touches only masked columns and counts masked values', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: users,
      obligation: obligation({ columns: [{ pattern: '*.*.users.email', strategy: { kind: 'redact' }, rule: 'r' }] }),
    });
    const row = [1, 'alice@example.com', 'n'];
    expect(plan.maskRow(row)).toBe(row);
    expect(row).toEqual([1, '****', 'n']);
    const textRow = [bytes('1'), bytes('alice@example.com'), null];
    plan.maskRow(textRow, 'text');
    expect(text(textRow[1] as Uint8Array)).toBe('****');
    expect(plan.maskedCount).toBe(2);
  });
});

describe('compileMaskPlan: lineage', () => {
  const rules = obligation({ columns: [{ pattern: '*.*.users.email', strategy: { kind: 'partial' }, rule: 'email' }] });

  it('follows an alias (direct) by position, keeping the strategy', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: [{ name: 'contact', typeClass: 'text' }],
      lineage: [{ output: 'contact', position: 0, sources: ['app.public.users.email'], direct: true }],
      obligation: rules,
    });
    expect(plan.maskTypedValue(0, 'alice@example.com')).toBe('****@example.com');
  });

  it('redacts instead of partial on a derived value (function, concat), matched by output name', () => {
    const plan = compileMaskPlan({
      dialect: 'postgres',
      columns: [{ name: 'x', typeClass: 'text' }, { name: 'label', typeClass: 'text' }],
      lineage: [{ output: 'label', sources: ['app.public.users.name', 'app.public.users.email'], direct: false }],
      obligation: rules,
    });
    expect(plan.maskedColumns).toEqual([1]);
    expect(plan.maskTypedValue(1, 'Alice <alice@example.com>')).toBe('****');
  });

  it('handles star sources: direct names this column, derived (row_to_json) takes any table rule', () => {
    const direct = compileMaskPlan({
      dialect: 'postgres',
      columns: [{ name: 'id', typeClass: 'number' }, { name: 'email', typeClass: 'text' }],
      lineage: [
        { output: 'id', position: 0, sources: ['app.public.users.*'], direct: true },
        { output: 'email', position: 1, sources: ['app.public.users.*'], direct: true },
      ],
      obligation: rules,
    });
    expect(direct.maskedColumns).toEqual([1]);
    const derived = compileMaskPlan({
      dialect: 'postgres',
      columns: [{ name: 'row_to_json', typeClass: 'json' }],
      lineage: [{ output: 'row_to_json', position: 0, sources: ['app.public.users.*'], direct: false }],
      obligation: rules,
    });
    expect(derived.maskTypedValue(0, { id: 1, email: 'a@b.com' })).toBeNull();
  });

  it('treats unknown name parts (?) as matching', () => {
    const plan = compileMaskPlan({
      dialect: 'mysql',
      columns: [{ name: 'e', typeClass: 'text' }],
      lineage: [{ output: 'e', position: 0, sources: ['?.?.users.email'], direct: true }],
      obligation: rules,
    });
    expect(plan.maskedColumns).toEqual([0]);
  });
});

describe('compileMaskPlan: detectors', () => {
  const detectors = obligation({
    detectors: [
      { detector: 'email', strategy: { kind: 'partial' }, rule: 'pii' },
      { detector: 'credit_card', strategy: { kind: 'redact' }, rule: 'pci' },
      { detector: 'employee_id', strategy: { kind: 'redact', replacement: '[emp]' }, rule: 'hr' },
    ],
    customDetectors: [{ name: 'employee_id', regex: '\\bEMP-\\d{6}\\b' }],
  });
  const cols: ResultColumn[] = [
    { name: 'note', typeClass: 'text' },
    { name: 'doc', typeClass: 'json' },
    { name: 'n', typeClass: 'number' },
  ];

  it('masks detected spans inside text, leaving the rest', () => {
    const plan = compileMaskPlan({ dialect: 'postgres', columns: cols, obligation: detectors });
    expect(plan.maskedColumns).toEqual([0, 1]);
    expect(plan.maskTypedValue(0, 'mail alice@example.com, card 4111 1111 1111 1111, EMP-123456')).toBe(
      'mail ****@example.com, card ****, [emp]',
    );
    const plain = bytes('nothing to see');
    expect(plan.maskTextValue(0, plain)).toBe(plain);
    expect(plan.stats().byRule).toEqual({ pii: 1, pci: 1, hr: 1 });
  });

  it('keeps JSON text valid: strings masked in place, a bare number becomes null', () => {
    const plan = compileMaskPlan({ dialect: 'postgres', columns: cols, obligation: detectors });
    const out = plan.maskTextValue(1, '{"e": "to alice@example.com", "card": 4111111111111111, "big": 12345678901234567890}');
    expect(JSON.parse(out!)).toMatchObject({ e: "to ****@example.com", card: null });
    expect(out).toContain('12345678901234567890');
  });

  it('walks typed documents: string leaves by detectors, other leaves untouched; copy-on-write', () => {
    const plan = compileMaskPlan({ dialect: 'mongodb', columns: cols, obligation: detectors });
    const doc = { a: { b: ['x', 'alice@example.com'] }, n: 5, d: new Date(0) };
    const out = plan.maskTypedValue(1, doc) as typeof doc;
    expect(out.a.b).toEqual(['x', '****@example.com']);
    expect(out.n).toBe(5);
    expect(out.d).toBe(doc.d);
    expect(doc.a.b[1]).toBe('alice@example.com');
    const clean = { a: 'nothing' };
    expect(plan.maskTypedValue(1, clean)).toBe(clean);
  });

  it('applies field-path rules inside documents; non-string leaves become null', () => {
    const plan = compileMaskPlan({
      dialect: 'mongodb',
      columns: [{ name: 'profile', table: 'app.users', column: 'profile', typeClass: 'json' }],
      obligation: obligation({
        columns: [
          { pattern: 'app.users.profile.ssn', strategy: { kind: 'redact' }, rule: 'ssn' },
          { pattern: '*phone*', strategy: { kind: 'partial' }, rule: 'phone' },
          { pattern: 'app.users.profile.address', strategy: { kind: 'redact' }, rule: 'addr' },
        ],
      }),
    });
    const out = plan.maskTypedValue(0, {
      ssn: '536-22-1234',
      contacts: [{ mobilePhone: '+44 20 7946 0958' }],
      address: { zip: 12345, street: 'Main St' },
      age: 40,
    });
    expect(out).toEqual({
      ssn: '****',
      contacts: [{ mobilePhone: '****0958' }],
      address: { zip: null, street: '****' },
      age: 40,
    });
  });

  it('refuses unknown detectors at compile time', () => {
    expect(() =>
      compileMaskPlan({
        dialect: 'postgres',
        columns: cols,
        obligation: obligation({ detectors: [{ detector: 'nope', strategy: { kind: 'redact' }, rule: 'r' }] }),
      }),
    ).toThrow(MaskPlanError);
  });
});

describe('compileMaskPlan: failure modes', () => {
  const cols: ResultColumn[] = [{ name: 'email', typeClass: 'text', nullable: false }, { name: 'doc', typeClass: 'json' }];
  const make = (failure: 'strict' | 'best-effort') =>
    compileMaskPlan({
      dialect: 'postgres',
      columns: cols,
      obligation: obligation({
        failure,
        columns: [{ pattern: 'email', strategy: { kind: 'null' }, rule: 'r' }],
        detectors: [{ detector: 'credit_card', strategy: { kind: 'redact' }, rule: 'pci' }],
      }),
    });

  it('strict: a value that cannot be represented safely is a typed MaskingError', () => {
    const plan = make('strict');
    expect(() => plan.maskTypedValue(0, 'a@b.com')).toThrow(MaskingError);
    expect(() => plan.maskTextValue(0, bytes('a@b.com'))).toThrow(/NOT NULL/);
    // A card number split across JSON tokens cannot be masked in place.
    expect(() => plan.maskTextValue(1, '{"a": 4111 1111 1111 1111}')).toThrow(MaskingError);
  });

  it('best-effort: the value becomes NULL, never the original', () => {
    const plan = make('best-effort');
    expect(plan.maskTypedValue(0, 'a@b.com')).toBeNull();
    expect(plan.maskTextValue(1, '{"a": 4111 1111 1111 1111}')).toBeNull();
  });

  it('needs keys for keyed strategies', () => {
    expect(() =>
      compileMaskPlan({
        dialect: 'postgres',
        columns: cols,
        obligation: obligation({ columns: [{ pattern: 'email', strategy: { kind: 'hash' }, rule: 'h' }] }),
      }),
    ).toThrow(/masking.keys.hash/);
  });
});
