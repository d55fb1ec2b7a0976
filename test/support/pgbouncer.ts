/**
 * Whether this run has PgBouncer. The global setup decides once (`ensurePgbouncer`): a PgBouncer that answers is
 * used; one installed but not running is started with scripts/pgbouncer.sh; one not installed makes the PgBouncer
 * target and the PgBouncer-only tests skip, with one loud line on stderr, unless CI=true, where it is required.
 * The decision reaches the test workers through vitest's provide/inject (`pgbouncerMissing()`).
 *
 * @example
 * describe.skipIf(pgbouncerMissing())('through PgBouncer', () => { … })
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'
import { PGBOUNCER_URL, assertReachable, redactUrl } from './servers.js'

export type PgbouncerState = 'up' | 'missing'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/support/global-setup.ts. */
    pgbouncer: PgbouncerState
  }
}

const SCRIPT = fileURLToPath(new URL('../../scripts/pgbouncer.sh', import.meta.url))
/** scripts/pgbouncer.sh's exit status when the binary is missing. */
const NOT_INSTALLED = 3
const INSTALL = 'apt-get install -y pgbouncer'

/** True in a test worker when the global setup found PgBouncer not installed (and CI did not require it). */
export function pgbouncerMissing(): boolean {
  return inject('pgbouncer') === 'missing'
}

/**
 * Runs `scripts/pgbouncer.sh start` for PgBouncer's port. Asynchronously: the setup checks the other servers at the
 * same time, and a blocked event loop would time their connections out.
 */
function startScript(port: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, DBSCOPE_PGBOUNCER_PORT: port }
    execFile('bash', [SCRIPT, 'start'], { env, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      resolve({ status, stdout, stderr: stderr || (err && status === null ? err.message : '') })
    })
  })
}

function required(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '')
}

/**
 * Makes PgBouncer answer at PGBOUNCER_URL, starting it on that port when it is installed; 'missing' when it is not
 * installed and CI does not require it. Throws (naming the fix) in every other case.
 */
export async function ensurePgbouncer(): Promise<PgbouncerState> {
  try {
    await assertReachable('pgbouncer')
    return 'up'
  } catch (unreachable) {
    const url = new URL(PGBOUNCER_URL)
    // Only a PgBouncer of our own (on this machine) is ours to start; a remote one the user pointed at must answer.
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) throw unreachable
    const started = await startScript(url.port || '5432')
    if (started.status === NOT_INSTALLED) {
      if (required()) {
        throw new Error(`PgBouncer is not installed, and CI=true requires it (${redactUrl(PGBOUNCER_URL)}). Install it with: ${INSTALL}`)
      }
      process.stderr.write(
        `\n!!! PgBouncer is NOT INSTALLED: the PgBouncer target and the PgBouncer-only tests are SKIPPED. Install it with: ${INSTALL} (CI=true makes it required)\n\n`,
      )
      return 'missing'
    }
    if (started.status !== 0) {
      const why = `${started.stderr}${started.stdout}`.trim() || `exit status ${started.status}`
      throw new Error(`PgBouncer is installed but \`bash scripts/pgbouncer.sh start\` failed:\n${why}`)
    }
    await assertReachable('pgbouncer')
    process.stderr.write(`PgBouncer was not running: started it on ${url.host} (bash scripts/pgbouncer.sh start).\n`)
    return 'up'
  }
}
