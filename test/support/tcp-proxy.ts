/**
 * A loopback TCP proxy in front of a real server, to cause a real network fault: `sever()` drops every connection
 * that goes through it (both sides), as a firewall or a load balancer timing out would. New connections still pass.
 *
 * @example
 * const proxy = await startTcpProxy('127.0.0.1', 5432)
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`
 * proxy.sever()
 */
import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Destroys every connection currently open through the proxy. */
  sever(): void
  close(): Promise<void>
}

export function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  const server = createServer((client) => {
    const upstream = connect(port, host)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const sever = () => {
        for (const [a, b] of [...pairs]) {
          a.destroy()
          b.destroy()
        }
        pairs.clear()
      }
      resolve({
        port: (server.address() as { port: number }).port,
        sever,
        close() {
          sever()
          return new Promise((r) => server.close(() => r()))
        },
      })
    })
  })
}
