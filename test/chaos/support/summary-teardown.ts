/**
 * Chaos global setup/teardown: empties the summary file before the run and prints every load's row as one table
 * after it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadSummary } from './ledger-load.js'
import { formatSummary } from './summary-table.js'

export default function setup(): () => void {
  // One file per run (test workers inherit this variable), so concurrent runs in other checkouts never mix rows.
  const SUMMARY_FILE = (process.env.DBSCOPE_CHAOS_SUMMARY ??= join(tmpdir(), `dbscope-chaos-summary-${process.pid}.jsonl`))
  rmSync(SUMMARY_FILE, { force: true })
  return () => {
    if (!existsSync(SUMMARY_FILE)) return
    const rows = readFileSync(SUMMARY_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoadSummary)
    process.stdout.write(`\n== dbscope chaos summary ==\n${formatSummary(rows)}\n\n`)
    rmSync(SUMMARY_FILE, { force: true })
  }
}
