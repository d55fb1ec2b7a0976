/**
 * The fixed cost a generated file adds to every tsc run: tsc's parse and bind of that one file (no lib, no imports
 * resolved), for counting under valgrind callgrind. Plain JavaScript, so nothing but node and TypeScript loads
 * (1.62 G instructions with an empty file: take that off). With `--jitless` the count follows the work done and an
 * unrelated edit of the input barely moves it; with the JIT on it moves by about 2% between inputs.
 *
 * @example
 * valgrind --tool=callgrind --callgrind-out-file=/tmp/pb.out node --single-threaded --predictable --jitless bench/parse-bind.mjs generated/db.ts
 * # prints: generated/db.ts: 1,234 identifiers, 567 symbols, 8,901 nodes; callgrind's "Collected" line is the count
 */
import ts from 'typescript'

const file = process.argv[2]
if (!file) throw new Error('usage: node bench/parse-bind.mjs <file.ts>')
const program = ts.createProgram([file], { noResolve: true, noLib: true, types: [], strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 })
program.getTypeChecker() // binds every file
const n = (x) => x.toLocaleString('en-US')
console.log(`${file}: ${n(program.getIdentifierCount())} identifiers, ${n(program.getSymbolCount())} symbols, ${n(program.getNodeCount())} nodes`)
