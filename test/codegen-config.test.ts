/**
 * dbgen configuration layers: flags > environment (and `.env`) > config file > package.json "dbgen"; a layer that
 * picks a source (`url` or `fromSql`) replaces the other; bad config is reported with the file and key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { parseDotenv, resolveConfig } from '../codegen/config.js'
import { DbgenError } from '../codegen/errors.js'

let cwd: string
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dbgen-config-'))
})
afterEach(() => rmSync(cwd, { recursive: true, force: true }))

const write = (name: string, text: string) => writeFileSync(join(cwd, name), text)

it('applies package.json < config file < env < flags, key by key', async () => {
  write('package.json', JSON.stringify({ name: 'x', dbgen: { out: 'pkg-out', schemas: ['pkg'], camelCase: true, url: 'postgres://pkg/db' } }))
  write('dbgen.config.json', JSON.stringify({ out: 'file-out', schemas: ['file'] }))
  expect(await resolveConfig(cwd, {}, {})).toEqual({ out: 'file-out', schemas: ['file'], camelCase: true, url: 'postgres://pkg/db' })
  expect((await resolveConfig(cwd, { DATABASE_URL: 'postgres://env/db' }, {})).url).toBe('postgres://env/db')
  const all = await resolveConfig(cwd, { DATABASE_URL: 'postgres://env/db' }, { url: 'postgres://flag/db', out: 'flag-out', schemas: undefined })
  expect(all).toMatchObject({ url: 'postgres://flag/db', out: 'flag-out', schemas: ['file'], camelCase: true })
})

it('reads DATABASE_URL from .env when the environment has none', async () => {
  write('.env', '# comment\nexport DATABASE_URL="postgres://dotenv/db"\nOTHER=1\n')
  expect((await resolveConfig(cwd, {}, {})).url).toBe('postgres://dotenv/db')
  expect((await resolveConfig(cwd, { DATABASE_URL: 'postgres://real/db' }, {})).url).toBe('postgres://real/db')
})

it('loads dbgen.config.mjs with a dynamic import', async () => {
  write('dbgen.config.mjs', `export default { include: ['users'], types: { bigint: 'bigint' } }`)
  expect(await resolveConfig(cwd, {}, {})).toEqual({ include: ['users'], types: { bigint: 'bigint' } })
})

it('lets a higher layer that picks --from-sql replace a lower URL', async () => {
  write('dbgen.config.json', JSON.stringify({ url: 'postgres://file/db' }))
  const c = await resolveConfig(cwd, { DATABASE_URL: 'postgres://env/db' }, { fromSql: ['schema.sql'] })
  expect(c.url).toBeUndefined()
  expect(c.fromSql).toEqual(['schema.sql'])
})

it('names the file and key of a bad config', async () => {
  write('dbgen.config.json', JSON.stringify({ schemaz: ['x'] }))
  const err = await resolveConfig(cwd, {}, {}).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(DbgenError)
  expect((err as DbgenError).code).toBe('DBGEN_CONFIG')
  expect((err as DbgenError).message).toMatch(/dbgen\.config\.json: unknown key "schemaz"/)
})

it('parses .env quoting and comments', () => {
  expect(parseDotenv(`A=1 # trailing\nB='two words'\nC="x\\ny"\n  export D = d\nbad line`)).toEqual({ A: '1', B: 'two words', C: 'x\ny', D: 'd' })
})
