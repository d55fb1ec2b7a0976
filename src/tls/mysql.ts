/**
 * TLS for MySQL/MariaDB through mysql2. The `ssl` option verifies fully (mysql2's `verifyIdentity` on, and an IP
 * address checked as itself: see below); `servername`, which mysql2 has no option for, is honoured by connecting
 * mysql2 to that name over a socket opened to the real host. mysql2's own URL form (`?ssl={"ca":"…"}` JSON, or a profile name such as `Amazon RDS`) keeps mysql2's meaning
 * (no host-name check unless it says `"verifyIdentity":true`); dbscope only checks that its material loads.
 *
 * @example
 * const tls = mysqlTls('mysql://app@10.0.0.5/app', { ca, servername: 'db.internal' })
 * mysql.createConnection({ uri: url, ...await tls.connectOptions() })
 */
import { connect, isIP, type Socket } from 'node:net'
import type { ConnectionOptions } from 'mysql2'
import { ConfigError } from '../errors.js'
import { nodeTlsOptions, settingsFromOption, validateSsl, type SslOptions } from './options.js'

export interface MysqlTls {
  /** The options to add to mysql2's (they win over the URL's). */
  connectOptions(): Promise<Partial<ConnectionOptions>>
}

const NONE: MysqlTls = { connectOptions: async () => ({}) }

/** Checks the URL's `ssl` parameter (JSON options load; a profile name is mysql2's business). */
function checkUrlSsl(url: string): void {
  let value: string | null
  try {
    value = new URL(url).searchParams.get('ssl')
  } catch {
    return // the URL's own errors are reported elsewhere
  }
  if (value === null) return
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return // a profile name
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { ca, cert, key } = parsed as Record<string, unknown>
    validateSsl(Object.fromEntries(Object.entries({ ca, cert, key }).filter(([, v]) => v !== undefined)), 'the URL\'s ssl parameter')
  }
}

/** The TLS a MySQL/MariaDB connection gets: from the `ssl` option, else whatever the URL says (mysql2's form). */
export function mysqlTls(url: string, ssl: SslOptions | undefined): MysqlTls {
  if (!ssl) {
    checkUrlSsl(url)
    return NONE
  }
  const settings = settingsFromOption(ssl)
  let target: { host: string; port: number }
  try {
    const u = new URL(url)
    target = { host: decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1'), port: Number(u.port || 3306) }
  } catch {
    throw new ConfigError('The MySQL URL could not be parsed.')
  }
  return {
    async connectOptions() {
      const o = await nodeTlsOptions({ ...settings, servername: undefined })
      const verify = settings.verify !== 'none'
      const out: Partial<ConnectionOptions> = {
        ssl: { ca: o.ca as string | string[] | Buffer | undefined, cert: o.cert as string | undefined, key: o.key as string | undefined, rejectUnauthorized: verify, verifyIdentity: verify },
      }
      if (ssl.servername !== undefined) {
        // mysql2 checks (and sends as SNI) the host it was given: give it the name, and a socket to the real host.
        out.host = ssl.servername
        out.stream = (): Socket => connect(target.port, target.host)
      } else if (verify && isIP(target.host) !== 0) {
        // For an IP, mysql2 passes Node no name to check, and Node then checks 'localhost'. Node falls back to the
        // socket's `_host` (which net sets for names, not for IPs) before that: set it to the address connected to.
        out.stream = (): Socket => Object.assign(connect(target.port, target.host), { _host: target.host })
      }
      return out
    },
  }
}
