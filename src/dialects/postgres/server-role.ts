/**
 * What a PostgreSQL server says of its role, from the ParameterStatus messages it sends: PostgreSQL 14+ reports
 * `in_hot_standby` and `default_transaction_read_only` at connect, and again whenever they change (a promotion, an
 * `ALTER SYSTEM SET default_transaction_read_only` and reload), just before it answers the session's next statement.
 * Reading them costs nothing per statement. Older servers, and poolers that do not pass them on, leave them unknown.
 *
 * @example
 * const role = new SessionRole(roles)
 * onParameterStatus(client, (name, value) => role.set(name, value))
 * await client.connect()
 * role.readOnly // false on a writable primary, true on a standby or a read-only server, undefined when unknown
 */

/** One session's view of its server's role. */
export class SessionRole {
  readonly #server: ServerRoles
  #standby: boolean | undefined
  #readOnlyDefault: boolean | undefined
  /** Called once each time the session turns from writable to read-only (set by the host picker). */
  onReadOnly: (() => void) | undefined

  constructor(server: ServerRoles) {
    this.#server = server
  }

  /** Records one ParameterStatus message. */
  set(name: string, value: string): void {
    if (name !== 'in_hot_standby' && name !== 'default_transaction_read_only') return
    const was = this.readOnly
    if (name === 'in_hot_standby') {
      this.#standby = value === 'on'
      this.#server.saw(this.#standby)
    } else this.#readOnlyDefault = value === 'on'
    if (was === false && this.#readOnlyNow()) this.onReadOnly?.()
  }

  /** Whether the server is a hot standby; undefined when it does not say. */
  get standby(): boolean | undefined {
    return this.#standby
  }

  /** Whether the server refuses writes (a standby, or default_transaction_read_only on), as libpq's read-write check. */
  get readOnly(): boolean | undefined {
    if (this.#standby === undefined || this.#readOnlyDefault === undefined) return undefined
    return this.#standby || this.#readOnlyDefault
  }

  #readOnlyNow(): boolean {
    return this.readOnly === true
  }
}

/**
 * What every session of one engine has said about standby mode: whether its server was ever seen as a standby, and
 * what the latest report said. A server seen as a standby that now reports otherwise was promoted.
 */
export class ServerRoles {
  #sawStandby = false
  #standby: boolean | undefined

  saw(standby: boolean): void {
    this.#standby = standby
    if (standby) this.#sawStandby = true
  }

  /** The server was a standby and has been promoted since (the latest report, at connect or on a change, says so). */
  get promoted(): boolean {
    return this.#sawStandby && this.#standby === false
  }
}
