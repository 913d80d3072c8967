import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** initdb under PGlite takes ~12 s; tests copy one initialised directory instead (~0.1 s). */
const TEMPLATE = join(tmpdir(), 'gatehouse-approvals-pglite-0.4.6-template');

async function ensureTemplate(): Promise<void> {
  if (existsSync(join(TEMPLATE, '.ready'))) return;
  const build = mkdtempSync(join(tmpdir(), 'gatehouse-approvals-pglite-build-'));
  const db = await PGlite.create(join(build, 'data'));
  await db.close();
  writeFileSync(join(build, 'data', '.ready'), '');
  try {
    renameSync(join(build, 'data'), TEMPLATE);
  } catch {
    // Another test file won the race; its template is as good as ours.
  }
  rmSync(build, { recursive: true, force: true });
}

/** A fresh, already initialised PGlite data directory in a temp dir. */
export async function freshDataDir(): Promise<string> {
  await ensureTemplate();
  const dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-approvals-')), 'data');
  cpSync(TEMPLATE, dir, { recursive: true });
  return dir;
}
