// The seed team's QA canary on the emulated cluster, with its error rate in an emulated New Relic:
// the scenario behind `npm run demo` and the rendered samples in docs/.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { podTemplateHash, startKubeEmulator, type KubeEmulator } from '../emulators/kube/server.js'
import { startNerdGraph } from '../emulators/newrelic/server.js'
import { ROOT, runAction, type ActionRun, type RunActionOptions } from '../emulators/runner.js'

export const APP = 'voting01-vote-qa'
const NEW_IMAGE = 'registry.example.com/vote:175a032'
const API_KEY = 'NRAK-DEMO0000000000000000000000000'
const ACCOUNT = 1234567

export interface ScenarioOptions {
  /** New Relic's error rate for the canary, in percent (the threshold is 2). */
  errorRate: number
  /** How many times faster than real time. */
  speed: number
  onOutput?: (text: string) => void
  /** Called with the emulators' addresses before the action starts. */
  onStart?: (urls: { cluster: string; newRelic: string }) => void
  /** Cancels the job as the runner does (SIGINT, then SIGTERM and SIGKILL) when the log matches. */
  cancelWhen?: RegExp
}

export interface ScenarioResult {
  run: ActionRun
  /** Whether the canary ever got 100% of the traffic. */
  reached100: boolean
  phase?: string
  /** The rollout's abort flag and canary weight at the end. */
  aborted?: boolean
  weight?: number
}

/** The bundle's `run` of the seed's rollout vote in voting01-qa to the new image, with New Relic at `newRelic`; where the cluster ended. */
async function runSeedRollout(
  cluster: KubeEmulator,
  newRelic: string,
  options: { plan: string; args?: string; onOutput?: (text: string) => void; cancel?: RunActionOptions['cancel'] }
): Promise<ScenarioResult> {
  const run = await runAction({
    inputs: {
      command: 'run',
      rollout: 'vote',
      namespace: 'voting01-qa',
      image: `vote=${NEW_IMAGE}`,
      plan: options.plan,
      ...(options.args ? { args: options.args } : {}),
      'newrelic-api-key': API_KEY,
      'newrelic-account-id': String(ACCOUNT),
      'newrelic-graphql-url': newRelic,
      'github-token': ''
    },
    env: { ...cluster.env, ...cluster.timeEnv },
    onOutput: options.onOutput,
    keep: true,
    timeoutMs: 10 * 60_000,
    cancel: options.cancel
  })
  const status = cluster.getRollout('voting01-qa', 'vote')?.status as { phase?: string; abort?: boolean; canary?: { weights?: { canary?: { weight?: number } } } } | undefined
  return {
    run,
    reached100: cluster.events.some((event) => event.weight === 100),
    phase: status?.phase,
    aborted: status?.abort,
    weight: status?.canary?.weights?.canary?.weight
  }
}

export async function seedCanary(options: ScenarioOptions): Promise<ScenarioResult> {
  await readFile(path.join(ROOT, 'dist', 'index.js')).catch(() => {
    throw new Error('dist/index.js is missing: run `npm run bundle` first')
  })
  const origin = Date.now()
  const nerdgraph = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT, results: [{ match: `appName = '${APP}'`, rows: [{ errorRate: options.errorRate }] }] })
  let cluster: KubeEmulator | undefined
  try {
    cluster = await startKubeEmulator({ timeScale: options.speed, origin })
    cluster.applyRollout(parse(await readFile(path.join(ROOT, 'examples/voting01/rollout-newrelic.yaml'), 'utf8')) as Record<string, unknown>)
    // The health check Job's pod answers as the seed's script does for a canary that serves 200s.
    cluster.setJobBehavior(() => ({ exitCode: 0, log: 'healthy\n', durationMs: 5000 }))
    options.onStart?.({ cluster: cluster.url, newRelic: nerdgraph.url })
    return await runSeedRollout(cluster, nerdgraph.url, {
      plan: 'examples/voting01/rollout-newrelic.yaml examples/voting01/health-check.yaml examples/voting01/error-rate-newrelic.yaml',
      args: `app-name=${APP}`,
      onOutput: options.onOutput,
      cancel: options.cancelWhen ? { signal: 'SIGINT', sequence: true, when: (log) => options.cancelWhen!.test(log) } : undefined
    })
  } finally {
    await Promise.all([nerdgraph.close(), cluster?.close()])
  }
}

/** Errors and requests New Relic counts in a minute for one version's pods. */
export interface MinuteCounts {
  errors: number
  requests: number
}

export interface BaselineScenarioOptions {
  speed: number
  /** The canary's pods and the stable pods, per minute. */
  canary: MinuteCounts
  baseline: MinuteCounts
  onOutput?: (text: string) => void
}

/**
 * The seed's canary judged against its baseline (examples/voting01/rollout-baseline.yaml): New Relic
 * answers for each version's pods, told apart by the pod-template hash the cluster reports.
 */
export async function baselineCanary(options: BaselineScenarioOptions): Promise<ScenarioResult & { hashes: { canary: string; stable: string } }> {
  const rollout = parse(await readFile(path.join(ROOT, 'examples/voting01/rollout-baseline.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }
  const stable = podTemplateHash(rollout.spec.template)
  const next = structuredClone(rollout.spec.template)
  next.spec.containers[0].image = NEW_IMAGE
  const canary = podTemplateHash(next)
  const nerdgraph = await startNerdGraph({
    apiKey: API_KEY,
    accountId: ACCOUNT,
    results: [
      { match: `version = '${canary}'`, rows: [options.canary] },
      { match: `version = '${stable}'`, rows: [options.baseline] }
    ]
  })
  let cluster: KubeEmulator | undefined
  try {
    cluster = await startKubeEmulator({ timeScale: options.speed, origin: Date.now() })
    cluster.applyRollout(rollout as unknown as Record<string, unknown>)
    const result = await runSeedRollout(cluster, nerdgraph.url, {
      plan: 'examples/voting01/rollout-baseline.yaml examples/voting01/errors-vs-baseline.yaml',
      onOutput: options.onOutput
    })
    return { ...result, hashes: { canary, stable } }
  } finally {
    await Promise.all([nerdgraph.close(), cluster?.close()])
  }
}
