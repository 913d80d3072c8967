import type { Category, ColumnLineage, Flag, ObjectAccess, ObjectKind, ObjectRef } from '@gatehouse/core';

interface MutableObject {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly access: ObjectAccess;
  readonly columns: Set<string>;
  /** Whether the column set is meaningful (a DELETE writes whole rows: no columns). */
  hasColumns: boolean;
}

/** Effects that raise a statement's category: read < write < ddl < admin. */
const RANK: Partial<Record<Category, number>> = { read: 0, write: 1, ddl: 2, admin: 3 };

/**
 * What the walk of one statement found: objects (merged by access, kind and name), flags,
 * functions and side-effect categories. One instance per statement; no literal is ever stored.
 */
export class Analysis {
  private readonly objects = new Map<string, MutableObject>();
  readonly flags = new Set<Flag>();
  readonly functions = new Set<string>();
  /** The strongest effect seen in a function call or nested statement. */
  effect: Category = 'read';
  lineage: ColumnLineage[] | undefined;

  /** Records an object; returns its column set so callers can add columns as they resolve them. */
  object(access: ObjectAccess, kind: ObjectKind, name: string, columns?: Iterable<string>): MutableObject {
    const key = `${access} ${kind} ${name}`;
    let entry = this.objects.get(key);
    if (!entry) {
      entry = { name, kind, access, columns: new Set(), hasColumns: false };
      this.objects.set(key, entry);
    }
    if (columns) {
      for (const column of columns) {
        entry.columns.add(column);
        entry.hasColumns = true;
      }
    }
    return entry;
  }

  column(access: ObjectAccess, kind: ObjectKind, name: string, column: string): void {
    const entry = this.object(access, kind, name);
    entry.columns.add(column);
    entry.hasColumns = true;
  }

  hasWrite(): boolean {
    for (const entry of this.objects.values()) if (entry.access === 'write') return true;
    return false;
  }

  raise(category: 'write' | 'ddl' | 'admin'): void {
    if ((RANK[category] ?? 0) > (RANK[this.effect] ?? 0)) this.effect = category;
  }

  /** The statement's category: a read, write or DDL rises to the strongest effect seen. */
  finalCategory(base: Category): Category {
    const baseRank = RANK[base];
    if (baseRank === undefined) return base;
    let category = base;
    if (this.hasWrite() && baseRank < 1) category = 'write';
    const effectRank = RANK[this.effect] ?? 0;
    return effectRank > (RANK[category] ?? 0) ? this.effect : category;
  }

  objectRefs(): ObjectRef[] {
    const out: ObjectRef[] = [];
    for (const entry of this.objects.values()) {
      out.push(
        entry.hasColumns
          ? { name: entry.name, kind: entry.kind, access: entry.access, columns: [...entry.columns] }
          : { name: entry.name, kind: entry.kind, access: entry.access },
      );
    }
    return out;
  }
}
