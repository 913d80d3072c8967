import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_LIMITS, attributeNameProblem, checkAttributes } from './attributes.js';
import { TokenClaimsError } from './errors.js';

const refused = (attributes: Record<string, unknown>): string => {
  try {
    checkAttributes(attributes);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenClaimsError);
    return (error as Error).message;
  }
  throw new Error('expected the attributes to be refused');
};

describe('principal attributes', () => {
  it('accepts text, finite numbers, booleans and lists of those', () => {
    expect(checkAttributes({ region: 'eu', level: 3, vip: false, tenants: ['t1', 2, true], none: [] })).toEqual({
      region: 'eu',
      level: 3,
      vip: false,
      tenants: ['t1', 2, true],
      none: [],
    });
  });

  it('keeps values that look like SQL or operators as plain text: policy binds them as literals', () => {
    expect(checkAttributes({ region: "eu' OR '1'='1 --", op: '{"$ne": null}' })).toEqual({ region: "eu' OR '1'='1 --", op: '{"$ne": null}' });
  });

  it('refuses objects, nested lists, null, NaN and control characters, without echoing the value', () => {
    expect(refused({ a: { $ne: 1 } })).toContain('attribute "a" must be a string, number, boolean or an array of those');
    expect(refused({ a: [['x']] })).toContain('attribute "a" must be');
    expect(refused({ a: null })).toContain('attribute "a" must be');
    expect(refused({ a: Number.NaN })).toContain('attribute "a" must be a finite number');
    const message = refused({ a: 'secret\u0000value' });
    expect(message).toContain('attribute "a" contains control characters');
    expect(message).not.toContain('secret');
  });

  it('bounds count, text length and list length', () => {
    const many = Object.fromEntries(Array.from({ length: ATTRIBUTE_LIMITS.count + 1 }, (_, index) => [`a${index}`, 'x']));
    expect(refused(many)).toContain(`more than ${ATTRIBUTE_LIMITS.count} attributes`);
    expect(refused({ a: 'x'.repeat(ATTRIBUTE_LIMITS.textLength + 1) })).toContain(`longer than ${ATTRIBUTE_LIMITS.textLength} characters`);
    expect(refused({ a: Array.from({ length: ATTRIBUTE_LIMITS.listLength + 1 }, () => 'x') })).toContain(`more than ${ATTRIBUTE_LIMITS.listLength} values`);
    expect(() => checkAttributes({ a: 'x'.repeat(ATTRIBUTE_LIMITS.textLength) })).not.toThrow();
  });

  it('refuses names policy cannot reference, and names of the principal\'s own fields', () => {
    expect(attributeNameProblem('tenant_id')).toBeUndefined();
    expect(attributeNameProblem('team-name')).toBeUndefined();
    expect(attributeNameProblem('https://example.com/tenant')).toMatch(/is invalid/);
    expect(attributeNameProblem('1st')).toMatch(/is invalid/);
    expect(attributeNameProblem('groups')).toMatch(/is reserved/);
    expect(refused({ id: 'someone-else' })).toContain('attribute name "id" is reserved');
  });

  it('builds a fresh object: "__proto__" is an ordinary own key, never the prototype', () => {
    const attributes = checkAttributes(JSON.parse('{"__proto__": "x", "region": "eu"}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(attributes, '__proto__')).toBe(true);
  });
});
