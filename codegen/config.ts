/**
 * dbgen's configuration, merged from four layers — flags > environment (incl. `.env`) > config file > the
 * `"dbgen"` key in package.json. Config files are `dbgen.config.json`, `dbgen.config.mjs` or `dbgen.config.js`
 * (JS loaded with a dynamic import; there is no TypeScript compiler at run time).
 *
 * @example
 * // dbgen.config.json
 * { "schemas": ["public", "auth"], "camelCase": true, "types": { "bigint": "bigint" },
 *   "overrides": { "types": { "money": { "type": "Money", "import": { "from": "./money.js", "name": "Money" } } } } }
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { keysOf, unknownKeyProblem } from '../src/known-keys.js'
import type { SslOptions } from '../src/tls/options.js'
import type { TypeOptions } from '../src/types/type-options.js'
import type { EmitOptions } from './emit/types.js'
import { DbgenError } from './errors.js'

/** Everything dbgen can be told, in any layer. */
export interface DbgenConfig {
  readonly url?: string
  /** Output directory (default `generated`). */
  readonly out?: string
  readonly schemas?: readonly string[]
  readonly defaultSchema?: string
  readonly include?: readonly string[]
  readonly exclude?: readonly string[]
  readonly camelCase?: boolean
  readonly partitions?: boolean
  readonly fromSql?: readonly string[]
  readonly types?: TypeOptions
  readonly overrides?: EmitOptions['overrides']
  /** TLS for the connection (see DbgenSsl); merged key by key across layers. */
  readonly ssl?: DbgenSsl
}

/**
 * dbgen's TLS settings: the runtime's `ssl` option, with `ca`, `cert` and `key` given as files (relative to the
 * working directory) or as PEM text.
 *
 * @example
 * // dbgen.config.json
 * { "ssl": { "ca": "certs/rds-global-bundle.pem" } }
 */
export interface DbgenSsl {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
  readonly rejectUnauthorized?: boolean
  readonly servername?: string
}

const SSL_KEYS = keysOf<DbgenSsl>({ ca: true, cert: true, key: true, rejectUnauthorized: true, servername: true })

/**
 * The `ssl` option for the connection: `ca`, `cert` and `key` read from their files (relative to `cwd`), or taken as
 * they are when they hold PEM text. A file that cannot be read is a DBGEN_CONFIG error naming it.
 */
export async function loadSsl(ssl: DbgenSsl | undefined, cwd: string): Promise<SslOptions | undefined> {
  if (!ssl) return undefined
  const read = async (k: 'ca' | 'cert' | 'key'): Promise<string | Buffer | undefined> => {
    const v = ssl[k]
    if (v === undefined || v.includes('-----BEGIN')) return v
    const path = isAbsolute(v) ? v : join(cwd, v)
    return readFile(path).catch((err: Error) => {
      throw new DbgenError('DBGEN_CONFIG', `Cannot read the ssl.${k} file ${path} (--ssl-${k}): ${err.message}.`)
    })
  }
  const [ca, cert, key] = await Promise.all([read('ca'), read('cert'), read('key')])
  const out = { ca, cert, key, rejectUnauthorized: ssl.rejectUnauthorized, servername: ssl.servername }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as SslOptions
}

function validateSsl(v: unknown, where: string): DbgenSsl {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DbgenError('DBGEN_CONFIG', `${where}: "ssl" must be an object such as { "ca": "certs/ca.pem" }.`)
  const unknown = unknownKeyProblem(`${where}: "ssl"`, v, SSL_KEYS, 'key')
  if (unknown) throw new DbgenError('DBGEN_CONFIG', unknown)
  for (const [k, x] of Object.entries(v)) {
    if (k === 'rejectUnauthorized' ? typeof x !== 'boolean' : typeof x !== 'string') {
      throw new DbgenError('DBGEN_CONFIG', `${where}: "ssl.${k}" must be ${k === 'rejectUnauthorized' ? 'true or false' : 'a string (a file, or PEM text)'}.`)
    }
  }
  return v as DbgenSsl
}

const CONFIG_FILES = ['dbgen.config.json', 'dbgen.config.mjs', 'dbgen.config.js']
const KEYS = keysOf<DbgenConfig>({
  url: true,
  out: true,
  schemas: true,
  defaultSchema: true,
  include: true,
  exclude: true,
  camelCase: true,
  partitions: true,
  fromSql: true,
  types: true,
  overrides: true,
  ssl: true,
})

/** Parses `.env` text: `KEY=value`, optional `export `, quotes, `#` comments. No interpolation. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(raw)
    if (!m) continue
    let value = (m[2] ?? '').trim()
    const q = value[0]
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q))
      if (q === '"') value = value.replace(/\\n/g, '\n')
    } else value = value.replace(/\s+#.*$/, '')
    out[m[1] as string] = value
  }
  return out
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw e
  })
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new DbgenError('DBGEN_CONFIG', `${path} is not valid JSON: ${(err as Error).message}.`)
  }
}

/** Keeps only known keys and checks their shapes, naming the file in the message. */
export function validateConfig(value: unknown, where: string): DbgenConfig {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new DbgenError('DBGEN_CONFIG', `${where}: expected an object.`)
  const unknown = unknownKeyProblem(where, value, KEYS, 'key')
  if (unknown) throw new DbgenError('DBGEN_CONFIG', unknown)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const isList = ['schemas', 'include', 'exclude', 'fromSql'].includes(k)
    if (isList && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new DbgenError('DBGEN_CONFIG', `${where}: "${k}" must be an array of strings.`)
    }
    if (['camelCase', 'partitions'].includes(k) && typeof v !== 'boolean') throw new DbgenError('DBGEN_CONFIG', `${where}: "${k}" must be true or false.`)
    if (['url', 'out', 'defaultSchema'].includes(k) && typeof v !== 'string') throw new DbgenError('DBGEN_CONFIG', `${where}: "${k}" must be a string.`)
    out[k] = k === 'ssl' ? validateSsl(v, where) : v
  }
  return out as DbgenConfig
}

/** Loads the config file: `explicit` if given, else the first of dbgen.config.{json,mjs,js} in `cwd`. */
export async function loadConfigFile(cwd: string, explicit?: string): Promise<DbgenConfig> {
  const candidates = explicit ? [isAbsolute(explicit) ? explicit : join(cwd, explicit)] : CONFIG_FILES.map((f) => join(cwd, f))
  for (const path of candidates) {
    if (path.endsWith('.json')) {
      const json = await readJson(path)
      if (json !== undefined) return validateConfig(json, path)
    } else {
      const exists = await readFile(path).then(() => true, () => false)
      if (!exists) continue
      const mod = (await import(pathToFileURL(path).href)) as { default?: unknown }
      return validateConfig(mod.default, path)
    }
    if (explicit) throw new DbgenError('DBGEN_CONFIG', `Config file ${path} not found.`)
  }
  return {}
}

/** The environment layer: `DATABASE_URL` from the process environment, else from `.env` in `cwd`. */
export async function envConfig(cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<DbgenConfig> {
  const dotenv = parseDotenv(await readFile(join(cwd, '.env'), 'utf8').catch(() => ''))
  const url = env.DATABASE_URL || dotenv.DATABASE_URL
  return url ? { url } : {}
}

/**
 * Merges layers, later ones winning key by key (`undefined` never overrides), inside `ssl` too. `url` and `fromSql`
 * are one choice: a layer that sets either replaces both.
 */
export function mergeConfig(...layers: DbgenConfig[]): DbgenConfig {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    if (layer.url !== undefined || layer.fromSql !== undefined) {
      delete out.url
      delete out.fromSql
    }
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue
      out[k] = k === 'ssl' ? { ...(out.ssl as DbgenSsl | undefined), ...Object.fromEntries(Object.entries(v as DbgenSsl).filter(([, x]) => x !== undefined)) } : v
    }
  }
  return out as DbgenConfig
}

/** All four layers, merged: package.json < config file < env < flags. */
export async function resolveConfig(cwd: string, env: Readonly<Record<string, string | undefined>>, flags: DbgenConfig, configPath?: string): Promise<DbgenConfig> {
  const pkg = (await readJson(join(cwd, 'package.json'))) as { dbgen?: unknown } | undefined
  const [file, fromEnv] = await Promise.all([loadConfigFile(cwd, configPath), envConfig(cwd, env)])
  return mergeConfig(validateConfig(pkg?.dbgen, 'package.json "dbgen"'), file, fromEnv, flags)
}
