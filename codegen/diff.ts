/**
 * A small line diff (Myers' O((N+M)·D) algorithm after trimming the common prefix and suffix) rendered as a unified
 * diff, for `dbgen --check`.
 *
 * @example
 * unifiedDiff('a\nb\n', 'a\nc\n', { from: 'generated/db.ts', to: 'database' })
 * // --- generated/db.ts\n+++ database\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n
 */

type Op = { kind: ' ' | '-' | '+'; line: string }

/** The edit script turning `a` into `b`, as kept/removed/added lines. */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB))
  return [
    ...a.slice(0, start).map((line): Op => ({ kind: ' ', line })),
    ...middle,
    ...a.slice(endA).map((line): Op => ({ kind: ' ', line })),
  ]
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) break outer
    }
  }
  // Walk the trace backwards to recover the path.
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array
    const k = x - y
    const prevK = k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number)) ? k + 1 : k - 1
    const prevX = vd[offset + prevK] as number
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
      ops.push({ kind: ' ', line: a[x] as string })
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y] as string })
      else ops.push({ kind: '-', line: a[--x] as string })
    }
  }
  return ops.reverse()
}

/** Options for {@link unifiedDiff}. */
export interface UnifiedDiffOptions {
  readonly from: string
  readonly to: string
  readonly context?: number
  /** Wraps `-`/`+`/`@@` lines in ANSI colours. */
  readonly color?: boolean
}

/** A unified diff of two texts, or '' when they are equal. */
export function unifiedDiff(before: string, after: string, o: UnifiedDiffOptions): string {
  if (before === after) return ''
  const ops = diffLines(before.split('\n'), after.split('\n'))
  const ctx = o.context ?? 3
  const paint = (code: string, s: string) => (o.color ? `\x1b[${code}m${s}\x1b[0m` : s)
  const out = [paint('1', `--- ${o.from}`), paint('1', `+++ ${o.to}`)]
  const changed = ops.map((op, i) => (op.kind !== ' ' ? i : -1)).filter((i) => i >= 0)
  let i = 0
  while (i < changed.length) {
    const first = changed[i] as number
    let last = first
    while (i + 1 < changed.length && (changed[i + 1] as number) - last <= 2 * ctx + 1) last = changed[++i] as number
    i++
    const from = Math.max(0, first - ctx)
    const to = Math.min(ops.length, last + ctx + 1)
    let aStart = 1
    let bStart = 1
    for (const op of ops.slice(0, from)) {
      if (op.kind !== '+') aStart++
      if (op.kind !== '-') bStart++
    }
    const hunk = ops.slice(from, to)
    const aLen = hunk.filter((h) => h.kind !== '+').length
    const bLen = hunk.filter((h) => h.kind !== '-').length
    out.push(paint('36', `@@ -${aLen ? aStart : aStart - 1},${aLen} +${bLen ? bStart : bStart - 1},${bLen} @@`))
    for (const h of hunk) out.push(h.kind === ' ' ? ` ${h.line}` : paint(h.kind === '-' ? '31' : '32', `${h.kind}${h.line}`))
  }
  return out.join('\n') + '\n'
}
