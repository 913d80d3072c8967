import { describe, expect, it } from 'vitest';
import { explainDecision } from './explain.js';
import { action, principal, request, rules } from './test-support/builders.js';

describe('explainDecision', () => {
  it('shows, per action, which rules matched and which were cancelled by unless', () => {
    const engine = rules(`
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: no-ddl, effect: deny, when: { action: { category: [ddl] } }, unless: { principal: { groups: [dba] } } }
`);
    const drop = action('ddl', 'DROP TABLE', ['orders.public.t']);
    const explanation = explainDecision(engine, request(principal('dan', ['dba']), [action('read', 'SELECT', ['orders.public.t']), drop]));
    expect(explanation.decision.effect).toBe('deny');
    expect(explanation.actions[0]?.rules.map((trace) => [trace.rule, trace.matched])).toEqual([
      ['reads', true],
      ['no-ddl', false],
    ]);
    expect(explanation.actions[1]?.rules[1]).toEqual({ rule: 'no-ddl', effect: 'deny', mode: 'enforce', when: true, unless: true, matched: false });
    expect(explanation.actions[1]?.risk.score).toBe(6);
    expect(explanation.actions[1]?.objects).toEqual(['orders.public.t']);
  });
});
