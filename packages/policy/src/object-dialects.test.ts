import type { Action, Dialect } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { action, principal, request, rules, target } from './test-support/builders.js';

const ana = principal('ana', ['analysts']);

/** A read of one object as the dialect's classifier names it. */
function readOf(dialect: Dialect, name: string): Action {
  return { ...action('read', dialect === 'mongodb' ? 'find' : 'SELECT', [name]), dialect };
}

const decide = (policyRules: string, dialect: Dialect, name: string) =>
  rules(policyRules).decide(request(ana, [readOf(dialect, name)], target('prod', { dialect })));

describe('object patterns written with a schema meet MySQL and MongoDB names', () => {
  const denyCustomers = `
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: no-customers, effect: deny, when: { action: { objects: ["*.*.customers"] } } }
`;

  it('a deny on *.*.customers denies MySQL shop.customers and MongoDB app.customers (it used to miss them)', () => {
    expect(decide(denyCustomers, 'mysql', 'shop.customers')).toMatchObject({ effect: 'deny', rules: ['no-customers'] });
    expect(decide(denyCustomers, 'mongodb', 'app.customers')).toMatchObject({ effect: 'deny', rules: ['no-customers'] });
    expect(decide(denyCustomers, 'postgres', 'orders.public.customers')).toMatchObject({ effect: 'deny', rules: ['no-customers'] });
    expect(decide(denyCustomers, 'mysql', 'shop.orders')).toMatchObject({ effect: 'allow', rules: ['reads'] });
  });

  it('a deny naming a schema still covers schemaless names: matching more is the safe side', () => {
    const denyPublic = `
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: no-public-customers, effect: deny, when: { action: { objects: ["*.public.customers"] } } }
`;
    expect(decide(denyPublic, 'mysql', 'shop.customers').effect).toBe('deny');
    expect(decide(denyPublic, 'mongodb', 'app.customers').effect).toBe('deny');
    expect(decide(denyPublic, 'postgres', 'orders.sales.customers').effect).toBe('allow');
  });

  it('a review on *.*.customers holds MongoDB reads too', () => {
    const review = `
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: look-twice, effect: review, when: { action: { objects: ["*.*.customers"] } }, review: { approvers: { groups: [dba] } } }
`;
    expect(decide(review, 'mongodb', 'app.customers')).toMatchObject({ effect: 'review', rules: ['look-twice'] });
  });

  it('an allow on *.public.customers does not allow MySQL shop.customers; *.*.customers does', () => {
    const allowPublic = `  - { id: public-customers, effect: allow, when: { action: { objects: ["*.public.customers"] } } }\n`;
    expect(decide(allowPublic, 'mysql', 'shop.customers')).toMatchObject({ effect: 'deny', rules: [] });
    expect(decide(allowPublic, 'mongodb', 'app.customers').effect).toBe('deny');
    expect(decide(allowPublic, 'postgres', 'orders.public.customers').effect).toBe('allow');
    const allowAny = `  - { id: all-customers, effect: allow, when: { action: { objects: ["*.*.customers"] } } }\n`;
    expect(decide(allowAny, 'mysql', 'shop.customers')).toMatchObject({ effect: 'allow', rules: ['all-customers'] });
    expect(decide(allowAny, 'mongodb', 'app.customers').effect).toBe('allow');
    // Patterns written in the dialect's own two-part form keep working.
    const allowTwoPart = `  - { id: shop-customers, effect: allow, when: { action: { objects: ["shop.customers"] } } }\n`;
    expect(decide(allowTwoPart, 'mysql', 'shop.customers').effect).toBe('allow');
  });

  it('unless on a deny is narrow: an exception written for a schema does not cancel the deny on MySQL', () => {
    const denyWithException = `
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - id: no-customer-tables
    effect: deny
    when: { action: { objects: ["*.*.customers"] } }
    unless: { action: { objects: ["*.reporting.customers"] } }
`;
    expect(decide(denyWithException, 'mysql', 'shop.customers').effect).toBe('deny');
    expect(decide(denyWithException, 'postgres', 'orders.reporting.customers').effect).toBe('allow');
    const denyWithWholeException = denyWithException.replace('*.reporting.customers', 'shop.*.customers');
    expect(decide(denyWithWholeException, 'mysql', 'shop.customers').effect).toBe('allow');
  });

  it('unless on an allow is broad: an exception naming a schema cancels the allow for schemaless names', () => {
    const allowExceptSecret = `
  - id: reads
    effect: allow
    when: { action: { category: [read] } }
    unless: { action: { objects: ["*.secret.*"] } }
`;
    expect(decide(allowExceptSecret, 'postgres', 'orders.public.customers').effect).toBe('allow');
    expect(decide(allowExceptSecret, 'postgres', 'orders.secret.keys').effect).toBe('deny');
    // MySQL has no schema to tell "secret" apart: the exception could apply, so the allow does not.
    expect(decide(allowExceptSecret, 'mysql', 'shop.keys').effect).toBe('deny');
  });

  it('the dialect, not the dot count, says where the schema is missing (dotted MongoDB collections)', () => {
    const denyApp = `
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: no-app, effect: deny, when: { action: { objects: ["app.*"] } } }
`;
    // Collection system.profile of database app: "every collection of app" covers it.
    expect(decide(denyApp, 'mongodb', 'app.system.profile').effect).toBe('deny');
    // The same text in PostgreSQL is table profile of schema system: app.* (two parts) does not.
    expect(decide(denyApp, 'postgres', 'app.system.profile').effect).toBe('allow');
    const allowProfiles = `  - { id: profiles, effect: allow, when: { action: { objects: ["*.*.system.profile"] } } }\n`;
    expect(decide(allowProfiles, 'mongodb', 'app.system.profile').effect).toBe('allow');
    expect(decide(allowProfiles, 'postgres', 'app.system.profile').effect).toBe('deny');
  });

  it('every object of an allowed action must match, in the action dialect', () => {
    const allowCustomers = `  - { id: customers, effect: allow, when: { action: { objects: ["*.*.customers"] } } }\n`;
    const join: Action = { ...action('read', 'SELECT', ['shop.customers', 'shop.secrets']), dialect: 'mysql' };
    const decision = rules(allowCustomers).decide(request(ana, [join], target('prod', { dialect: 'mysql' })));
    expect(decision.effect).toBe('deny');
  });
});
