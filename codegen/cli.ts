#!/usr/bin/env node
/**
 * The `dbgen` command: reflect a database and write (or `--print`, or `--check`) `generated/db.ts` and
 * `generated/metadata.ts`. Exit codes: 0 ok, 1 stale (`--check`), 2 usage, configuration or connection error.
 *
 * @example
 * dbgen --url postgres://app@localhost/app --out generated
 * dbgen --from-sql migrations/ --check
 */
import { realpathSync } from 'node:fs'
import v8 from 'node:v8'
import { mkdir, readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { callerFile } from '../src/caller-file.js'
import { loadSsl, resolveConfig, type DbgenConfig } from './config.js'
import { urlDialect } from './connect.js'
import { unifiedDiff } from './diff.js'
import { DbgenError } from './errors.js'
import { generate, type GenerateResult } from './generate.js'
import { registerInit } from './init.js'
import { ownPackageJson } from './own-package.js'
import { writeChunks } from './write.js'

/** Where the CLI reads and writes; injectable so tests can run it in-process. */
export interface CliIo {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stdout: { write(s: string): unknown; isTTY?: boolean }
  readonly stderr: { write(s: string): unknown; isTTY?: boolean }
}

interface Flags {
  url?: string
  out?: string
  schema?: string[]
  include?: string[]
  exclude?: string[]
  camelCase?: boolean
  partitions?: boolean
  print?: boolean
  check?: boolean
  fromSql?: string[]
  config?: string
  sslCa?: string
  sslCert?: string
  sslKey?: string
}

const FILES = ['db.ts', 'metadata.ts'] as const

/** The package version, from dbscope's package.json. */
function version(): string {
  return ownPackageJson().version ?? '0.0.0'
}

/**
 * Builds the commander program. The root command generates; subcommands (`dbgen init`, see init.ts) are added
 * with `program.command(…)` before parsing.
 */
export function buildProgram(run: (flags: Flags) => Promise<number>, setExit: (code: number) => void, io: CliIo): Command {
  const program = new Command('dbgen')
  program
    .description('Reflect a PostgreSQL or MySQL/MariaDB database (or SQL files, through PGlite) into Kysely types and runtime metadata.')
    .version(version(), '-v, --version')
    .option('--url <url>', 'database URL: postgres://, mysql:// or mariadb:// (default: $DATABASE_URL, also read from .env)')
    .option('--out <dir>', 'output directory (default: generated)')
    .option('--schema <names...>', 'schemas to reflect (default: public; MySQL reads only the URL database)')
    .option('--include <globs...>', 'only relations matching these globs (name or schema.name)')
    .option('--exclude <globs...>', 'skip relations matching these globs (name or schema.name)')
    .option('--camel-case', 'camelCase keys, for Kysely CamelCasePlugin')
    .option('--partitions', 'also emit partitions of partitioned tables')
    .option('--print', 'write the generated files to stdout instead of the output directory')
    .option('--check', 'exit 1 with a diff when the output directory is stale; write nothing')
    .option('--from-sql <paths...>', 'apply these SQL files (directories: their *.sql, sorted) to an in-process PGlite and reflect that')
    .option('--config <file>', 'config file (default: dbgen.config.json, .mjs or .js)')
    .option('--ssl-ca <file>', 'TLS: the CA that signed the server\'s certificate (verified with the host name); or "ssl" in the config')
    .option('--ssl-cert <file>', 'TLS: a client certificate, with --ssl-key')
    .option('--ssl-key <file>', 'TLS: the client certificate\'s key')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .action(async (flags: Flags) => setExit(await run(flags)))
  program.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  $ dbgen                                        DATABASE_URL (or .env) → generated/',
      '  $ dbgen --url postgres://app@localhost/app --schema public auth --camel-case',
      '  $ dbgen --url mysql://root@localhost:3306/shop --out src/generated',
      '  $ dbgen --url postgres://app@db.example.com/app --ssl-ca certs/ca.pem --check   TLS, verified',
      '  $ dbgen --check                                CI: exit 1 and a diff when generated/ is stale',
      '  $ dbgen --from-sql migrations/ --check         the same check with no database server',
      '  $ dbgen --print | less',
      '  $ dbgen init packages/data --name @acme/data   scaffold a shared data package',
      '',
      'Exit codes: 0 ok, 1 --check found generated/ stale, 2 usage, config or connection error.',
      'NO_COLOR (or output that is not a terminal) turns colour off.',
      '',
    ].join('\n'),
  )
  registerInit(program, io)
  return program
}

/** Runs dbgen with `argv` (without node and script); resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0
  const program = buildProgram((flags) => run(flags, io), (c) => (code = c), io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2
    }
    io.stderr.write(`dbgen: ${(err as Error)?.message ?? String(err)}\n`)
    return 2
  }
}

/** Colour only for a terminal, and never with NO_COLOR set (https://no-color.org). */
function colorFor(io: CliIo, stream: CliIo['stdout']): boolean {
  return !io.env.NO_COLOR && stream.isTTY === true
}

async function run(flags: Flags, io: CliIo): Promise<number> {
  const red = (s: string) => (colorFor(io, io.stderr) ? `\x1b[31m${s}\x1b[0m` : s)
  try {
    if (flags.url && flags.fromSql) {
      throw new DbgenError('DBGEN_USAGE', 'Pass either --url or --from-sql, not both.')
    }
    const fromFlags: DbgenConfig = {
      url: flags.url,
      out: flags.out,
      schemas: flags.schema,
      include: flags.include,
      exclude: flags.exclude,
      camelCase: flags.camelCase,
      partitions: flags.partitions,
      fromSql: flags.fromSql,
      ssl: flags.sslCa || flags.sslCert || flags.sslKey ? { ca: flags.sslCa, cert: flags.sslCert, key: flags.sslKey } : undefined,
    }
    const config = await resolveConfig(io.cwd, io.env, fromFlags, flags.config)
    // Progress for a person at a terminal (a big schema or --from-sql takes seconds); logs and pipes stay clean.
    const progress = io.stderr.isTTY === true && !io.env.CI
    if (progress) io.stderr.write(`dbgen: reading ${config.fromSql ? 'SQL files through PGlite' : 'the database'}…\r`)
    if (heapTuning && !config.fromSql && urlDialect(config.url ?? '') === 'mysql') {
      // mysql2 and MySQL's bigger model (one enum per ENUM/SET column) cost ~10 MB more than pg: trade ~10 % speed for
      // a smaller heap there (1,000 tables: ~90 → ~84 MB peak RSS). Only in the dbgen process, never in a host app.
      v8.setFlagsFromString('--optimize-for-size')
    }
    const started = performance.now()
    // --from-sql paths (from a flag or dbgen.config.json) are relative to the working directory.
    const ssl = await loadSsl(config.ssl, io.cwd) // files relative to the working directory, like --from-sql
    const result = await generate({ ...config, ssl, fromSql: config.fromSql?.map((p) => (isAbsolute(p) ? p : join(io.cwd, p))), typeOptions: config.types })
    if (progress) io.stderr.write('\x1b[2K')
    for (const w of result.warnings) io.stderr.write(`dbgen: warning: ${w}\n`)
    const outDir = config.out ?? 'generated'
    const absOut = isAbsolute(outDir) ? outDir : join(io.cwd, outDir)
    if (flags.print) {
      for (const f of FILES) io.stdout.write(`// ${join(outDir, f)}\n${result.files[f]}\n`)
      io.stderr.write(summary(result, 'printed', outDir, started) + '\n')
      return 0
    }
    if (flags.check) return await check(result, absOut, outDir, io, started)
    await mkdir(absOut, { recursive: true })
    const sizes = FILES.map((f) => writeChunks(join(absOut, f), result.chunks(f)))
    io.stderr.write(summary(result, 'wrote', outDir, started, sizes) + '\n')
    return 0
  } catch (err) {
    if (err instanceof DbgenError) {
      io.stderr.write(red(`dbgen: ${err.message}`) + ` [${err.code}]\n`)
      return 2
    }
    const e = err as Error
    io.stderr.write(red(`dbgen: unexpected error: ${e?.message ?? String(err)}`) + '\n')
    if (io.env.DEBUG) io.stderr.write(`${e?.stack ?? ''}\n`)
    return 2
  }
}

async function check(result: GenerateResult, absOut: string, outDir: string, io: CliIo, started: number): Promise<number> {
  let stale = 0
  for (const f of FILES) {
    const current = await readFile(join(absOut, f), 'utf8').catch(() => '')
    const diff = unifiedDiff(current, result.files[f], { from: `${join(outDir, f)} (files)`, to: `${join(outDir, f)} (database)`, color: colorFor(io, io.stdout) })
    if (diff) {
      stale++
      io.stdout.write(diff)
    }
  }
  if (stale > 0) {
    io.stderr.write(`dbgen --check: ${outDir}/ is stale (${stale} file${stale > 1 ? 's' : ''} differ). Run dbgen to regenerate.\n`)
    return 1
  }
  io.stderr.write(summary(result, 'up to date:', outDir, started) + '\n')
  return 0
}

/**
 * The one-line summary: the time from the start of reading to now (rendering and writing included); `bytes` are the
 * files' sizes when already known (else measured from their text).
 */
function summary(r: GenerateResult, verb: string, outDir: string, started: number, bytes?: readonly number[]): string {
  const kb = (f: (typeof FILES)[number], i: number) => `${((bytes?.[i] ?? Buffer.byteLength(r.files[f])) / 1024).toFixed(1)} kB`
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
  const s = r.stats
  return (
    `dbgen: ${plural(s.relations, 'relation')}, ${plural(s.columns, 'column')}, ${plural(s.enums, 'enum')} from ${r.source} ` +
    `in ${Math.round(performance.now() - started)} ms; ${verb} ${FILES.map((f, i) => `${join(outDir, f)} (${kb(f, i)})`).join(', ')}`
  )
}

function processIo(): CliIo {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return realpathSync(script) === realpathSync(callerFile())
  } catch {
    return false
  }
}

/** Set when this module is the `dbgen` process itself: only then may it tune V8's heap. */
let heapTuning = false

if (isEntryPoint()) {
  heapTuning = true
  // A short-lived process holding a whole schema: keep V8's young generation at its initial size instead of letting
  // it grow to 3 × 16 MB. With the output written in batches, 1,000 tables × 22 columns peak at ~77 MB RSS instead
  // of ~110 MB, at the same speed. (A heuristics flag, read while running; --optimize-for-size was ~20 % slower.)
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}
