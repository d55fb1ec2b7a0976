/**
 * Credentials out of text: the one redaction helper for the runtime and dbgen. Every error message, log line and
 * printed form passes through one of these before it leaves dbscope.
 *
 * @example
 * redactUrl('postgres://app:s3cret@db/app')              // 'postgres://app:***@db/app'
 * redactSecrets('auth failed for s3cret', ['s3cret'])    // 'auth failed for ***'
 */

/** Replaces every occurrence of each secret (as given and URL-encoded) with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) {
    if (s.length === 0) continue
    out = out.split(s).join('***')
    const enc = encodeURIComponent(s)
    if (enc !== s) out = out.split(enc).join('***')
  }
  return out
}

/** The URL with its password replaced by `***`; never throws, also for a multi-host or malformed URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')
  }
}
