import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, ConnectError, defineDb, disposeAll } from '../src/index.js'
import { freePort } from './support/throwaway-server.js'
import { PG_URL } from './support/servers.js'

// Multi-host URLs without a streaming pair: parsing, the registry key, redaction, and the order hosts are tried in.
const SECRET = 'multi-h0st-secret'
afterEach(() => disposeAll())

it('a dead first host is skipped: the next one that answers is used', async () => {
  const u = new URL(PG_URL)
  const dead = await freePort()
  const db = defineDb({ url: `postgres://${u.username}@127.0.0.1:${dead},${u.host}${u.pathname}` })
  const port = (await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(db.kysely)).rows[0]!.p
  expect(Number(port)).toBe(Number(u.port || 5432))
})

it('no host answers: a retryable ConnectError that names every host and never the password', async () => {
  const [a, b] = [await freePort(), await freePort()]
  const url = `postgres://postgres:${SECRET}@127.0.0.1:${a},127.0.0.1:${b}/x?target_session_attrs=read-write`
  const db = defineDb({ url, pool: { connectTimeoutMs: 1_000 } })
  const err = await db.scope((tx) => sql`SELECT 1`.execute(tx)).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ConnectError)
  expect((err as ConnectError).retryable).toBe(true)
  expect((err as Error).message).toContain(`127.0.0.1:${a}`)
  expect((err as Error).message).toContain(`127.0.0.1:${b}`)
  expect(`${(err as Error).message} ${JSON.stringify(db)} ${String(db)}`).not.toContain(SECRET)
})

it('two multi-host URLs that differ only in their second host are different engines', async () => {
  const a = defineDb({ url: 'postgres://app@127.0.0.1:5001,127.0.0.1:5002/db' })
  const b = defineDb({ url: 'postgres://app@127.0.0.1:5001,127.0.0.1:5003/db' })
  expect(a.toJSON()).not.toEqual(b.toJSON())
  await expect(Promise.resolve().then(() => defineDb({ url: 'postgres://app@127.0.0.1:5001,127.0.0.1:5002/db', pool: { max: 3 } }))).rejects.toBeInstanceOf(ConfigError)
})

it('a multi-host MySQL URL and an unsupported target_session_attrs are ConfigErrors', () => {
  expect(() => defineDb({ url: 'mysql://root@127.0.0.1:3306,127.0.0.1:3307/test' })).toThrow(ConfigError)
  expect(() => defineDb({ url: 'postgres://app@127.0.0.1:1,127.0.0.1:2/db?target_session_attrs=prefer-standby' })).toThrow(/target_session_attrs=prefer-standby is not supported/)
})
