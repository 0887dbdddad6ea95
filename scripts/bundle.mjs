// npm run bundle: dist/ from src/index.ts — ncc, then terser once more over every file
// (scripts/minify-bundle.mjs). ncc has no aliases of its own, but it resolves through the TypeScript
// path mapping of the tsconfig that TS_NODE_PROJECT names; scripts/bundle/tsconfig.json uses that to
// keep out of the bundle two tables canary-gate never reads (measured with npm run size):
//   - mime-db (148 KB): axios → form-data → mime-types reads it to name the type of a file appended
//     to a multipart form. canary-gate sends text, URL-encoded forms and JSON as given
//     (src/providers/http-client.ts), never a multipart form, so the bundle gets an empty table
//     (scripts/bundle/mime-db.json).
//   - @octokit/plugin-rest-endpoint-methods (83 KB): the map behind the octokit.rest.* methods
//     @actions/github adds; canary-gate calls only octokit.request and octokit.paginate
//     (src/github/client.ts), and octokit.rest says so (scripts/bundle/octokit-rest-endpoint-methods.js).
// The build fails if one of them is in the bundle anyway (an ncc that no longer maps paths).
// Not mapped: @actions/github's own @actions/http-client 3.0.2 beside @actions/core's 4.0.1 (the same
// code as CommonJS and as ES modules): sharing one saved 4 KB and moved 10 KB into the start-up file.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const scratch = mkdtempSync(path.join(os.tmpdir(), 'canary-gate-bundle-'))
const stats = path.join(scratch, 'stats.json')

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (result.error) throw result.error
  if (result.status !== 0) process.exit(result.status ?? 1)
}

try {
  rmSync(dist, { recursive: true, force: true })
  const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  run(process.execPath, [ncc, 'build', 'src/index.ts', '-o', 'dist', '--minify', '--license', 'licenses.txt', '--stats-out', stats], {
    TS_NODE_PROJECT: path.join(root, 'scripts', 'bundle', 'tsconfig.json')
  })
  const bundled = []
  const collect = (module) => {
    if (module.name) bundled.push(module.name)
    for (const inner of module.modules ?? []) collect(inner)
  }
  for (const module of JSON.parse(readFileSync(stats, 'utf8')).modules) collect(module)
  const leftIn = [
    ['the MIME table', /node_modules\/mime-db\//],
    ["Octokit's REST method map", /node_modules\/@octokit\/plugin-rest-endpoint-methods\//]
  ].filter(([, pattern]) => bundled.some((name) => pattern.test(name)))
  if (leftIn.length > 0) {
    console.error(`bundle: ${leftIn.map(([what]) => what).join(', ')} went into dist/ though scripts/bundle/tsconfig.json maps it out: does ncc still read TS_NODE_PROJECT's paths?`)
    process.exit(1)
  }
  run(process.execPath, [path.join(root, 'scripts', 'minify-bundle.mjs'), dist])
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
