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

/** The type text of `column` in `interface iface` (a trailing `;` dropped), or `<no iface.column>`. */
export function member(text: string, iface: string, column: string): string {
  const body = new RegExp(`export interface ${iface} \\{\\n([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? ''
  return (new RegExp(`^ {2}${column}: (.*?);?$`, 'm').exec(body)?.[1] ?? `<no ${iface}.${column}>`).trim()
}

/**
 * What a shared property type of emitted `db.ts` text stands for (`NullableInt8Column` → `Int8Column | null`, from
 * the block "The column types of the tables below"); any other type text as it is.
 */
export function spelled(text: string, type: string): string {
  const block = /\/\*\* The column types of the tables below, each declared once\. \*\/\n((?:export type .*\n)*)/.exec(text)?.[1] ?? ''
  return new RegExp(`^export type ${type.replace(/\$/g, '\\$')} = (.*)$`, 'm').exec(block)?.[1] ?? type
}

/** {@link member} with a shared property type written out as what it stands for ({@link spelled}). */
export function spelledMember(text: string, iface: string, column: string): string {
  return spelled(text, member(text, iface, column))
}
