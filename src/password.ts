/**
 * The password of a connection object: a string, or a function called for every new physical connection (never
 * cached), for credentials that rotate: RDS IAM tokens, Azure AD tokens, Vault leases. What it returns is kept only
 * to redact it from messages (the last few answers).
 *
 * @example
 * const source = new PasswordSource(() => signer.getAuthToken())
 * const password = await source.get() // a new token per connection
 */

/** A password, or a function that returns one (or a promise of one). */
export type PasswordInput = string | (() => string | Promise<string>)

/** The password function threw, rejected or returned something other than a string; `cause` is what it threw. */
export class PasswordFunctionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** How many of a function's recent answers are remembered for redaction. */
const RECENT = 4

export class PasswordSource {
  readonly #input: PasswordInput
  readonly #recent: string[] = []

  constructor(input: PasswordInput) {
    this.#input = input
  }

  /** Whether the password comes from a function (and so may differ per connection). */
  get dynamic(): boolean {
    return typeof this.#input === 'function'
  }

  /** The password for one new connection: the string, or what the function answers now. */
  async get(): Promise<string> {
    const input = this.#input
    if (typeof input === 'string') return input
    let value: unknown
    try {
      value = await input()
    } catch (err) {
      throw new PasswordFunctionError(`the password function failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    if (typeof value !== 'string') {
      throw new PasswordFunctionError(`the password function returned ${value === null ? 'null' : typeof value}, not a string`)
    }
    if (!this.#recent.includes(value)) {
      this.#recent.push(value)
      if (this.#recent.length > RECENT) this.#recent.shift()
    }
    return value
  }

  /** What must never be printed: the string, or the function's recent answers. */
  get secrets(): readonly string[] {
    return typeof this.#input === 'string' ? [this.#input] : this.#recent
  }

  /** Never shows the password, whatever inspects or serializes the source. */
  toJSON(): string {
    return this.dynamic ? '[password function]' : '[password]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}

/**
 * `url` with `password` as its userinfo password, percent-encoded (a connection URL for one new connection; it is
 * handed to the driver and never printed).
 */
export function urlWithPassword(url: string, password: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#:]*)(?::[^@/?#]*)?@)?(.*)$/is.exec(url)
  if (!m) return url
  return `${m[1]}${m[2] ?? ''}:${encodeURIComponent(password)}@${m[3]}`
}
