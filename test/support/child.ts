/**
 * Runs a TypeScript fixture in a child Node process (through tsx) and collects its exit and output.
 *
 * @example
 * const r = await runFixture('test/fixtures/kill-mid-query.ts', ['postgres', url, 'scope'])
 * expect(r.code).toBe(0)
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ChildResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Spawns `node --import tsx <fixture> ...args`; `onSpawn` gets the child (to send it signals). */
export function runFixture(
  fixture: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onStdout?: (chunk: string, child: import('node:child_process').ChildProcess) => void } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      options.onStdout?.(d, child)
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${fixture} did not finish within ${options.timeoutMs ?? 60_000} ms.\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** The last line of stdout that parses as JSON. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n').reverse()
  for (const l of lines) {
    try {
      return JSON.parse(l) as T
    } catch {
      /* not JSON */
    }
  }
  throw new Error(`No JSON line in the child's output:\n${stdout}`)
}
