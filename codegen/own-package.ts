/**
 * dbscope's own package.json, found by walking up from this file: from codegen/ in the repository, and from
 * dist/esm/codegen/ or dist/cjs/codegen/ in the published package (dist/cjs holds a nameless package.json).
 *
 * @example
 * ownPackageJson().version // '0.1.0'
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { callerFile } from '../src/caller-file.js'

/** The fields of dbscope's package.json that dbgen reads. */
export interface OwnPackageJson {
  readonly name?: string
  readonly version?: string
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

let cached: OwnPackageJson | undefined

/** dbscope's package.json, or `{}` when it cannot be found. */
export function ownPackageJson(): OwnPackageJson {
  if (cached) return cached
  let dir = dirname(callerFile())
  for (let level = 0; level < 5; level++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as OwnPackageJson
      if (pkg.name === 'dbscope') return (cached = pkg)
    } catch {
      // not here; try the parent
    }
  }
  return (cached = {})
}
