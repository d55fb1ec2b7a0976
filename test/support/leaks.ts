/**
 * Where a secret could show up, and the check that it does not: an error's message, stack, inspect (with causes)
 * and JSON; and any other text a test collects (log lines, stats(), inspect of a db).
 *
 * @example
 * expectAbsent('errors', errorSurfaces(err), [password, encodeURIComponent(password)])
 */
import { inspect } from 'node:util'
import { expect } from 'vitest'

/** Everything a person could see of an error. */
export function errorSurfaces(err: unknown): string[] {
  return [String((err as Error)?.message), String((err as Error)?.stack), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err) ?? '']
}

/** Fails naming the text and the needle when any needle appears in any text. */
export function expectAbsent(label: string, texts: readonly string[], needles: readonly string[]): void {
  expect(texts.length).toBeGreaterThan(0)
  expect(needles.every((n) => n.length >= 6), 'needles must be specific').toBe(true)
  for (const text of texts) for (const needle of needles) expect(text.includes(needle), `${label} leaks ${JSON.stringify(needle)}:\n${text}`).toBe(false)
}

/** The rejection of `p` (or its throw), or undefined when it succeeds. */
export function failure(p: () => Promise<unknown> | unknown): Promise<unknown> {
  return Promise.resolve().then(p).then(() => undefined, (e: unknown) => e)
}
