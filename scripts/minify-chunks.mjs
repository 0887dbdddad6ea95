// ncc minifies the entry (dist/index.js) but not the chunks it splits off for dynamic imports
// (axios, Octokit, the renderer, the rollout driver), which would be most of the bundle's size.
// This minifies each chunk the same way, in place, deterministically (CI rebuilds and compares).
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { minify } from 'terser'

const dist = path.resolve(process.argv[2] ?? 'dist')
const chunks = (await readdir(dist)).filter((file) => /^\d+\.index\.js$/.test(file)).sort()
let before = 0
let after = 0
for (const file of chunks) {
  const full = path.join(dist, file)
  const code = await readFile(full, 'utf8')
  const result = await minify(code, { module: true, ecma: 2022, compress: { passes: 1 }, mangle: true, format: { comments: false } })
  if (result.code === undefined) throw new Error(`terser produced nothing for ${file}`)
  await writeFile(full, result.code)
  before += code.length
  after += result.code.length
}
console.log(`minified ${chunks.length} chunks: ${Math.round(before / 1024)} KiB → ${Math.round(after / 1024)} KiB`)
