/**
 * Options objects name their keys: one that no option has (`poool`, an option of another function) is an error that
 * names it and lists the known ones, never silently ignored. Shared by defineDb, db.scope and dbgen's config.
 *
 * @example
 * const problem = unknownKeyProblem('defineDb', { poool: {} }, DB_CONFIG_KEYS)
 * // 'defineDb: unknown option "poool". Known options: url, pglite, pool, …'
 * if (problem) throw new ConfigError(problem)
 */

/** The keys of an options type, from an object literal the compiler checks against that type (all keys, no others). */
export function keysOf<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys)
}

/** The message for the first key of `value` that is not in `known`, or undefined when there is none. */
export function unknownKeyProblem(where: string, value: object, known: readonly string[], noun = 'option'): string | undefined {
  const key = Object.keys(value).find((k) => !known.includes(k))
  if (key === undefined) return undefined
  return `${where}: unknown ${noun} ${JSON.stringify(key)}. Known ${noun}s: ${known.join(', ')}.`
}
