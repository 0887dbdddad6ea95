// The cancellation matrix: the runner cancels the job (SIGINT followed by its SIGTERM and SIGKILL
// schedule, or SIGTERM alone) in every phase of a canary — before it starts, in a timed pause, during
// each kind of measurement, while the gate aborts, with the API server hanging — under the
// on-failure / on-inconclusive / abort-on-cancel settings. Whatever the phase: the canary is never
// promoted, it ends aborted when abort-on-cancel could do it, the step exits within 10 s of the first
// signal (before the runner's SIGKILL), and the outputs and the summary are written.
import { afterAll, describe, expect, it } from '@jest/globals'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import type { ActionRun } from '../../emulators/runner.js'
import { deployInputs, NEW_IMAGE, OLD_IMAGE, rolloutOf, seedJobs, seedRollout, startCluster, type Cluster } from '../support/cluster.js'

interface Policy {
  name: string
  onFailure: 'abort' | 'pause'
  onInconclusive: 'pause' | 'abort' | 'promote'
  abortOnCancel: boolean
}

// Every value of every setting appears, with the dangerous one (on-inconclusive: promote) twice.
const POLICIES: Policy[] = [
  { name: 'abort/promote/abort-on-cancel', onFailure: 'abort', onInconclusive: 'promote', abortOnCancel: true },
  { name: 'pause/pause/abort-on-cancel', onFailure: 'pause', onInconclusive: 'pause', abortOnCancel: true },
  { name: 'abort/abort/keep-on-cancel', onFailure: 'abort', onInconclusive: 'abort', abortOnCancel: false },
  { name: 'pause/promote/keep-on-cancel', onFailure: 'pause', onInconclusive: 'promote', abortOnCancel: false }
]

interface PhaseContext {
  cluster: Cluster
  nerdgraph?: NerdGraphEmulator
}

interface Phase {
  name: string
  /** The canary's error rate: 2.68 fails the step-6 analysis. */
  errorRate?: number
  newRelic?: boolean
  setup?: (ctx: PhaseContext) => void
  /** Cancel when the step's log matches this. */
  when?: RegExp
  /** Or when this holds (checked every 20 ms). */
  poll?: (ctx: PhaseContext) => boolean
  /** Done right before the signal is sent (e.g. the API server starts hanging). */
  atCancel?: (ctx: PhaseContext) => void
  /** Whether the canary had started by then (an image write that lands counts). */
  started: boolean
  /** The gate's own on-failure abort was under way before the cancel (errorRate 2.68). */
  failing?: boolean
  /** The API server answers nothing any more: no abort can be sent. */
  apiDown?: boolean
}

const PHASES: Phase[] = [
  {
    name: 'before the start, while the steps are patched (nothing started)',
    setup: ({ cluster }) => cluster.kube.setFault({ verb: 'patch', resource: 'rollouts', contentType: 'merge-patch', kind: 'delay', ms: 1500, times: 1 }),
    when: /the live steps differ from the plan; patching them/,
    started: false
  },
  {
    name: 'before the start, with the image write in flight',
    setup: ({ cluster }) => cluster.kube.setFault({ verb: 'patch', resource: 'rollouts', contentType: 'json-patch', kind: 'delay', ms: 1200, times: 1 }),
    when: /\$ kubectl patch rollout vote -n voting01-qa --type=json/,
    started: true
  },
  { name: 'in a timed pause', when: /step 2\/9 pause 2m/, started: true },
  { name: 'during the health-check Job', when: /job vote-http-health-[\w-]+ created/, started: true },
  { name: 'during the error-rate Job', when: /job vote-error-rate-[\w-]+ created/, started: true },
  { name: 'during a New Relic measurement in flight', newRelic: true, poll: ({ nerdgraph }) => (nerdgraph?.requests.length ?? 0) > 0, started: true },
  { name: 'the moment the analysis failed', errorRate: 2.68, when: /error-rate is Failed: .*ending the analysis now/, started: true, failing: true },
  {
    name: 'during the abort, the API server hanging on it',
    errorRate: 2.68,
    // The gate's own on-failure write (the abort, or the user pause) never gets an answer.
    setup: ({ cluster }) => cluster.kube.setFault({ verb: 'patch', resource: 'rollouts', body: /"abort":true|"paused":true/, kind: 'hang', times: 1 }),
    when: /\$ kubectl patch rollout vote -n voting01-qa .*("abort":true|"paused":true)/,
    started: true,
    failing: true
  },
  {
    name: 'with the API server hanging on everything',
    when: /step 5\/9 pause 3m/,
    atCancel: ({ cluster }) => cluster.kube.setFault({ kind: 'hang' }),
    started: true,
    apiDown: true
  }
]

interface Case {
  phase: Phase
  policy: Policy
  signal: 'SIGINT' | 'SIGTERM'
}

// Both signals in every phase; the policies rotate so each meets each signal across the phases.
const CASES: Case[] = PHASES.flatMap((phase, p) =>
  [0, 1, 2, 3].map((i) => ({ phase, policy: POLICIES[(p + i) % POLICIES.length], signal: i % 2 === 0 ? ('SIGINT' as const) : ('SIGTERM' as const) }))
)

const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  await Promise.all(closers.map((close) => close()))
})

async function runCase({ phase, policy, signal }: Case): Promise<{ run: ActionRun; cluster: Cluster }> {
  const cluster = await startCluster({
    scale: 120,
    // At this speed a Job's 120 s TTL is one real second: under load it could go before its log is read.
    jobTtl: false,
    rollout: phase.newRelic ? await seedRollout('examples/voting01/rollout-newrelic.yaml') : undefined
  })
  closers.push(() => cluster.close())
  const ctx: PhaseContext = { cluster }
  const errorRate = phase.errorRate ?? 0.4
  cluster.kube.setJobBehavior(seedJobs(() => errorRate))
  let newRelicInputs: Record<string, string> = {}
  if (phase.newRelic) {
    const key = 'NRAK-CANCEL000000000000000000000'
    ctx.nerdgraph = await startNerdGraph({ apiKey: key, accountId: 42, latencyMs: 1500, results: [{ match: 'voting01-vote-qa', rows: [{ errorRate }] }] })
    closers.push(() => ctx.nerdgraph!.close())
    newRelicInputs = {
      plan: 'examples/voting01/rollout-newrelic.yaml examples/voting01/health-check.yaml examples/voting01/error-rate-newrelic.yaml',
      args: 'app-name=voting01-vote-qa',
      'newrelic-api-key': key,
      'newrelic-account-id': '42',
      'newrelic-graphql-url': ctx.nerdgraph.url
    }
  }
  phase.setup?.(ctx)
  const run = await cluster.run({
    inputs: deployInputs({
      'on-failure': policy.onFailure,
      'on-inconclusive': policy.onInconclusive,
      'abort-on-cancel': String(policy.abortOnCancel),
      'kubectl-timeout': '20s',
      // At 120× a loaded machine's kubectl calls cost minutes of plan time: keep the run's own timeout out of it.
      timeout: '24h',
      ...newRelicInputs
    }),
    timeoutMs: 90_000,
    cancel: {
      signal,
      sequence: signal === 'SIGINT',
      when: phase.when ? (log) => phase.when!.test(log) : undefined,
      poll: phase.poll ? () => phase.poll!(ctx) : undefined,
      onCancel: () => phase.atCancel?.(ctx)
    }
  })
  // The hanging API server must not keep the checks below from reading the cluster.
  cluster.kube.setFault(null)
  return { run, cluster }
}

describe(`cancellation matrix: ${PHASES.length} phases × 2 signals × ${POLICIES.length} policies (${CASES.length} runs)`, () => {
  it.concurrent.each(CASES.map((c) => [`${c.phase.name} · ${c.signal} · ${c.policy.name}`, c] as const))('%s', async (_name, testCase) => {
    const { phase, policy } = testCase
    const { run, cluster } = await runCase(testCase)
    const rollout = rolloutOf(cluster.kube)
    const context = `\n--- log ---\n${run.stdout.slice(-4000)}\n--- summary ---\n${run.summary.slice(0, 1500)}`

    // It was cancelled, and it left before the runner's SIGKILL, with its outputs and summary.
    if (run.signalsSent[0] !== testCase.signal) throw new Error(`never cancelled (exit ${run.exitCode})${context}`)
    expect({ exitAfterCancelMs: run.exitAfterCancelMs! < 10_000, killed: run.signal === 'SIGKILL' }).toEqual({ exitAfterCancelMs: true, killed: false })
    expect(run.outputs.verdict).toMatch(/^(Inconclusive|Failed|Error)$/)
    expect(run.outputs.outcome).toMatch(/^(aborted|paused|none)$/)
    expect(run.summary).toContain('cancelled')
    expect(run.exitCode).toBe(1)

    // Never promoted: the canary never reached 100 %, and the new image is not stable.
    expect(cluster.kube.events.some((e) => e.weight === 100)).toBe(false)
    expect(rollout.phase === 'Healthy' && rollout.image === NEW_IMAGE).toBe(false)

    if (!phase.started) {
      expect({ image: rollout.image, abort: Boolean(rollout.abort), outcome: run.outputs.outcome }).toEqual({ image: OLD_IMAGE, abort: false, outcome: 'none' })
    } else if (phase.apiDown) {
      // Nothing can reach the cluster: the report says what to do by hand.
      expect(rollout.abort ?? false).toBe(false)
      if (policy.abortOnCancel) expect(run.summary).toContain('kubectl argo rollouts abort vote -n voting01-qa')
    } else if (policy.abortOnCancel || (phase.failing && policy.onFailure === 'abort')) {
      if (rollout.abort !== true) console.log(context)
      expect({ abort: rollout.abort, outcome: run.outputs.outcome }).toEqual({ abort: true, outcome: 'aborted' })
    } else {
      expect({ abort: Boolean(rollout.abort), context: '' }).toEqual({ abort: false, context: '' })
      expect(run.summary).toContain('abort-on-cancel is false')
    }
    if (run.exitAfterCancelMs! >= 10_000) throw new Error(context)
  }, 150_000)
})
