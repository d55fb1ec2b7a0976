/**
 * A throwaway public-key infrastructure for TLS tests, made with the `openssl` CLI in a temp directory:
 * - a test CA, and a server certificate it signs for `DNS:localhost` only (so connecting by 127.0.0.1 is a host-name
 *   mismatch);
 * - the same server key in a certificate that expired in 2020;
 * - a second, unrelated CA (the wrong CA);
 * - a client certificate for the role `dbscope_cert` (mutual TLS).
 * EC P-256 keys: they take milliseconds to make.
 *
 * @example
 * const pki = createTestPki()
 * defineDb({ url, ssl: { ca: pki.ca } })
 * pki.remove()
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The user name in the client certificate's CN (the role or user that logs in with it). */
export const CERT_USER = 'dbscope_cert'

export interface TestPki {
  readonly dir: string
  /** PEM text of the test CA, and its file. */
  readonly ca: string
  readonly caPath: string
  /** PEM text of an unrelated CA that signed nothing here, and its file. */
  readonly wrongCa: string
  readonly wrongCaPath: string
  /** The server's certificate (SAN DNS:localhost) and key files. */
  readonly serverCertPath: string
  readonly serverKeyPath: string
  /** The same key in a certificate valid from 2020-01-01 to 2020-01-02. */
  readonly expiredCertPath: string
  /** A client certificate (CN = CERT_USER) and its key, PEM text and files. */
  readonly clientCert: string
  readonly clientKey: string
  readonly clientCertPath: string
  readonly clientKeyPath: string
  /** Deletes the directory. */
  remove(): void
}

const OPENSSL = process.env.DBSCOPE_OPENSSL ?? 'openssl'
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string; message: string }
    if (e.code === 'ENOENT') throw new Error('openssl not found: the TLS tests make their certificates with it (apt-get install openssl).')
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`)
  }
}

/** A self-signed CA: `<name>.key`, `<name>.pem`. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ])
}

/** A key and CSR, then a certificate signed by the CA `ca` with the given extensions, by `openssl ca` (explicit dates). */
function signed(dir: string, ca: string, name: string, cn: string, ext: string, dates: { start: string; end: string }, key = name): void {
  if (!existsSync(join(dir, `${key}.key`))) openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${key}.key`])
  openssl(dir, ['req', '-new', '-key', `${key}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`])
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(dir, [
    'ca', '-batch', '-config', 'ca.cnf', '-cert', `${ca}.pem`, '-keyfile', `${ca}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`,
    '-extfile', `${name}.ext`, '-startdate', dates.start, '-enddate', dates.end, '-notext',
  ])
}

/** YYYYMMDDHHMMSSZ, as `openssl ca -startdate` takes it. */
function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
}

/** Makes every key and certificate; takes well under a second. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dbscope-pki-'))
  try {
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ca]', 'default_ca = test_ca', '[test_ca]', `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${dir}`,
        `serial = ${join(dir, 'serial')}`, 'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
      ].join('\n'),
    )
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'serial'), '1000\n')
    makeCa(dir, 'ca', 'dbscope test CA')
    makeCa(dir, 'wrong-ca', 'dbscope unrelated CA')
    const now = Date.now()
    const valid = { start: asn1Time(new Date(now - 3_600_000)), end: asn1Time(new Date(now + 30 * 86_400_000)) }
    const serverExt = 'subjectAltName = DNS:localhost\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n'
    signed(dir, 'ca', 'server', 'localhost', serverExt, valid)
    signed(dir, 'ca', 'expired', 'localhost', serverExt, { start: '20200101000000Z', end: '20200102000000Z' }, 'server')
    const clientExt = 'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = clientAuth\n'
    signed(dir, 'ca', 'client', CERT_USER, clientExt, valid)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const read = (f: string) => readFileSync(join(dir, f), 'utf8')
  return {
    dir,
    ca: read('ca.pem'),
    caPath: join(dir, 'ca.pem'),
    wrongCa: read('wrong-ca.pem'),
    wrongCaPath: join(dir, 'wrong-ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    expiredCertPath: join(dir, 'expired.pem'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The base64 lines of a PEM private key: what must never appear in any printed form. */
export function keyMaterial(pem: string): string[] {
  return pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))
}
