// An emulated cluster holding the seed team's Rollout, and the bundle run against it as the runner
// runs it: KUBECONFIG pointing at the emulator, and time sped up on both sides by the same clock.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { startKubeEmulator, PLUGIN_DIR, type KubeEmulator, type JobOutcome } from '../../emulators/kube/server.js'
import { ROOT, runAction, type ActionRun, type RunActionOptions } from '../../emulators/runner.js'

export const NAMESPACE = 'voting01-qa'
export const OLD_IMAGE = 'registry.example.com/vote:175a031'
export const NEW_IMAGE = 'registry.example.com/vote:175a032'

export async function seedRollout(file = 'examples/voting01/rollout.yaml'): Promise<Record<string, unknown>> {
  return parse(await readFile(path.join(ROOT, file), 'utf8')) as Record<string, unknown>
}

/** The seed team's jobs: the health check and the curl error-rate check, answering as their scripts do. */
export function seedJobs(errorRate: () => number, healthy: () => boolean = () => true): (job: Record<string, unknown>) => JobOutcome {
  return (job) => {
    const spec = job.spec as { template: { spec: { containers: Array<{ name: string }> } } }
    const container = spec.template.spec.containers[0].name
    if (container === 'health-check') return healthy() ? { exitCode: 0, log: 'healthy\n' } : { exitCode: 1, log: 'unhealthy: HTTP 503\n' }
    if (container === 'newrelic-check') {
      const rate = errorRate()
      const lines = [`Querying New Relic for voting01-vote-qa error rate...`, `Error Rate: ${rate}% (threshold: 2%)`]
      return rate < 2 ? { exitCode: 0, log: `${lines.join('\n')}\n{"errorRate": ${rate}}\n` } : { exitCode: 1, log: `${lines.join('\n')}\n❌ Error rate exceeds threshold - triggering rollback\n{"errorRate": ${rate}}\n` }
    }
    return { exitCode: 0, log: 'ok\n' }
  }
}

export interface Cluster {
  kube: KubeEmulator
  scale: number
  run(options: Omit<RunActionOptions, 'env'> & { env?: Record<string, string>; plugin?: boolean }): Promise<ActionRun>
  close(): Promise<void>
}

export async function startCluster(options: { scale?: number; rollout?: Record<string, unknown>; jobTtl?: boolean } = {}): Promise<Cluster> {
  const scale = options.scale ?? 60
  const origin = Date.now()
  const kube = await startKubeEmulator({ timeScale: scale, origin, jobTtl: options.jobTtl })
  kube.applyRollout(options.rollout ?? (await seedRollout()))
  return {
    kube,
    scale,
    run: ({ env, plugin, ...rest }) =>
      runAction({
        ...rest,
        env: {
          ...kube.env,
          CANARY_GATE_TIME_SCALE: String(scale),
          CANARY_GATE_TIME_ORIGIN: String(origin),
          PATH: plugin ? `${PLUGIN_DIR}${path.delimiter}${process.env.PATH}` : (process.env.PATH ?? ''),
          ...env
        }
      }),
    close: () => kube.close()
  }
}

/** The inputs of a push deploy of the seed rollout. */
export function deployInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'run',
    rollout: 'vote',
    namespace: NAMESPACE,
    image: `vote=${NEW_IMAGE}`,
    plan: 'examples/voting01/rollout.yaml examples/voting01/health-check.yaml examples/voting01/analysis-template.yaml',
    // Every read of the rollout is a kubectl process: on a sped-up clock, 10 s keeps CI's CPU for the tests.
    'poll-interval': '10s',
    ...extra
  }
}

export function rolloutOf(kube: KubeEmulator): { phase?: string; abort?: boolean; weight?: number; image?: string; index?: number; pauses: number } {
  const r = kube.getRollout(NAMESPACE, 'vote') as { status?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined
  const status = (r?.status ?? {}) as { phase?: string; abort?: boolean; currentStepIndex?: number; pauseConditions?: unknown[]; canary?: { weights?: { canary?: { weight?: number } } } }
  const containers = ((r?.spec as { template?: { spec?: { containers?: Array<{ image?: string }> } } })?.template?.spec?.containers ?? [])
  return {
    phase: status.phase,
    abort: status.abort,
    weight: status.canary?.weights?.canary?.weight,
    image: containers[0]?.image,
    index: status.currentStepIndex,
    pauses: status.pauseConditions?.length ?? 0
  }
}
