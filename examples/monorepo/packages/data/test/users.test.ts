/**
 * Tests against the real database, each inside db.beginTestTransaction(): what a test writes (through db.scope or
 * db.kysely, in this package or in code it calls) is rolled back afterwards, so tests never see each other's rows.
 * Run with `npm test -w @acme/data` (DATABASE_URL set, migrations applied). node:test here; vitest's beforeEach and
 * afterEach work the same way.
 */
import assert from 'node:assert/strict'
import { after, afterEach, beforeEach, it } from 'node:test'
import type { TestTransaction } from 'dbscope'
import { db } from '../src/index.js'

let t: TestTransaction
beforeEach(async () => {
  t = await db.beginTestTransaction()
})
afterEach(() => t.rollback())
after(() => db.dispose())

const signUp = (email: string) =>
  db.scope((tx) => tx.insertInto('users').values({ email, display_name: email.split('@')[0]! }).returning('id').executeTakeFirstOrThrow())

it('signs a user up: the row is there inside the test', async () => {
  await signUp('ada@example.com')
  const users = await db.kysely.selectFrom('users').select('email').where('email', '=', 'ada@example.com').execute()
  assert.deepEqual(users, [{ email: 'ada@example.com' }])
})

it("a duplicate email fails in its own scope, and the test goes on", async () => {
  await signUp('grace@example.com')
  await assert.rejects(signUp('grace@example.com'))
  const n = await db.kysely.selectFrom('users').select((e) => e.fn.countAll<number>().as('n')).where('email', '=', 'grace@example.com').executeTakeFirstOrThrow()
  assert.equal(Number(n.n), 1)
})

it('the previous tests left nothing behind', async () => {
  const left = await db.kysely.selectFrom('users').select('email').where('email', 'in', ['ada@example.com', 'grace@example.com']).execute()
  assert.deepEqual(left, [])
})
