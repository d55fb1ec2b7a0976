/**
 * dbgen against a server that requires TLS: `--ssl-ca <file>`, or `"ssl"` in dbgen.config.json (file paths relative
 * to the working directory), so that CI can run `dbgen --check` against a managed database; the URL forms keep
 * working; a wrong or missing CA, or a host-name mismatch, exits 2 with the reason and never the password.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { main, type CliIo } from '../codegen/cli.js'
import { describeTls, SPECIAL_PASSWORD } from './support/tls-servers.js'

async function dbgen(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = ''
  let stderr = ''
  const io: CliIo = { cwd, env: { NO_COLOR: '1', ...env }, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }
  const code = await main(args, io)
  return { code, stdout, stderr }
}

const secretFree = (text: string) => {
  for (const needle of [SPECIAL_PASSWORD, encodeURIComponent(SPECIAL_PASSWORD), 'w/o%2Frd#']) expect(text).not.toContain(needle)
}

describeTls('dbgen over TLS', (t) => {
  let cwd: string
  beforeAll(async () => {
    await t.server.admin(`CREATE TABLE ${t.kind === 'mysql' ? 'app.' : ''}widgets (id int PRIMARY KEY, name varchar(40) NOT NULL)`, [], t.kind === 'postgres' ? 'app' : undefined)
  })
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'dbgen-tls-'))
  })
  afterEach(() => rmSync(cwd, { recursive: true, force: true }))

  it('--ssl-ca <file>: generates, and --check finds the output up to date', async () => {
    const gen = await dbgen(cwd, ['--url', t.server.url(), '--ssl-ca', t.pki.caPath, '--out', 'gen'])
    expect(gen.stderr).toMatch(/1 relation, 2 columns/)
    expect(gen.code).toBe(0)
    expect(readFileSync(join(cwd, 'gen/db.ts'), 'utf8')).toContain('export interface WidgetsTable')
    const check = await dbgen(cwd, ['--url', t.server.url(), '--ssl-ca', t.pki.caPath, '--out', 'gen', '--check'])
    expect(check.code).toBe(0)
    secretFree(gen.stderr + check.stderr)
  })

  it('"ssl" in dbgen.config.json, with the URL in DATABASE_URL: dbgen then dbgen --check', async () => {
    mkdirSync(join(cwd, 'certs'))
    copyFileSync(t.pki.caPath, join(cwd, 'certs/ca.pem'))
    writeFileSync(join(cwd, 'dbgen.config.json'), JSON.stringify({ out: 'generated', ssl: { ca: 'certs/ca.pem' } }))
    const env = { DATABASE_URL: t.server.url() }
    expect((await dbgen(cwd, [], env)).code).toBe(0)
    const check = await dbgen(cwd, ['--check'], env)
    expect(check.stderr).toMatch(/up to date/)
    expect(check.code).toBe(0)
  })

  it('the URL forms: sslmode=verify-full&sslrootcert (PostgreSQL), ?ssl=<JSON> (mysql2)', async () => {
    const query =
      t.kind === 'postgres'
        ? new URLSearchParams({ sslmode: 'verify-full', sslrootcert: t.pki.caPath }).toString()
        : `ssl=${encodeURIComponent(JSON.stringify({ ca: t.pki.ca }))}`
    const r = await dbgen(cwd, ['--url', t.server.url({ query }), '--out', 'gen'])
    expect(r.stderr).toMatch(/1 relation/)
    expect(r.code).toBe(0)
  })

  it('the wrong CA, a host-name mismatch, no TLS, or a CA file that is missing: exit 2 with the reason, never the password', async () => {
    const wrong = await dbgen(cwd, ['--url', t.server.url(), '--ssl-ca', t.pki.wrongCaPath, '--print'])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/certificate chain/)
    const mismatch = await dbgen(cwd, ['--url', t.server.url({ host: '127.0.0.1' }), '--ssl-ca', t.pki.caPath, '--print'])
    expect(mismatch.code).toBe(2)
    expect(mismatch.stderr).toMatch(/host name/)
    const plain = await dbgen(cwd, ['--url', t.server.url({ query: t.kind === 'postgres' ? 'sslmode=disable' : undefined }), '--print'])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toMatch(t.kind === 'postgres' ? /no encryption/ : /Access denied/)
    const missing = await dbgen(cwd, ['--url', t.server.url(), '--ssl-ca', join(cwd, 'nope.pem'), '--print'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nope.pem')
    for (const r of [wrong, mismatch, plain, missing]) secretFree(r.stderr + r.stdout)
  })
})
