/**
 * `npm run bench`: runs every side-by-side benchmark in turn, each in its own process so one cannot warm or
 * starve the next, after building dist/, which they load. Pass names to pick some: `npm run bench -- scope engine`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

const all = ['codegen', 'engine', 'scope', 'typecheck']
// Names pick benchmarks; a flag, and the value after it (`--repo ../old`), is passed on to each.
const picked: string[] = []
const passThrough: string[] = []
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const a = args[i]!
  if (!a.startsWith('-')) picked.push(a)
  else {
    passThrough.push(a)
    const next = args[i + 1]
    if (!a.includes('=') && next !== undefined && !next.startsWith('-') && !all.includes(next) && !existsSync(resolve(import.meta.dirname, `${next}.ts`))) passThrough.push(args[++i]!)
  }
}
const names = picked.length > 0 ? picked : all
const here = import.meta.dirname
// The benchmarks run dbscope as an application gets it, compiled (dist/): build it from the current source first.
console.log('=== npm run build (the benchmarks load dist/)')
if (spawnSync(process.execPath, [resolve(here, '../scripts/build.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1)
let failed = 0
for (const name of names) {
  const file = resolve(here, `${name}.ts`)
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named "${name}" (known: ${all.join(', ')})`)
    failed++
    continue
  }
  console.log(`\n=== bench/${name}.ts`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...passThrough], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
