/**
 * The statement cache of one PostgreSQL connection: a statement with parameters is parsed once as a named prepared
 * statement, and later runs send only Bind and Execute. The server skips parsing and analysis (and, once PostgreSQL
 * settles on a generic plan, planning), which is most of what a primary-key lookup costs it.
 *
 * Beyond `max` statements, one not used since it was last passed over is closed (second-chance eviction: close to
 * least recently used, without reordering on every hit), in the same pipeline as the statement that displaced it.
 * A statement the server reports as stale (its result type changed under it, after an ALTER TABLE) is forgotten
 * and closed, so its next run parses afresh.
 *
 * Names carry a random part per connection, so a statement can never be mistaken for another client's: behind a
 * transaction pooler that was not declared (`pooler`), a statement parsed on one server connection and run on another
 * is reported missing (26000), never run as somebody else's statement. That turns the cache off for the whole engine,
 * with one warning.
 */
import { randomBytes } from 'node:crypto'

/** A changed result type (0A000) or a missing statement (26000): the prepared form must not be used again. */
const STALE = new Set(['0A000', '26000'])
/**
 * Longer statements run unnamed: a multi-row INSERT's text changes with its row count, is rarely run twice as it is,
 * and would keep its text here and its plan on the server for nothing.
 */
const MAX_TEXT = 8_192
/** Statements that drop every prepared statement of the session. */
const DROPS_ALL = /^\s*(?:DISCARD\s+ALL|DEALLOCATE\s+(?:PREPARE\s+)?ALL)\s*;?\s*$/i

/** Statement names to drop before the next statement: closed on the server, or only forgotten by the driver. */
export interface DroppedStatements {
  readonly close: readonly string[]
  readonly forget: readonly string[]
}

/** A prepared statement: its name, and whether it ran since eviction last passed it over. */
interface Entry {
  readonly name: string
  used: boolean
}

/** The engine-wide side: the size per connection, and the switch that turns every connection's cache off. */
export class StatementCaches {
  readonly #size: number
  readonly #warn: (message: string) => void
  #off = false

  constructor(size: number, warn: (message: string) => void) {
    this.#size = size
    this.#warn = warn
  }

  /** A new connection's cache, or undefined when caching is off. */
  forConnection(): StatementCache | undefined {
    return this.#size > 0 && !this.#off ? new StatementCache(this.#size, this) : undefined
  }

  get off(): boolean {
    return this.#off
  }

  /** A connection's own prepared statement was missing from its session: the session is not ours alone. */
  sessionNotOurs(): void {
    if (this.#off) return
    this.#off = true
    this.#warn(
      'A prepared statement vanished from its connection\'s session, as happens behind a transaction pooler such as ' +
        "PgBouncer in transaction mode. The statement cache is now off for this db. If the URL points at a pooler, set pooler: 'pgbouncer'.",
    )
  }
}

export class StatementCache {
  readonly #max: number
  readonly #owner: StatementCaches
  /** Per connection: names never collide with another client's on a shared server connection. */
  readonly #prefix = `dbscope_${randomBytes(4).toString('hex')}_`
  /** SQL text → statement, oldest (or longest passed over) first. */
  readonly #names = new Map<string, Entry>()
  /** Names to close before the next statement is parsed. */
  #closing: string[] = []
  /** Names the server already dropped (DEALLOCATE ALL, DISCARD ALL): only pg's record of them must go. */
  #forgetting: string[] = []
  #next = 0

  constructor(max: number, owner: StatementCaches) {
    this.#max = max
    this.#owner = owner
  }

  /** False once the engine turned caching off: statements then go unnamed. */
  get on(): boolean {
    return !this.#owner.off
  }

  /** The name to run `text` under, marking it used, or undefined for a statement too long to keep. */
  nameFor(text: string): string | undefined {
    if (text.length > MAX_TEXT) return undefined
    const names = this.#names
    const hit = names.get(text)
    if (hit !== undefined) {
      hit.used = true
      return hit.name
    }
    if (names.size >= this.#max) this.#evictOne()
    const name = `${this.#prefix}${++this.#next}`
    names.set(text, { name, used: false })
    return name
  }

  /** Closes the oldest statement not used since it was last passed over; a used one moves to the back, unmarked. */
  #evictOne(): void {
    const names = this.#names
    for (const [text, entry] of names) {
      names.delete(text)
      if (!entry.used) {
        this.#closing.push(entry.name)
        return
      }
      entry.used = false
      names.set(text, entry)
    }
  }

  /**
   * What the next statement must send first: Close for dropped names, and the names to remove from node-postgres's
   * record of parsed statements; undefined most of the time. Applied when that statement goes on the wire, not
   * before: statements queued ahead of it on the connection may still run under those names.
   */
  takeDropped(): DroppedStatements | undefined {
    if (this.#closing.length === 0 && this.#forgetting.length === 0) return undefined
    const dropped = { close: this.#closing, forget: this.#forgetting }
    this.#closing = []
    this.#forgetting = []
    return dropped
  }

  /**
   * A statement run under `name` failed: when the server says that prepared form is stale or gone, the next run parses
   * afresh (unless a newer name already took over the text).
   */
  failed(text: string, name: string, err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code
    if (typeof code !== 'string' || !STALE.has(code)) return
    const entry = this.#names.get(text)
    if (entry === undefined || entry.name !== name) return
    this.#names.delete(text)
    this.#closing.push(entry.name)
    if (code === '26000') this.#owner.sessionNotOurs()
  }

  /** Before a statement without parameters: one that drops every prepared statement empties the cache too. */
  sending(text: string): void {
    if (this.#names.size === 0 || !DROPS_ALL.test(text)) return
    for (const entry of this.#names.values()) this.#forgetting.push(entry.name)
    this.#forgetting.push(...this.#closing)
    this.#names.clear()
    this.#closing = []
  }
}
