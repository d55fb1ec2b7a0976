/**
 * The API's routes. Each runs inside the request's one `db.scope`: it commits when the route returns and rolls
 * back when it throws, so a failed request never leaves half its writes behind.
 */
import type { Tx } from '@acme/data'
import { log } from './context.js'
import { findUser } from './users.js'

/** What a route returns: the status and the JSON body. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** A client error: rolls the scope back and becomes this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface Request {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly body: unknown
}

/** Finds the route for a request; undefined when none matches. */
export function route(req: Request): ((tx: Tx) => Promise<Reply>) | undefined {
  const userId = /^\/users\/(\d+)$/.exec(req.path)?.[1]
  if (req.method === 'GET' && req.path === '/users') return listUsers
  if (req.method === 'POST' && req.path === '/users') return (tx) => createUser(tx, req.body)
  if (req.method === 'GET' && userId) return () => getUser(Number(userId))
  if (req.method === 'GET' && req.path === '/slow') return (tx) => slow(tx, Number(req.query.get('ms') ?? 200))
  return undefined
}

async function listUsers(tx: Tx): Promise<Reply> {
  const users = await tx.selectFrom('users').select(['id', 'email', 'display_name']).orderBy('id').execute()
  return { status: 200, body: users.map((u) => ({ id: u.id, email: u.email, displayName: u.display_name })) }
}

/** Runs in the request's scope through the repository's `db.current`: no `tx` needed. */
async function getUser(id: number): Promise<Reply> {
  const user = await findUser(id)
  if (!user) return { status: 404, body: { error: `No user with id ${id}.` } }
  return { status: 200, body: { id: user.id, email: user.email, displayName: user.display_name, createdAt: user.created_at } }
}

async function createUser(tx: Tx, body: unknown): Promise<Reply> {
  const { email, displayName } = (body ?? {}) as { email?: unknown; displayName?: unknown }
  if (typeof email !== 'string' || !email.includes('@') || typeof displayName !== 'string' || displayName === '') {
    throw new HttpError(400, 'Send JSON {"email": "…@…", "displayName": "…"}.')
  }
  const user = await tx.insertInto('users').values({ email, display_name: displayName }).returning(['id', 'email', 'display_name']).executeTakeFirstOrThrow()
  // The hook runs after COMMIT, outside the scope: the same repository function reads on the pool, and sees the row.
  tx.afterCommit(async () => log('user created', { userId: user.id, email: (await findUser(user.id))?.email }))
  return { status: 201, body: { id: user.id, email: user.email, displayName: user.display_name } }
}

/** Holds a connection for `ms` milliseconds: lets a test see in-flight requests drain on shutdown. */
async function slow(tx: Tx, ms: number): Promise<Reply> {
  const wait = Math.min(Math.max(ms, 0), 5_000) / 1000
  await tx.selectNoFrom((eb) => eb.fn<string>('pg_sleep', [eb.val(wait)]).as('slept')).execute()
  return { status: 200, body: { sleptMs: Math.round(wait * 1000) } }
}
