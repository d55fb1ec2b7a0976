/**
 * The layout's two rules, checked on the source text (no server needed): the runtime (src/) never imports the
 * codegen (codegen/), and no source file in src/ or codegen/ is over 400 lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const MAX_LINES = 400

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|mts|cts)$/.test(name) ? [path] : []
  })
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!)
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!)
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!)
  return out
}

describe('layout', () => {
  it('src/ never imports codegen/ (the type contract lives on the runtime side)', () => {
    const codegenDir = join(ROOT, 'codegen')
    const offenders: string[] = []
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue
        const target = resolve(file, '..', spec)
        if (target === codegenDir || target.startsWith(codegenDir + '/')) offenders.push(`${relative(ROOT, file)} → ${spec}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('the import scanner sees static, re-export and dynamic imports (so the rule above can fail)', () => {
    const text = "import { a } from '../codegen/x.js'\nexport { b } from '../codegen/y.js'\nconst c = await import('../codegen/z.js')\nimport '../codegen/w.js'\n"
    expect(specifiers(text).sort()).toEqual(['../codegen/w.js', '../codegen/x.js', '../codegen/y.js', '../codegen/z.js'])
  })

  it(`no file in src/ or codegen/ is over ${MAX_LINES} lines`, () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'codegen'))]
    expect(files.length).toBeGreaterThan(20)
    const long = files
      .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES)
    expect(long).toEqual([])
  })
})
