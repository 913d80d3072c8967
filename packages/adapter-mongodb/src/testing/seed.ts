// Test-only seeding (excluded from the build by tsconfig).
import type { Collection, Document } from 'mongodb';

/**
 * Seeds `rows` numbered emails as documents of `perBucket` emails each (`{_id: bucket, email:
 * [...]}`), read back one per email with `{$unwind: "$email"}`. jongodb pays for each insert in
 * proportion to the collection's size, so hundreds of thousands of single documents cannot be
 * inserted in a test run; a thousand buckets go in within seconds and stream the same documents.
 */
export async function seedBuckets(collection: Collection<Document>, rows: number, perBucket: number, emailOf: (id: number) => string): Promise<void> {
  await collection.drop().catch(() => undefined);
  const buckets = Math.ceil(rows / perBucket);
  const perInsert = Math.max(1, Math.floor(10_000 / perBucket));
  for (let first = 0; first < buckets; first += perInsert) {
    const batch: Document[] = [];
    for (let bucket = first; bucket < Math.min(buckets, first + perInsert); bucket++) {
      const start = bucket * perBucket + 1;
      const end = Math.min(rows, start + perBucket - 1);
      batch.push({ _id: bucket, email: Array.from({ length: end - start + 1 }, (_, k) => emailOf(start + k)) });
    }
    await collection.insertMany(batch, { ordered: true });
  }
}
