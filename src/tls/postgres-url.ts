/**
 * PostgreSQL's TLS parameters with libpq's meaning, read by dbscope itself (and by dbgen) and stripped from the
 * connection string, so node-postgres gets an explicit `ssl` object and never prints its SECURITY WARNING:
 *
 * | sslmode | TLS | verifies |
 * | --- | --- | --- |
 * | `disable` | no | |
 * | `prefer` | yes, plain if the server has no TLS | nothing |
 * | `require` | yes | nothing (but the chain, like `verify-ca`, when a root certificate is given, as in libpq) |
 * | `verify-ca` | yes | the chain up to `sslrootcert` |
 * | `verify-full` | yes | the chain and the host name |
 *
 * `sslrootcert`, `sslcert` and `sslkey` are files (read at each connect; `sslrootcert=system`: Node's root CAs).
 * Without them in the URL, `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT` and `PGSSLKEY` apply, as in libpq. With
 * neither, dbscope connects without TLS, as node-postgres does (libpq would `prefer`). `ssl=true` (node-postgres'
 * own form) means `verify-full`. An explicit `ssl` option replaces all of this: it verifies fully unless it says
 * `rejectUnauthorized: false`, and with `sslmode=disable` in the URL it is a ConfigError.
 *
 * @example
 * const { url, tls } = postgresTls('postgres://app@db/app?sslmode=verify-full&sslrootcert=/ca.pem', undefined)
 * // url: 'postgres://app@db/app'; tls: { mode: 'verify-full', settings: { verify: 'full', files: { ca: '/ca.pem' } } }
 */
import { ConfigError } from '../errors.js'
import { settingsFromOption, type SslOptions, type TlsSettings } from './options.js'

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full'

const MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full']

/** The URL parameters dbscope reads and removes before the URL reaches node-postgres. */
const TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'sslnegotiation', 'uselibpqcompat', 'sslcompression']

export interface PostgresTls {
  /** The URL without its TLS parameters. */
  readonly url: string
  readonly mode: SslMode
  /** undefined for `disable`. */
  readonly settings: TlsSettings | undefined
  /** `prefer`: on a server without TLS, connect in plain text. */
  readonly fallbackToPlain: boolean
  /** libpq's `sslnegotiation` (`direct`: TLS from the first byte, PostgreSQL 17+). */
  readonly sslnegotiation: 'postgres' | 'direct' | undefined
}

/** Splits off the query of a URL (multi-host URLs included, which `new URL()` cannot parse). */
function splitQuery(url: string): { base: string; params: URLSearchParams; hash: string } {
  const hashAt = url.indexOf('#')
  const hash = hashAt < 0 ? '' : url.slice(hashAt)
  const noHash = hashAt < 0 ? url : url.slice(0, hashAt)
  const q = noHash.indexOf('?')
  return { base: q < 0 ? noHash : noHash.slice(0, q), params: new URLSearchParams(q < 0 ? '' : noHash.slice(q + 1)), hash }
}

function modeOf(value: string, where: string): SslMode {
  if ((MODES as readonly string[]).includes(value)) return value as SslMode
  throw new ConfigError(`${where}=${value} is not an sslmode; use one of ${MODES.join(', ')}.`)
}

/**
 * Reads the TLS parameters of a PostgreSQL URL (or applies the `ssl` option instead) and returns the URL without
 * them. Throws ConfigError on an unknown sslmode or a contradiction.
 */
export function postgresTls(url: string, ssl: SslOptions | undefined, env: Readonly<Record<string, string | undefined>> = process.env): PostgresTls {
  const { base, params, hash } = splitQuery(url)
  const present = TLS_PARAMS.filter((k) => params.has(k))
  const values = new Map(present.map((k) => [k, params.get(k)!]))
  const get = (k: string) => values.get(k)
  const negotiation = get('sslnegotiation')
  if (negotiation !== undefined && negotiation !== 'postgres' && negotiation !== 'direct') {
    throw new ConfigError(`sslnegotiation=${negotiation} is not supported; use postgres or direct.`)
  }
  for (const k of present) params.delete(k)
  const query = params.toString()
  const stripped = present.length === 0 ? url : `${base}${query ? `?${query}` : ''}${hash}`
  const sslnegotiation = negotiation as PostgresTls['sslnegotiation']

  const urlMode = get('sslmode') !== undefined ? modeOf(get('sslmode')!, 'sslmode') : undefined
  if (ssl) {
    if (urlMode === 'disable') throw new ConfigError('The URL says sslmode=disable, but an ssl option is given: remove one of them.')
    const settings = settingsFromOption(ssl)
    return { url: stripped, mode: settings.verify === 'none' ? 'require' : 'verify-full', settings, fallbackToPlain: false, sslnegotiation }
  }
  const sslParam = get('ssl')
  const fromParam = sslParam === undefined ? undefined : ['true', '1'].includes(sslParam) ? 'verify-full' : ['false', '0'].includes(sslParam) ? 'disable' : undefined
  if (sslParam !== undefined && fromParam === undefined) throw new ConfigError(`ssl=${sslParam} is not understood; use sslmode=… (verify-full, verify-ca, require, prefer or disable).`)
  const inUrl = urlMode !== undefined || fromParam !== undefined || get('sslrootcert') !== undefined || get('sslcert') !== undefined || get('sslkey') !== undefined
  // libpq's environment variables count only when the URL says nothing about TLS.
  const pick = (param: string, variable: string) => get(param) ?? (inUrl ? undefined : env[variable] || undefined)
  let mode: SslMode = urlMode ?? (fromParam as SslMode | undefined) ?? (inUrl ? undefined : env.PGSSLMODE ? modeOf(env.PGSSLMODE, 'PGSSLMODE') : undefined) ?? 'disable'
  const rootcert = pick('sslrootcert', 'PGSSLROOTCERT')
  const files = { ca: rootcert === 'system' ? undefined : rootcert, cert: pick('sslcert', 'PGSSLCERT'), key: pick('sslkey', 'PGSSLKEY') }
  if (mode === 'require' && rootcert !== undefined) mode = 'verify-ca' // libpq: a root certificate makes require verify the chain
  if (rootcert === 'system' && mode !== 'verify-full' && mode !== 'disable') mode = 'verify-full' // libpq 16: sslrootcert=system implies verify-full
  if (sslnegotiation === 'direct' && (mode === 'disable' || mode === 'prefer')) {
    throw new ConfigError(`sslnegotiation=direct needs sslmode=require or stronger (it is ${mode}).`)
  }
  if (mode === 'disable') return { url: stripped, mode, settings: undefined, fallbackToPlain: false, sslnegotiation }
  const verify = mode === 'verify-full' ? 'full' : mode === 'verify-ca' ? 'chain' : 'none'
  return { url: stripped, mode, settings: { verify, files }, fallbackToPlain: mode === 'prefer', sslnegotiation }
}
