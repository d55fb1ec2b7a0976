/**
 * Runs once before any test file: fails the whole run, first line first, if a server is down, then sweeps away
 * test databases left behind by runs that were killed before their own cleanup.
 */
import { assertReachable } from './servers.js'
import { sweepStaleDatabases } from './test-db.js'

export default async function setup(): Promise<void> {
  const results = await Promise.allSettled([assertReachable('postgres'), assertReachable('mysql'), assertReachable('pgbouncer')])
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []))
  if (failures.length > 0) {
    const message = failures.join('\n\n')
    // Printed before vitest's own report so that it is the first thing a person sees.
    process.stderr.write(`\n${message}\n\n`)
    throw new Error(message)
  }
  await sweepStaleDatabases()
}
