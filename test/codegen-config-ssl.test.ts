/**
 * dbgen's `ssl` configuration: `"ssl": { "ca", "cert", "key", "rejectUnauthorized", "servername" }` in any layer,
 * `--ssl-ca` from the flags, merged key by key; a bad shape is a DBGEN_CONFIG error naming the file and key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { resolveConfig } from '../codegen/config.js'
import { DbgenError } from '../codegen/errors.js'

let cwd: string
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dbgen-config-ssl-'))
})
afterEach(() => rmSync(cwd, { recursive: true, force: true }))

const write = (name: string, value: unknown) => writeFileSync(join(cwd, name), JSON.stringify(value))

it('reads "ssl" from dbgen.config.json and package.json, the flags\' ssl.ca winning key by key', async () => {
  write('package.json', { name: 'x', dbgen: { ssl: { servername: 'db.internal', rejectUnauthorized: true } } })
  write('dbgen.config.json', { ssl: { ca: 'certs/file-ca.pem', cert: 'certs/client.pem', key: 'certs/client.key' } })
  expect((await resolveConfig(cwd, {}, {})).ssl).toEqual({ servername: 'db.internal', rejectUnauthorized: true, ca: 'certs/file-ca.pem', cert: 'certs/client.pem', key: 'certs/client.key' })
  const withFlag = await resolveConfig(cwd, {}, { ssl: { ca: 'flag-ca.pem' } })
  expect(withFlag.ssl).toMatchObject({ ca: 'flag-ca.pem', cert: 'certs/client.pem', servername: 'db.internal' })
})

it('rejects an unknown ssl key and wrong types, naming the file', async () => {
  write('dbgen.config.json', { ssl: { sslmode: 'require' } })
  const unknown = await resolveConfig(cwd, {}, {}).catch((e: unknown) => e)
  expect(unknown).toBeInstanceOf(DbgenError)
  expect((unknown as DbgenError).code).toBe('DBGEN_CONFIG')
  expect((unknown as Error).message).toMatch(/dbgen\.config\.json.*ssl.*sslmode/)
  for (const bad of [{ ssl: 'yes' }, { ssl: { ca: 1 } }, { ssl: { rejectUnauthorized: 'no' } }]) {
    write('dbgen.config.json', bad)
    const err = await resolveConfig(cwd, {}, {}).catch((e: unknown) => e)
    expect((err as DbgenError).code, JSON.stringify(bad)).toBe('DBGEN_CONFIG')
  }
})
