import { formatProblem } from '@gatehouse/core';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigLoadError } from './errors.js';
import { readSource, validateYaml } from './validate-yaml.js';
import { oneOf, strictMap, text, wholeNumber } from './schema-primitives.js';

const schema = strictMap('document', {
  items: z.array(strictMap('item', { name: text('item name'), size: wholeNumber('size', 1, 10), colour: oneOf('colour', ['red', 'green']).optional() })),
});

function problems(yaml: string): string[] {
  try {
    validateYaml(yaml, 'doc.yaml', schema, { code: 'doc.invalid', namedLists: { items: { item: 'item', nameKey: 'name' } } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigLoadError);
    return (error as ConfigLoadError).problems.map(formatProblem);
  }
  return [];
}

describe('validateYaml', () => {
  it('returns the data when it is valid', () => {
    const { data } = validateYaml('items:\n  - { name: a, size: 2 }\n', 'doc.yaml', schema, { code: 'doc.invalid' });
    expect(data.items[0]?.size).toBe(2);
  });

  it('locates every problem, naming list items by their name key', () => {
    expect(problems('items:\n  - name: a\n    size: 20\n    colur: red\n  - name: b\n    colour: blue\n')).toEqual([
      'doc.yaml:3:11: size must be between 1 and 10',
      'doc.yaml:4:5: unknown key "colur" in item — did you mean "colour"?',
      'doc.yaml:5:5: missing required key "size" in item "b"; add it',
      'doc.yaml:6:13: unknown colour "blue"; expected one of red, green',
    ]);
  });

  it('reports syntax errors before anything else', () => {
    expect(problems('items: [\n')).toHaveLength(1);
    expect(problems('items: [\n')[0]).toMatch(/^doc\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('uses the caller\'s error class', () => {
    class MyError extends ConfigLoadError {}
    expect(() => validateYaml('items: 1\n', 'doc.yaml', schema, { code: 'x', createError: (code, found) => new MyError(code, found) })).toThrow(MyError);
  });
});

describe('readSource', () => {
  it('turns a missing file into a located problem', async () => {
    const error = await readSource('/nonexistent/gatehouse.yaml', 'doc.unreadable').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigLoadError);
    expect((error as ConfigLoadError).problems.map(formatProblem)).toEqual([
      '/nonexistent/gatehouse.yaml:1:1: cannot read the file (ENOENT); check the path and permissions',
    ]);
  });
});
