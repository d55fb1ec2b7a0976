/**
 * libpq's multi-host connect, which node-postgres lacks: try each host of the URL in turn (the last good one first)
 * and, with target_session_attrs=read-write, keep only a writable one. Like libpq, the server's own report of
 * `in_hot_standby` and `default_transaction_read_only` decides (PostgreSQL 14+), else `SHOW transaction_read_only`.
 * After a failover the promoted host is found the same way. A connection kept for writes stops being reused once its
 * host turns read-only (a standby again, or set read-only): the first connection that hears of it marks every
 * connection opened to that host before as changed, and the host is no longer tried first.
 *
 * @example
 * const pick = new HostPicker(parseHostList(url), openOne)
 * const conn = await pick.connect()
 */
import { NoHostAnswered, type HostAttempt } from '../../host-failure.js'
import type { HostList } from '../../url.js'
import type { PostgresConnection } from './connection.js'

export class HostPicker {
  readonly #hosts: HostList
  readonly #open: (url: string) => Promise<PostgresConnection>
  /** The host that answered as writable last time is tried first next time. */
  #preferred = 0
  /** Per host: bumped when a connection to it turns read-only, which outdates every connection opened before. */
  readonly #generation: number[]

  constructor(hosts: HostList, open: (url: string) => Promise<PostgresConnection>) {
    this.#hosts = hosts
    this.#open = open
    this.#generation = hosts.urls.map(() => 0)
  }

  /** The URL of the host tried first. */
  get preferredUrl(): string {
    return this.#hosts.urls[this.#preferred]!
  }

  /** Opens a connection to the first host that answers (and is writable, when asked for). */
  async connect(): Promise<PostgresConnection> {
    const { urls, hosts, readWrite } = this.#hosts
    const n = urls.length
    const attempts: HostAttempt[] = []
    // Read once: a concurrent connect may move #preferred meanwhile, and this one must still try every host once.
    const first = this.#preferred
    for (let k = 0; k < n; k++) {
      const i = (first + k) % n
      let conn: PostgresConnection
      try {
        conn = await this.#open(urls[i]!)
      } catch (error) {
        attempts.push({ host: hosts[i]!, error })
        continue
      }
      if (readWrite) {
        if (await isReadOnly(conn)) {
          await conn.close()
          attempts.push({ host: hosts[i]!, readOnly: true })
          continue
        }
        this.#keepWritable(conn, i)
      }
      this.#preferred = i
      return conn
    }
    const only = attempts[0]
    if (n === 1 && only && 'error' in only) throw only.error
    throw new NoHostAnswered(attempts, readWrite)
  }

  /** From now on `conn` counts as changed once its server, or any later-opened session to host `i`, turns read-only. */
  #keepWritable(conn: PostgresConnection, i: number): void {
    const generation = this.#generation[i]!
    conn.role.onReadOnly = () => {
      if (this.#generation[i] !== generation) return
      this.#generation[i]!++
      if (this.#preferred === i) this.#preferred = (i + 1) % this.#generation.length
    }
    conn.roleLost = () => this.#generation[i] !== generation || conn.role.readOnly === true
  }
}

/** The server's own report when it gave one, else `SHOW transaction_read_only` (a failed check counts as read-only). */
async function isReadOnly(conn: PostgresConnection): Promise<boolean> {
  const reported = conn.role.readOnly
  if (reported !== undefined) return reported
  const ro = await conn.query<{ transaction_read_only: string }>('SHOW transaction_read_only', []).catch(() => undefined)
  return ro?.rows[0]?.transaction_read_only !== 'off'
}
