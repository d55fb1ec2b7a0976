/**
 * A fresh test database reached through a fault-injecting TCP proxy (tcp-proxy.ts), for one describe block: created,
 * and with every db of the process disposed, the proxy closed and the database dropped afterwards.
 *
 * @example
 * const target = useProxiedDatabase('postgres', 'deadline')
 * it('…', async () => { const db = defineDb({ url: target.url }); target.proxy.silence() })
 */
import { afterAll, beforeAll } from 'vitest'
import { disposeAll } from '../../src/index.js'
import type { ServerKind } from './servers.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'
import { createTestDatabase, type TestDatabase } from './test-db.js'

export interface ProxiedDatabase {
  /** The database's URL, pointing at the proxy. */
  readonly url: string
  readonly proxy: TcpProxy
}

export function useProxiedDatabase(kind: ServerKind, label: string): ProxiedDatabase {
  let testDb: TestDatabase | undefined
  let proxy: TcpProxy | undefined
  let url: string | undefined
  beforeAll(async () => {
    testDb = await createTestDatabase(kind, label)
    const u = new URL(testDb.url)
    proxy = await startTcpProxy(u.hostname, Number(u.port))
    u.port = String(proxy.port)
    url = u.toString()
  })
  afterAll(async () => {
    proxy?.silenceWhen(undefined)
    await disposeAll()
    await proxy?.close()
    await testDb?.drop()
  })
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useProxiedDatabase: read it inside a test, after beforeAll ran')
    return v
  }
  return {
    get url() {
      return ready(url)
    },
    get proxy() {
      return ready(proxy)
    },
  }
}
