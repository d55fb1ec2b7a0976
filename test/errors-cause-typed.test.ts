/**
 * `cause` is part of dbscope's error types, so an app compiled for an older target (ES2017's `lib` has no
 * `Error.cause`) reads the driver's error without a cast.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { buildPackage, REPO_ROOT, TSC } from './support/built-package.js'

const work = mkdtempSync(join(tmpdir(), 'dbscope-cause-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// Builds the package (two tsc runs) and checks two apps: minutes, not seconds, on a busy machine.
it('an ES2017 app reads err.cause and the driver fields of a QueryError without a cast', () => {
  const pkg = buildPackage(join(work, 'dbscope'))
  const app = join(work, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  symlinkSync(pkg, join(app, 'node_modules', 'dbscope'))
  symlinkSync(join(REPO_ROOT, 'node_modules', 'kysely'), join(app, 'node_modules', 'kysely'))
  writeFileSync(join(app, 'package.json'), '{ "type": "module" }')
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2017', lib: ['ES2017'], module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: true, types: [] },
      include: ['app.ts'],
    }),
  )
  writeFileSync(
    join(app, 'app.ts'),
    [
      "import { QueryError } from 'dbscope'",
      'export function status(err: unknown): number {',
      "  if (err instanceof QueryError && err.sqlState === '23505') return err.detail !== undefined && err.cause !== undefined ? 409 : 400",
      '  return 500',
      '}',
      '',
    ].join('\n'),
  )
  const r = spawnSync(process.execPath, [TSC, '-p', app], { encoding: 'utf8' })
  expect(r.stdout + r.stderr).toBe('')
  expect(r.status).toBe(0)
  // The same app without dbscope's declaration fails, which shows the lib really lacks Error.cause.
  writeFileSync(join(app, 'app.ts'), 'export const c = (e: Error): unknown => e.cause\n')
  const bare = spawnSync(process.execPath, [TSC, '-p', app], { encoding: 'utf8' })
  expect(bare.stdout).toMatch(/Property 'cause' does not exist/)
}, 180_000)
