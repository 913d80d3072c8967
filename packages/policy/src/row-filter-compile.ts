import type { Principal, PrincipalAttributeValue, RowFilter, RowFilterValue, RowPredicate } from '@gatehouse/core';
import { readPredicate, referencedNames } from './row-filter-syntax.js';
import type { PredicateTemplate, ValueSource } from './row-filter-syntax.js';

/** Why a filter could not be resolved for a principal. Names the attribute, never a value. */
export interface UnresolvedReference {
  readonly name: string;
  readonly problem: 'missing' | 'list-for-equality';
}

/** Where a resolver leaves the first problem it meets; reused across calls (decide is synchronous). */
export interface ResolveFailure {
  unresolved: UnresolvedReference | undefined;
}

type Resolve = (principal: Principal, failure: ResolveFailure) => RowPredicate | undefined;

/**
 * One `filter:` entry of one rule, compiled at load. A predicate that reads nothing from the
 * principal is built once (`constant`) and shared by every decision; one that does keeps its
 * attribute-free parts prebuilt and resolves only the references per decision.
 */
export interface CompiledRowFilter {
  readonly pattern: string;
  readonly rule: string;
  readonly constant: RowFilter | undefined;
  readonly resolve: Resolve;
  /** Principal names the predicate reads (`region`, `id`), for messages and explain. */
  readonly references: readonly string[];
}

type Compiled = { readonly constant: RowPredicate; readonly resolve?: undefined } | { readonly constant?: undefined; readonly resolve: Resolve };

const NO_VALUE = Symbol('no value');

/** A principal field or attribute by name; built-ins first (token attributes may not reuse them). */
function principalValue(principal: Principal, name: string): PrincipalAttributeValue | typeof NO_VALUE {
  if (name === 'id') return principal.id;
  if (name === 'groups') return principal.groups;
  if (name === 'kind') return principal.kind;
  const attributes = principal.attributes;
  // Own properties only: an attribute called "constructor" must not read Object's.
  if (attributes === undefined || !Object.hasOwn(attributes, name)) return NO_VALUE;
  return attributes[name] as PrincipalAttributeValue;
}

function compileEq(column: string, source: ValueSource): Compiled {
  if (source.kind === 'literal') return { constant: Object.freeze({ kind: 'eq', column, value: source.value }) };
  const { name } = source;
  return {
    resolve: (principal, failure) => {
      const value = principalValue(principal, name);
      if (value === NO_VALUE) {
        failure.unresolved = { name, problem: 'missing' };
        return undefined;
      }
      if (Array.isArray(value)) {
        failure.unresolved = { name, problem: 'list-for-equality' };
        return undefined;
      }
      return { kind: 'eq', column, value: value as RowFilterValue };
    },
  };
}

function compileIn(column: string, values: readonly RowFilterValue[] | ValueSource): Compiled {
  if (Array.isArray(values)) return { constant: Object.freeze({ kind: 'in', column, values: Object.freeze([...(values as RowFilterValue[])]) }) };
  const source = values as ValueSource;
  if (source.kind === 'literal') return { constant: Object.freeze({ kind: 'in', column, values: Object.freeze([source.value]) }) };
  const { name } = source;
  return {
    resolve: (principal, failure) => {
      const value = principalValue(principal, name);
      if (value === NO_VALUE) {
        failure.unresolved = { name, problem: 'missing' };
        return undefined;
      }
      // A scalar is a one-element list; a list is used as it is (empty: matches no row).
      return { kind: 'in', column, values: Array.isArray(value) ? (value as readonly RowFilterValue[]) : [value as RowFilterValue] };
    },
  };
}

function compileTemplate(template: PredicateTemplate): Compiled {
  switch (template.kind) {
    case 'eq':
      return compileEq(template.column, template.value);
    case 'in':
      return compileIn(template.column, template.values);
    case 'not': {
      const inner = compileTemplate(template.predicate);
      if (inner.constant !== undefined) return { constant: Object.freeze({ kind: 'not', predicate: inner.constant }) };
      const resolveInner = inner.resolve;
      return {
        resolve: (principal, failure) => {
          const predicate = resolveInner(principal, failure);
          return predicate === undefined ? undefined : { kind: 'not', predicate };
        },
      };
    }
    default: {
      const kind = template.kind;
      const parts = template.predicates.map(compileTemplate);
      if (parts.every((part) => part.constant !== undefined)) {
        return { constant: Object.freeze({ kind, predicates: Object.freeze(parts.map((part) => part.constant as RowPredicate)) }) };
      }
      return {
        resolve: (principal, failure) => {
          const predicates: RowPredicate[] = [];
          for (const part of parts) {
            const predicate = part.constant ?? part.resolve(principal, failure);
            if (predicate === undefined) return undefined;
            predicates.push(predicate);
          }
          return { kind, predicates };
        },
      };
    }
  }
}

/** Compiles a rule's validated `filter:` map, in the order written. */
export function compileRowFilters(rule: string, document: Readonly<Record<string, unknown>>): CompiledRowFilter[] {
  return Object.entries(document).map(([pattern, predicateDocument]) => {
    const template = readPredicate(predicateDocument, (_path, message) => {
      // The schema ran the same reader and accepted this document; reaching here is a bug.
      throw new TypeError(`row filter of rule ${rule} on ${pattern} was not validated: ${message}`);
    });
    if (template === undefined) throw new TypeError(`row filter of rule ${rule} on ${pattern} was not validated`);
    const compiled = compileTemplate(template);
    const constant = compiled.constant === undefined ? undefined : Object.freeze({ pattern, predicate: compiled.constant, rule });
    return {
      pattern,
      rule,
      constant,
      resolve: compiled.resolve ?? (() => compiled.constant),
      references: [...referencedNames(template)],
    };
  });
}

/** The filter for one principal, or undefined with the problem left in `failure`. */
export function resolveRowFilter(filter: CompiledRowFilter, principal: Principal, failure: ResolveFailure): RowFilter | undefined {
  if (filter.constant !== undefined) return filter.constant;
  const predicate = filter.resolve(principal, failure);
  return predicate === undefined ? undefined : { pattern: filter.pattern, predicate, rule: filter.rule };
}

/** The deny reason for an unresolvable filter: rule, table pattern and attribute name, never a value. */
export function unresolvedReason(filter: CompiledRowFilter, principal: Principal, unresolved: UnresolvedReference): string {
  const subject = `rule ${filter.rule} filters ${filter.pattern} by "\${principal.${unresolved.name}}"`;
  if (unresolved.problem === 'missing') {
    return `denied: ${subject}, but ${principal.id} (${principal.via}) has no attribute "${unresolved.name}"; ` +
      'add it to the token (e.g. gatehouse token issue --attr) or change the rule';
  }
  return `denied: ${subject}, but the attribute "${unresolved.name}" of ${principal.id} is a list; ` +
    'compare a list with { in: "${principal.' + unresolved.name + '}" } instead of equality';
}
