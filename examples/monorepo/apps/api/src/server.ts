/**
 * The API server: node:http, one `db.scope` per request, a request id in an AsyncLocalStorage context (and in every
 * log line), and a graceful shutdown on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then
 * `db.dispose()`.
 *
 * @example
 * DATABASE_URL=postgres://app@127.0.0.1/app PORT=3000 node dist/server.js
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { db } from '@acme/data'
import { log, runInContext } from './context.js'
import { HttpError, route, type Reply } from './routes.js'

const DRAIN_TIMEOUT_MS = Number(process.env.DRAIN_TIMEOUT_MS ?? 10_000)
const MAX_BODY_BYTES = 64 * 1024
let shuttingDown = false

const server = createServer((req, res) => {
  const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID()
  const url = new URL(req.url ?? '/', 'http://localhost')
  res.setHeader('x-request-id', requestId)
  runInContext({ requestId, method: req.method ?? 'GET', path: url.pathname }, () => {
    const started = performance.now()
    void handle(req, url).then((reply) => {
      send(res, reply)
      log(`${req.method} ${url.pathname} ${reply.status}`, { ms: Math.round(performance.now() - started) })
    })
  })
})

/** Runs the route inside one db.scope and maps errors to replies; never rejects. */
async function handle(req: IncomingMessage, url: URL): Promise<Reply> {
  try {
    if (url.pathname === '/health') return { status: 200, body: { ok: true, shuttingDown } }
    if (url.pathname === '/stats') return { status: 200, body: db.stats() }
    const body = req.method === 'POST' || req.method === 'PUT' ? await readJson(req) : undefined
    const run = route({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body })
    if (!run) return { status: 404, body: { error: `No route for ${req.method} ${url.pathname}.` } }
    return await db.scope((tx) => run(tx), { timeoutMs: 10_000 })
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: { error: err.message } }
    if ((err as { code?: unknown }).code === 'UNIQUE_VIOLATION') return { status: 409, body: { error: 'That email is already taken.' } }
    log('request failed', { error: err instanceof Error ? err.message : String(err) })
    return { status: 500, body: { error: 'Internal error; see the log line with this request id.' } }
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)
    chunks.push(chunk)
  }
  try {
    return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.')
  }
}

function send(res: ServerResponse, reply: Reply): void {
  // While draining, close each connection after its response instead of keeping it alive for the next request.
  if (shuttingDown) res.setHeader('connection', 'close')
  res.writeHead(reply.status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(reply.body))
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  return s && /^[\w.:-]{1,128}$/.test(s) ? s : undefined
}

/** Stops accepting, waits for in-flight requests (up to DRAIN_TIMEOUT_MS), then closes the pool. */
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return
  shuttingDown = true
  log(`${signal} received: draining`, { inFlight: db.stats().busy })
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const force = setTimeout(() => {
    log(`drain took longer than ${DRAIN_TIMEOUT_MS} ms: closing the remaining connections`)
    server.closeAllConnections()
  }, DRAIN_TIMEOUT_MS)
  await closed
  clearTimeout(force)
  await db.dispose()
  log('shutdown complete: server closed, db disposed')
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((err: unknown) => {
      log('shutdown failed', { error: err instanceof Error ? err.message : String(err) })
      process.exitCode = 1
    })
  })
}

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : process.env.PORT
  log(`listening on http://${process.env.HOST ?? '127.0.0.1'}:${port}`, { port })
})
