/**
 * The file of the code that calls {@link callerFile}, in the ESM and the CommonJS build alike (neither
 * `import.meta.url` nor `__filename` exists in both). Read from V8's structured stack: a path in CommonJS, a
 * `file:` URL in ESM, returned as a path either way.
 *
 * @example
 * const here = callerFile() // '/app/node_modules/dbscope/dist/esm/src/guard.js'
 */
import { fileURLToPath } from 'node:url'

/** The absolute path of the module whose code calls this function. */
export function callerFile(): string {
  const holder: { stack?: NodeJS.CallSite[] } = {}
  const previous = Error.prepareStackTrace
  try {
    Error.prepareStackTrace = (_err, frames) => frames
    Error.captureStackTrace(holder, callerFile)
    const name = holder.stack?.[0]?.getFileName()
    if (!name) throw new Error('dbscope could not tell its own file from the stack.')
    return name.startsWith('file:') ? fileURLToPath(name) : name
  } finally {
    Error.prepareStackTrace = previous
  }
}
