// npm run demo — the action end to end on an embedded default, no accounts needed: the seed team's
// error-rate metric, asked of an emulated New Relic (NerdGraph) and of their /v1/metrics endpoint,
// while the canary runs at 2.68% errors. The real bundle runs as the GitHub runner runs it; the demo
// prints the step's log, its outputs, the job summary and where the JSON report is.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { startNerdGraph } from '../emulators/newrelic/server.js'
import { ROOT, runAction } from '../emulators/runner.js'
import { startSeedMetrics } from '../emulators/seed-metrics/server.js'

const API_KEY = 'NRAK-DEMO0000000000000000000000000'
const ACCOUNT = 1234567
const APP = 'voting01-vote-qa'
const SPEED = 60

async function main(): Promise<void> {
  await readFile(path.join(ROOT, 'dist', 'index.js')).catch(() => {
    throw new Error('dist/index.js is missing: run `npm run bundle` first')
  })
  const nerdgraph = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT, results: [{ match: `appName = '${APP}'`, rows: [{ errorRate: 2.68 }] }] })
  const metrics = await startSeedMetrics({ apps: { [APP]: { errorRate: 2.68 } } })
  try {
    console.log(`canary-gate demo: the canary of ${APP} runs at 2.68% errors; the threshold is 2%.`)
    console.log(`Emulated New Relic at ${nerdgraph.url}, the seed's metrics endpoint at ${metrics.url}.`)
    console.log(`Time runs ${SPEED}× faster: the 60 s measurement interval takes 1 s.\n`)
    console.log('── step log (node dist/index.js) ──────────────────────────────────────')
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-newrelic.yaml examples/voting01/error-rate-web.yaml',
        args: `app-name=${APP}\nmetrics-url=${metrics.url}`,
        'newrelic-api-key': API_KEY,
        'newrelic-account-id': String(ACCOUNT),
        'newrelic-graphql-url': nerdgraph.url,
        'github-token': ''
      },
      env: { CANARY_GATE_TIME_SCALE: String(SPEED) },
      onOutput: (text) => process.stdout.write(text)
    })
    console.log('\n── outputs ─────────────────────────────────────────────────────────────')
    for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`)
    console.log(`exit code: ${run.exitCode} (the step fails unless the verdict is Successful)`)
    console.log('\n── job summary (GITHUB_STEP_SUMMARY) ───────────────────────────────────')
    console.log(run.summary)
    console.log(`The JSON report with every measurement: ${run.outputs.report}`)
    const expected = run.outputs.verdict === 'Failed' && run.exitCode === 1
    if (!expected) {
      console.error(`\nUnexpected: verdict ${run.outputs.verdict}, exit code ${run.exitCode}`)
      process.exitCode = 1
    }
  } finally {
    await Promise.all([nerdgraph.close(), metrics.close()])
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
