/**
 * Type-checks a directory (files may sit in subfolders: pass `include`) of generated TypeScript with the project's `tsc` under `--strict` (plus
 * `noUnusedLocals`), as a consumer of dbgen output would compile it, except that the generated files' `@ts-nocheck`
 * line is removed first, so that every declaration in them is checked too.
 *
 * @example
 * const { output, status } = compileStrict(dir, { 'db.ts': text, 'use.ts': usage })
 * expect(output).toBe('')
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { emitMetadata } from '../../codegen/emit/metadata.js'
import { emitTypes } from '../../codegen/emit/types.js'
import type { SchemaModel } from '../../codegen/model.js'

export function compileStrict(
  dir: string,
  files: Readonly<Record<string, string>>,
  include: readonly string[] = ['*.ts'],
): { output: string; status: number | null } {
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), withChecks(text))
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        noUnusedLocals: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        skipLibCheck: true,
      },
      include,
    }),
  )
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
  const r = spawnSync(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' })
  return { output: r.stdout + r.stderr, status: r.status }
}

/** Generated text without its `// @ts-nocheck` line: what tsc checks declaration by declaration. */
export function withChecks(text: string): string {
  return text.replace(/^\/\/ @ts-nocheck\b.*\n/m, '')
}

/**
 * Emits `db.ts` and `metadata.ts` for a model, plain and camelCased, next to `use.ts` (code that imports them), and
 * type-checks the lot under `--strict`. Returns the compiler output and the camelCase emitter's warnings.
 */
export function compileEmitted(dir: string, model: SchemaModel, useTs: string): { output: string; status: number | null; camelWarnings: readonly string[] } {
  const camel = emitTypes(model, { camelCase: true })
  const result = compileStrict(dir, {
    'db.ts': emitTypes(model).text,
    'metadata.ts': emitMetadata(model).text,
    'db-camel.ts': camel.text,
    'metadata-camel.ts': emitMetadata(model, { camelCase: true }).text,
    'use.ts': useTs,
  })
  return { ...result, camelWarnings: camel.warnings }
}
