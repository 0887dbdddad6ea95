// The step-plan executor in process, against a target kept in memory and analyses that answer what
// each test says, on a virtual clock: what the user sees in the result (outcome, verdict, steps,
// abort timing, reasons) and what was done to the target.
import { describe, expect, it } from '@jest/globals'
import type { AnalysisOutcome, MetricSpec, Verdict } from '../../src/analysis/types.js'
import { IssueList } from '../../src/config-error.js'
import type { Policies } from '../../src/executor/decide.js'
import { Executor, type Analyst } from '../../src/executor/executor.js'
import { memoryLogger } from '../../src/log.js'
import type { PlanStep } from '../../src/plan/rollout.js'
import type { TargetState } from '../../src/targets/target.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { FakeTarget } from './fake-target.js'

const MINUTE = 60_000
const gate = { templates: [{ name: 'error-rate' }], ref: { templateName: 'error-rate' }, path: [] } as unknown as Extract<PlanStep, { kind: 'analysis' }>['gate']
const analysis: PlanStep = { kind: 'analysis', gate }
/** 20 %, a minute, an analysis, 50 %, an analysis: five steps. */
const steps: PlanStep[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: MINUTE }, analysis, { kind: 'setWeight', weight: 50 }, analysis]
const abortAll: Policies = { onFailure: 'abort', onInconclusive: 'abort', abortOnCancel: true }

/** Analyses that take `tookMs` and reach the verdict given for their label (Successful otherwise). */
function analyst(clock: VirtualClock, verdicts: Record<string, Verdict>, tookMs = 2 * MINUTE, decided?: () => void): Analyst<TargetState> {
  return {
    async metrics() {
      return { metrics: [], issues: new IssueList() }
    },
    async run(label, _metrics, options) {
      const startedAt = clock.now()
      const verdict = verdicts[label] ?? 'Successful'
      const stopped = await clock.sleep(tookMs, options.signal).then(
        () => false,
        () => true
      )
      if (stopped) return { verdict: 'Inconclusive', startedAt, finishedAt: clock.now(), metrics: [], reasons: ['stopped'], ending: 'stopped' } satisfies AnalysisOutcome
      if (verdict !== 'Successful') options.onMeasurement({ name: 'error-rate' } as MetricSpec, { finishedAt: clock.now() }, { phase: verdict })
      decided?.()
      const reasons = verdict === 'Successful' ? [] : [`error-rate ${verdict}`]
      return { verdict, startedAt, finishedAt: clock.now(), metrics: [], reasons, ending: verdict === 'Successful' ? 'completed' : 'decided' } satisfies AnalysisOutcome
    }
  }
}

function setup(options: { verdicts?: Record<string, Verdict>; policies?: Partial<Policies>; timeoutMs?: number; plan?: PlanStep[]; cancelAtVerdict?: boolean } = {}) {
  const clock = new VirtualClock()
  const plan = options.plan ?? steps
  const target = new FakeTarget(plan, clock)
  const cancel = new AbortController()
  const log = memoryLogger()
  const executor = new Executor({
    plan: { steps: plan },
    target,
    analyst: analyst(clock, options.verdicts ?? {}, 2 * MINUTE, options.cancelAtVerdict ? () => cancel.abort() : undefined),
    clock,
    log,
    policies: { ...abortAll, ...options.policies },
    pollIntervalMs: 10_000,
    timeoutMs: options.timeoutMs ?? 60 * MINUTE,
    image: { container: 'app', image: 'app:v2' },
    applySteps: false,
    signal: cancel.signal
  })
  return { clock, target, cancel, log, executor, startedAt: clock.now() }
}

describe('the executor against a fake target', () => {
  it('promotes a healthy canary through every step, measuring each analysis once', async () => {
    const { target, executor } = setup()
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(result.steps!.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'passed'])
    expect(result.analyses.map((a) => [a.label, a.outcome.verdict])).toEqual([
      ['step 3/5', 'Successful'],
      ['step 5/5', 'Successful']
    ])
    expect(target.calls).toEqual(['set image app=app:v2', 'promote 2', 'promote 4'])
    expect(result.reasons).toEqual(['the canary went through all 5 steps and is now stable'])
    expect(result.rollout).toMatchObject({ name: 'vote', namespace: 'qa', image: 'app=app:v2', after: 'Healthy' })
  })

  it('aborts the moment an analysis fails, and times the abort from the failing measurement', async () => {
    const { target, executor, startedAt } = setup({ verdicts: { 'step 5/5': 'Failed' } })
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(result.steps!.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'failed'])
    expect(target.calls).toEqual(['set image app=app:v2', 'promote 2', 'abort'])
    expect(result.abort).toMatchObject({ reason: 'step 5/5: error-rate Failed', weightBefore: 50, weightAfter: 0 })
    // the failing measurement, the abort call and the weight back at 0: all at the same clock time
    expect(result.abort!.failingMeasurementAt).toBeGreaterThan(startedAt)
    expect(result.abort!.requestedAt).toBe(result.abort!.failingMeasurementAt)
    expect(result.abort!.confirmedAt).toBe(result.abort!.requestedAt)
    expect(result.nextSteps).toEqual(['retry vote', 'get vote'])
  })

  it.each([
    ['abort', 'aborted', ['set image app=app:v2', 'abort'], 'inconclusive'],
    ['pause', 'paused', ['set image app=app:v2', 'pause'], 'inconclusive'],
    ['promote', 'promoted', ['set image app=app:v2', 'promote 2', 'promote 4'], 'inconclusive']
  ] as const)('an inconclusive analysis under on-inconclusive: %s leaves the rollout %s', async (policy, outcome, calls, stepResult) => {
    const { target, executor } = setup({ verdicts: { 'step 3/5': 'Inconclusive' }, policies: { onInconclusive: policy } })
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome })
    expect(result.steps![2].result).toBe(stepResult)
    expect(target.calls).toEqual(calls)
    if (policy === 'promote') expect(result.notes).toContain('on-inconclusive is promote: step 3 was promoted although its analysis was inconclusive')
    if (policy === 'pause') expect(result.nextSteps).toEqual(['promote vote', 'abort vote'])
  })

  it('a failure under on-failure: pause leaves the canary paused for a human', async () => {
    const { target, executor, log } = setup({ verdicts: { 'step 3/5': 'Error' }, policies: { onFailure: 'pause' } })
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Error', outcome: 'paused' })
    expect(target.calls).toEqual(['set image app=app:v2', 'pause'])
    expect(log.lines.some((line) => line.startsWith('notice: on-failure is pause: the rollout is left paused for a human. To go on: promote vote'))).toBe(true)
  })

  it('a cancellation during a timed pause aborts the canary (abort-on-cancel)', async () => {
    const { clock, target, cancel, executor } = setup()
    void clock.sleep(30_000).then(() => cancel.abort())
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(result.reasons[0]).toBe('the workflow was cancelled')
    expect(result.abort).toMatchObject({ reason: 'the workflow was cancelled (abort-on-cancel)', weightBefore: 20, weightAfter: 0 })
    expect(target.calls).toEqual(['set image app=app:v2', 'abort'])
    expect(target.writesStoppedBecause).toBe('the workflow was cancelled')
    expect(result.steps![1].result).toBe('running')
  })

  it('a cancellation with abort-on-cancel false leaves the canary as it was', async () => {
    const { clock, target, cancel, executor } = setup({ policies: { abortOnCancel: false } })
    void clock.sleep(30_000).then(() => cancel.abort())
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'none' })
    expect(result.notes).toContain('abort-on-cancel is false: the rollout was left as it was')
    expect(target.calls).toEqual(['set image app=app:v2'])
  })

  it('a cancellation during an analysis stops it, never promotes, and aborts', async () => {
    const { clock, target, cancel, executor } = setup({ policies: { onInconclusive: 'promote' } })
    // The first analysis starts after the 1-minute pause and takes 2 minutes.
    void clock.sleep(2 * MINUTE).then(() => cancel.abort())
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(result.analyses.map((a) => [a.label, a.outcome.ending])).toEqual([['step 3/5', 'stopped']])
    expect(target.calls).toEqual(['set image app=app:v2', 'abort'])
  })

  it('a failure reached just before the cancellation is still aborted for, whatever abort-on-cancel says', async () => {
    // the cancel arrives the moment the analysis decides, before the watch acts on the verdict
    const { target, executor } = setup({ verdicts: { 'step 3/5': 'Failed' }, policies: { abortOnCancel: false }, cancelAtVerdict: true })
    const result = await executor.drive()
    expect(result.outcome).toBe('aborted')
    expect(result.verdict).toBe('Failed')
    expect(result.abort).toMatchObject({ reason: 'the abort the gate had decided, sent again as the workflow was cancelled' })
    expect(target.calls).toEqual(['set image app=app:v2', 'abort'])
  })

  it('times out at an indefinite pause nobody promotes, and applies on-failure', async () => {
    const plan: PlanStep[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause' }]
    const { target, executor, clock, startedAt } = setup({ plan, timeoutMs: 10 * MINUTE })
    const result = await executor.drive()
    expect(result).toMatchObject({ verdict: 'Error', outcome: 'aborted' })
    expect(result.reasons[0]).toMatch(/^the run did not finish within the timeout \(10/)
    expect(result.abort!.requestedAt - startedAt).toBe(10 * MINUTE)
    expect(target.calls).toEqual(['set image app=app:v2', 'abort'])
    expect(clock.now() - startedAt).toBe(10 * MINUTE)
  })
})
