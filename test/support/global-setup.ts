/**
 * Runs once before any test file: fails the whole run, first line first, if a server is down, then sweeps away
 * test databases left behind by runs that were killed before their own cleanup. PgBouncer is started when it is
 * installed but not running, and skipped (loudly) when it is not installed, unless CI=true (support/pgbouncer.ts);
 * the workers learn which through `inject('pgbouncer')`.
 */
import type { TestProject } from 'vitest/node'
import { assertReachable } from './servers.js'
import { ensurePgbouncer } from './pgbouncer.js'
import { sweepStaleDatabases } from './test-db.js'

export default async function setup(project: TestProject): Promise<void> {
  const [pg, my, bouncer] = await Promise.allSettled([assertReachable('postgres'), assertReachable('mysql'), ensurePgbouncer()])
  const failures = [pg, my, bouncer].flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []))
  if (failures.length > 0) {
    const message = failures.join('\n\n')
    // Printed before vitest's own report so that it is the first thing a person sees.
    process.stderr.write(`\n${message}\n\n`)
    throw new Error(message)
  }
  project.provide('pgbouncer', bouncer.status === 'fulfilled' ? bouncer.value : 'missing')
  await sweepStaleDatabases()
}
