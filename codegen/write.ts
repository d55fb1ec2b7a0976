/**
 * Writes generated text to a file in batches, as it is rendered, so a big schema's output is never held whole. The
 * text goes to a temporary file next to the target, renamed over it at the end: an interrupted run leaves the old
 * file intact, never half a file.
 *
 * @example
 * const bytes = writeChunks('generated/db.ts', result.chunks('db.ts'))
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'

/** Text is gathered to about this many characters per write. */
const BATCH = 32 * 1024

/** Writes every chunk to `path` (atomically, by rename) and returns the number of bytes written. */
export function writeChunks(path: string, chunks: Iterable<string>): number {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w')
  let bytes = 0
  try {
    let batch = ''
    for (const chunk of chunks) {
      batch += chunk
      if (batch.length >= BATCH) {
        bytes += writeAll(fd, batch)
        batch = ''
      }
    }
    if (batch.length > 0) bytes += writeAll(fd, batch)
    closeSync(fd)
  } catch (err) {
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true })
    throw err
  }
  renameSync(tmp, path)
  return bytes
}

/** `writeSync` may write less than asked (a full disk, a pipe); loop until all of it is out. */
function writeAll(fd: number, text: string): number {
  const buf = Buffer.from(text, 'utf8')
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off)
  return buf.length
}
