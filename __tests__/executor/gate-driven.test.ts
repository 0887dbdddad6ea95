// The executor driving a gate-driven target (a Deployment behind a router) in process: it waits for
// readiness before each weight change, sets each weight, ends timed pauses itself, measures at the
// analysis steps, promotes at the end, and rolls back (weight 0, verified) when an analysis fails.
import { describe, expect, it } from '@jest/globals'
import type { AnalysisOutcome, MetricSpec, Verdict } from '../../src/analysis/types.js'
import { IssueList } from '../../src/config-error.js'
import { Executor, type Analyst } from '../../src/executor/executor.js'
import { memoryLogger } from '../../src/log.js'
import type { PlanStep } from '../../src/plan/rollout.js'
import type { AbortOptions, ManualCommands, Target, TargetState } from '../../src/targets/target.js'
import { VirtualClock } from '../support/virtual-clock.js'

const MINUTE = 60_000
const gate = { templates: [{ name: 'error-rate' }], ref: { templateName: 'error-rate' }, path: [] } as unknown as Extract<PlanStep, { kind: 'analysis' }>['gate']
const steps: PlanStep[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: MINUTE }, { kind: 'analysis', gate }, { kind: 'setWeight', weight: 50 }, { kind: 'analysis', gate }]

/** A Deployment-like target: the canary needs `readyAfterMs` to become ready after it starts; the gate does the rest. */
class GateTarget implements Target {
  readonly name = 'podinfo'
  readonly namespace = 'test'
  readonly path = 'kubectl' as const
  readonly kind = 'deployment' as const
  readonly router = { kind: 'nginx' as const, object: 'ingress podinfo-canary' }
  readonly drives = 'gate' as const
  readonly dryRun = false
  requests = 0
  readonly calls: string[] = []
  index?: number
  weight = 0
  startedAt?: number
  stepAt?: number
  aborted = false
  promoted = false
  image = 'app:v1'
  constructor(
    private readonly clock: VirtualClock,
    private readonly readyAfterMs = 30_000
  ) {}
  private state(): TargetState {
    const step = this.index === undefined ? undefined : steps[this.index]
    const ready = this.startedAt === undefined || this.clock.now() >= this.startedAt + this.readyAfterMs
    return {
      weight: this.weight,
      stepIndex: this.index,
      phase: this.aborted ? 'Aborted' : this.promoted ? 'Healthy' : 'Progressing',
      message: '',
      stableRevision: this.promoted ? 'app:v2' : 'app:v1',
      canaryRevision: this.startedAt === undefined ? undefined : 'app:v2',
      containers: [{ name: 'app', image: this.image }],
      paused: false,
      waitingAtStep: !this.aborted && step?.kind === 'analysis',
      stepPause: step?.kind === 'pause' ? { startedAt: this.stepAt } : undefined,
      aborted: this.aborted,
      degraded: false,
      updating: this.index !== undefined && !this.promoted && !this.aborted,
      completed: this.promoted,
      ready,
      description: `step ${this.index}, weight ${this.weight}`
    }
  }
  announce(): void {}
  async read(): Promise<TargetState> {
    this.requests++
    return this.state()
  }
  stepsDiff(): undefined {
    return undefined
  }
  async applySteps(): Promise<void> {}
  async startRevision(container: string, image: string): Promise<void> {
    this.calls.push(`start ${container}=${image}`)
    this.startedAt = this.stepAt = this.clock.now()
    this.index = 0
  }
  async setWeight(weight: number): Promise<void> {
    if (!this.state().ready) throw new Error('a weight change before the canary was ready')
    this.calls.push(`weight ${weight}`)
    this.weight = weight
  }
  async waitReady(options: { clock: VirtualClock; pollMs: number; until: number; signal?: AbortSignal }): Promise<{ state: TargetState; ready: boolean }> {
    this.calls.push('wait ready')
    while (!this.state().ready && options.clock.now() < options.until) await options.clock.sleep(options.pollMs, options.signal)
    return { state: this.state(), ready: this.state().ready }
  }
  async promote(full: boolean): Promise<void> {
    if (!full && this.index! + 1 < steps.length) {
      this.index!++
      this.stepAt = this.clock.now()
      this.calls.push(`advance to ${this.index! + 1}`)
      return
    }
    this.calls.push('promote')
    this.promoted = true
    this.weight = 0
    this.index = steps.length
  }
  async pause(): Promise<void> {}
  async abort(reason: string, before: TargetState, options: AbortOptions) {
    const requestedAt = options.clock.now()
    await this.abortBlind()
    const state = await this.read()
    return { record: { reason, requestedAt, confirmedAt: state.weight === 0 ? options.clock.now() : undefined, weightBefore: before.weight, weightAfter: state.weight }, state }
  }
  async abortBlind(): Promise<void> {
    this.calls.push('rollback')
    this.weight = 0
    this.aborted = true
  }
  stopWrites(): void {}
  hurried(): GateTarget {
    return this
  }
  commands(): ManualCommands {
    return { promote: 'run again', promoteFull: 'run again', abort: 'weight 0', retry: 'run again', status: 'get' }
  }
  failure(): undefined {
    return undefined
  }
}

function analyst(clock: VirtualClock, verdicts: Record<string, Verdict>): Analyst<TargetState> {
  return {
    async metrics() {
      return { metrics: [], issues: new IssueList() }
    },
    async run(label, _metrics, options) {
      const startedAt = clock.now()
      await clock.sleep(MINUTE, options.signal)
      const verdict = verdicts[label] ?? 'Successful'
      if (verdict !== 'Successful') options.onMeasurement({ name: 'error-rate' } as MetricSpec, { finishedAt: clock.now() }, { phase: verdict })
      return { verdict, startedAt, finishedAt: clock.now(), metrics: [], reasons: verdict === 'Successful' ? [] : [`error-rate ${verdict}`], ending: verdict === 'Successful' ? 'completed' : 'decided' } satisfies AnalysisOutcome
    }
  }
}

function setup(verdicts: Record<string, Verdict> = {}, timeoutMs = 60 * MINUTE, onInconclusive: 'abort' | 'pause' = 'abort') {
  const clock = new VirtualClock()
  const target = new GateTarget(clock)
  const log = memoryLogger()
  const executor = new Executor({
    plan: { steps },
    target,
    analyst: analyst(clock, verdicts),
    clock,
    log,
    policies: { onFailure: 'abort', onInconclusive, abortOnCancel: true },
    pollIntervalMs: 10_000,
    timeoutMs,
    image: { container: 'app', image: 'app:v2' },
    applySteps: false,
    signal: new AbortController().signal
  })
  return { clock, target, executor, log }
}

describe('the executor driving a gate-driven target', () => {
  it('waits for readiness, sets 20 %, ends the pause, measures, sets 50 %, measures and promotes', async () => {
    const { target, executor } = setup()
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(target.calls).toEqual(['start app=app:v2', 'wait ready', 'weight 20', 'advance to 2', 'advance to 3', 'advance to 4', 'wait ready', 'weight 50', 'advance to 5', 'promote'])
    expect(result.steps!.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'passed'])
    expect(result.rollout).toMatchObject({ kind: 'deployment', router: { kind: 'nginx', object: 'ingress podinfo-canary' }, path: 'kubectl' })
    // the pause took its minute on the clock
    expect(result.steps![1].finishedAt! - result.steps![1].startedAt!).toBeGreaterThanOrEqual(MINUTE)
  })

  it('rolls back when the first analysis fails: weight 0 verified, nothing set after', async () => {
    const { target, executor } = setup({ 'step 3/5': 'Failed' })
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(target.calls).toEqual(['start app=app:v2', 'wait ready', 'weight 20', 'advance to 2', 'advance to 3', 'rollback'])
    expect(result.abort).toMatchObject({ weightBefore: 20, weightAfter: 0, confirmedAt: expect.any(Number) })
    expect(result.steps!.map((s) => s.result)).toEqual(['done', 'done', 'failed', 'skipped', 'skipped'])
  })

  it('a timeout rolls the canary back (on-failure abort): weight 0 verified', async () => {
    const { target, executor } = setup({}, 90_000)
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Error', outcome: 'aborted' })
    expect(result.reasons[0]).toMatch(/did not finish within the timeout \(1m 30s\)/)
    expect(target.calls).toEqual(['start app=app:v2', 'wait ready', 'weight 20', 'advance to 2', 'rollback'])
    expect(result.abort).toMatchObject({ weightBefore: 20, weightAfter: 0 })
  })

  it('an inconclusive step with on-inconclusive pause holds the weight where it is, and says how to go on', async () => {
    const { target, executor, log } = setup({ 'step 3/5': 'Inconclusive' }, 60 * MINUTE, 'pause')
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'paused' })
    expect(target.calls).toEqual(['start app=app:v2', 'wait ready', 'weight 20', 'advance to 2', 'advance to 3'])
    expect(target.weight).toBe(20)
    expect(log.lines.join('\n')).toContain('To go on: run again. To roll back: weight 0.')
  })
})
