/**
 * The synthetic schema the codegen and typecheck benches share: `n` tables × 22 columns of mixed types (FKs, enums,
 * domains, arrays, a generated column) and `views` views, created in a fresh database that the caller drops.
 *
 * @example
 * const db = await createPostgresDatabase(1000, 50)
 * try { … db.url … } finally { await db.drop() }
 */
import pg from 'pg'

/** A created database: its URL, and how to drop it. */
export interface SyntheticDatabase {
  readonly url: string
  drop(): Promise<void>
}

/** The PostgreSQL DDL: three enums, three domains, `n` tables (each referencing the previous one) and `viewCount` views. */
export function postgresSchema(n: number, viewCount: number): string {
  const out: string[] = [
    `CREATE TYPE status AS ENUM ('new', 'active', 'archived');`,
    `CREATE TYPE priority AS ENUM ('low', 'mid', 'high');`,
    `CREATE TYPE colour AS ENUM ('red', 'green', 'blue');`,
    `CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');`,
    `CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);`,
    `CREATE DOMAIN money_amount AS numeric(12, 2);`,
  ]
  const enums = ['status', 'priority', 'colour']
  for (let i = 0; i < n; i++) {
    const fk = i > 0 ? `REFERENCES t${i - 1} (id) ON DELETE CASCADE` : ''
    out.push(`CREATE TABLE t${i} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      parent_id bigint ${fk},
      name text NOT NULL,
      code varchar(40) UNIQUE,
      qty integer NOT NULL DEFAULT 0,
      big_count bigint,
      price numeric(12, 2),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      day date,
      payload jsonb,
      ext_id uuid,
      tags text[] NOT NULL DEFAULT '{}',
      scores integer[],
      state ${enums[i % 3]} NOT NULL DEFAULT '${i % 3 === 0 ? 'new' : i % 3 === 1 ? 'low' : 'red'}',
      contact email,
      rank positive_int,
      amount money_amount,
      blob bytea,
      ratio float8,
      addr inet,
      total integer GENERATED ALWAYS AS (qty * 2) STORED
    );`)
    if (i % 10 === 0) out.push(`COMMENT ON TABLE t${i} IS 'Table number ${i}.'; CREATE INDEX t${i}_name_idx ON t${i} (name);`)
  }
  for (let v = 0; v < viewCount; v++) out.push(`CREATE VIEW v${v} AS SELECT id, name, qty, created_at FROM t${v * Math.floor(n / viewCount)};`)
  return out.join('\n')
}

/** Creates the PostgreSQL schema in a new database on `$DBSCOPE_PG_URL` (or the local default). */
export async function createPostgresDatabase(tables: number, views: number): Promise<SyntheticDatabase> {
  const admin = process.env.DBSCOPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `dbscope_bench_${Date.now().toString(36)}`
  const run = async (url: string, text: string) => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query(text)
    } finally {
      await c.end()
    }
  }
  await run(admin, `CREATE DATABASE ${name}`)
  const u = new URL(admin)
  u.pathname = `/${name}`
  const url = u.toString()
  try {
    await run(url, `BEGIN; ${postgresSchema(tables, views)} COMMIT;`)
  } catch (err) {
    await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    throw err
  }
  return { url, drop: () => run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** The MySQL/MariaDB twin of {@link postgresSchema}: 22 columns per table, FKs, enums, sets, json, a generated column. */
export function mysqlSchema(n: number, viewCount: number): string {
  const out: string[] = []
  const enums = [`enum('new', 'active', 'archived')`, `enum('low', 'mid', 'high')`, `enum('red', 'green', 'blue')`]
  for (let i = 0; i < n; i++) {
    const fk = i > 0 ? `, CONSTRAINT t${i}_parent_fk FOREIGN KEY (parent_id) REFERENCES t${i - 1} (id) ON DELETE CASCADE` : ''
    out.push(`CREATE TABLE t${i} (
      id bigint AUTO_INCREMENT PRIMARY KEY,
      parent_id bigint,
      name varchar(100) NOT NULL,
      code varchar(40) UNIQUE,
      qty int NOT NULL DEFAULT 0,
      big_count bigint unsigned,
      price decimal(12, 2),
      active tinyint(1) NOT NULL DEFAULT 1,
      created_at datetime NOT NULL DEFAULT current_timestamp(),
      day date,
      payload json,
      ext_id uuid,
      tags set('a', 'b', 'c') NOT NULL DEFAULT '',
      score double,
      state ${enums[i % 3]} NOT NULL DEFAULT '${i % 3 === 0 ? 'new' : i % 3 === 1 ? 'low' : 'red'}',
      contact varchar(255) COMMENT 'Contact e-mail.',
      rank_no int unsigned,
      amount decimal(12, 2) NOT NULL DEFAULT 0,
      blob_data blob,
      ratio float,
      at_time time,
      total int AS (qty * 2) STORED${fk}
    )${i % 10 === 0 ? ` COMMENT 'Table number ${i}.'` : ''};`)
    if (i % 10 === 0) out.push(`CREATE INDEX t${i}_name_idx ON t${i} (name);`)
  }
  for (let v = 0; v < viewCount; v++) out.push(`CREATE VIEW v${v} AS SELECT id, name, qty, created_at, payload FROM t${v * Math.floor(n / viewCount)};`)
  return out.join('\n')
}

/** Creates the MySQL/MariaDB schema in a new database on `$DBSCOPE_MYSQL_URL` (or the local default). */
export async function createMysqlDatabase(tables: number, views: number): Promise<SyntheticDatabase> {
  const { default: mysql } = await import('mysql2/promise')
  const admin = process.env.DBSCOPE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
  const name = `dbscope_bench_${Date.now().toString(36)}`
  const run = async (text: string) => {
    const c = await mysql.createConnection({ uri: admin, multipleStatements: true })
    try {
      await c.query(text)
    } finally {
      await c.end()
    }
  }
  const drop = () => run(`DROP DATABASE IF EXISTS \`${name}\``)
  await run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
  try {
    // One multi-statement batch; checks off so that creating 1,000 tables with FKs is quick.
    await run(`USE \`${name}\`; SET SESSION foreign_key_checks = 0; ${mysqlSchema(tables, views)}`)
  } catch (err) {
    await drop()
    throw err
  }
  const u = new URL(admin)
  u.pathname = `/${name}`
  return { url: u.toString(), drop }
}
