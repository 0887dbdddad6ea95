// npm run size: the bundle's bytes as the goal counts them (`du -cb dist/*.js`: the entry and every
// chunk it loads on demand), file by file, largest first. Exits 1 above the goal.
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'

const GOAL = 1_500_000
const dist = path.resolve(process.argv[2] ?? 'dist')
const files = (await readdir(dist)).filter((file) => file.endsWith('.js'))
if (files.length === 0) {
  console.error(`no .js files in ${dist}: run npm run bundle first`)
  process.exit(1)
}
const sizes = await Promise.all(files.map(async (file) => ({ file, bytes: (await stat(path.join(dist, file))).size })))
sizes.sort((a, b) => b.bytes - a.bytes || a.file.localeCompare(b.file))
const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0)
const digits = (n) => n.toLocaleString('en-US')
const width = digits(total).length
for (const { file, bytes } of sizes) {
  console.log(`${digits(bytes).padStart(width)}  ${file}${file === 'index.js' ? '  (loaded at start)' : ''}`)
}
const verdict = total < GOAL ? `${digits(GOAL - total)} bytes under` : `${digits(total - GOAL)} bytes OVER`
console.log(`${digits(total).padStart(width)}  total of ${sizes.length} files (${(total / 1e6).toFixed(3)} MB): ${verdict} the 1.5 MB goal`)
process.exit(total < GOAL ? 0 : 1)
