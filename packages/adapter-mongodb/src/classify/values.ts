import type { Document } from 'bson';

/** BSON values as the gateway decodes commands (promoteValues off): small helpers that never throw. */

export function isDocument(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Numeric value of a BSON number (Int32, Double, Long, Decimal128 wrappers or a JS number). */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null) {
    const tagged = value as { _bsontype?: string; valueOf?: () => unknown; toString?: () => string };
    switch (tagged._bsontype) {
      case 'Int32':
      case 'Double': {
        const n = tagged.valueOf?.();
        return typeof n === 'number' ? n : undefined;
      }
      case 'Long':
      case 'Decimal128': {
        const n = Number(tagged.toString?.());
        return Number.isNaN(n) ? undefined : n;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/** How the server reads a flag such as `multi` or `upsert`: booleans, or numbers (non-zero is true). */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const n = numberOf(value);
  return n !== undefined && n !== 0;
}

export function bsonTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** An empty filter: `{}` or absent. Anything else (even `{_id: {$exists: true}}`) counts as a filter. */
export function isEmptyFilter(value: unknown): boolean {
  return value === undefined || value === null || (isDocument(value) && Object.keys(value).length === 0);
}
