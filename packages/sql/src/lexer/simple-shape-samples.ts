/**
 * Statements for the differential tests of the simple-shape fast paths (test support only):
 * randomised statements inside the simple grammar, and near misses just outside it, which must
 * take the parser path. Seeded, so a failure names a statement that reproduces.
 */

import { seeded } from '../rewrite/test-filters.js';

export interface SampleDialect {
  readonly dialect: 'mysql' | 'mssql';
  /** Quotes an identifier the dialect's way. */
  quote(name: string): string;
  /** Table names: plain and qualified. */
  readonly tables: readonly string[];
  /** Placeholder / parameter forms standing for a value. */
  readonly params: readonly string[];
  /** String literal forms. */
  readonly strings: readonly string[];
}

export const MYSQL_SAMPLES: SampleDialect = {
  dialect: 'mysql',
  quote: (name) => `\`${name}\``,
  tables: ['users', 'orders', 'app2.users', 'Accounts', '`order_items`', '`app2`.`t1`'],
  params: ['?'],
  strings: ["'x'", "'it''s'", '"dq"', "''", "'a\\'b'"],
};

export const MSSQL_SAMPLES: SampleDialect = {
  dialect: 'mssql',
  quote: (name) => `[${name}]`,
  tables: ['users', 'orders', 'dbo.users', 'sales.Orders', 'app2.dbo.accounts', '[dbo].[order_items]', '[app2].[sales].[t1]'],
  params: ['@p1', '@P2', '@id'],
  strings: ["'x'", "N'n'", "'it''s'", "''"],
};

const COLUMNS = ['id', 'email', 'name', 'status', 'user_id', 'total', 'Balance', 'created_at', 'a1', '_x'];

/** The rewrite tests' seeded generator (mulberry32), under the name these tests use. */
export const seededRandom = seeded;

class Picker {
  constructor(
    private readonly random: () => number,
    readonly d: SampleDialect,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  count(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  column(): string {
    const name = this.pick(COLUMNS);
    return this.chance(0.15) ? this.d.quote(name) : name;
  }

  value(): string {
    const roll = this.random();
    if (roll < 0.35) return String(this.count(0, 99_999));
    if (roll < 0.45) return `${this.count(0, 999)}.${this.count(0, 99)}`;
    if (roll < 0.52) return `-${this.count(1, 9)}`;
    if (roll < 0.75) return this.pick(this.d.strings);
    if (roll < 0.93) return this.pick(this.d.params);
    return 'NULL';
  }

  condition(qualifier: string | undefined): string {
    const column = qualifier && this.chance(0.4) ? `${qualifier}.${this.column()}` : this.column();
    const roll = this.random();
    if (roll < 0.45) return `${column} ${this.pick(['=', '<>', '!=', '<', '>', '<=', '>='])} ${this.value()}`;
    if (roll < 0.6) return `${column}${this.chance(0.3) ? ' NOT' : ''} IN (${this.list(() => this.value(), 1, 4)})`;
    if (roll < 0.72) return `${column} IS${this.chance(0.5) ? ' NOT' : ''} NULL`;
    if (roll < 0.85) return `${column}${this.chance(0.3) ? ' NOT' : ''} BETWEEN ${this.value()} AND ${this.value()}`;
    return `${column}${this.chance(0.3) ? ' NOT' : ''} LIKE ${this.pick(this.d.strings)}`;
  }

  where(qualifier: string | undefined): string {
    if (this.chance(0.2)) return '';
    const conditions = Array.from({ length: this.count(1, 4) }, () => this.condition(qualifier));
    return ` WHERE ${conditions.reduce((text, c) => `${text} ${this.pick(['AND', 'OR', 'and'])} ${c}`)}`;
  }

  list(item: () => string, min: number, max: number): string {
    return Array.from({ length: this.count(min, max) }, item).join(', ');
  }
}

/** One random statement inside the simple grammar. */
export function simpleStatement(random: () => number, d: SampleDialect): string {
  const p = new Picker(random, d);
  const table = p.pick(d.tables);
  const last = table.split('.').at(-1)!.replace(/[`[\]]/g, '');
  switch (p.count(0, 3)) {
    case 0: {
      const alias = p.chance(0.5) ? p.pick(['u', 'o', 'T1', 'x']) : undefined;
      const qualifier = alias ?? last;
      const items = p.list(() => {
        const roll = random();
        if (roll < 0.1) return '*';
        if (roll < 0.15) return `${qualifier}.*`;
        const column = roll < 0.35 ? `${qualifier}.${p.column()}` : p.column();
        if (roll < 0.55) return column;
        return `${column}${p.pick([' AS ', ' ', ' as '])}${p.pick(['e', 'n', 'total', 'id', 'x2', d.quote('Q')])}`;
      }, 1, 5);
      const top = d.dialect === 'mssql' && p.chance(0.3) ? `TOP ${p.pick(['1', '10', '(5)'])} ` : '';
      const from = alias ? `${table}${p.chance(0.5) ? ' AS ' : ' '}${alias}` : table;
      const order = p.chance(0.4)
        ? ` ORDER BY ${p.list(() => `${p.chance(0.3) ? `${qualifier}.` : ''}${p.pick([...COLUMNS, 'e', 'n', 'x2'])}${p.pick(['', ' ASC', ' DESC'])}`, 1, 3)}`
        : '';
      const limit =
        d.dialect === 'mysql' && p.chance(0.4) ? p.pick([' LIMIT 1', ' LIMIT 10 OFFSET 20', ' LIMIT 5, 10', ' LIMIT ?', ' LIMIT ? OFFSET ?']) : '';
      return `SELECT ${top}${items} FROM ${from}${p.where(qualifier)}${order}${limit}`;
    }
    case 1: {
      const columns = p.count(1, 4);
      const rows = Array.from({ length: p.count(1, 3) }, () => `(${Array.from({ length: columns }, () => p.value()).join(', ')})`);
      const names = Array.from({ length: columns }, () => p.column()).join(', ');
      return `INSERT INTO ${table} (${names}) VALUES ${rows.join(', ')}`;
    }
    case 2: {
      const sets = p.list(() => {
        const column = p.column();
        const roll = random();
        if (roll < 0.5) return `${column} = ${p.value()}`;
        if (roll < 0.65) return `${column} = ${p.column()}`;
        return `${column} = ${p.column()} ${p.pick(['+', '-'])} ${p.pick(['1', '2.5', d.params[0]!])}`;
      }, 1, 3);
      return `UPDATE ${table} SET ${sets}${p.where(last)}`;
    }
    default: {
      const where = p.where(last);
      return `DELETE FROM ${table}${where === '' ? ` WHERE ${p.condition(undefined)}` : where}`;
    }
  }
}

/** Edits that take a simple statement just outside the simple grammar: each must fall back. */
export interface NearMiss {
  readonly name: string;
  apply(sql: string): string;
}

const replaceFirst = (from: RegExp, to: string) => (sql: string) => sql.replace(from, to);

export function nearMisses(d: SampleDialect): NearMiss[] {
  const common: NearMiss[] = [
    { name: 'function call in the select list', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT $1COUNT(*), ') },
    { name: 'aggregate over a column', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT $1MAX(id) AS m, ') },
    { name: 'DISTINCT', apply: replaceFirst(/^SELECT /, 'SELECT DISTINCT ') },
    { name: 'subquery in WHERE', apply: (sql) => `${sql.includes(' WHERE ') ? sql.replace(' WHERE ', ' WHERE id IN (SELECT user_id FROM orders) AND ') : `${sql} WHERE id IN (SELECT user_id FROM orders)`}` },
    { name: 'parenthesised condition', apply: (sql) => sql.replace(/ WHERE (.*?)( ORDER BY| LIMIT|$)/, ' WHERE ($1)$2') },
    { name: 'column compared with a column', apply: (sql) => sql.replace(/ WHERE /, ' WHERE id = user_id AND ') },
    { name: 'join', apply: replaceFirst(/ FROM (\S+)/, ' FROM $1 JOIN orders o2 ON o2.id = 1') },
    { name: 'GROUP BY', apply: (sql) => sql.replace(/( ORDER BY| LIMIT|$)/, ' GROUP BY id$1') },
    { name: 'qualifier naming another table', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT $1zz.id, ') },
    { name: 'reserved word as a column', apply: replaceFirst(/^SELECT (TOP \S+ )?/, `SELECT $1${d.dialect === 'mysql' ? 'order' : 'key'}, `) },
    { name: 'UNION', apply: (sql) => `${sql} UNION SELECT id FROM t2` },
    { name: 'arithmetic in a condition', apply: (sql) => sql.replace(/ WHERE /, ' WHERE id + 1 = 2 AND ') },
    { name: 'trailing garbage', apply: (sql) => `${sql} x y` },
    { name: 'unary NOT', apply: (sql) => sql.replace(/ WHERE /, ' WHERE NOT id = 1 AND ') },
    { name: 'constant filter', apply: (sql) => sql.replace(/ WHERE /, ' WHERE 1 = 1 AND ') },
    { name: 'function in a value', apply: (sql) => sql.replace(/ = /, ' = LOWER(email) AND id = ') },
    { name: 'INSERT … SELECT', apply: replaceFirst(/ VALUES .*$/, ' SELECT id FROM t2') },
    { name: 'INSERT without a column list', apply: replaceFirst(/^INSERT INTO (\S+) \([^)]*\)/, 'INSERT INTO $1') },
    { name: 'UPDATE through an alias', apply: replaceFirst(/^UPDATE (\S+) SET/, 'UPDATE $1 u SET') },
    { name: 'UPDATE … FROM', apply: replaceFirst(/^UPDATE (\S+) SET (.*?)( WHERE|$)/, 'UPDATE $1 SET $2 FROM $1 JOIN orders o2 ON o2.id = 1$3') },
    { name: 'qualified SET column', apply: replaceFirst(/ SET /, ' SET zz.a = 1, ') },
  ];
  const mysql: NearMiss[] = [
    { name: 'FOR UPDATE', apply: (sql) => `${sql} FOR UPDATE` },
    { name: 'LOCK IN SHARE MODE', apply: (sql) => `${sql} LOCK IN SHARE MODE` },
    { name: 'INTO OUTFILE', apply: (sql) => `${sql} INTO OUTFILE '/tmp/x'` },
    { name: 'INTO a variable', apply: replaceFirst(/ FROM /, ' INTO @v FROM ') },
    { name: 'user variable as a value', apply: (sql) => sql.replace(/ = /, ' = @v AND id = ') },
    { name: 'system variable', apply: (sql) => sql.replace(/ = /, ' = @@version AND id = ') },
    { name: 'executable comment', apply: replaceFirst(/^SELECT /, 'SELECT /*!50000 SLEEP(1), */ ') },
    { name: 'SQL_CALC_FOUND_ROWS', apply: replaceFirst(/^SELECT /, 'SELECT SQL_CALC_FOUND_ROWS ') },
    { name: 'HIGH_PRIORITY', apply: replaceFirst(/^SELECT /, 'SELECT HIGH_PRIORITY ') },
    { name: 'index hint', apply: replaceFirst(/ FROM (\S+)/, ' FROM $1 FORCE INDEX (PRIMARY)') },
    { name: 'null-safe equality', apply: (sql) => sql.replace(/ = /, ' <=> ') },
    { name: 'REPLACE', apply: replaceFirst(/^INSERT /, 'REPLACE ') },
    { name: 'INSERT IGNORE', apply: replaceFirst(/^INSERT /, 'INSERT IGNORE ') },
    { name: 'ON DUPLICATE KEY UPDATE', apply: (sql) => (sql.startsWith('INSERT') ? `${sql} ON DUPLICATE KEY UPDATE id = 1` : `${sql} ON x`) },
    { name: 'UPDATE … LIMIT', apply: (sql) => (sql.startsWith('SELECT') ? sql : `${sql} LIMIT 1`) },
    { name: 'DUMPFILE after INTO', apply: replaceFirst(/^INSERT INTO \S+/, 'INSERT INTO DUMPFILE') },
    { name: 'three-part name', apply: replaceFirst(/ FROM (\S+)/, ' FROM a.b.c') },
    { name: 'side-effect function', apply: replaceFirst(/^SELECT /, 'SELECT SLEEP(1), ') },
  ];
  const mssql: NearMiss[] = [
    { name: 'table hint', apply: replaceFirst(/ FROM (\S+)/, ' FROM $1 WITH (NOLOCK)') },
    { name: 'old-style table hint', apply: replaceFirst(/ FROM (\S+)/, ' FROM $1 (NOLOCK)') },
    { name: 'OPTION', apply: (sql) => `${sql} OPTION (RECOMPILE)` },
    { name: 'SELECT … INTO', apply: replaceFirst(/ FROM /, ' INTO #t FROM ') },
    { name: 'OUTPUT', apply: replaceFirst(/ (VALUES|WHERE) /, ' OUTPUT inserted.id $1 ') },
    { name: 'alias assignment', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT $1n = name, ') },
    { name: 'variable assignment', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT $1@v = name, ') },
    { name: 'TOP (variable)', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT TOP (@n) ') },
    { name: 'TOP PERCENT', apply: replaceFirst(/^SELECT (TOP \S+ )?/, 'SELECT TOP 10 PERCENT ') },
    { name: 'OFFSET FETCH', apply: (sql) => `${sql} ORDER BY id OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY` },
    { name: 'empty schema part', apply: replaceFirst(/ FROM (\S+)/, ' FROM app..users') },
    { name: 'side-effect routine as a table', apply: replaceFirst(/^INSERT INTO \S+/, 'INSERT INTO xp_cmdshell') },
    { name: 'NEXT VALUE FOR', apply: (sql) => sql.replace(/ = /, ' = NEXT VALUE FOR s AND id = ') },
    { name: 'INSERT without INTO', apply: replaceFirst(/^INSERT INTO /, 'INSERT ') },
    { name: 'DELETE without FROM', apply: replaceFirst(/^DELETE FROM /, 'DELETE ') },
    { name: 'temporary table', apply: replaceFirst(/ FROM (\S+)/, ' FROM #tmp') },
    { name: 'four-part name', apply: replaceFirst(/ FROM (\S+)/, ' FROM srv.app.dbo.t') },
  ];
  return [...common, ...(d.dialect === 'mysql' ? mysql : mssql)];
}
