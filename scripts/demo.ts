// npm run demo — the action end to end on an embedded default, no accounts needed: the seed team's
// QA canary (20% → pause 2m → health check → 50% → pause 3m → error rate → 100% → …) driven through
// an emulated cluster (a Kubernetes API server with an Argo Rollouts controller, spoken to by the
// real kubectl) while an emulated New Relic reports 2.68% errors against a 2% threshold. The real
// bundle runs as the GitHub runner runs it; the demo prints the step's log, its outputs, the job
// summary and where the JSON report is. A second, healthy canary is then cancelled mid-way, as a
// person cancelling the workflow would: the gate aborts it and reports within seconds. Last, a canary
// at 1 % errors — which the seed's 2 % threshold would pass — is judged against its baseline at
// 0.1 % by the sequential judge, and aborted at its first analysis with the reasons.
import { APP, baselineCanary, seedCanary } from './scenario.js'

const SPEED = 60

async function main(): Promise<void> {
  const { run, reached100, phase } = await seedCanary({
    errorRate: 2.68,
    speed: SPEED,
    onOutput: (text) => process.stdout.write(text),
    onStart: ({ cluster, newRelic }) => {
      console.log(`canary-gate demo: deploying vote:175a032 to the emulated cluster at ${cluster}.`)
      console.log(`The canary serves pages (the health check passes) but New Relic (emulated at ${newRelic})`)
      console.log(`reports 2.68% errors for ${APP} against a 2% threshold. Time runs ${SPEED}× faster: a 2 m pause takes 2 s.\n`)
      console.log('── step log (node dist/index.js, kubectl against the emulated cluster) ──')
    }
  })
  console.log('\n── outputs ─────────────────────────────────────────────────────────────')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value.replace(/\n/g, '\n    ')}`)
  console.log(`exit code: ${run.exitCode} (the step fails unless the verdict is Successful)`)
  console.log('\n── job summary (GITHUB_STEP_SUMMARY) ───────────────────────────────────')
  console.log(run.summary)
  console.log(`The cluster: canary weight ${reached100 ? 'DID reach' : 'never reached'} 100%; the rollout is now ${phase}.`)
  console.log(`The JSON report with every step and measurement: ${run.outputs.report}`)
  if (!(run.outputs.verdict === 'Failed' && run.outputs.outcome === 'aborted' && run.exitCode === 1 && !reached100)) {
    console.error(`\nUnexpected: verdict ${run.outputs.verdict}, outcome ${run.outputs.outcome}, exit code ${run.exitCode}`)
    process.exitCode = 1
  }

  // Second act: someone cancels the workflow while a healthy canary waits in its 3-minute pause.
  console.log('\n── the workflow is cancelled mid-canary (SIGINT, as the runner sends it) ──')
  const cancelled = await seedCanary({ errorRate: 0.4, speed: SPEED, cancelWhen: /step 5\/9 pause 3m/ })
  const lines = cancelled.run.stdout.split('\n').filter((line) => /received SIGINT|aborting rollout|aborted: canary traffic|::error::/.test(line))
  for (const line of lines) console.log(line)
  console.log(`outputs: verdict=${cancelled.run.outputs.verdict} outcome=${cancelled.run.outputs.outcome}; the step exited ${((cancelled.run.exitAfterCancelMs ?? 0) / 1000).toFixed(1)} s after the signal`)
  console.log(`The cluster: canary weight ${cancelled.weight ?? '?'}%, aborted: ${cancelled.aborted === true}, 100% ${cancelled.reached100 ? 'DID' : 'never'} reached.`)
  if (!(cancelled.aborted && cancelled.run.outputs.outcome === 'aborted' && !cancelled.reached100)) {
    console.error('\nUnexpected: the cancelled canary was not aborted')
    process.exitCode = 1
  }

  // Third act: the newest capability — the canary judged against its baseline, not a fixed threshold.
  console.log('\n── a canary at 1 % errors, judged against its baseline at 0.1 % (not a 2 % threshold) ──')
  console.log('New Relic counts errors and requests for the canary\'s pods and the stable pods (by pod-template hash);')
  console.log('the sequential judge (examples/voting01/errors-vs-baseline.yaml) looks every minute at α 0.01.')
  const judged = await baselineCanary({ speed: SPEED, canary: { errors: 15, requests: 1500 }, baseline: { errors: 6, requests: 6000 } })
  const judgedLines = judged.run.stdout.split('\n').filter((line) => /errors-vs-baseline #|aborting rollout|aborted: canary traffic|::error::/.test(line))
  for (const line of judgedLines) console.log(line)
  const table = /#### Canary against baseline[\s\S]*?(?=\n#{2,4} |\n<details>|$)/.exec(judged.run.summary)
  if (table) console.log(`\n${table[0].trim()}`)
  console.log(`\noutputs: verdict=${judged.run.outputs.verdict} outcome=${judged.run.outputs.outcome}; the cluster: canary weight ${judged.weight ?? '?'}%, 100% ${judged.reached100 ? 'DID' : 'never'} reached.`)
  if (!(judged.run.outputs.verdict === 'Failed' && judged.run.outputs.outcome === 'aborted' && !judged.reached100)) {
    console.error('\nUnexpected: the canary ten times worse than its baseline was not aborted')
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
