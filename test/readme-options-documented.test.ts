/**
 * Every public option is documented: each key defineDb, its pool and guard, and db.scope accept has a row in the
 * README's options tables. An option added without a row fails here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { DB_CONFIG_KEYS, GUARD_KEYS, POOL_KEYS } from '../src/config.js'
import { SCOPE_KEYS } from '../src/scope/options.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The first cells of the rows of the table under `heading` (up to the next heading). */
function rowKeys(heading: string): string[] {
  const start = readme.indexOf(heading)
  expect(start, `README has no "${heading}"`).toBeGreaterThan(-1)
  const section = readme.slice(start + heading.length).split(/\n#{2,3} /)[0]!
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
}

// Accepted already for branches that implement them: documented when they land.
const NOT_YET_IMPLEMENTED: string[] = []

it('every defineDb option, pool option and guard option has a row in the defineDb options table', () => {
  const documented = rowKeys('### `defineDb` options').flatMap((k) => k.split(/\s*\/\s*/))
  const missing = [
    ...DB_CONFIG_KEYS.filter((k) => k !== 'pool' && k !== 'guard' && !NOT_YET_IMPLEMENTED.includes(k)),
    ...POOL_KEYS.map((k) => `pool.${k}`),
    ...GUARD_KEYS.map((k) => `guard.${k}`),
  ].filter((k) => !documented.includes(k) && !documented.includes(k.replace(/^pool\./, '')))
  expect(missing).toEqual([])
})

it('every db.scope option has a row in the db.scope options table', () => {
  const documented = rowKeys('### `db.scope` options')
  expect(SCOPE_KEYS.filter((k) => !documented.includes(k))).toEqual([])
})
