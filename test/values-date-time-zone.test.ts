/**
 * A DATE survives any process time zone: in child processes with TZ east and west of UTC, a date column written as
 * its insert type admits (`'YYYY-MM-DD'`; with `dateOnly: 'date'` also a Date at UTC midnight) is stored as the same
 * day, selected as that day (`'YYYY-MM-DD'` by default, a Date at UTC midnight with `dateOnly: 'date'`), and so is
 * a DATE literal. PostgreSQL and MariaDB (PGlite shares PostgreSQL's parsers and writers).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generated } from './support/generated.js'
import { reflectMysqlAt } from './support/mysql-reflect.js'
import { reflectUrl } from './support/reflect.js'
import { lastJson, runFixture } from './support/child.js'
import { useTestDatabase, withMysql, withPg } from './support/test-db.js'

const pg = useTestDatabase('postgres', 'date-tz')
const my = useTestDatabase('mysql', 'date-tz')
const dir = join(process.cwd(), '.tmp', `date-tz-${process.pid}`)
let args: string[]

beforeAll(async () => {
  await withPg((c) => c.query('CREATE TABLE days (id int PRIMARY KEY, d date)'), pg.url)
  await withMysql((c) => c.query('CREATE TABLE days (id int PRIMARY KEY, d date)'), my.url)
  mkdirSync(dir, { recursive: true })
  const pgMeta = join(dir, 'pg.json')
  const myMeta = join(dir, 'mysql.json')
  writeFileSync(pgMeta, JSON.stringify((await generated(await reflectUrl(pg.url), {}, dir)).metadata))
  writeFileSync(myMeta, JSON.stringify((await generated((await reflectMysqlAt(my.url)).model, {}, dir)).metadata))
  args = ['postgres', pg.url, pgMeta, 'mysql', my.url, myMeta]
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const DAYS = ['2024-01-02', '1969-12-31', '2024-03-10']
const twice = <T>(xs: T[]) => xs.flatMap((x) => [x, x])

describe.each([
  ['Asia/Tokyo', -540],
  ['America/Los_Angeles', 480],
])('DATE in TZ=%s', (tz, offsetMinutes) => {
  let out: Record<string, unknown>
  beforeAll(async () => {
    const r = await runFixture('test/fixtures/date-round-trip.ts', args, { env: { TZ: tz }, timeoutMs: 180_000 })
    if (r.code !== 0) throw new Error(`the fixture failed (${r.code}):\n${r.stdout}\n${r.stderr}`)
    out = lastJson(r.stdout)
  }, 200_000)

  it('runs in that time zone', () => {
    expect(out.offsetMinutes).toBe(offsetMinutes)
  })

  it.each(['postgres', 'mysql'])('%s: by default a date is its YYYY-MM-DD text, written and read', (kind) => {
    expect(out[`${kind}:string`]).toEqual({
      selected: twice(DAYS),
      stored: twice(DAYS),
      literal: '2024-01-02',
      array: kind === 'mysql' ? undefined : ['2024-01-02', null],
    })
  })

  it.each(['postgres', 'mysql'])("%s: with dateOnly: 'date' a date is a Date at UTC midnight of that day, written and read", (kind) => {
    const utc = (day: string) => ({ date: `${day}T00:00:00.000Z` })
    expect(out[`${kind}:date`]).toEqual({
      selected: twice(DAYS.map(utc)),
      stored: twice(DAYS),
      literal: utc('2024-01-02'),
      array: kind === 'mysql' ? undefined : [utc('2024-01-02'), null],
    })
  })
})
