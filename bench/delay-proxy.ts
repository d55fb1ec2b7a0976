/**
 * A TCP proxy that holds every chunk, each way, for a fixed delay before passing it on, in order: the database as
 * an application on another host sees it, where each round trip costs network time and not only CPU. Node's timers
 * have millisecond resolution, so the delay is whole milliseconds (1 ms each way: a 2 ms round trip, about what
 * crossing availability zones costs).
 *
 * @example
 * const proxy = await delayProxy('127.0.0.1', 3306, 1)
 * const url = `mysql://root@127.0.0.1:${proxy.port}/test`
 * await proxy.close()
 */
import { connect, createServer, type Socket } from 'node:net'

export interface DelayProxy {
  readonly port: number
  close(): Promise<void>
}

/** Passes what `from` reads to `to` `delayMs` later (timers of one duration fire in the order they were set). */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk)
    }, delayMs)
  })
  from.on('end', () => setTimeout(() => to.end(), delayMs))
  from.on('error', () => to.destroy())
  from.on('close', () => setTimeout(() => to.destroy(), delayMs))
}

export function delayProxy(host: string, port: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect({ host, port })
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    pipeDelayed(client, upstream, delayMs)
    pipeDelayed(upstream, client, delayMs)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') return reject(new Error('delay proxy: no TCP address'))
      resolve({
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}
