/**
 * Which TLS check failed, from the error a driver reports: the certificate chain, the certificate's dates, the host
 * name, a server without TLS, or client material Node could not use. Such a failure does not go away by retrying,
 * and its message says what to change. Works on node-postgres' errors (Node's own, with their `code`) and mysql2's
 * (which replaces the code with HANDSHAKE_SSL_ERROR but keeps Node's message), and on their `cause` chains.
 *
 * @example
 * tlsFailure(err)?.message // "TLS host name check failed: the server's certificate is not valid for 10.0.0.5 (…)…"
 */

export type TlsCheck = 'chain' | 'validity' | 'host-name' | 'no-tls' | 'client-material'

export interface TlsFailure {
  readonly check: TlsCheck
  /** What failed and what to do, without the driver's prefix; never holds key material. */
  readonly message: string
}

/** OpenSSL verification codes (as Node names them) that mean the chain does not lead to a trusted CA. */
const CHAIN_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
])
const CHAIN_MESSAGES = /self[- ]signed certificate|unable to (verify the first certificate|get (local )?issuer certificate)|certificate signature failure|certificate not trusted|certificate rejected|certificate revoked|invalid CA certificate/i

interface ErrorLike {
  code?: unknown
  message?: unknown
  host?: unknown
  cause?: unknown
}

function classify(e: ErrorLike): TlsFailure | undefined {
  const code = typeof e.code === 'string' ? e.code : ''
  const why = typeof e.message === 'string' ? e.message : String(e)
  // Messages are read only where the code was lost (mysql2's handshake); never in a summary of several hosts.
  const byMessage = (re: RegExp) => code === 'HANDSHAKE_SSL_ERROR' && re.test(why)
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || byMessage(/does not match certificate's altnames/)) {
    const host = typeof e.host === 'string' ? e.host : /(?:IP|Host): ([^ ]+?)\.? is not/.exec(why)?.[1] ?? 'the host connected to'
    return {
      check: 'host-name',
      message:
        `TLS host name check failed: the server's certificate is not valid for ${host} (${why}). ` +
        'Connect by a name the certificate lists, or set ssl.servername to one.',
    }
  }
  if (code === 'CERT_HAS_EXPIRED' || byMessage(/certificate has expired/i)) {
    return { check: 'validity', message: `TLS certificate check failed: the server's certificate has expired (${why}). It must be renewed on the server.` }
  }
  if (code === 'CERT_NOT_YET_VALID' || byMessage(/certificate is not yet valid/i)) {
    return { check: 'validity', message: `TLS certificate check failed: the server's certificate is not valid yet (${why}). Check the clocks.` }
  }
  if (CHAIN_CODES.has(code) || byMessage(CHAIN_MESSAGES)) {
    return {
      check: 'chain',
      message:
        `TLS certificate chain check failed: the server's certificate is not signed by a CA this client trusts (${why}). ` +
        'Give the CA that signed it as ssl.ca (PEM text or a Buffer), or sslrootcert=<file> in a PostgreSQL URL.',
    }
  }
  if (/^The server does not support SSL connections$/.test(why) || code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return { check: 'no-tls', message: `the server does not accept TLS connections (${why}), and TLS was asked for. Enable TLS on the server, or connect without it.` }
  }
  if (code.startsWith('ERR_OSSL')) {
    return { check: 'client-material', message: `the TLS material could not be used (${why}). Check ssl.cert, ssl.key and ssl.ca (or the files the URL names).` }
  }
  return undefined
}

/** The failed TLS check behind `err`, if a TLS check is what failed; read from the innermost error that says so. */
export function tlsFailure(err: unknown): TlsFailure | undefined {
  let found: TlsFailure | undefined
  let e: unknown = err
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++, e = (e as ErrorLike).cause) {
    found = classify(e as ErrorLike) ?? found
  }
  return found
}
