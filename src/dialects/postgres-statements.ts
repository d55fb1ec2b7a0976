/**
 * The statement cache of one PostgreSQL connection: a statement with parameters is parsed once as a named prepared
 * statement, and later runs send only Bind and Execute. The server skips parsing and analysis (and, once PostgreSQL
 * settles on a generic plan, planning), which is most of what a primary-key lookup costs it.
 *
 * Least recently used statements beyond `max` are closed, in the same pipeline as the statement that displaced
 * them. A statement the server reports as stale (its result type changed under it, after an ALTER TABLE) or missing
 * is forgotten and closed, so its next run parses afresh.
 */

/** SQLSTATEs after which a named statement must not be used again: a changed result type, a missing statement. */
const STALE = new Set(['0A000', '26000'])
/** Statements that drop every prepared statement of the session. */
const DROPS_ALL = /^\s*(?:DISCARD\s+ALL|DEALLOCATE\s+(?:PREPARE\s+)?ALL)\s*;?\s*$/i

export class StatementCache {
  readonly #max: number
  /** SQL text → statement name, least recently used first. */
  readonly #names = new Map<string, string>()
  /** Names to close before the next statement is parsed. */
  #closing: string[] = []
  #next = 0

  constructor(max: number) {
    this.#max = max
  }

  /**
   * The name to run `text` under, marking it most recently used. `parsed` is the driver's own record of statements
   * parsed on this connection: an evicted name is removed from it, so the name is never taken for parsed again.
   */
  nameFor(text: string, parsed: Record<string, string | undefined>): string {
    const names = this.#names
    let name = names.get(text)
    if (name !== undefined) {
      names.delete(text)
      names.set(text, name)
      return name
    }
    if (names.size >= this.#max) {
      const [oldText, oldName] = names.entries().next().value as [string, string]
      names.delete(oldText)
      this.#forget(oldName, parsed)
    }
    name = `dbscope_${++this.#next}`
    names.set(text, name)
    return name
  }

  /** The names to close now, before the next Parse (in the same pipeline); empty most of the time. */
  takeClosing(): readonly string[] | undefined {
    if (this.#closing.length === 0) return undefined
    const closing = this.#closing
    this.#closing = []
    return closing
  }

  /** A statement failed: when the server says its prepared form is stale or gone, the next run parses afresh. */
  failed(text: string, err: unknown, parsed: Record<string, string | undefined>): void {
    const code = (err as { code?: unknown } | null)?.code
    if (typeof code !== 'string' || !STALE.has(code)) return
    const name = this.#names.get(text)
    if (name === undefined) return
    this.#names.delete(text)
    this.#forget(name, parsed)
  }

  /** Before a statement without parameters: one that drops every prepared statement empties the cache too. */
  sending(text: string, parsed: Record<string, string | undefined>): void {
    if (this.#names.size === 0 || !DROPS_ALL.test(text)) return
    for (const name of this.#names.values()) delete parsed[name]
    this.#names.clear()
    this.#closing = []
  }

  #forget(name: string, parsed: Record<string, string | undefined>): void {
    delete parsed[name]
    this.#closing.push(name)
  }
}
