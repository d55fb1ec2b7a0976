/**
 * The `ssl` option: what it accepts, how it is checked when the db is defined, and the Node.js TLS options one
 * connection gets from it. Verification is full by default: the certificate chain up to a trusted CA, and the host
 * name (or `servername`) in the server's certificate.
 *
 * @example
 * defineDb({ url, ssl: { ca: process.env.DB_CA_PEM } })                   // CA as PEM text (or a Buffer)
 * defineDb({ url, ssl: { ca, cert: clientPem, key: clientKeyPem } })      // mutual TLS
 * defineDb({ url: 'postgres://app@10.0.0.5/app', ssl: { ca, servername: 'db.internal' } })
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { checkServerIdentity, createSecureContext, type ConnectionOptions } from 'node:tls'
import { ConfigError } from '../errors.js'
import { keysOf, unknownKeyProblem } from '../known-keys.js'

/** PEM text, or its bytes. */
export type Pem = string | Buffer

/**
 * TLS for the connections of a db (its replicas included), on PostgreSQL and MySQL/MariaDB.
 *
 * @example
 * defineDb({ url, ssl: { ca: readFileSync('/etc/ssl/rds-global-bundle.pem') } })
 */
export interface SslOptions {
  /** The CA (or CAs) that signed the server's certificate. Default: Node's bundled public root CAs. */
  readonly ca?: Pem | readonly Pem[]
  /** A client certificate, for servers that authenticate the client by certificate; with `key`. */
  readonly cert?: Pem
  /** The client certificate's private key. Never printed. */
  readonly key?: Pem
  /** `false` encrypts without verifying the server at all (a warning says so, once per db). Default `true`. */
  readonly rejectUnauthorized?: boolean
  /** The name the server's certificate must hold, when it is not the host connected to (an IP, a tunnel). */
  readonly servername?: string
}

/** How much of the server's identity a connection verifies. */
export type Verify = 'none' | 'chain' | 'full'

/** TLS for one kind of connection: what to verify, and the material, given inline or as files read at each connect. */
export interface TlsSettings {
  readonly verify: Verify
  readonly ca?: Pem | readonly Pem[] | undefined
  readonly cert?: Pem | undefined
  readonly key?: Pem | undefined
  readonly servername?: string | undefined
  readonly files?: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined }
}

const KEYS = keysOf<SslOptions>({ ca: true, cert: true, key: true, rejectUnauthorized: true, servername: true })

const isPem = (v: unknown): v is Pem => typeof v === 'string' || Buffer.isBuffer(v)

/**
 * Checks the option's shape and that Node can use its material (so a damaged key is a ConfigError at defineDb, not
 * a crash inside a driver). Messages name the key, never its content.
 */
export function validateSsl(ssl: unknown, where = 'ssl'): SslOptions {
  if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) throw new ConfigError(`${where} must be an object such as { ca }, got ${typeof ssl}.`)
  const o = ssl as Record<string, unknown>
  const unknown = unknownKeyProblem(where, o, KEYS)
  if (unknown) throw new ConfigError(unknown)
  const ca = o.ca
  if (ca !== undefined && !isPem(ca) && !(Array.isArray(ca) && ca.every(isPem))) throw new ConfigError(`${where}.ca must be PEM text, a Buffer, or an array of them.`)
  for (const k of ['cert', 'key'] as const) if (o[k] !== undefined && !isPem(o[k])) throw new ConfigError(`${where}.${k} must be PEM text or a Buffer.`)
  if ((o.cert === undefined) !== (o.key === undefined)) throw new ConfigError(`${where}.cert and ${where}.key go together: give both or neither.`)
  if (o.rejectUnauthorized !== undefined && typeof o.rejectUnauthorized !== 'boolean') throw new ConfigError(`${where}.rejectUnauthorized must be true or false.`)
  if (o.servername !== undefined && (typeof o.servername !== 'string' || o.servername === '')) throw new ConfigError(`${where}.servername must be a host name.`)
  usable(o as SslOptions, where)
  return o as SslOptions
}

/** Loads the material into a throwaway secure context; a failure is a ConfigError naming the part, not its content. */
function usable(m: { ca?: unknown; cert?: unknown; key?: unknown }, where: string): void {
  try {
    createSecureContext({ ca: m.ca as Pem | Pem[] | undefined, cert: m.cert as Pem | undefined, key: m.key as Pem | undefined })
  } catch (err) {
    const part = m.key !== undefined ? `${where}.cert/${where}.key` : `${where}.ca`
    throw new ConfigError(`${part} could not be loaded as PEM (${(err as Error).message}). Give the PEM text (-----BEGIN …) or its bytes.`)
  }
}

/** The TLS settings the `ssl` option asks for: full verification unless `rejectUnauthorized: false`. */
export function settingsFromOption(ssl: SslOptions): TlsSettings {
  return { verify: ssl.rejectUnauthorized === false ? 'none' : 'full', ca: ssl.ca, cert: ssl.cert, key: ssl.key, servername: ssl.servername }
}

/**
 * What two defineDb calls must agree on, comparable and printable: certificates as short digests, the key only as
 * given or not (its certificate's digest tells two keys apart).
 */
export function sslFingerprint(ssl: SslOptions | undefined): Record<string, unknown> | null {
  if (!ssl) return null
  const digest = (v: Pem | readonly Pem[] | undefined) =>
    v === undefined ? null : `sha256:${createHash('sha256').update([v].flat().map((p) => p.toString()).join('\n')).digest('hex').slice(0, 12)}`
  return { ca: digest(ssl.ca), cert: digest(ssl.cert), key: ssl.key === undefined ? null : 'given', rejectUnauthorized: ssl.rejectUnauthorized ?? true, servername: ssl.servername ?? null }
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new ConfigError(`Cannot read the ${what} file ${path}: ${(err as Error).message}.`)
  }
}

/**
 * The Node.js TLS options for one connection. Files (PostgreSQL's sslrootcert/sslcert/sslkey) are read here, at each
 * connect, so that a renewed certificate is picked up without a restart.
 */
export async function nodeTlsOptions(s: TlsSettings): Promise<ConnectionOptions> {
  const f = s.files ?? {}
  const ca = f.ca !== undefined ? await readPem(f.ca, 'CA (sslrootcert)') : s.ca
  const cert = f.cert !== undefined ? await readPem(f.cert, 'client certificate (sslcert)') : s.cert
  const key = f.key !== undefined ? await readPem(f.key, 'client key (sslkey)') : s.key
  if (f.ca !== undefined || f.cert !== undefined || f.key !== undefined) usable({ ca, cert, key }, 'the TLS files')
  const o: ConnectionOptions = { rejectUnauthorized: s.verify !== 'none' }
  if (ca !== undefined) o.ca = ca as ConnectionOptions['ca']
  if (cert !== undefined) o.cert = cert
  if (key !== undefined) o.key = key
  if (s.servername !== undefined) o.servername = s.servername
  if (s.verify === 'chain') o.checkServerIdentity = () => undefined
  else if (s.verify === 'full' && s.servername !== undefined) {
    const name = s.servername
    // The driver may pass the host it connected to; the certificate must name `servername` instead.
    o.checkServerIdentity = (_host, cert) => checkServerIdentity(name, cert)
  }
  return o
}
