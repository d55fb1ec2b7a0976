/**
 * dbgen's programmatic API: reflect a database into a schema model and emit `db.ts` / `metadata.ts` text.
 *
 * @example
 * import { generate } from 'dbscope/codegen'
 * const { files } = await generate({ url: process.env.DATABASE_URL, camelCase: true })
 */
export { generate, emitAll, type GenerateOptions, type GenerateResult } from './generate.js'
export { reflectPostgres, type PgReflectOptions } from './reflect/postgres.js'
export { reflectMysql, type MysqlReflectOptions } from './reflect/mysql.js'
export { kyselyExecutor, type SqlExecutor } from './reflect/executor.js'
export { columnName, columnTypeKey, type DbgenMetadata, type DbgenMetadataColumn, type DbgenMetadataTable } from '../src/types/metadata.js'
export { emitTypes, type EmitOptions, type EmitResult, type TypeOverride } from './emit/types.js'
export { emitMetadata } from './emit/metadata.js'
export { openSource, type Source, type SourceOptions } from './connect.js'
export { resolveConfig, type DbgenConfig } from './config.js'
export { DbgenError, redactUrl, type DbgenErrorCode } from './errors.js'
export { unifiedDiff } from './diff.js'
export { main as runCli } from './cli.js'
export {
  PG_TYPES,
  pgParserPlan,
  pgArrayLookups,
  pgElementParser,
  pgParserFor,
  pgParseScalar,
  type PgParserEntry,
  type PgArrayLookup,
  type PgParse,
} from '../src/types/pg-types.js'
export { MYSQL_TYPES } from '../src/types/mysql-types.js'
export { enumTsType, tsTypeFor } from '../src/types/column-type.js'
export type { TsType } from '../src/types/ts-type.js'
export * from './model.js'
