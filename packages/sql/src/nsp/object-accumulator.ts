import type { ObjectAccess, ObjectKind, ObjectRef } from '@gatehouse/core';

interface Entry {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly access: ObjectAccess;
  readonly columns: Set<string>;
}

/** Collects object references, merging repeats of the same (access, kind, name) and their columns. */
export class ObjectAccumulator {
  private readonly entries = new Map<string, Entry>();

  touch(access: ObjectAccess, kind: ObjectKind, name: string): Set<string> {
    const key = `${access}\u0000${kind}\u0000${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { name, kind, access, columns: new Set() };
      this.entries.set(key, entry);
    }
    return entry.columns;
  }

  add(access: ObjectAccess, kind: ObjectKind, name: string, column?: string): void {
    const columns = this.touch(access, kind, name);
    if (column !== undefined) columns.add(column);
  }

  has(access: ObjectAccess, kind: ObjectKind, name: string): boolean {
    return this.entries.has(`${access}\u0000${kind}\u0000${name}`);
  }

  /**
   * A written table is also in the FROM scope of its UPDATE/DELETE; when nothing of it is read,
   * the read entry is noise. Drops read entries without columns whose name is also written.
   */
  dropEmptyReadsOfWritten(): void {
    for (const [key, entry] of this.entries) {
      if (entry.access !== 'read' || entry.columns.size > 0) continue;
      if (this.has('write', entry.kind, entry.name)) this.entries.delete(key);
    }
  }

  toRefs(): ObjectRef[] {
    const refs: ObjectRef[] = [];
    for (const entry of this.entries.values()) {
      refs.push(
        entry.columns.size > 0
          ? { name: entry.name, kind: entry.kind, access: entry.access, columns: [...entry.columns] }
          : { name: entry.name, kind: entry.kind, access: entry.access },
      );
    }
    return refs;
  }
}
