/**
 * MySQL/MariaDB type → TypeScript type, matched to what mysql2 returns with the connection options and column
 * converters the runtime sets (`dialects/mysql/values.ts`): the half of the type contract for MySQL.
 *
 * @example
 * MYSQL_TYPES.bigint!(resolveTypeOptions({ bigint: 'bigint' })) // { select: 'bigint', insert: 'bigint | number | string' }
 */
import { buffer, DATE_IN, DECIMAL_IN, int, INT8_IN, JSON_IN, num, str, type TsType } from './ts-type.js'
import type { ResolvedTypeOptions } from './type-options.js'

const BUF = buffer

/**
 * MySQL/MariaDB types by `information_schema.COLUMNS.DATA_TYPE` (plus `tinyint(1)`, and `json` for MariaDB's
 * `longtext` + `json_valid` check), matched to what mysql2 returns with the connection options the runtime sets
 * (`supportBigNumbers` + `bigNumberStrings`, `decimalNumbers`, `dateStrings`, `jsonStrings`), and the column
 * converters that fix up tinyint(1), BIGINT, DATE, JSON and SET after mysql2 has parsed a row. ENUM and SET are typed
 * from their values: see `enumTsType`.
 *
 * Insert types say what the runtime can send. mysql2 expands arrays and objects into SQL lists, so with the generated
 * metadata the runtime writes a JSON value as its JSON text, a SET's array as its comma-separated text, and a date
 * string with a zone (`toISOString()`) as the instant it names (see `column-writer.ts`).
 */
export const MYSQL_TYPES: Readonly<Record<string, (o: ResolvedTypeOptions) => TsType>> = Object.freeze({
  'tinyint(1)': (o: ResolvedTypeOptions): TsType => (o.tinyintAsBoolean ? { select: 'boolean', insert: 'boolean | number' } : num),
  tinyint: () => int,
  smallint: () => int,
  mediumint: () => int,
  int: () => int,
  year: () => num,
  float: () => num,
  double: () => num,
  // Signed and unsigned: mysql2 returns BIGINT as text (bigNumberStrings); the runtime converts on option.
  bigint: (o: ResolvedTypeOptions): TsType => ({ select: o.bigint, insert: INT8_IN }),
  decimal: (o: ResolvedTypeOptions): TsType => ({ select: o.decimal, insert: DECIMAL_IN }),
  char: () => str,
  varchar: () => str,
  tinytext: () => str,
  text: () => str,
  mediumtext: () => str,
  longtext: () => str,
  time: () => str,
  uuid: () => str,
  inet4: () => str,
  inet6: () => str,
  // As for PostgreSQL: a Date only when DATE comes back as a Date at UTC midnight (the runtime writes its UTC day).
  date: (o: ResolvedTypeOptions): TsType => (o.dateOnly === 'date' ? { select: 'Date', insert: DATE_IN } : str),
  datetime: (o: ResolvedTypeOptions): TsType => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
  timestamp: (o: ResolvedTypeOptions): TsType => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
  json: () => ({ select: 'JsonValue', insert: JSON_IN }),
  binary: () => BUF,
  varbinary: () => BUF,
  tinyblob: () => BUF,
  blob: () => BUF,
  mediumblob: () => BUF,
  longblob: () => BUF,
  bit: () => ({ select: 'Buffer', insert: 'Buffer | Uint8Array | bigint | number' }),
})
