// Preloaded with `node --import`: a module resolve hook that appends every resolved module URL to $TRACE_IMPORTS_FILE,
// so a test can tell which packages a whole dbgen process loaded.
import { register } from 'node:module'

const hook = `
import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (process.env.TRACE_IMPORTS_FILE) appendFileSync(process.env.TRACE_IMPORTS_FILE, r.url + '\\n')
  return r
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`)
