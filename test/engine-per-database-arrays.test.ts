/**
 * Arrays of per-database types (enum, domain over text, domain over int8) come back as arrays of the generated
 * element type, on PostgreSQL and on PGlite alike: their array OIDs differ per database, so the runtime looks
 * them up from the generated metadata on first use.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { emitMetadata } from '../codegen/emit/metadata.js'
import { reflectPostgres } from '../codegen/reflect/postgres.js'
import { kyselyExecutor } from '../codegen/reflect/executor.js'
import type { DbgenMetadata } from '../src/types/metadata.js'
import { describeTargets } from './support/targets.js'

/** The emitted metadata.ts, evaluated: exactly what an app imports. */
async function loadMetadata(text: string): Promise<DbgenMetadata> {
  const js = text.replace(/ as const\n/, '\n').replace(/^export type .*$/m, '')
  return ((await import(`data:text/javascript,${encodeURIComponent(js)}`)) as { metadata: DbgenMetadata }).metadata
}

describeTargets(
  'arrays of per-database types',
  (t) => {
    it('parses enum[], domain[] and int8-domain[] columns into arrays of the generated element type', async () => {
      await t.exec(`CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE DOMAIN email AS text;
        CREATE DOMAIN big8 AS int8;
        CREATE TABLE holder (id int PRIMARY KEY, moods mood[], emails email[], bigs big8[], grid mood[][]);
        INSERT INTO holder VALUES (1, '{ok,sad}', '{a@b,"c,d@e"}', '{9007199254740993}', '{{ok},{sad}}')`)
      // Reflect with a plain db (no metadata), then open the app's db with the metadata it would import.
      const metadata = await loadMetadata(emitMetadata(await reflectPostgres(kyselyExecutor(t.db().kysely))).text)
      const db = t.db({ metadata })
      const { rows } = await sql<{ moods: unknown; emails: unknown; bigs: unknown; grid: unknown }>`SELECT * FROM holder`.execute(db.kysely)
      expect(rows[0]?.moods).toEqual(['ok', 'sad'])
      expect(rows[0]?.emails).toEqual(['a@b', 'c,d@e'])
      // int8 → string by default (the generated type), also inside a domain array.
      expect(rows[0]?.bigs).toEqual(['9007199254740993'])
      expect(rows[0]?.grid).toEqual([['ok'], ['sad']])
    })
  },
  // MariaDB has no array types; PgBouncer adds nothing here beyond PostgreSQL.
  ['postgres', 'pglite'],
)
