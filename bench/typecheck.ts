/**
 * What a big schema costs `tsc`: dbgen's output vs kysely-codegen 0.20's default `.d.ts`, for the synthetic schema
 * bench/codegen uses (1,000 tables × 22 columns + 50 views on PostgreSQL), each compiled with the same app of N
 * typical Kysely queries (bench/typecheck-app.ts) by the project's `tsc --extendedDiagnostics`, strict with
 * skipLibCheck. The outputs alternate within each round; the table shows medians over the rounds and each dbgen
 * row's ratio to kysely-codegen (below 1.00× is cheaper). Instantiation counts are deterministic. `parse`, `bind`
 * and `check` are tsc's own (wall-clock) phase times, `CPU` the whole tsc process's user + system time (steadier on a busy machine),
 * `heap` what tsc reports as memory used after a forced GC, `RSS` the peak resident set. Needs `npm run build` first
 * (it runs `dist/esm/codegen/cli.js`) and the PostgreSQL server of bench/codegen.
 *
 * Where the per-query cost goes (measured on kysely 0.28.18, tsc 5.9.3): how `DB`'s columns are written barely
 * moves the count (all wrappers spelled out as `ColumnType<S, I, U>`, every column wrapped, shared column aliases,
 * type aliases instead of interfaces, tables inlined into `DB`, a `.d.ts`: each within ±0.05%). The cost is keyed on
 * table and column names: at 1,000 tables a two-table join costs about 29.5 k instantiations (24 per table in `DB`,
 * while Kysely works out the constraint of `innerJoin`'s column arguments by distributing
 * `ExtractAliasFromTableExpression` over `TableExpression<DB, TB>`, two members per table), a `where` about 2.3 k
 * (mostly per column name), a select or update about 1 per table. Both outputs pay it alike. Per kind, 10 queries
 * each over the 1,000 tables: a select with two `where`s 3.7 k, an insert 0.9 k, an update 4.2 k, a join 29.5 k
 * (25.8 k of it `selectFrom(…).innerJoin(…)` alone); kysely-codegen's output within 0.6% of each, but the insert
 * (+4.6%). Tried for the marginal cost: nullable shared column types as one `ColumnType` (`Nullable<Int8Column>`, no
 * `| null` union for Kysely's `SelectType` to distribute over) changed nothing (+2 instantiations at N = 20).
 *
 * The fixed cost is the text tsc reads. With each read/write column type spelled out in every column
 * (`ColumnType<string | null, bigint | number | string | null, …>`), dbgen's `db.ts` for this schema was 1.52 MB
 * against kysely-codegen's 0.62 MB: an app of one query compiled in 15.48 G instructions (valgrind callgrind, node
 * --single-threaded) against kysely-codegen's 14.34 G, with 173 MB of heap against 143 MB. Declaring each such type
 * once (`Int8Column | null`, `WithDefault<TimestamptzColumn>`, codegen/emit/column-aliases.ts) made it 0.84 MB and
 * 14.79 G, 150 MB: 61% of the gap gone. What is left matches the 3,050 row aliases (`User`, `NewUser`,
 * `UserUpdate`), which kysely-codegen does not write: 10 k more identifiers and 6 k more symbols than its file. The
 * names cost 346 instantiations, once (964,292 → 964,638 at N = 100, the same +346 at N = 20). At N = 100 (3 rounds,
 * load average 8–14 on 2 CPUs): CPU 45.1 s against kysely-codegen's 44.8 s (1.01×; before: 53.4 s, 1.19×), heap 186
 * MB against 179 MB (before: 209 MB), instantiations 0.999×, types 0.98×; rerun at load average 5–6, 2 rounds: CPU
 * 30.5 s against 30.4 s (1.00×). At N = 300 (2 rounds, load average 5–6): CPU
 * 72.4 s against 81.4 s (0.89×), tsc's check time 76.9 s against 90.9 s (0.85×), instantiations 2,877,634 against
 * 2,879,949. CPU time still moves ±10% between rounds here.
 *
 * Then every column became one name or keyword: each property type that was more than one (`Int8Column | null`,
 * `Generated<boolean>`, `WithDefault<TimestamptzColumn>`) is declared once too (`NullableInt8Column`,
 * `GeneratedBool`, `GeneratedTimestamptzColumn`), so the tables hold 117 k syntax nodes where they held 171 k
 * (kysely-codegen's file: 146 k; 0.81 MB). Counted with valgrind callgrind under `node --single-threaded
 * --predictable` (which repeats one input's count exactly):
 * - whole tsc runs do not resolve a few percent: the app of one query took 17.84 G instructions before, 17.52 G
 *   after, 17.57 G with kysely-codegen's file (4 queries: 29.95 G after, 30.24 G kysely-codegen), but the after file
 *   with one comment line appended took 16.22 G. JIT tiering moves these totals by up to 7% between inputs.
 * - parse and bind of `db.ts` alone (bench/parse-bind.mjs), with `--jitless` as well, so the
 *   count follows the work (the appended comment moved it by 80 k): before 10.38 G, after 8.00 G, kysely-codegen's
 *   file 8.02 G (node and TypeScript loading, 1.62 G, taken off each). 1.29× → 1.00×.
 * - tsc's own counts for the app of one query: instantiations 15,517 → 15,442 against 15,608 (N = 100: 964,302
 *   against 965,544; N = 300: 2,876,314 against 2,879,949), heap 165 → 155 MB against 164 MB, types 4,096 against
 *   4,100. Two counts stay above kysely-codegen's, from the 3,050 row aliases it does not write: identifiers
 *   163,066 against 149,796 and symbols 101,609 against 95,673 (tsc binds each exported declaration as a local and
 *   an export symbol).
 * In the same harness with the JIT on (its counts move by about 2% between inputs): before 4.33 G, after 3.71 G,
 * kysely-codegen 3.70 G; the row aliases 0.52 G of the after (3.18 G without them); naming only the `| null` unions
 * took 0.31 G of the 0.62 G saved; short alias names would save 0.03 G; JSDoc, indentation and blank lines were
 * within the spread; the same text as a `.d.ts` 3.72 G, no cheaper. So the row aliases are the whole remaining cost
 * over kysely-codegen's text. By the binder's code (not measured), no other declaration of them is cheaper: an
 * unexported alias plus an `export type { … }` list binds the same two symbols per name, in more nodes.
 * At N = 100 (3 rounds, load average 6–8 on 2 CPUs): CPU 40.2 s against 42.3 s (0.95×), heap 177 MB against 179 MB,
 * types 1.02×; at N = 300 (1 round, load 6–7): CPU 95.6 s against 101.4 s (0.94×), check 106.9 s against 117.2 s.
 * tsc's phase times are wall clock and move with the load.
 *
 * 0.8× of kysely-codegen is out of reach from the output's side: of 965,544 instantiations at N = 100, about 15 k
 * are fixed and 9.5 k per query are Kysely's own inference, equal for both outputs (9,498 vs 9,505); with no fixed
 * cost at all the ratio would be 0.98×.
 *
 * @example
 * npx tsx bench/typecheck.ts                          # N = 100 and 300, 2 rounds
 * npx tsx bench/typecheck.ts --rounds 3 --queries 100 # or TYPECHECK_ROUNDS=3
 * npx tsx bench/typecheck.ts --keep                   # leave the generated apps in the temp directory
 * npx tsx bench/typecheck.ts --baseline old/dist/esm/codegen/cli.js  # also another build's output, as "dbgen baseline"
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
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
const dbgenCli = join(root, 'dist/esm/codegen/cli.js')
const baselineCli = args.includes('--baseline') ? resolve(arg('baseline', '')) : null

/** One compiled output: where its generated file is and what the app imports it as. */
interface Output {
  readonly name: string
  /** The generated file the app's `../db.js` resolves to. */
  readonly file: string
}

interface Sample {
  readonly instantiations: number
  readonly types: number
  readonly parseS: number
  readonly bindS: number
  readonly checkS: number
  readonly cpuS: number
  readonly heapMb: number
  readonly rssMb: number
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
    if (baselineCli) run([baselineCli, '--url', db.url, '--out', join(dir, 'dbgen-baseline')])
    run(['node_modules/.bin/kysely-codegen', '--dialect', 'postgres', '--url', db.url, '--out-file', join(dir, 'kysely-codegen/db.d.ts')])
  } finally {
    await db.drop()
  }
  return [
    { name: 'dbgen', file: join(dir, 'dbgen/db.ts') },
    ...(baselineCli ? [{ name: 'dbgen baseline', file: join(dir, 'dbgen-baseline/db.ts') }] : []),
    { name: 'kysely-codegen', file: join(dir, 'kysely-codegen/db.d.ts') },
  ]
}

/** Writes the app of `queries` queries next to a copy of the output's file; returns the app directory. */
function writeApp(dir: string, output: Output, queries: number): string {
  const app = join(dir, `app-${output.name.replace(/ /g, '-')}-${queries}`)
  for (const [path, text] of Object.entries(appFiles({ queries, tables, seed: 20261201 }))) {
    mkdirSync(dirname(join(app, path)), { recursive: true })
    writeFileSync(join(app, path), text)
  }
  copyFileSync(output.file, join(app, output.file.endsWith('.d.ts') ? 'db.d.ts' : 'db.ts'))
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir')
  return app
}

function compile(app: string): Sample {
  // --expose-gc lets tsc collect garbage before it reports memory used, so that figure is the live heap.
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH_RSS_KB=%M BENCH_CPU_S=%U+%S', process.execPath, '--expose-gc', tsc, '-p', app, '--extendedDiagnostics'], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`tsc -p ${app} exited ${r.status}:\n${r.stdout.slice(0, 4000)}${r.stderr}`)
  const num = (label: string, text = r.stdout) => {
    const m = new RegExp(`^${label}[:=]\\s*([\\d.]+)`, 'm').exec(text)
    if (!m) throw new Error(`no "${label}" in:\n${text}`)
    return Number(m[1])
  }
  const cpu = /BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(r.stderr)
  return {
    instantiations: num('Instantiations'),
    types: num('Types'),
    parseS: num('Parse time'),
    bindS: num('Bind time'),
    checkS: num('Check time'),
    cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
    heapMb: num('Memory used') / 1024,
    rssMb: num('BENCH_RSS_KB', r.stderr) / 1024,
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function main(): Promise<void> {
  for (const cli of [dbgenCli, baselineCli ?? dbgenCli]) if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first.`)
  if (!existsSync('/usr/bin/time')) throw new Error('bench/typecheck needs /usr/bin/time (apt-get install -y time).')
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
          process.stderr.write(
            `round ${round + 1}/${rounds}, N=${n}, ${c.output.name}: ${s.instantiations} instantiations, parse ${s.parseS} s, bind ${s.bindS} s, ` +
              `check ${s.checkS} s, CPU ${s.cpuS.toFixed(1)} s, heap ${s.heapMb.toFixed(0)} MB\n`,
          )
        }
      }
    }
    report([...apps].map(([n, cs]) => ({ n, rows: cs.map((c) => ({ name: c.output.name, samples: c.samples })) })), outputs, started)
  } finally {
    if (args.includes('--keep')) console.error(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

interface Row {
  readonly name: string
  readonly samples: readonly Sample[]
}

function report(groups: readonly { n: number; rows: readonly Row[] }[], outputs: readonly Output[], started: number): void {
  const version = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).stdout.replace(/^Version /, '').trim()
  const load = loadavg().map((x) => x.toFixed(1)).join(' ')
  console.log(
    `typecheck bench: ${tables} tables × 22 columns + ${views} views; tsc ${version} --strict --skipLibCheck --noEmit; ` +
      `medians of ${rounds} round${rounds === 1 ? '' : 's'}; load average ${load} on ${cpus().length} CPUs`,
  )
  console.log(`generated types: ${outputs.map((o) => `${o.name} ${(statSync(o.file).size / 1e6).toFixed(2)} MB`).join(', ')}`)
  const head = ['queries', 'output', 'instantiations', 'types', 'parse', 'bind', 'check', 'CPU', 'heap', 'RSS']
  const lines: string[][] = [head]
  const int = (x: number) => Math.round(x).toLocaleString('en-US')
  const x = (p: number, q: number) => `${(p / q).toFixed(2)}×`
  for (const g of groups) {
    const med = g.rows.map((r) => {
      const m = (f: (s: Sample) => number) => median(r.samples.map(f))
      return {
        name: r.name,
        inst: m((s) => s.instantiations),
        types: m((s) => s.types),
        parse: m((s) => s.parseS),
        bind: m((s) => s.bindS),
        check: m((s) => s.checkS),
        cpu: m((s) => s.cpuS),
        heap: m((s) => s.heapMb),
        rss: m((s) => s.rssMb),
      }
    })
    const sec = (x: number) => `${x.toFixed(1)} s`
    for (const m of med) lines.push([String(g.n), m.name, int(m.inst), int(m.types), sec(m.parse), sec(m.bind), sec(m.check), sec(m.cpu), `${int(m.heap)} MB`, `${int(m.rss)} MB`])
    const peer = med.find((m) => m.name === 'kysely-codegen')
    for (const m of med) {
      if (!peer || m === peer) continue
      lines.push([
        String(g.n),
        `${m.name} / ${peer.name}`,
        ...[[m.inst, peer.inst], [m.types, peer.types], [m.parse, peer.parse], [m.bind, peer.bind], [m.check, peer.check], [m.cpu, peer.cpu], [m.heap, peer.heap], [m.rss, peer.rss]].map(([a, b]) => x(a as number, b as number)),
      ])
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
