/**
 * A missing driver package is told apart from other import failures, in ESM and CommonJS alike, and becomes a
 * ConfigError that names the install command. Pure logic: the import failures are real ones, of packages that do
 * not exist (the installed-package test covers real missing drivers).
 */
import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import { isMissingPackage, loadDriver } from '../src/dialects/driver-packages.js'
import { ConfigError } from '../src/errors.js'

const NAME = 'dbscope-no-such-driver'
const esmFailure = () => import(NAME).then(() => undefined, (e: unknown) => e)
const cjsFailure = () => {
  try {
    createRequire(import.meta.url)(NAME)
  } catch (e) {
    return e
  }
  return undefined
}

it('recognises a missing package from import() and from require(), and only that package', async () => {
  const esm = await esmFailure()
  const cjs = cjsFailure()
  expect(isMissingPackage(esm, [NAME])).toBe(true)
  expect(isMissingPackage(cjs, [NAME])).toBe(true)
  // A package missing inside the driver (its own dependency) or a name that only starts the same is not the driver.
  expect(isMissingPackage(esm, ['dbscope-no-such'])).toBe(false)
  expect(isMissingPackage(cjs, ['dbscope-no-such'])).toBe(false)
  expect(isMissingPackage(new Error(`Cannot find package '${NAME}'`), [NAME])).toBe(false)
})

it('turns a missing driver into a ConfigError with the install command, and passes other failures through', async () => {
  // PGlite is installed in this repository, so its absence is simulated with the error Node gives for it.
  const missing = Object.assign(new Error("Cannot find package '@electric-sql/pglite' imported from /app/x.js"), { code: 'ERR_MODULE_NOT_FOUND' })
  const err = await loadDriver('pglite', () => Promise.reject(missing)).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ConfigError)
  expect(err).toMatchObject({ code: 'CONFIG', message: 'PGlite needs @electric-sql/pglite, and pg for its value parsers: npm install @electric-sql/pglite pg.', cause: missing })
  const other = new SyntaxError('Unexpected token')
  await expect(loadDriver('postgres', () => Promise.reject(other))).rejects.toBe(other)
  await expect(loadDriver('mysql', async () => 42)).resolves.toBe(42)
})
