// npm run demo — the action end to end on an embedded default, no accounts needed: the seed team's
// QA canary (20% → pause 2m → health check → 50% → pause 3m → error rate → 100% → …) driven through
// an emulated cluster (a Kubernetes API server with an Argo Rollouts controller, spoken to by the
// real kubectl) while an emulated New Relic reports 2.68% errors against a 2% threshold. The real
// bundle runs as the GitHub runner runs it; the demo prints the step's log, its outputs, the job
// summary and where the JSON report is.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { startKubeEmulator } from '../emulators/kube/server.js'
import { startNerdGraph } from '../emulators/newrelic/server.js'
import { ROOT, runAction } from '../emulators/runner.js'

const API_KEY = 'NRAK-DEMO0000000000000000000000000'
const ACCOUNT = 1234567
const APP = 'voting01-vote-qa'
const SPEED = 60

async function main(): Promise<void> {
  await readFile(path.join(ROOT, 'dist', 'index.js')).catch(() => {
    throw new Error('dist/index.js is missing: run `npm run bundle` first')
  })
  const origin = Date.now()
  const nerdgraph = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT, results: [{ match: `appName = '${APP}'`, rows: [{ errorRate: 2.68 }] }] })
  const cluster = await startKubeEmulator({ timeScale: SPEED, origin })
  try {
    cluster.applyRollout(parse(await readFile(path.join(ROOT, 'examples/voting01/rollout-newrelic.yaml'), 'utf8')) as Record<string, unknown>)
    // The health check Job's pod answers as the seed's script does for a canary that serves 200s.
    cluster.setJobBehavior(() => ({ exitCode: 0, log: 'healthy\n', durationMs: 5000 }))
    console.log(`canary-gate demo: deploying vote:175a032 to the emulated cluster at ${cluster.url}.`)
    console.log(`The canary serves pages (the health check passes) but New Relic (emulated at ${nerdgraph.url})`)
    console.log(`reports 2.68% errors for ${APP} against a 2% threshold. Time runs ${SPEED}× faster: a 2 m pause takes 2 s.\n`)
    console.log('── step log (node dist/index.js, kubectl against the emulated cluster) ──')
    const run = await runAction({
      inputs: {
        command: 'run',
        rollout: 'vote',
        namespace: 'voting01-qa',
        image: 'vote=registry.example.com/vote:175a032',
        plan: 'examples/voting01/rollout-newrelic.yaml examples/voting01/health-check.yaml examples/voting01/error-rate-newrelic.yaml',
        args: `app-name=${APP}`,
        'newrelic-api-key': API_KEY,
        'newrelic-account-id': String(ACCOUNT),
        'newrelic-graphql-url': nerdgraph.url,
        'github-token': ''
      },
      env: { ...cluster.env, ...cluster.timeEnv },
      onOutput: (text) => process.stdout.write(text),
      keep: true
    })
    console.log('\n── outputs ─────────────────────────────────────────────────────────────')
    for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value.replace(/\n/g, '\n    ')}`)
    console.log(`exit code: ${run.exitCode} (the step fails unless the verdict is Successful)`)
    console.log('\n── job summary (GITHUB_STEP_SUMMARY) ───────────────────────────────────')
    console.log(run.summary)
    const reached100 = cluster.events.some((event) => event.weight === 100)
    console.log(`The cluster's controller log: canary weight ${reached100 ? 'DID reach' : 'never reached'} 100%; the rollout is now ${JSON.stringify((cluster.getRollout('voting01-qa', 'vote')?.status as { phase?: string })?.phase)}.`)
    console.log(`The JSON report with every step and measurement: ${run.outputs.report}`)
    if (!(run.outputs.verdict === 'Failed' && run.outputs.outcome === 'aborted' && run.exitCode === 1 && !reached100)) {
      console.error(`\nUnexpected: verdict ${run.outputs.verdict}, outcome ${run.outputs.outcome}, exit code ${run.exitCode}`)
      process.exitCode = 1
    }
  } finally {
    await Promise.all([nerdgraph.close(), cluster.close()])
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
