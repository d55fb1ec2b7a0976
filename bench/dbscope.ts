/**
 * The dbscope the benchmarks measure: the compiled package in dist/ (what `npm install dbscope` gives an
 * application), not the TypeScript source run through tsx, whose transform adds work the package does not do (a
 * `__name` call for every function it creates, for one). `npm run bench` builds dist/ first; run alone, a benchmark
 * refuses a dist/ older than src/.
 *
 * @example
 * import { defineDb } from './dbscope.js'
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '..')
const entry = join(root, 'dist/esm/src/index.js')

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

if (!existsSync(entry)) throw new Error('bench: dist/ is missing; run `npm run build` (npm run bench does it for you)')
if (newest(join(root, 'src')) > statSync(entry).mtimeMs) {
  throw new Error('bench: dist/ is older than src/; run `npm run build` first (npm run bench does it for you)')
}

const dbscope = (await import(pathToFileURL(entry).href)) as typeof import('../src/index.js')
export const { defineDb, disposeAll } = dbscope
