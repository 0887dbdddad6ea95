// npm run bench — the figures behind canary-gate's timing goals, measured on this machine:
//   1. cold start: `node dist/index.js` from spawn to its first measurement arriving at the metrics
//      endpoint, side by side with bare `node -e 0` and with an ncc bundle of @actions/core alone
//      (spawn to exit; what every action built on it pays), as differences and ratios (goal: within
//      400 ms of bare node);
//   2. the bundle's size (goal: under 1.5 MB);
//   3. one analysis step with 20 metrics whose endpoint answers in 300 ms, against the same with 1
//      metric (goal: 20 within 1.5× of 1 — metrics are measured concurrently).
//   4. a canary on the emulated cluster, in real time: from the failing measurement to the abort call
//      (goal: under 1 s), from the abort call to the rollout reporting canary weight 0, and the
//      kubectl calls per minute while the gate watches the rollout.
// Prints its figures; it does not assert them (timing belongs in a benchmark, not in unit tests).
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { closeServer, listen } from '../emulators/http.js'
import { BUNDLE, ROOT, RUNTIME_NODE, runAction } from '../emulators/runner.js'
import { GITHUB_ACTIONS_BOT, startGitHub } from '../emulators/github/server.js'
import { startKubeEmulator } from '../emulators/kube/server.js'
import { startSeedMetrics } from '../emulators/seed-metrics/server.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const BENCH_TOKEN = 'ghs_bench000000000000000000000000000000'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const ms = (value: number): string => `${value.toFixed(0)} ms`

/** Spawn to exit of node with these arguments. */
function spawnToExit(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(RUNTIME_NODE, args, { stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited with ${code}`))))
  })
}

/** The size of an ncc --minify bundle of this module source (inside the repository, for node_modules). */
async function bundledSize(code: string): Promise<number> {
  const sources = path.join(ROOT, 'node_modules', '.cache', 'canary-gate-bench')
  await mkdir(sources, { recursive: true })
  const name = `lib-${createHash('sha1').update(code).digest('hex').slice(0, 12)}`
  const source = path.join(sources, `${name}.mjs`)
  await writeFile(source, `${code}\n`)
  const out = path.join(sources, `${name}-out`)
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'ncc'), ['build', source, '-o', out, '--minify', '--quiet'], { cwd: ROOT, stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ncc failed on ${name}`))))
  })
  let total = 0
  for (const file of await readdir(out)) if (/\.m?js$/.test(file)) total += (await stat(path.join(out, file))).size
  return total
}

/** An ncc bundle of @actions/core alone, doing what every action does first: read an input, log. */
async function coreOnlyBundle(dir: string): Promise<string> {
  // Inside the repository, so the bundler finds @actions/core in node_modules.
  const sources = path.join(ROOT, 'node_modules', '.cache', 'canary-gate-bench')
  await mkdir(sources, { recursive: true })
  const source = path.join(sources, 'core-only.mjs')
  await writeFile(source, "import * as core from '@actions/core'\ncore.info(`input: ${core.getInput('command')}`)\n")
  const out = path.join(dir, 'core-only')
  const ncc = path.join(ROOT, 'node_modules', '.bin', 'ncc')
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ncc, ['build', source, '-o', out, '--minify', '--quiet'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ncc could not bundle @actions/core alone (exit ${code})`))))
  })
  return path.join(out, 'index.mjs')
}

async function template(dir: string, metrics: number, url: string): Promise<string> {
  const file = path.join(dir, `plan-${metrics}.yaml`)
  const list = Array.from(
    { length: metrics },
    (_, i) => `    - name: metric-${String(i + 1).padStart(2, '0')}
      successCondition: result.errorRate < 2
      provider:
        web:
          url: ${url}/v1/metrics?app=bench&metric=errorRate&window=5m
          timeoutSeconds: 10`
  ).join('\n')
  await writeFile(file, `apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: bench-${metrics}}\nspec:\n  metrics:\n${list}\n`)
  return file
}

/** Spawn → first request at the metrics endpoint, for one run of the bundle. */
async function coldStart(plan: string, firstRequest: () => Promise<number>, github?: { url: string; token: string }): Promise<number> {
  const arrival = firstRequest()
  const run = await runAction({
    inputs: { command: 'analyze', plan, 'github-token': github?.token ?? '' },
    env: github ? { GITHUB_API_URL: github.url } : {}
  })
  return (await arrival) - run.spawnedAt
}

async function main(): Promise<void> {
  try {
    await stat(BUNDLE)
  } catch {
    throw new Error('dist/index.js is missing: run `npm run bundle` first')
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'canary-gate-bench-'))
  const version = await new Promise<string>((resolve) => {
    const child = spawn(RUNTIME_NODE, ['--version'])
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('close', () => resolve(out.trim()))
  })
  console.log(`canary-gate benchmark — the bundle on node ${version}, ${os.cpus().length} CPUs, median of ${RUNS} runs\n`)

  // 1. cold start
  let waiting: ((t: number) => void) | undefined
  const server = createServer((req, res) => {
    waiting?.(performance.now())
    waiting = undefined
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"errorRate": 0.4}')
  })
  const url = `http://127.0.0.1:${await listen(server)}`
  const firstRequest = (): Promise<number> => new Promise((resolve) => (waiting = resolve))
  const onePlan = await template(dir, 1, url)
  await coldStart(onePlan, firstRequest) // warm the file cache
  const github = await startGitHub({ tokens: { [BENCH_TOKEN]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: { checks: 'write', statuses: 'write', issues: 'write', pull_requests: 'write' } } } })
  const coreOnly = await coreOnlyBundle(dir)
  const bare: number[] = []
  const core: number[] = []
  const gate: number[] = []
  const withToken: number[] = []
  for (let i = 0; i < RUNS; i++) {
    bare.push(await spawnToExit(['-e', '0']))
    core.push(await spawnToExit([coreOnly]))
    gate.push(await coldStart(onePlan, firstRequest))
    withToken.push(await coldStart(onePlan, firstRequest, { url: github.url, token: BENCH_TOKEN }))
  }
  await closeServer(server)
  await github.close()
  const row = (label: string, value: number): string =>
    `   ${label.padEnd(64)}${ms(value).padStart(7)}   ${`+${ms(value - median(bare))}`.padStart(8)} / ${(value / median(bare)).toFixed(2)}× bare node   ${(value / median(core)).toFixed(2)}× @actions/core alone`
  const overhead = median(gate) - median(bare)
  console.log('1. Cold start (spawn → first measurement; the others spawn → exit)')
  console.log(row('node -e 0', median(bare)))
  console.log(row('ncc bundle of @actions/core alone (getInput, info)', median(core)))
  console.log(`${row('node dist/index.js, no token', median(gate))}   (goal: within 400 ms of bare node) ${overhead < 400 ? 'met' : 'NOT met'}`)
  console.log(`${row('… with a GitHub token (Octokit loads, the check is created)', median(withToken))}\n`)

  // 2. bundle size
  const files = (await readdir(path.join(ROOT, 'dist'))).filter((f) => f.endsWith('.js'))
  const sizes = await Promise.all(files.map(async (file) => ({ file, bytes: (await stat(path.join(ROOT, 'dist', file))).size })))
  sizes.sort((a, b) => b.bytes - a.bytes)
  const bytes = sizes.reduce((sum, f) => sum + f.bytes, 0)
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`
  console.log('2. Bundle')
  console.log(`   dist/*.js, ${files.length} files: ${kib(bytes)} = ${(bytes / 1024 / 1024).toFixed(2)} MiB   (goal < 1.5 MB) ${bytes < 1.5e6 ? 'met' : 'NOT met'}`)
  for (const f of sizes.slice(0, 4)) console.log(`     ${f.file.padEnd(14)} ${kib(f.bytes).padStart(9)}  ${f.file === 'index.js' ? 'loaded at start' : 'loaded on demand'}`)
  console.log('   the libraries alone, each bundled by ncc --minify:')
  const libraries: Array<[string, string]> = [
    ['@actions/core (its @actions/http-client brings undici)', "import * as core from '@actions/core'; core.info('x')"],
    ['@actions/github getOctokit + retry + throttling', "import { getOctokit } from '@actions/github'; import { retry } from '@octokit/plugin-retry'; import { throttling } from '@octokit/plugin-throttling'; console.log(getOctokit, retry, throttling)"],
    ['axios (its form-data brings the MIME table)', "import axios from 'axios'; console.log(axios)"],
    ['re2js', "import { RE2JS } from 're2js'; console.log(RE2JS)"],
    ['yaml', "import { parseAllDocuments } from 'yaml'; console.log(parseAllDocuments)"],
    ['zod/mini', "import * as z from 'zod/mini'; console.log(z.string)"]
  ]
  for (const [name, code] of libraries) console.log(`     ${name.padEnd(56)} ${kib(await bundledSize(code)).padStart(9)}`)
  console.log('')

  // 3. 20 metrics against 1, provider answering in 300 ms
  const slow = await startSeedMetrics({ apps: { bench: { errorRate: 0.4 } }, latencyMs: 300 })
  const twentyPlan = await template(dir, 20, slow.url)
  const singlePlan = await template(dir, 1, slow.url)
  const step = async (plan: string): Promise<number> => {
    const run = await runAction({ inputs: { command: 'analyze', plan, 'github-token': '' } })
    if (run.outputs.verdict !== 'Successful') throw new Error(`benchmark run was ${run.outputs.verdict}: ${run.stdout}`)
    return run.elapsedMs
  }
  const one: number[] = []
  const twenty: number[] = []
  for (let i = 0; i < RUNS; i++) {
    one.push(await step(singlePlan))
    twenty.push(await step(twentyPlan))
  }
  await slow.close()
  const ratio = median(twenty) / median(one)
  console.log('3. One step, endpoint answering in 300 ms (whole step: start, measure, report)')
  console.log(`   1 metric:    ${ms(median(one))}`)
  console.log(`   20 metrics:  ${ms(median(twenty))}`)
  console.log(`   ratio:       ${ratio.toFixed(2)}×   (goal ≤ 1.5×) ${ratio <= 1.5 ? 'met' : 'NOT met'}\n`)

  await rolloutFigures(dir)
  await rm(dir, { recursive: true, force: true })
}

/** A canary at 50% whose error rate fails, on the emulated cluster, in real time (no time scaling). */
async function rolloutFigures(dir: string): Promise<void> {
  const metrics = await startSeedMetrics({ apps: { vote: { errorRate: 2.68 } } })
  const kube = await startKubeEmulator()
  try {
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'vote', namespace: 'bench' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'vote' } },
        template: { metadata: { labels: { app: 'vote' } }, spec: { containers: [{ name: 'vote', image: 'vote:1' }] } },
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '30s' } }, { analysis: { templates: [{ templateName: 'error-rate' }] } }] } }
      }
    }
    kube.applyRollout(rollout)
    const plan = path.join(dir, 'rollout.yaml')
    await writeFile(
      plan,
      `${JSON.stringify(rollout)}\n---\n${JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'error-rate' },
        spec: { metrics: [{ name: 'error-rate', successCondition: 'result.errorRate < 2', provider: { web: { url: `${metrics.url}/v1/metrics?app=vote&metric=errorRate` } } }] }
      })}\n`
    )
    const run = await runAction({
      inputs: { command: 'run', rollout: 'vote', namespace: 'bench', image: 'vote=vote:2', plan, 'github-token': '' },
      env: { ...kube.env }
    })
    const report = run.report as {
      abort?: { msFromFailingMeasurementToAbortCall?: number; msFromAbortCallToWeightZero?: number }
      kubectl?: { calls: number; watchedMs: number; callsPerMinute?: number }
    }
    if (run.outputs.outcome !== 'aborted' || !report?.abort) throw new Error(`the benchmark canary was not aborted: ${run.stdout}`)
    const watchedRequests = kube.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/rollouts/vote')).length
    console.log('4. A canary on the emulated cluster, real time (setWeight 50 → pause 30s → failing analysis), poll-interval 5s')
    console.log(`   failing measurement → abort call:        ${report.abort.msFromFailingMeasurementToAbortCall} ms   (goal < 1000 ms) ${(report.abort.msFromFailingMeasurementToAbortCall ?? Infinity) < 1000 ? 'met' : 'NOT met'}`)
    console.log(`   abort call → rollout reports weight 0:    ${report.abort.msFromAbortCallToWeightZero} ms`)
    console.log(`   kubectl calls while watching:            ${report.kubectl?.calls} over ${((report.kubectl?.watchedMs ?? 0) / 1000).toFixed(1)} s = ${report.kubectl?.callsPerMinute} per minute (${watchedRequests} reads of the Rollout)`)
  } finally {
    await Promise.all([kube.close(), metrics.close()])
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
