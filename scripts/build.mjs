#!/usr/bin/env node
/**
 * Builds dbscope as Kysely ships it: ESM into <out>/esm and CommonJS into <out>/cjs, each with its .d.ts, and a
 * package.json in each folder that tells Node (and TypeScript) which module format it holds.
 *
 *   node scripts/build.mjs                          # dist/esm + dist/cjs, with source and declaration maps
 *   node scripts/build.mjs --out /tmp/x/dist --no-maps
 */
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const outAt = args.indexOf('--out')
const out = resolve(outAt >= 0 ? args[outAt + 1] : join(root, 'dist'))
const maps = args.includes('--no-maps') ? ['--declarationMap', 'false', '--sourceMap', 'false'] : []
const tsc = join(root, 'node_modules/typescript/bin/tsc')

function compile(project, dir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project, '--outDir', dir, ...maps], { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`tsc -p ${project} exited with ${code}`))))
  })
}

rmSync(out, { recursive: true, force: true })
await Promise.all([compile('tsconfig.build.json', join(out, 'esm')), compile('tsconfig.cjs.json', join(out, 'cjs'))])
for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs']]) {
  mkdirSync(join(out, dir), { recursive: true })
  writeFileSync(join(out, dir, 'package.json'), `${JSON.stringify({ type })}\n`)
}
