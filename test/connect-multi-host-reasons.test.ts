/**
 * A multi-host URL where no host can be used fails with a ConnectError that says, per host, why (`hosts`): refused
 * (a free port), timeout (a listener that never answers), auth (a wrong password on a scram role), read-only (the
 * standby of a streaming pair, with target_session_attrs=read-write). Retryable when some host's reason can go
 * away; not when every host refused the login. The password appears nowhere.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll, type HostFailure } from '../src/index.js'
import { failure } from './support/leaks.js'
import { startStreamingPair, type StreamingPair } from './support/streaming-pair.js'
import { freePort, startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'

const SECRET = 'multi-h0st-wr0ng-secret'
const RIGHT = 'multi-h0st-right-secret'

let pair: StreamingPair
let scram: ThrowawayServer
/** Accepts TCP connections and never answers: a connect to it can only time out. */
let silent: Server
const sockets: Socket[] = []

beforeAll(async () => {
  ;[pair, scram] = await Promise.all([startStreamingPair(), startThrowawayPostgres({ password: RIGHT })])
  silent = createServer((s) => void sockets.push(s))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
}, 120_000)

afterAll(async () => {
  await disposeAll()
  for (const s of sockets) s.destroy()
  silent?.close()
  await Promise.all([pair?.stop(), scram?.stop()])
})

afterEach(() => disposeAll())

const silentHost = () => `127.0.0.1:${(silent.address() as { port: number }).port}`

async function connectFailure(hosts: string[], query = 'target_session_attrs=read-write'): Promise<ConnectError> {
  const db = defineDb({ url: `postgres://postgres:${SECRET}@${hosts.join(',')}/postgres?${query}`, pool: { connectTimeoutMs: 1_000 }, guard: { budget: 'off' } })
  const err = await failure(() => db.scope((tx) => sql`SELECT 1`.execute(tx)))
  expect(err).toBeInstanceOf(ConnectError)
  const e = err as ConnectError
  expect(e.code).toBe('CONNECT_FAILED')
  expect(`${e.message} ${JSON.stringify(e.hosts)}`).not.toContain(SECRET)
  return e
}

const reasons = (e: ConnectError) => (e.hosts ?? []).map((h: HostFailure) => [h.host, h.reason])

describe('a multi-host connect failure says why, per host', () => {
  it('refused (nothing listens) and timeout (no answer): retryable', async () => {
    const dead = `127.0.0.1:${await freePort()}`
    const e = await connectFailure([dead, silentHost()])
    expect(reasons(e)).toEqual([[dead, 'refused'], [silentHost(), 'timeout']])
    expect(e.retryable).toBe(true)
    expect(e.message).toContain(`${dead}: refused`)
    expect(e.message).toContain(`${silentHost()}: timeout`)
  })

  it('read-only: the only server that answers is a standby; retryable (a failover may be under way)', async () => {
    const dead = `127.0.0.1:${await freePort()}`
    const standby = `127.0.0.1:${pair.replica.port}`
    const e = await connectFailure([standby, dead])
    expect(reasons(e)).toEqual([[standby, 'read-only'], [dead, 'refused']])
    expect(e.retryable).toBe(true)
    expect(e.message).toContain(`${standby}: read-only, a standby`)
  })

  it('auth: a wrong password on a scram role, on every host: not retryable', async () => {
    const host = `127.0.0.1:${scram.port}`
    const e = await connectFailure([host, `localhost:${scram.port}`])
    expect(reasons(e)).toEqual([[host, 'auth'], [`localhost:${scram.port}`, 'auth']])
    expect(e.hosts![0]!.message).toMatch(/password authentication failed/)
    expect(e.retryable).toBe(false)
    expect(e.message).toMatch(/Retrying cannot fix this/)
  })

  it('auth on one host and refused on another: retryable, since the refused host may come back', async () => {
    const dead = `127.0.0.1:${await freePort()}`
    const e = await connectFailure([`127.0.0.1:${scram.port}`, dead])
    expect(reasons(e)).toEqual([[`127.0.0.1:${scram.port}`, 'auth'], [dead, 'refused']])
    expect(e.retryable).toBe(true)
  })
})
