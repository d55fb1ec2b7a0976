/**
 * A loopback TCP proxy in front of a real server, to cause a real network fault: `sever()` drops every connection
 * that goes through it (both sides), as a firewall or a load balancer timing out would. `silence()` makes every open
 * connection go silent instead (nothing is forwarded either way, nothing is closed), as a network partition would:
 * the driver waits for an answer that never comes. New connections still pass, in both cases.
 *
 * @example
 * const proxy = await startTcpProxy('127.0.0.1', 5432)
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`
 * proxy.sever()   // or proxy.silence()
 */
import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Destroys every connection currently open through the proxy. */
  sever(): void
  /** Stops forwarding on every connection currently open through the proxy, without closing any. */
  silence(): void
  /** From now on, a connection goes silent (as silence() does) as soon as the client sends bytes holding `text`. */
  silenceWhen(text: string | undefined): void
  close(): Promise<void>
}

export function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  /** Silenced connections: closed only by close(). */
  const silent = new Set<[Socket, Socket]>()
  let trigger: string | undefined
  const quiet = (pair: [Socket, Socket]) => {
    const [a, b] = pair
    a.unpipe(b)
    b.unpipe(a)
    // Read and drop whatever arrives, so that neither side sees back-pressure or a close.
    a.on('data', () => undefined)
    b.on('data', () => undefined)
    pairs.delete(pair)
    silent.add(pair)
  }
  const server = createServer((client) => {
    const upstream = connect(port, host)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      pairs.delete(pair)
      silent.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.on('data', (chunk: Buffer) => {
      if (!pairs.has(pair)) return // silenced: dropped
      if (trigger !== undefined && chunk.includes(trigger)) quiet(pair)
      else upstream.write(chunk)
    })
    upstream.pipe(client)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const sever = () => {
        for (const [a, b] of [...pairs, ...silent]) {
          a.destroy()
          b.destroy()
        }
        pairs.clear()
        silent.clear()
      }
      const silence = () => {
        for (const pair of [...pairs]) quiet(pair)
      }
      resolve({
        port: (server.address() as { port: number }).port,
        sever,
        silence,
        silenceWhen(text: string | undefined) {
          trigger = text
        },
        close() {
          sever()
          return new Promise((r) => server.close(() => r()))
        },
      })
    })
  })
}
