import { describe, expect, it } from 'vitest'
import { DbscopeError, defineDb } from '../../src/index.js'
import { pgAutoctlMissing, pgAutoctlRequired, useFormation, type Formation } from '../support/pg-auto-failover.js'
import { assertWritesGoToPrimary, loadThroughFormation, warmPool } from './support/formation-load.js'
import { commitsWithoutFaults } from './support/ledger-load.js'

const missing = pgAutoctlMissing()
if (missing && !pgAutoctlRequired()) process.stderr.write(`\n!!! ${missing}: the pg_auto_failover tests are SKIPPED (CI=true makes it required)\n\n`)

/**
 * The unplanned failover: `kill -9` of the primary's keeper and postmaster; resolves once the monitor has promoted
 * the secondary. The killed node is started again meanwhile, and rejoins (a while later) as the secondary.
 */
async function failOver(formation: Formation): Promise<void> {
  const { primary, secondary } = await formation.roles()
  await formation.kill(primary)
  await formation.waitFor(`${secondary.name} promoted`, (s) => s.some((x) => x.node === secondary && ['wait_primary', 'primary'].includes(x.reported) && x.reported === x.goal))
  await formation.restart(primary)
}

// A pg_auto_failover formation (monitor + 2 nodes) and the ledger load through `kill -9` of its primary, against the
// URI `pg_autoctl show uri` prints, as given (sslmode=require, target_session_attrs=read-write).
describe.skipIf(missing !== undefined && !pgAutoctlRequired())('chaos: ledger load through an unplanned pg_auto_failover failover', () => {
  const f = useFormation()

  it('kill -9 of the primary: resolved scopes are on the new primary, rejected ones are not, rejections are typed and retryable, writes resume after the promotion, and the old primary rejoins as a secondary that takes no writes', async () => {
    const formation = f.formation
    const before = await formation.roles()
    // Another db of the app, with pooled connections to the primary of before the failover. Its URL names the user
    // that PGUSER gives the load's (one URL is one pool per process, and the load's db has other pool options).
    const existing = defineDb({ url: formation.uri.replace('postgres://', 'postgres://postgres@'), pool: { max: 4 }, logger: { warn: () => undefined } })
    try {
      await warmPool(existing, 4)
      // The budget: the load's pool of 8 and this db's 4.
      const s = await loadThroughFormation(formation, { label: 'pg_auto_failover kill -9', fault: () => failOver(formation), budget: 8 + 4 })
      // A COMMIT cut off by the kill may or may not have committed: that rejection alone is not retryable.
      expect(s.notRetryable.filter((m) => !/lost while COMMIT ran/.test(m)).join('\n'), 'every other rejection the failover caused is retryable').toBe('')
      expect((s.byCode['CONNECTION_LOST'] ?? 0) + (s.byCode['CONNECT_FAILED'] ?? 0), 'the failover was felt').toBeGreaterThan(0)
      expect(s.committedAfterRestart, 'scopes commit on the promoted node').toBeGreaterThan(0)
      const after = await formation.roles()
      expect(after.primary, 'the secondary was promoted').toEqual(before.secondary)
      expect(after.secondary, 'the old primary rejoined as the secondary').toEqual(before.primary)
      await assertWritesGoToPrimary(formation, after.primary, existing)
    } finally {
      await existing.dispose()
    }
  }, 600_000)

  it('with retry, the whole load completes through kill -9 of the primary: no scope fails for the failover', async () => {
    const formation = f.formation
    // Retry every retryable failure (the default `when` retries only serialization failures, deadlocks and the like).
    const retry = { attempts: 100, backoff: { baseMs: 50, maxMs: 1_000 }, when: (e: unknown) => e instanceof DbscopeError && e.retryable }
    const s = await loadThroughFormation(formation, { label: 'pg_auto_failover kill -9, retry', fault: () => failOver(formation), retry })
    // What may still reject: the kinds' own outcomes, and a scope whose COMMIT was cut off (ambiguous: not retried).
    const failoverCodes = Object.keys(s.byCode).filter((c) => !['INTENDED_THROW', 'SCOPE_TIMEOUT', 'CONNECTION_LOST'].includes(c))
    expect(failoverCodes, `no scope gave up on the failover: ${failoverCodes.map((c) => s.firstMessage[c]).join('\n')}`).toEqual([])
    expect(s.notRetryable.filter((m) => !/lost while COMMIT ran/.test(m)).join('\n'), 'only an interrupted COMMIT is not retried').toBe('')
    const cutOff = s.notRetryable.length
    expect(s.committed + cutOff, 'every scope whose kind commits did, but for a COMMIT cut off by the kill').toBe(commitsWithoutFaults(s.scopes))
    await formation.roles()
  }, 600_000)
})
