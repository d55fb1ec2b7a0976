/**
 * Names in emitted TypeScript: PascalCase type names, simple singulars, CamelCasePlugin-compatible keys, and a
 * registry that hands out never-colliding names in a deterministic order.
 *
 * @example
 * pascalCase('user_role') // 'UserRole'
 * singular('categories')  // 'category'
 * camelCase('created_at') // 'createdAt' (exactly what Kysely's CamelCasePlugin maps `created_at` to)
 */

const IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u

/** True when `s` can be written unquoted as a property key or type name. */
export function isIdentifier(s: string): boolean {
  return IDENT.test(s)
}

/** A property key: bare when it is an identifier, else a JSON string literal. */
export function propertyKey(s: string): string {
  return isIdentifier(s) ? s : JSON.stringify(s)
}

/**
 * snake_case → camelCase exactly as Kysely's CamelCasePlugin (default options) maps result column names:
 * keep the first character, drop every later `_`, and upper-case the character after one.
 */
export function camelCase(s: string): string {
  if (s.length === 0) return s
  let out = s[0] ?? ''
  for (let i = 1; i < s.length; i++) {
    const c = s[i] ?? ''
    if (c === '_') continue
    out += s[i - 1] === '_' ? c.toUpperCase() : c
  }
  return out
}

/**
 * camelCase → snake_case exactly as Kysely's CamelCasePlugin (default options) maps identifiers in queries; used to
 * check that a camelCased key leads back to the real column.
 */
export function snakeCase(s: string): string {
  if (s.length === 0) return s
  let out = (s[0] ?? '').toLowerCase()
  for (let i = 1; i < s.length; i++) {
    const c = s[i] ?? ''
    const prev = s[i - 1] ?? ''
    const isUpper = c === c.toUpperCase() && c.toUpperCase() !== c.toLowerCase()
    const prevUpper = prev === prev.toUpperCase() && prev.toUpperCase() !== prev.toLowerCase()
    out += isUpper ? (prevUpper ? '' : '_') + c.toLowerCase() : c
  }
  return out
}

/** Splits a database name into identifier-safe words: `user role_2` → ['user', 'role', '2']. */
function words(name: string): string[] {
  return name.split(/[^\p{ID_Continue}]|_/u).filter((w) => w.length > 0)
}

/** `user_role`, `user role`, `userRole` → `UserRole`; a result that cannot start an identifier gets a `T` prefix. */
export function pascalCase(name: string): string {
  const out = words(name)
    .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
    .join('')
  if (out.length === 0) return 'T'
  return /^[\p{ID_Start}$_]/u.test(out) ? out : `T${out}`
}

/** A simple, deterministic English singular of the last word: `posts` → `post`, `categories` → `category`. */
export function singular(word: string): string {
  const lower = word.toLowerCase()
  if (/[^aeiou]ies$/.test(lower)) return word.slice(0, -3) + (word.endsWith('IES') ? 'Y' : 'y')
  if (/(ss|sh|ch|x|z)es$/.test(lower)) return word.slice(0, -2)
  if (/(ss|us|is)$/.test(lower)) return word
  if (/[^s]s$/.test(lower)) return word.slice(0, -1)
  return word
}

/**
 * Hands out names in one namespace; a name is never given twice. Callers ask in a deterministic order, so the same
 * model always gets the same names.
 */
export class NameRegistry {
  readonly #taken = new Set<string>()

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.#taken.add(r)
  }

  /** A new registry that has taken every name this one has; claims in either do not reach the other. */
  copy(): NameRegistry {
    return new NameRegistry(this.#taken)
  }

  /** True when `name` is still free. */
  isFree(name: string): boolean {
    return !this.#taken.has(name)
  }

  /**
   * Claims the first group of names whose members are all free. `candidates` yields groups in order of preference;
   * the registry appends numeric suffixes after the last candidate until a group fits.
   */
  claimGroup<T extends Record<string, string>>(candidates: readonly ((suffix: string) => T)[]): T {
    for (let n = 1; ; n++) {
      for (const make of n === 1 ? candidates : candidates.slice(-1)) {
        const group = make(n === 1 ? '' : String(n))
        const names = Object.values(group)
        if (new Set(names).size === names.length && names.every((x) => this.isFree(x))) {
          for (const x of names) this.#taken.add(x)
          return group
        }
      }
    }
  }
}
