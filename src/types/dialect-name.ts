/** The dialects dbscope speaks: a server (`postgres`, `mysql` for MySQL and MariaDB) or embedded PGlite. */
export type DialectName = 'postgres' | 'mysql' | 'pglite'
