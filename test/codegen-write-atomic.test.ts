/**
 * dbgen writes its files in batches as they are rendered: the chunks join to exactly the files' text, and a run
 * that fails mid-file leaves the previous file intact (no half-written file, no temporary file left behind).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, type GenerateResult } from '../codegen/generate.js'
import { writeChunks } from '../codegen/write.js'
import { useTestDatabase, withPg } from './support/test-db.js'

const database = useTestDatabase('postgres', 'write')
const dir = mkdtempSync(join(tmpdir(), 'dbgen-write-'))
let result: GenerateResult

beforeAll(async () => {
  // Enough relations that the output spans several write batches (256 k characters each).
  const tables = Array.from({ length: 400 }, (_, i) => `CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL, note text, at timestamptz DEFAULT now());`)
  await withPg((c) => c.query(tables.join('\n')), database.url)
  result = await generate({ url: database.url })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writing generated files', () => {
  it('writes exactly the rendered text, over several batches', () => {
    for (const f of ['db.ts', 'metadata.ts'] as const) {
      const path = join(dir, f)
      const bytes = writeChunks(path, result.chunks(f))
      const written = readFileSync(path, 'utf8')
      expect(written).toBe(result.files[f])
      expect(bytes).toBe(Buffer.byteLength(written))
    }
    expect(Buffer.byteLength(result.files['metadata.ts'])).toBeGreaterThan(256 * 1024)
  })

  it('leaves the previous file intact when rendering fails part-way', () => {
    const path = join(dir, 'keep.ts')
    writeFileSync(path, 'previous contents\n')
    function* failing(): Generator<string> {
      for (const chunk of result.chunks('metadata.ts')) yield chunk // more than one batch is written first
      throw new Error('rendering failed')
    }
    expect(() => writeChunks(path, failing())).toThrow('rendering failed')
    expect(readFileSync(path, 'utf8')).toBe('previous contents\n')
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([])
  })
})
