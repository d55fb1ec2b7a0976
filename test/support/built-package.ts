/**
 * Builds dbscope into a directory of its own — compiled JS and .d.ts, a package.json without scripts — without
 * touching the repo's `dist/`, so tests that install dbscope can run alongside `npm pack` and `npm run build`.
 *
 * @example
 * const pkg = buildPackage(join(work, 'dbscope'))   // then "dbscope": "file:<pkg>", or a symlink to it
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')
/** The repo's own TypeScript compiler, run with plain node. */
export const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc')

/** Compiles src/ and codegen/ into `dest/dist` (ESM and CommonJS, scripts/build.mjs) and writes `dest/package.json`. */
export function buildPackage(dest: string): string {
  mkdirSync(dest, { recursive: true })
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs'), '--out', join(dest, 'dist'), '--no-maps'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
  delete pkg.scripts
  delete pkg.devDependencies
  writeFileSync(join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  copyFileSync(join(REPO_ROOT, 'README.md'), join(dest, 'README.md'))
  return dest
}
