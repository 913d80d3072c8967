import { readFileSync } from 'node:fs';

/** uid/gid of a system account, from /etc/passwd (pgbouncer, like PostgreSQL, refuses to run as root). */
export function systemAccount(name: string): { readonly uid: number; readonly gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
