import type { SqlDialect } from '@gatehouse/core';

/**
 * A realistic OLTP mix per dialect: point reads, a join, writes by key, a transaction. `n` varies
 * the literals, so the same shapes can be replayed as fingerprint-cache hits.
 */
export function oltpStatements(dialect: SqlDialect, n: number): string[] {
  const id = 1 + (n % 100_000);
  const email = `user${n}@example.com`;
  switch (dialect) {
    case 'postgres':
      return [
        `SELECT id, email, name FROM users WHERE id = ${id}`,
        `SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ${id}`,
        `INSERT INTO orders (user_id, total, status) VALUES (${id}, ${id % 997}.50, 'new') RETURNING id`,
        `UPDATE accounts SET balance = balance - ${id % 50} WHERE id = ${id}`,
        `DELETE FROM sessions WHERE id = ${id}`,
        `SELECT count(*) FROM orders WHERE user_id = ${id} AND status = 'paid'`,
        `SELECT * FROM users WHERE email = '${email}' LIMIT 1`,
        'BEGIN',
        'COMMIT',
      ];
    case 'mysql':
      return [
        `SELECT id, email, name FROM users WHERE id = ${id}`,
        `SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ${id}`,
        `INSERT INTO orders (user_id, total, status) VALUES (${id}, ${id % 997}.50, 'new')`,
        `UPDATE accounts SET balance = balance - ${id % 50} WHERE id = ${id}`,
        `DELETE FROM sessions WHERE id = ${id}`,
        `SELECT COUNT(*) FROM orders WHERE user_id = ${id} AND status = 'paid'`,
        `SELECT * FROM users WHERE email = '${email}' LIMIT 1`,
        'START TRANSACTION',
        'COMMIT',
      ];
    case 'mssql':
      return [
        `SELECT id, email, name FROM users WHERE id = ${id}`,
        `SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ${id}`,
        `INSERT INTO orders (user_id, total, status) VALUES (${id}, ${id % 997}.50, N'new')`,
        `UPDATE accounts SET balance = balance - ${id % 50} WHERE id = ${id}`,
        `DELETE FROM sessions WHERE id = ${id}`,
        `SELECT COUNT(*) FROM orders WHERE user_id = ${id} AND status = N'paid'`,
        `SELECT TOP 1 * FROM users WHERE email = N'${email}'`,
        'BEGIN TRANSACTION',
        'COMMIT',
      ];
  }
}
