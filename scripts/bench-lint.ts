// npm run bench:lint — how long lint takes on the seed plan (examples/ and the Flagger fixtures), in
// process (read, check, rules) and through the bundle as the runner runs it (spawn to exit). Prints
// its figures; it asserts nothing. Goal: the whole seed plan well under a second.
import { existsSync } from 'node:fs'
import { IssueList } from '../src/config-error.js'
import { lintDocuments } from '../src/lint/index.js'
import { PLAN_READER } from '../src/plan/flagger/documents.js'
import { loadPlanFiles } from '../src/plan/load.js'
import { Secrets } from '../src/secrets.js'
import { BUNDLE, ROOT, runAction } from '../emulators/runner.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 9)
/** Each example is a plan of its own, as a workflow would name it. */
const PLANS = ['examples/voting01/*.yaml', 'examples/podinfo/*.yaml', 'examples/validator/*.yaml', '__tests__/fixtures/flagger/*.yaml']

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function lintOnce(plan: string): Promise<{ documents: number; errors: number; warnings: number }> {
  const loading = new IssueList()
  const docs = await loadPlanFiles([plan], ROOT, loading, PLAN_READER)
  const findings = lintDocuments(docs, { args: new Map(), templates: [], timeoutMs: 3_600_000, namespace: 'default', secrets: new Secrets() }, loading.issues)
  return { documents: docs.length, errors: findings.filter((f) => f.level === 'error').length, warnings: findings.filter((f) => f.level === 'warning').length }
}

async function main(): Promise<void> {
  console.log(`lint, in process (median of ${RUNS}, after one warm-up):`)
  let total = 0
  for (const plan of PLANS) {
    const counts = await lintOnce(plan)
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now()
      await lintOnce(plan)
      times.push(performance.now() - started)
    }
    total += median(times)
    console.log(`  ${plan.padEnd(36)} ${median(times).toFixed(1).padStart(7)} ms  (${counts.documents} documents, ${counts.errors} errors, ${counts.warnings} warnings)`)
  }
  console.log(`  ${'all four plans'.padEnd(36)} ${total.toFixed(1).padStart(7)} ms`)
  if (!existsSync(BUNDLE)) {
    console.log('no dist/index.js: run npm run bundle for the bundle figure')
    return
  }
  const spawnToExit = async (plan: string): Promise<number> => {
    const times: number[] = []
    for (let i = 0; i < Math.min(RUNS, 5); i++) times.push((await runAction({ inputs: { command: 'lint', plan } })).elapsedMs)
    return median(times)
  }
  const whole = await spawnToExit(PLANS.join('\n'))
  // The same step with a plan that names no file: starting node, loading the bundle, writing the summary.
  const empty = await spawnToExit('no-such-file.yaml')
  console.log(`lint through the bundle (spawn to exit, median of ${Math.min(RUNS, 5)}): every seed plan file in one plan ${whole.toFixed(0)} ms; a plan naming no file ${empty.toFixed(0)} ms; the difference ${(whole - empty).toFixed(0)} ms`)
}

await main()
