/**
 * The chaos load's admin connection (setup, sampling, kills and the checks afterwards): it reconnects after the
 * server restarts, and it may follow a moving primary (a failover) by asking where to connect each time it does.
 *
 * @example
 * const admin = resilientAdmin('postgres', url)
 * await admin.query('SELECT 1')
 */
import pg from 'pg'
import mysql from 'mysql2/promise'

/** A short-lived admin connection for setup, sampling and kills. */
export interface Admin {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
  close(): Promise<void>
}

async function openAdmin(kind: 'postgres' | 'mysql', url: string): Promise<Admin> {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: url, application_name: 'dbscope-chaos-admin' })
    c.on('error', () => undefined)
    await c.connect()
    return { query: async (t, p) => (await c.query(t, p)).rows, close: () => c.end().catch(() => undefined) }
  }
  const c = await mysql.createConnection({ uri: url, multipleStatements: true })
  c.on('error', () => undefined)
  return { query: async (t, p) => (await c.query(t, p))[0] as never, close: () => c.end().catch(() => undefined) }
}

/** An admin connection that reconnects after a server restart; `url` as a function is asked at each connect. */
export function resilientAdmin(kind: 'postgres' | 'mysql', url: string | (() => Promise<string>)) {
  let current: Promise<Admin> | undefined
  return {
    async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
      try {
        current ??= (typeof url === 'string' ? Promise.resolve(url) : url()).then((u) => openAdmin(kind, u))
        return await (await current).query<R>(text, params)
      } catch (err) {
        const old = current
        current = undefined
        void old?.then((a) => a.close(), () => undefined)
        throw err
      }
    },
    async close() {
      await (await current?.catch(() => undefined))?.close()
    },
  }
}
