/**
 * Groups catalog rows by a key, keeping their order within each group; every reflector builds its per-relation
 * lists this way.
 *
 * @example
 * groupBy([{ t: 'a', c: 1 }, { t: 'b', c: 2 }, { t: 'a', c: 3 }], (r) => r.t) // Map { 'a' => [c 1, c 3], 'b' => [c 2] }
 */
export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>()
  for (const r of rows) {
    const k = key(r)
    const list = m.get(k)
    if (list) list.push(r)
    else m.set(k, [r])
  }
  return m
}
