/** The database protocols Gatehouse speaks. */
export const DIALECTS = ['postgres', 'mysql', 'mssql', 'mongodb'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The SQL dialects, classified by packages/sql; MongoDB is classified by its adapter. */
export const SQL_DIALECTS = ['postgres', 'mysql', 'mssql'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];
