/**
 * TLS settings in the URL keep working. PostgreSQL's `sslmode` has libpq's meaning (`require`: encrypt without
 * verifying; `verify-ca`: the chain; `verify-full`: chain and host name; `sslrootcert`/`sslcert`/`sslkey`: files),
 * without pg's SECURITY WARNING; an explicit `ssl` option replaces the URL's TLS settings as a whole. MySQL keeps
 * mysql2's URL form, `?ssl=<JSON>`.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { CERT_USER } from './support/tls-pki.js'
import { describeTls, tlsVersionOf } from './support/tls-servers.js'

const q = (params: Record<string, string>) => new URLSearchParams(params).toString()

describeTls('URL TLS parameters: sslmode and friends', (t) => {
  let warnings: string[] = []
  beforeEach(() => {
    warnings = []
    // pg reports its SECURITY WARNING through process.emitWarning; collect every warning instead of printing it.
    vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => void warnings.push(String(w))) as typeof process.emitWarning)
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await disposeAll()
  })
  const encrypted = async (url: string) => tlsVersionOf('postgres', defineDb({ url, guard: { budget: 'off' } }).kysely)
  const connectFailure = async (url: string, ssl?: { ca: string }) =>
    failure(() => sql`SELECT 1`.execute(defineDb({ url, ...(ssl ? { ssl } : {}) }).kysely))

  it('verify-full with sslrootcert: verified at localhost', async () => {
    expect(await encrypted(t.server.url({ query: q({ sslmode: 'verify-full', sslrootcert: t.pki.caPath }) }))).toMatch(/^TLSv1\.[23]$/)
  })

  it('verify-full at 127.0.0.1: the host-name check fails', async () => {
    const err = await connectFailure(t.server.url({ host: '127.0.0.1', query: q({ sslmode: 'verify-full', sslrootcert: t.pki.caPath }) }))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).retryable).toBe(false)
    expect((err as Error).message).toMatch(/host name/)
  })

  it('verify-ca at 127.0.0.1: the chain is checked, the host name is not', async () => {
    expect(await encrypted(t.server.url({ host: '127.0.0.1', query: q({ sslmode: 'verify-ca', sslrootcert: t.pki.caPath }) }))).toMatch(/^TLSv1\.[23]$/)
    const err = await connectFailure(t.server.url({ host: '127.0.0.1', query: q({ sslmode: 'verify-ca', sslrootcert: t.pki.wrongCaPath }) }))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toMatch(/certificate chain/)
  })

  it('require: encrypted, nothing verified, and no SECURITY WARNING', async () => {
    expect(await encrypted(t.server.url({ host: '127.0.0.1', query: 'sslmode=require' }))).toMatch(/^TLSv1\.[23]$/)
    expect(await encrypted(t.server.url({ host: '127.0.0.1', query: 'sslmode=prefer' }))).toMatch(/^TLSv1\.[23]$/)
    expect(warnings.filter((w) => /SECURITY WARNING/.test(w))).toEqual([])
  })

  it('sslcert and sslkey files log in the client-certificate user', async () => {
    const query = q({ sslmode: 'verify-full', sslrootcert: t.pki.caPath, sslcert: t.pki.clientCertPath, sslkey: t.pki.clientKeyPath })
    const db = defineDb({ url: t.server.url({ user: CERT_USER, password: null, query }) })
    expect((await sql<{ u: string }>`SELECT current_user AS u`.execute(db.kysely)).rows[0]!.u).toBe(CERT_USER)
  })

  it('an explicit ssl option replaces the URL\'s TLS settings: it verifies fully, even where the URL says require', async () => {
    const err = await connectFailure(t.server.url({ host: '127.0.0.1', query: 'sslmode=require' }), { ca: t.pki.ca })
    expect((err as Error).message).toMatch(/host name/)
    // and its CA wins over the URL's (wrong) sslrootcert
    const db = defineDb({ url: t.server.url({ query: q({ sslmode: 'verify-full', sslrootcert: t.pki.wrongCaPath }) }), ssl: { ca: t.pki.ca } })
    expect(await tlsVersionOf('postgres', db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('an unknown sslmode, a missing sslrootcert file, and sslmode=disable with an ssl option are ConfigErrors', async () => {
    expect(() => defineDb({ url: t.server.url({ query: 'sslmode=verify-everything' }) })).toThrow(ConfigError)
    const missing = await failure(() => sql`SELECT 1`.execute(defineDb({ url: t.server.url({ query: q({ sslmode: 'verify-full', sslrootcert: '/nonexistent/ca.pem' }) }) }).kysely))
    expect(missing).toBeInstanceOf(ConfigError)
    expect((missing as Error).message).toContain('/nonexistent/ca.pem')
    expect(() => defineDb({ url: t.server.url({ query: 'sslmode=disable' }), ssl: { ca: t.pki.ca } })).toThrow(ConfigError)
  })
}, { kinds: ['postgres'] })

describeTls('URL TLS parameters: mysql2\'s ?ssl=<JSON>', (t) => {
  afterEach(() => disposeAll())
  const sslParam = (o: object) => `ssl=${encodeURIComponent(JSON.stringify(o))}`

  it('a CA in the URL verifies the chain', async () => {
    const db = defineDb({ url: t.server.url({ query: sslParam({ ca: t.pki.ca }) }) })
    expect(await tlsVersionOf('mysql', db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('the wrong CA in the URL fails with a non-retryable ConnectError naming the chain check', async () => {
    const db = defineDb({ url: t.server.url({ query: sslParam({ ca: t.pki.wrongCa }) }) })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).retryable).toBe(false)
    expect((err as Error).message).toMatch(/certificate chain/)
  })

  it('an explicit ssl option replaces the URL\'s', async () => {
    const db = defineDb({ url: t.server.url({ query: sslParam({ ca: t.pki.wrongCa }) }), ssl: { ca: t.pki.ca } })
    expect(await tlsVersionOf('mysql', db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })
}, { kinds: ['mysql'] })
