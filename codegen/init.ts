/**
 * `dbgen init [dir]`: scaffolds the shared data package (migrations, dbgen config, the configured `db`, scripts
 * `migrate` and `gen`) and refuses to overwrite existing files unless `--force` is given.
 *
 * @example
 * // codegen/cli.ts wires it in with one line:
 * registerInit(program, io)
 * // then: dbgen init packages/data --name @acme/data
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { CommanderError, Option, type Command } from 'commander'
import { scaffoldFiles, type ScaffoldOptions } from './init-templates.js'
import { ownPackageJson } from './own-package.js'

/** What `runInit` accepts. */
export interface InitOptions {
  /** Overwrite files that already exist. */
  readonly force?: boolean
  /** The database the first migration is written for (default `'postgres'`). */
  readonly dialect?: 'postgres' | 'mysql'
  /** The package name (default: the directory's name). */
  readonly name?: string
}

/** An expected `dbgen init` failure, with a stable `code`; the CLI prints the message and exits 2. */
export class InitError extends Error {
  readonly code: 'DBGEN_INIT_EXISTS' | 'DBGEN_INIT_USAGE'
  constructor(code: InitError['code'], message: string) {
    super(message)
    this.name = 'InitError'
    this.code = code
  }
}

/**
 * Writes the scaffold into `dir` (created if missing) and returns the files it wrote, relative to `dir`.
 * Throws InitError `DBGEN_INIT_EXISTS`, listing the files, when any of them exists and `force` is not set;
 * nothing is written in that case.
 *
 * @example
 * const { written } = await runInit('packages/data', { name: '@acme/data' })
 */
export async function runInit(dir: string, options: InitOptions = {}): Promise<{ written: string[] }> {
  const dialect = options.dialect ?? 'postgres'
  if (dialect !== 'postgres' && dialect !== 'mysql') {
    throw new InitError('DBGEN_INIT_USAGE', `Unknown dialect ${JSON.stringify(dialect)}. Use --dialect postgres or --dialect mysql.`)
  }
  const root = resolve(dir)
  const name = options.name ?? packageNameFrom(basename(root))
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new InitError('DBGEN_INIT_USAGE', `${JSON.stringify(name)} is not a valid npm package name. Pass one with --name, e.g. --name @acme/data.`)
  }
  const files = scaffoldFiles({ name, dialect, versions: dependencyVersions() })
  const paths = Object.keys(files)
  if (!options.force) {
    const existing = (await Promise.all(paths.map(async (p) => ((await exists(join(root, p))) ? p : undefined)))).filter((p) => p !== undefined)
    if (existing.length > 0) {
      throw new InitError(
        'DBGEN_INIT_EXISTS',
        `${root} already has ${existing.join(', ')}. Nothing was written. Pass --force to overwrite them, or choose an empty directory.`,
      )
    }
  }
  for (const p of paths) {
    await mkdir(dirname(join(root, p)), { recursive: true })
    await writeFile(join(root, p), files[p]!)
  }
  return { written: paths }
}

/** Where `registerInit` reports; matches the CLI's own io object. */
export interface InitIo {
  readonly cwd: string
  readonly stdout: { write(s: string): unknown }
  readonly stderr: { write(s: string): unknown }
}

/**
 * Adds `init [dir] --force --dialect --name` to a commander program. An InitError is printed like every dbgen
 * error (`dbgen: <message> [<code>]`) and rethrown as a CommanderError with exit code 2.
 *
 * @example
 * const program = new Command('dbgen')
 * registerInit(program)
 * await program.parseAsync(['init', 'packages/data'], { from: 'user' })
 */
export function registerInit(program: Command, io: InitIo = { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }): Command {
  return program
    .command('init')
    .argument('[dir]', 'directory of the new package', '.')
    .description('Scaffold a shared data package: package.json, dbgen config, db, a first migration, scripts migrate and gen')
    .option('--force', 'overwrite files that already exist')
    .addOption(new Option('--dialect <dialect>', 'database of the first migration').choices(['postgres', 'mysql']).default('postgres'))
    .option('--name <name>', 'package name (default: the directory name)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ dbgen init packages/data --name @acme/data\n  $ dbgen init . --dialect mysql\n  $ dbgen init packages/data --force   # overwrite the scaffold files',
    )
    .action(async (dir: string, opts: InitOptions) => {
      const target = resolve(io.cwd, dir)
      try {
        const { written } = await runInit(target, opts)
        io.stdout.write(initReport(relative(io.cwd, target) || '.', written, opts.dialect ?? 'postgres'))
      } catch (err) {
        if (!(err instanceof InitError)) throw err
        io.stderr.write(`dbgen: ${err.message} [${err.code}]\n`)
        throw new CommanderError(2, err.code, err.message)
      }
    })
}

/** The text `dbgen init` prints: the files and the next steps. */
export function initReport(dir: string, written: readonly string[], dialect: 'postgres' | 'mysql'): string {
  const url = dialect === 'mysql' ? 'mysql://app@127.0.0.1:3306/app' : 'postgres://app@127.0.0.1:5432/app'
  return [
    `dbgen init: wrote ${written.length} files in ${dir}/`,
    ...written.map((f) => `  ${join(dir, f)}`),
    '',
    'Next steps:',
    ...(dir === '.' ? [] : [`  cd ${dir}`]),
    '  npm install',
    `  export DATABASE_URL=${url}   # or put it in .env`,
    '  npm run migrate && npm run gen   # applies migrations/, then writes generated/',
    '  npm run build',
    '  git add . && git commit          # commit generated/ with the migration',
    '',
  ].join('\n')
}

function packageNameFrom(dirName: string): string {
  return dirName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'data'
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
  )
}

/** Version ranges for the scaffold, from dbscope's own package.json. */
function dependencyVersions(): ScaffoldOptions['versions'] {
  const pkg = ownPackageJson()
  const deps = { ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.dependencies }
  return {
    dbscope: pkg.version ? `^${pkg.version}` : 'latest',
    kysely: deps.kysely ?? '^0.28.0',
    typescript: deps.typescript ?? '^5.9.0',
    tsx: deps.tsx ?? '^4.20.0',
    typesNode: deps['@types/node'] ?? '^20.0.0',
    pg: deps.pg ?? '^8.0.0',
    mysql2: deps.mysql2 ?? '^3.0.0',
  }
}
