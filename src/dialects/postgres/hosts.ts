/**
 * libpq's multi-host connect, which node-postgres lacks: try each host of the URL in turn (the last good one first)
 * and, with target_session_attrs=read-write, keep only a writable one (`SHOW transaction_read_only` is off). After a
 * failover the promoted host is found the same way.
 *
 * @example
 * const pick = new HostPicker(parseHostList(url), openOne)
 * const conn = await pick.connect()
 */
import type { HostList } from '../../url.js'
import type { PostgresConnection } from './connection.js'

export class HostPicker {
  readonly #hosts: HostList
  readonly #open: (url: string) => Promise<PostgresConnection>
  /** The host that answered as writable last time is tried first next time. */
  #preferred = 0

  constructor(hosts: HostList, open: (url: string) => Promise<PostgresConnection>) {
    this.#hosts = hosts
    this.#open = open
  }

  /** The URL of the host tried first. */
  get preferredUrl(): string {
    return this.#hosts.urls[this.#preferred]!
  }

  /** Opens a connection to the first host that answers (and is writable, when asked for). */
  async connect(): Promise<PostgresConnection> {
    const { urls, hosts, readWrite } = this.#hosts
    const n = urls.length
    const reasons: string[] = []
    let lastError: unknown
    for (let k = 0; k < n; k++) {
      const i = (this.#preferred + k) % n
      let conn: PostgresConnection
      try {
        conn = await this.#open(urls[i]!)
      } catch (err) {
        lastError = err
        reasons.push(`${hosts[i]}: ${err instanceof Error ? err.message : String(err)}`)
        continue
      }
      if (readWrite) {
        const ro = await conn.query<{ transaction_read_only: string }>('SHOW transaction_read_only', []).catch(() => undefined)
        if (ro?.rows[0]?.transaction_read_only !== 'off') {
          await conn.close()
          reasons.push(`${hosts[i]}: read-only (a standby)`)
          continue
        }
      }
      this.#preferred = i
      return conn
    }
    if (n === 1 && lastError !== undefined) throw lastError
    throw new Error(`no ${readWrite ? 'writable primary' : 'host'} answered among ${hosts.join(', ')} (${reasons.join('; ')})`)
  }
}
