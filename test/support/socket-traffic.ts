/**
 * The order of a mysql2 connection's socket writes and reads, to tell statements sent back to back (one round trip)
 * from statements sent one after another's answer.
 *
 * @example
 * const log = socketTraffic(conn)
 * await twoStatements()
 * expect(log.slice(0, 3)).toEqual(['W', 'W', 'R']) // both written before the first answer was read
 */
import type { Connection } from 'mysql2'

/** Records socket writes ('W') and reads ('R') on `c` from now on, in order. */
export function socketTraffic(c: Connection): string[] {
  const log: string[] = []
  const stream = (c as unknown as { stream: NodeJS.WritableStream & NodeJS.EventEmitter }).stream
  const write = stream.write.bind(stream)
  stream.write = ((...args: Parameters<typeof write>) => {
    log.push('W')
    return write(...args)
  }) as typeof stream.write
  stream.prependListener('data', () => log.push('R'))
  return log
}
