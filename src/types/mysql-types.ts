/**
 * MySQL/MariaDB type → TypeScript type, matched to what mysql2 returns with the connection options and column
 * converters the runtime sets (`dialects/mysql/values.ts`): the half of the type contract for MySQL.
 *
 * @example
 * MYSQL_TYPES.bigint!(resolveTypeOptions({ bigint: 'bigint' })) // { select: 'bigint', insert: 'bigint | number | string' }
 */
import { buffer, DATE_IN, INT8_IN, num, str, type TsType } from './ts-type.js'
import type { ResolvedTypeOptions } from './type-options.js'

const BUF = buffer

/**
 * MySQL/MariaDB types by `information_schema.COLUMNS.DATA_TYPE` (plus `tinyint(1)`, and `json` for MariaDB's
 * `longtext` + `json_valid` check), matched to what mysql2 returns with the connection options the runtime sets
 * (`supportBigNumbers` + `bigNumberStrings`, `decimalNumbers`, `dateStrings`), and the column converters that
 * fix up tinyint(1), BIGINT, MariaDB json and SET after mysql2 has parsed a row. ENUM and SET are typed from their
 * values: see `enumTsType`.
 *
 * Insert types say what mysql2 can send: it expands arrays and objects into SQL lists, so JSON is inserted as a
 * string (`JSON.stringify`) and a SET as its comma-separated text.
 */
export const MYSQL_TYPES: Readonly<Record<string, (o: ResolvedTypeOptions) => TsType>> = Object.freeze({
  'tinyint(1)': (o: ResolvedTypeOptions): TsType => (o.tinyintAsBoolean ? { select: 'boolean', insert: 'boolean | number' } : num),
  tinyint: () => num,
  smallint: () => num,
  mediumint: () => num,
  int: () => num,
  year: () => num,
  float: () => num,
  double: () => num,
  // Signed and unsigned: mysql2 returns BIGINT as text (bigNumberStrings); the runtime converts on option.
  bigint: (o: ResolvedTypeOptions): TsType => ({ select: o.bigint, insert: INT8_IN }),
  decimal: (o: ResolvedTypeOptions): TsType => ({ select: o.decimal, insert: 'number | string' }),
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
  date: (o: ResolvedTypeOptions): TsType => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
  datetime: (o: ResolvedTypeOptions): TsType => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
  timestamp: (o: ResolvedTypeOptions): TsType => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
  json: () => ({ select: 'JsonValue', insert: 'string' }),
  binary: () => BUF,
  varbinary: () => BUF,
  tinyblob: () => BUF,
  blob: () => BUF,
  mediumblob: () => BUF,
  longblob: () => BUF,
  bit: () => ({ select: 'Buffer', insert: 'Buffer | number' }),
})
