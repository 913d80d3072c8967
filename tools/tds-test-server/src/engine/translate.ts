/**
 * T-SQL → SQLite, just enough for tests: `TOP n` → `LIMIT n`, `[x]` → `"x"`, `N'…'` → `'…'`,
 * `(MAX)` sizes dropped, `IDENTITY(1,1)` → AUTOINCREMENT, a few functions renamed. Parameters stay
 * `@name` (SQLite accepts that syntax and sql.js binds it by name). Rewrites skip string literals.
 */
export function translateStatement(tsql: string): string {
  let sql = mapOutsideStrings(tsql, (part) =>
    part
      .replace(/\[([^\]]*)\]/g, (_m, name: string) => `"${name.replace(/"/g, '""')}"`)
      .replace(/\bN'/g, "'")
      .replace(/\(\s*max\s*\)/gi, '')
      .replace(/\bint\s+identity\s*\(\s*\d+\s*,\s*\d+\s*\)\s+primary\s+key\b/gi, 'INTEGER PRIMARY KEY AUTOINCREMENT')
      .replace(/\bbigint\s+identity\s*\(\s*\d+\s*,\s*\d+\s*\)\s+primary\s+key\b/gi, 'INTEGER PRIMARY KEY AUTOINCREMENT')
      .replace(/\bidentity\s*\(\s*\d+\s*,\s*\d+\s*\)/gi, '')
      .replace(/\bgetdate\s*\(\s*\)|\bsysdatetime\s*\(\s*\)|\bgetutcdate\s*\(\s*\)/gi, "strftime('%Y-%m-%d %H:%M:%f','now')")
      .replace(/\bnewid\s*\(\s*\)/gi, 'newid()')
      .replace(/\bscope_identity\s*\(\s*\)|@@identity\b/gi, 'last_insert_rowid()')
      .replace(/\blen\s*\(/gi, 'length(')
      .replace(/\bisnull\s*\(/gi, 'ifnull(')
      .replace(/\bdefault\s+(newid\(\)|strftime\([^)]*\))/gi, 'DEFAULT ($1)')
      .replace(/\bwith\s*\(\s*nolock\s*\)/gi, ''),
  );
  const top = /^(\s*select\s+(?:distinct\s+)?)top\s*\(?\s*(\d+|@\w+)\s*\)?\s*/i.exec(sql);
  if (top) sql = `${top[1]}${sql.slice(top[0].length)} LIMIT ${top[2]}`;
  return sql;
}

function mapOutsideStrings(sql: string, fn: (part: string) => string): string {
  let out = '';
  let i = 0;
  let start = 0;
  while (i < sql.length) {
    if (sql[i] === "'") {
      const isNational = i > 0 && /[nN]/.test(sql[i - 1]!) && (i < 2 || !/\w/.test(sql[i - 2]!));
      out += fn(sql.slice(start, isNational ? i - 1 : i));
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      out += sql.slice(i, j);
      i = j;
      start = j;
      continue;
    }
    i++;
  }
  return out + fn(sql.slice(start));
}
