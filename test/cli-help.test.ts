/** `dbgen --help` shows examples and the exit codes; `--version` prints the package's version. */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { main } from '../codegen/cli.js'

function io(out: string[]) {
  const sink = { write: (s: string) => out.push(s) }
  return { cwd: process.cwd(), env: {}, stdout: sink, stderr: sink }
}

it('--help lists examples, the init command and the exit codes, and exits 0', async () => {
  const out: string[] = []
  expect(await main(['--help'], io(out))).toBe(0)
  const text = out.join('')
  expect(text).toContain('Examples:')
  expect(text).toContain('dbgen --from-sql migrations/ --check')
  expect(text).toMatch(/init \[options\] \[dir\]/)
  expect(text).toContain('Exit codes: 0 ok, 1 --check found generated/ stale, 2 usage')
})

it('--version prints the version from package.json', async () => {
  const out: string[] = []
  expect(await main(['--version'], io(out))).toBe(0)
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  expect(out.join('').trim()).toBe(version)
})

it('an unknown option is a usage error (exit 2)', async () => {
  const out: string[] = []
  expect(await main(['--no-such-flag'], io(out))).toBe(2)
  expect(out.join('')).toContain('unknown option')
})
