/**
 * Safe TypeScript text: JSDoc blocks that database comments cannot break out of, and `as const` literals.
 *
 * @example
 * jsdoc('two\nlines', '  ') // '  /**\n   * two\n   * lines\n   *' + '/\n'
 */
import { propertyKey } from '../naming.js'

/** A key in an object literal: `__proto__` is written computed, since `__proto__: x` would set the prototype. */
export function literalKey(k: string): string {
  return k === '__proto__' ? '["__proto__"]' : propertyKey(k)
}

/**
 * A JSDoc block for a database comment, or '' when there is none. A closing comment marker is escaped, backticks are escaped, every
 * line break (including U+2028/U+2029) starts a new ` * ` line, and other control characters are dropped.
 */
export function jsdoc(comment: string | null | undefined, indent = ''): string {
  if (comment === null || comment === undefined || comment.trim() === '') return ''
  const lines = comment
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\*\//g, '*\\/')
    .replace(/`/g, '\\`')
    .split('\n')
    // A line starting with `@` would read as a JSDoc tag.
    .map((l) => l.trimEnd().replace(/^(\s*)@/, '$1\\@'))
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  return `${indent}/**\n${lines.map((l) => `${indent} *${l === '' ? '' : ` ${l}`}`).join('\n')}\n${indent} */\n`
}

/** A TS string literal (JSON quoting, which TypeScript accepts byte for byte). */
export function str(s: string): string {
  return JSON.stringify(s)
}

/** Text that {@link literal} writes verbatim (the caller guarantees it is a valid TS expression). */
export class Raw {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/**
 * Serializes plain data (objects, arrays, strings, numbers, booleans, null) as a TS literal with keys in insertion
 * order, quoted only when they are not identifiers. Multi-line, except arrays of scalars.
 */
export function literal(value: unknown, indent = ''): string {
  const out: string[] = []
  write(value, indent, out)
  return out.join('')
}

function write(value: unknown, indent: string, out: string[]): void {
  if (value instanceof Raw) return void out.push(value.text)
  if (value === null || typeof value !== 'object' || (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))) {
    return writeInline(value, out)
  }
  const inner = `${indent}  `
  const entries: [string | null, unknown][] = Array.isArray(value) ? value.map((v) => [null, v]) : Object.entries(value)
  if (entries.length === 0) return void out.push(Array.isArray(value) ? '[]' : '{}')
  out.push(Array.isArray(value) ? '[\n' : '{\n')
  for (const [k, v] of entries) {
    out.push(inner)
    if (k !== null) out.push(literalKey(k), ': ')
    write(v, inner, out)
    out.push(',\n')
  }
  out.push(indent, Array.isArray(value) ? ']' : '}')
}

function writeInline(value: unknown, out: string[]): void {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return void out.push(String(value))
  if (typeof value === 'string') return void out.push(JSON.stringify(value))
  if (Array.isArray(value)) {
    out.push('[')
    value.forEach((v, i) => {
      if (i > 0) out.push(', ')
      writeInline(v, out)
    })
    return void out.push(']')
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return void out.push('{}')
    out.push('{ ')
    entries.forEach(([k, v], i) => {
      if (i > 0) out.push(', ')
      out.push(literalKey(k), ': ')
      writeInline(v, out)
    })
    return void out.push(' }')
  }
  throw new TypeError(`literal: cannot serialize ${typeof value}`)
}
