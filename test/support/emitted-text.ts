/**
 * Checks over emitted `db.ts` text that every hostile-schema test makes, whatever the dialect.
 *
 * @example
 * expect(jsdocLeaks(text)).toEqual([])
 * expect(duplicateExports(text)).toEqual([])
 */

/** Lines inside a JSDoc block that do not start with `*`: a database comment that broke out of its block. */
export function jsdocLeaks(text: string): string[] {
  const leaks: string[] = []
  for (const block of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    for (const line of block.split('\n').slice(1)) if (!/^\s*\*/.test(line)) leaks.push(line)
  }
  return leaks
}

/** Names exported (type, interface or const) more than once. */
export function duplicateExports(text: string): string[] {
  const seen = new Set<string>()
  const dups: string[] = []
  for (const m of text.matchAll(/^export (?:type|interface|const) ([^\s<=]+)/gm)) {
    const name = m[1] as string
    if (seen.has(name)) dups.push(name)
    seen.add(name)
  }
  return dups
}
