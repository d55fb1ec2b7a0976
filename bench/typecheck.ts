/**
 * What a big schema costs `tsc`: dbgen's output vs kysely-codegen 0.20's default `.d.ts`, for the synthetic schema
 * bench/codegen uses (1,000 tables × 22 columns + 50 views on PostgreSQL), each compiled with the same app of N
 * typical Kysely queries (bench/typecheck-app.ts) by the project's `tsc --extendedDiagnostics`, strict with
 * skipLibCheck. The outputs alternate within each round; the table shows medians over the rounds and dbgen's ratio
 * to kysely-codegen (below 1.00× is cheaper). Instantiation counts are deterministic; times and memory are not.
 * Needs `npm run build` first (it runs `dist/codegen/cli.js`) and the PostgreSQL server of bench/codegen.
 *
 * @example
 * npx tsx bench/typecheck.ts                          # N = 100 and 300, 2 rounds
 * npx tsx bench/typecheck.ts --rounds 3 --queries 100 # or TYPECHECK_ROUNDS=3
 * npx tsx bench/typecheck.ts --keep                   # leave the generated apps in the temp directory
 * npx tsx bench/typecheck.ts --dbgen-cli old/dist/codegen/cli.js  # measure another build's output
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createPostgresDatabase } from './synthetic-schema.js'
import { appFiles } from './typecheck-app.js'

const args = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback
}
const rounds = Number(arg('rounds', process.env.TYPECHECK_ROUNDS ?? '2'))
const queryCounts = arg('queries', '100,300').split(',').map(Number)
const tables = Number(arg('tables', '1000'))
const views = Math.min(50, tables)
const root = resolve(import.meta.dirname, '..')
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const dbgenCli = resolve(arg('dbgen-cli', join(root, 'dist/codegen/cli.js')))

/** One compiled output: where its generated file is and what the app imports it as. */
interface Output {
  readonly name: string
  /** The generated file the app's `../db.js` resolves to. */
  readonly file: string
}

interface Sample {
  readonly instantiations: number
  readonly types: number
  readonly checkS: number
  readonly totalS: number
  readonly memoryMb: number
}

async function generate(dir: string): Promise<Output[]> {
  process.stderr.write(`building ${tables} tables × 22 columns and ${views} views on postgres…\n`)
  const db = await createPostgresDatabase(tables, views)
  try {
    const run = (cmd: string[]) => {
      const r = spawnSync(process.execPath, cmd, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
      if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}:\n${r.stderr}`)
    }
    run([dbgenCli, '--url', db.url, '--out', join(dir, 'dbgen')])
    run(['node_modules/.bin/kysely-codegen', '--dialect', 'postgres', '--url', db.url, '--out-file', join(dir, 'kysely-codegen/db.d.ts')])
  } finally {
    await db.drop()
  }
  return [
    { name: 'dbgen', file: join(dir, 'dbgen/db.ts') },
    { name: 'kysely-codegen', file: join(dir, 'kysely-codegen/db.d.ts') },
  ]
}

/** Writes the app of `queries` queries next to a copy of the output's file; returns the app directory. */
function writeApp(dir: string, output: Output, queries: number): string {
  const app = join(dir, `app-${output.name}-${queries}`)
  for (const [path, text] of Object.entries(appFiles({ queries, tables, seed: 20261201 }))) {
    mkdirSync(dirname(join(app, path)), { recursive: true })
    writeFileSync(join(app, path), text)
  }
  copyFileSync(output.file, join(app, output.file.endsWith('.d.ts') ? 'db.d.ts' : 'db.ts'))
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir')
  return app
}

function compile(app: string): Sample {
  const r = spawnSync(process.execPath, [tsc, '-p', app, '--extendedDiagnostics'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`tsc -p ${app} exited ${r.status}:\n${r.stdout.slice(0, 4000)}${r.stderr}`)
  const num = (label: string) => {
    const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(r.stdout)
    if (!m) throw new Error(`tsc printed no "${label}":\n${r.stdout}`)
    return Number(m[1])
  }
  return { instantiations: num('Instantiations'), types: num('Types'), checkS: num('Check time'), totalS: num('Total time'), memoryMb: num('Memory used') / 1024 }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function main(): Promise<void> {
  if (!existsSync(dbgenCli)) throw new Error(`${dbgenCli} is missing: run \`npm run build\` first.`)
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'dbgen-typecheck-'))
  try {
    const outputs = await generate(dir)
    const apps = new Map(queryCounts.map((n) => [n, outputs.map((o) => ({ output: o, dir: writeApp(dir, o, n), samples: [] as Sample[] }))]))
    for (let round = 0; round < rounds; round++) {
      for (const [n, contenders] of apps) {
        // Alternate which output goes first, so neither always compiles on a warmer (or busier) machine.
        for (const c of round % 2 === 0 ? contenders : [...contenders].reverse()) {
          c.samples.push(compile(c.dir))
          const s = c.samples.at(-1) as Sample
          process.stderr.write(`round ${round + 1}/${rounds}, N=${n}, ${c.output.name}: ${s.instantiations} instantiations, check ${s.checkS} s, ${s.memoryMb.toFixed(0)} MB\n`)
        }
      }
    }
    report([...apps].map(([n, cs]) => ({ n, rows: cs.map((c) => ({ name: c.output.name, samples: c.samples })) })), started)
  } finally {
    if (args.includes('--keep')) console.error(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

interface Row {
  readonly name: string
  readonly samples: readonly Sample[]
}

function report(groups: readonly { n: number; rows: readonly Row[] }[], started: number): void {
  const version = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).stdout.replace(/^Version /, '').trim()
  const load = loadavg().map((x) => x.toFixed(1)).join(' ')
  console.log(
    `typecheck bench: ${tables} tables × 22 columns + ${views} views; tsc ${version} --strict --skipLibCheck --noEmit; ` +
      `medians of ${rounds} round${rounds === 1 ? '' : 's'}; load average ${load} on ${cpus().length} CPUs`,
  )
  const head = ['queries', 'output', 'instantiations', 'types', 'check time', 'total time', 'memory']
  const lines: string[][] = [head]
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US')
  for (const g of groups) {
    const med = g.rows.map((r) => ({
      name: r.name,
      inst: median(r.samples.map((s) => s.instantiations)),
      types: median(r.samples.map((s) => s.types)),
      check: median(r.samples.map((s) => s.checkS)),
      total: median(r.samples.map((s) => s.totalS)),
      mem: median(r.samples.map((s) => s.memoryMb)),
      spread: `${Math.min(...r.samples.map((s) => s.checkS)).toFixed(1)}–${Math.max(...r.samples.map((s) => s.checkS)).toFixed(1)}`,
    }))
    for (const m of med) lines.push([String(g.n), m.name, fmt(m.inst), fmt(m.types), `${m.check.toFixed(1)} s (${m.spread})`, `${m.total.toFixed(1)} s`, `${fmt(m.mem)} MB`])
    const [a, b] = med
    if (a && b) {
      const x = (p: number, q: number) => `${(p / q).toFixed(2)}×`
      lines.push([String(g.n), `${a.name} / ${b.name}`, x(a.inst, b.inst), x(a.types, b.types), x(a.check, b.check), x(a.total, b.total), x(a.mem, b.mem)])
    }
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)))
  for (const l of lines) console.log(l.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '))
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s in all, including building the schema)`)
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
