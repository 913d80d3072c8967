import { describe, expect, it } from 'vitest';
import { PolicyLoadError } from './errors.js';
import { loadPolicy } from './load-policy.js';
import { problems } from './test-support/builders.js';

const rule = (body: string) => `version: 1\nrules:\n  - id: r\n${body}`;

describe('loading: located problems', () => {
  it('reports YAML syntax errors at line:col', () => {
    expect(problems('version: 1\nrules:\n  - id: a\n    effect: deny: x\n')).toEqual([
      'test.yaml:4:13: YAML syntax error: Nested mappings are not allowed in compact mappings',
    ]);
    expect(problems('version: 1\nversion: 1\nrules: []\n')).toEqual(['test.yaml:2:1: YAML syntax error: Map keys must be unique']);
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    expect(problems(rule('    efect: deny\n'))).toEqual([
      'test.yaml:3:5: missing required key "effect" in rule "r"; add it',
      'test.yaml:4:5: unknown key "efect" in rule — did you mean "effect"?',
    ]);
    expect(problems('version: 1\nrules: []\nbogus: 1\n')).toEqual([
      'test.yaml:3:1: unknown key "bogus" in policy; expected one of version, description, defaults, risk, detectors, rules',
    ]);
    expect(problems(rule('    effect: allow\n    when: { principal: { group: [x] } }\n'))).toEqual([
      'test.yaml:5:26: unknown key "group" in principal condition — did you mean "groups"?',
    ]);
  });

  it('reports wrong types at the value', () => {
    expect(problems(rule('    effect: allow\n    limit: { rows: many }\n'))).toEqual([
      'test.yaml:5:20: limit rows must be a number, not text',
    ]);
    expect(problems('version: 1\nrules: { id: a }\n')).toEqual(['test.yaml:2:8: rules must be a list of rules']);
    expect(problems(rule('    effect: allow\n    when: [prod]\n'))).toEqual([
      'test.yaml:5:11: condition must be a map of "key: value" entries, not a list',
    ]);
  });

  it('reports unknown enum values with the allowed ones', () => {
    expect(problems(rule('    effect: alow\n'))).toEqual([
      'test.yaml:4:13: unknown effect "alow"; expected one of allow, deny, review — did you mean "allow"?',
    ]);
    expect(problems(rule('    effect: deny\n    when:\n      action: { category: [read, reads] }\n'))).toEqual([
      'test.yaml:6:34: unknown category "reads"; expected one of read, write, ddl, dcl, admin, transaction, session, procedure, unknown — did you mean "read"?',
    ]);
    expect(problems(rule('    effect: deny\n    when: { action: { flags: [unbound] } }\n'))[0]).toMatch(
      /^test\.yaml:5:31: unknown flag "unbound"; expected one of unbounded, .* — did you mean "unbounded"\?$/,
    );
    expect(problems(rule('    effect: allow\n    mask: { columns: { "*.*.t.c": scramble } }\n'))[0]).toBe(
      'test.yaml:5:35: unknown mask strategy "scramble"; expected one of redact, partial, hash, null, format-preserving',
    );
  });

  it('reports unknown dialects, principal kinds, rule modes and misplaced strategy options', () => {
    expect(problems(rule('    effect: allow\n    mode: dry-run\n    when: { dialect: [oracle], principal: { kind: [robot] } }\n'))).toEqual([
      'test.yaml:5:11: unknown rule mode "dry-run"; expected one of enforce, observe',
      'test.yaml:6:23: unknown dialect "oracle"; expected one of postgres, mysql, mssql, mongodb',
      'test.yaml:6:52: unknown principal kind "robot"; expected one of human, agent, service',
    ]);
    expect(problems(rule('    effect: allow\n    mask: { columns: { "*.*.t.c": { strategy: hash, keep: 4 } } }\n'))).toEqual([
      'test.yaml:5:59: "keep" only applies to strategy partial, not hash',
    ]);
  });

  it('reports unknown detectors, and accepts custom ones', () => {
    const [problem] = problems(rule('    effect: allow\n    mask: { detect: [email, emial] }\n'));
    expect(problem).toMatch(/^test\.yaml:5:29: unknown detector "emial"; use a built-in detector \(email, .*\) or define it under "detectors:" — did you mean "email"\?$/);
    expect(() => loadPolicy('version: 1\ndetectors: [{ name: emp, regex: "(?i)emp-[0-9]{6}" }]\nrules: []\n', 'p.yaml')).not.toThrow();
    expect(() => loadPolicy('version: 1\ndetectors: [{ name: badge, words: [X1] }]\nrules:\n  - { id: r, effect: allow, mask: { detect: [badge] } }\n', 'p.yaml')).not.toThrow();
  });

  it('reports a duplicate rule id where it repeats, naming the first', () => {
    expect(problems('version: 1\nrules:\n  - id: a\n    effect: allow\n  - id: a\n    effect: deny\n')).toEqual([
      'test.yaml:5:9: duplicate rule id "a"; rule ids must be unique (first defined at line 3)',
    ]);
  });

  it('reports bad durations and CIDRs', () => {
    expect(problems(rule('    effect: review\n    review: { approvers: { groups: [dba] }, timeout: 15 minutes }\n'))).toEqual([
      'test.yaml:5:54: bad duration "15 minutes" for timeout; write a positive number with a unit: ms, s, m, h or d (e.g. 15m)',
    ]);
    expect(problems(rule('    effect: allow\n    when: { clientAddress: [10.0.0.0/8, 10.0.0.0/40] }\n'))).toEqual([
      'test.yaml:5:41: bad CIDR "10.0.0.0/40" in clientAddress; write an address with an optional prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32',
    ]);
  });

  it('reports regexes the masking engine cannot run, and accepts nested repeats it runs in linear time', () => {
    const [invalid] = problems('version: 1\ndetectors:\n  - name: emp\n    regex: "EMP-(\\\\d+"\nrules: []\n');
    expect(invalid).toMatch(/^test\.yaml:4:12: invalid regex: /);
    expect(problems('version: 1\ndetectors:\n  - name: emp\n    regex: "(a)\\\\1"\nrules: []\n')[0]).toMatch(/^test\.yaml:4:12: invalid regex: .*backreference/i);
    expect(problems('version: 1\ndetectors:\n  - name: emp\n    regex: "(?=x)y"\nrules: []\n')[0]).toMatch(/^test\.yaml:4:12: invalid regex: .*look/i);
    expect(() => loadPolicy('version: 1\ndetectors:\n  - name: emp\n    regex: "(a+)+b"\nrules: []\n', 'test.yaml')).not.toThrow();
    expect(problems('version: 1\ndetectors:\n  - name: email\n    words: [x]\nrules: []\n')).toEqual([
      'test.yaml:3:11: detector "email" is a built-in detector; give the custom detector another name',
    ]);
  });

  it('reports rule-shape mistakes: review without approvers, mask on deny, empty lists', () => {
    expect(problems(rule('    effect: review\n'))[0]).toMatch(/^test\.yaml:4:13: a review rule needs a "review:" block/);
    expect(problems(rule('    effect: deny\n    mask: { detect: [email] }\n'))).toEqual([
      'test.yaml:5:5: "mask" has no effect on a deny rule; remove it',
    ]);
    expect(problems(rule('    effect: allow\n    when: { environment: [] }\n'))).toEqual([
      'test.yaml:5:26: environment is an empty list, which matches nothing; add values or remove the key',
    ]);
    expect(problems(rule('    effect: allow\n    mask: { columns: { "a..b": redact } }\n'))).toEqual([
      'test.yaml:5:24: pattern "a..b" has an empty segment; segments are separated by single dots',
    ]);
  });

  it('collects every problem in one pass, sorted by position', () => {
    const found = problems(`version: 2
rules:
  - id: a
    effect: allow
    when: { environment: [prod], action: { category: [reads] } }
  - id: a
    efect: deny
`);
    expect(found).toEqual([
      'test.yaml:1:10: version must be 1 (the only policy format so far); write "version: 1"',
      'test.yaml:5:55: unknown category "reads"; expected one of read, write, ddl, dcl, admin, transaction, session, procedure, unknown — did you mean "read"?',
      'test.yaml:6:5: missing required key "effect" in rule "a"; add it',
      'test.yaml:6:9: duplicate rule id "a"; rule ids must be unique (first defined at line 3)',
      'test.yaml:7:5: unknown key "efect" in rule — did you mean "effect"?',
    ]);
  });

  it('throws a PolicyLoadError with a stable code and a readable message', () => {
    let caught: unknown;
    try {
      loadPolicy('version: 1\n', 'empty.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyLoadError);
    const error = caught as PolicyLoadError;
    expect(error.code).toBe('policy.invalid');
    expect(error.problems).toEqual([{ file: 'empty.yaml', line: 1, column: 1, message: 'missing required key "rules" in the document; add it' }]);
    expect(error.message).toBe('1 problem in empty.yaml\n  empty.yaml:1:1: missing required key "rules" in the document; add it');
  });

  it('refuses an empty file', () => {
    expect(problems('')).toEqual(['test.yaml:1:1: policy must be a map of "key: value" entries, not empty (null)']);
  });
});
