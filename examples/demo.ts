/**
 * `npm run demo`: the whole job on an embedded PGlite, no server needed.
 *   1. apply examples/schema.sql
 *   2. run the dbgen pipeline against it and write generated/db.ts and generated/metadata.ts
 *   3. run typed db.scope() units of work: a commit, a nested savepoint that fails, a rollback
 *   4. print what happened
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { emitAll, reflectPostgres } from '../codegen/index.js'
import { defineDb, PGliteDialect, UniqueViolationError } from '../src/index.js'
import type { DB } from '../generated/db.js'
import { metadata } from '../generated/metadata.js'

const root = join(import.meta.dirname, '..')
const say = (line: string) => console.log(`  ${line}`)
const started = performance.now()

console.log('dbscope demo (embedded PGlite, no server)\n')

// 1. The schema, applied to an in-process PostgreSQL.
const pglite = new PGlite()
await pglite.exec(await readFile(join(root, 'examples/schema.sql'), 'utf8'))
say(`schema     examples/schema.sql applied to PGlite`)

// 2. dbgen: reflect → model → emit, the same pipeline `npx dbgen` runs.
const reflector = new Kysely<any>({ dialect: new PGliteDialect(pglite) })
const model = await reflectPostgres(reflector)
const { files } = emitAll(model, { typeOptions: metadata.typeOptions })
await mkdir(join(root, 'generated'), { recursive: true })
const changed: string[] = []
for (const [name, text] of Object.entries(files)) {
  const path = join(root, 'generated', name)
  const before = await readFile(path, 'utf8').catch(() => '')
  if (before !== text) {
    await writeFile(path, text)
    changed.push(name)
  }
}
const columns = model.relations.reduce((n, r) => n + r.columns.length, 0)
say(
  `dbgen      ${model.relations.length} relations, ${columns} columns, ${model.enums.length} enum → generated/db.ts, generated/metadata.ts ` +
    (changed.length ? `(updated: ${changed.join(', ')})` : '(unchanged)'),
)

// 3. The runtime: typed scopes on the same database.
const db = defineDb<DB>({ pglite, metadata })
const events: string[] = []

const ada = await db.scope(async (tx) => {
  const user = await tx
    .insertInto('users')
    .values({ email: 'ada@example.com', name: 'Ada', role: 'admin', settings: { theme: 'dark' } })
    .returning(['id', 'email', 'role'])
    .executeTakeFirstOrThrow()
  await tx
    .insertInto('posts')
    .values([
      { author_id: user.id, title: 'Notes on the engine', body: 'one two three', tags: ['history', 'math'], published_at: new Date() },
      { author_id: user.id, title: 'Draft', body: 'unfinished' },
    ])
    .execute()
  // A nested scope is a savepoint: its failure undoes only its own work.
  await db
    .scope(async (inner) => {
      await inner.insertInto('users').values({ email: 'ada@example.com', name: 'Ada again' }).execute()
    })
    .catch((err: unknown) => events.push(`savepoint rolled back: ${err instanceof UniqueViolationError ? err.code : String(err)}`))
  tx.afterCommit(() => events.push('afterCommit hook ran after release'))
  return user
})
say(`scope      committed user #${ada.id} <${ada.email}> (${ada.role}) with 2 posts; ${events.join('; ')}`)

const rolledBack = await db
  .scope(async (tx) => {
    await tx.insertInto('users').values({ email: 'bob@example.com', name: 'Bob' }).execute()
    throw new Error('payment declined')
  })
  .catch((err: Error) => err.message)
const bob = await db.kysely.selectFrom('users').select('id').where('email', '=', 'bob@example.com').executeTakeFirst()
say(`rollback   "${rolledBack}" → bob ${bob ? 'present (wrong!)' : 'absent'}`)

const published = await db.kysely
  .selectFrom('published_posts')
  .innerJoin('users', 'users.id', 'published_posts.author_id')
  .select(['published_posts.title', 'users.name'])
  .execute()
const post = await db.kysely.selectFrom('posts').select(['title', 'tags', 'word_count']).where('title', '=', 'Notes on the engine').executeTakeFirstOrThrow()
say(`read back  ${published.length} published post(s): ${published.map((p) => `"${p.title}" by ${p.name}`).join(', ')}; tags ${JSON.stringify(post.tags)}, ${post.word_count} words (generated column)`)

const stats = db.stats()
say(`pool       total ${stats.total}, busy ${stats.busy}, idle ${stats.idle}: nothing left checked out`)
await db.dispose()
await reflector.destroy()
await pglite.close()
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`)
if (bob || stats.busy !== 0) process.exit(1)
