/**
 * The chaos summary as a table: one row per load, then each load's error codes.
 *
 * @example
 * process.stdout.write(formatSummary(rows))
 */
import type { LoadSummary } from './ledger-load.js'

/** The summary table: one row per load. */
export function formatSummary(rows: readonly LoadSummary[]): string {
  const header = ['load', 'scopes', 'committed', 'rolled back', 'kills', 'exhaust', 'restarts', 'peak conns / budget', 'pool peak / max', 'ledger sum', 'lost', 'untyped', 'seconds']
  const lines = rows.map((r) => [
    r.label,
    String(r.scopes),
    String(r.committed),
    String(r.rolledBack),
    String(r.faults.kills),
    String(r.faults.exhaustions),
    String(r.faults.restarts),
    `${r.peakSessions} / ${r.budget}`,
    `${r.peakPoolTotal} / ${r.poolMax}`,
    `${r.ledgerSum} ${r.ledgerSum === r.ledgerExpected ? '= ' : '≠ '}${r.ledgerExpected}`,
    String(r.lostCommits.length),
    String(r.untyped.length),
    String(r.seconds),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  const codes = rows.map((r) => `${r.label}: ${Object.entries(r.byCode).map(([k, v]) => `${k} ${v}`).join(', ')}${r.faults.exhaustions > 0 ? `; exhaustion held ${r.hogsHeld} connections` : ''}; hook errors ${r.hookErrors}; retried commits ${r.retriedCommits}${r.gapMs === undefined ? '' : `; fault → first commit ${r.gapMs} ms`}`)
  return [
    fmt(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(fmt),
    'Invariant: SUM(accounts.balance) equals the opening total; every committed scope has its ledger_log row; no row of a scope that rolled back.',
    ...codes,
  ].join('\n')
}
