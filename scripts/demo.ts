// npm run demo — the action end to end on an embedded default, no accounts needed: the seed team's
// QA canary (20% → pause 2m → health check → 50% → pause 3m → error rate → 100% → …) driven through
// an emulated cluster (a Kubernetes API server with an Argo Rollouts controller, spoken to by the
// real kubectl) while an emulated New Relic reports 2.68% errors against a 2% threshold. The real
// bundle runs as the GitHub runner runs it; the demo prints the step's log, its outputs, the job
// summary and where the JSON report is. A second, healthy canary is then cancelled mid-way, as a
// person cancelling the workflow would: the gate aborts it and reports within seconds. Last, a canary
// at 1 % errors — which the seed's 2 % threshold would pass — is judged against its baseline at
// 0.1 % by the sequential judge, and aborted at its first analysis with the reasons. Then the
// newest: Flagger's podinfo Canary, used as it is, on a plain Deployment behind nginx — canary-gate
// moves the traffic itself and rolls the canary back after five failed checks, with Flagger's own
// log lines (needs Debian's prometheus, as the tests do) — and `command: lint` finding every mistake
// of a broken plan at once, as a pull-request check would.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../emulators/runner.js'
import { startFlaggerScenario } from './flagger-scenario.js'
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

  await flaggerAct()
  await lintAct()
}

/** Fourth act: Flagger's podinfo Canary, unchanged, on a plain Deployment behind nginx; the canary answers 5 % errors. */
async function flaggerAct(): Promise<void> {
  console.log("\n── Flagger's podinfo Canary, used as it is: a plain Deployment behind nginx, no Flagger in the cluster ──")
  console.log('examples/flagger/canary-nginx.yaml: 5 % more traffic every minute up to 50 %, success rate ≥ 99 %, rolled back after 5 failed checks.')
  console.log('canary-gate creates podinfo-canary, writes the canary Ingress weights, and a real Prometheus scrapes the emulated nginx; the new version answers 5 % errors.')
  let scenario
  try {
    scenario = await startFlaggerScenario({ canary: 'examples/flagger/canary-nginx.yaml', canaryErrorRatio: 0.05, streams: [{ via: 'nginx', perMinute: 3000 }] })
  } catch (error) {
    console.log(`(skipped: this act needs Debian's prometheus — apt-get install -y prometheus — to run Flagger's queries: ${(error as Error).message.split('\n')[0]})`)
    return
  }
  try {
    const run = await scenario.run()
    const shown = run.stdout.split('\n').filter((line) => /New revision detected|Starting canary analysis|Pre-rollout check|Advance podinfo|Halt podinfo|Rolling back podinfo|Canary failed|rolled back: canary traffic|canary weight \d+% \(read back\)/.test(line))
    for (const line of shown) console.log(line.replace(/^::warning::/, 'warning: ').replace(/%25/g, '%'))
    const get = (resource: string, name: string): any => scenario.kube.getObject(resource, 'test', name) // eslint-disable-line @typescript-eslint/no-explicit-any
    const weight = get('ingresses', 'podinfo-canary')?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight']
    const replicas = get('deployments', 'podinfo-canary')?.spec?.replicas
    console.log(`\noutputs: verdict=${run.outputs.verdict} outcome=${run.outputs.outcome}; the cluster: ingress podinfo-canary weight ${weight}%, podinfo-canary at ${replicas} replicas, podinfo-primary still on 6.0.0.`)
    if (!(run.outputs.verdict === 'Failed' && run.outputs.outcome === 'aborted' && weight === '0')) {
      console.error('\nUnexpected: the faulty podinfo canary was not rolled back')
      process.exitCode = 1
    }
  } finally {
    await scenario.close()
  }
}

/** Fifth act: command lint on a plan with three mistakes, as a pull-request check runs it. */
async function lintAct(): Promise<void> {
  console.log('\n── command: lint on a pull request that breaks the plan (no cluster, no metrics, no credentials) ──')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-demo-lint-'))
  const template = (await readFile('examples/voting01/error-rate-newrelic.yaml', 'utf8')).replace('{{args.error-threshold}}', '{{args.error-treshold}}').replace('interval: 60s', 'interval: 60 seconds')
  await writeFile(path.join(dir, 'error-rate.yaml'), template)
  const run = await runAction({ inputs: { command: 'lint', plan: `${dir}/*.yaml`, 'github-token': '' }, env: { PATH: process.env.PATH ?? '', GITHUB_WORKSPACE: dir } })
  for (const line of run.stdout.split('\n').filter((l) => /^::(error|warning) /.test(l))) console.log(line)
  console.log(`outputs: verdict=${run.outputs.verdict}; exit code ${run.exitCode} — every problem at once, each on its file and line.`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
