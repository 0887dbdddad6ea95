// The gate's decisions, one table row per branch: what the user sees the gate do (promote, abort,
// pause, wait, finish) for a plan step, the target's state, a verdict and the policies.
import { describe, expect, it } from '@jest/globals'
import type { Verdict } from '../../src/analysis/types.js'
import { decide, onFailure, onVerdict, owesAbort, type Action, type Policies, type Situation } from '../../src/executor/decide.js'
import type { PlanStep } from '../../src/plan/rollout.js'
import type { TargetState } from '../../src/targets/target.js'

const gate = { templates: [], ref: { templateName: 'error-rate' }, path: [] } as unknown as Extract<PlanStep, { kind: 'analysis' }>['gate']
const steps: PlanStep[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause', durationMs: 60_000 }, { kind: 'analysis', gate }, { kind: 'pause' }]
const abortAll: Policies = { onFailure: 'abort', onInconclusive: 'abort', abortOnCancel: true }

function state(over: Partial<TargetState> = {}): TargetState {
  return {
    weight: 10,
    stepIndex: 0,
    phase: 'Progressing',
    message: '',
    stableRevision: 'a',
    canaryRevision: 'b',
    containers: [],
    paused: false,
    waitingAtStep: false,
    aborted: false,
    degraded: false,
    updating: true,
    completed: false,
    ready: false,
    description: 'Progressing',
    ...over
  }
}

function situation(over: Partial<Situation> = {}): Situation {
  return {
    steps,
    policies: abortAll,
    state: state(),
    cancelled: false,
    timedOut: false,
    timeoutReason: 'the run did not finish within the timeout (30m)',
    waitingForRevision: false,
    analysed: new Set(),
    drives: 'controller',
    now: 1_000_000,
    ...over
  }
}

describe('decide: one turn of the watch', () => {
  const rows: Array<[string, Partial<Situation>, Action]> = [
    ['a cancellation wins over everything', { cancelled: true, timedOut: true, state: state({ aborted: true }) }, { kind: 'cancel' }],
    ['a timeout aborts under on-failure: abort', { timedOut: true }, { kind: 'abort', reason: 'the run did not finish within the timeout (30m)', verdict: 'Error' }],
    [
      'a timeout pauses under on-failure: pause',
      { timedOut: true, policies: { ...abortAll, onFailure: 'pause' } },
      { kind: 'pause', why: 'on-failure is pause: the rollout is left paused for a human', reason: 'the run did not finish within the timeout (30m)', verdict: 'Error' }
    ],
    ['nothing known yet: read the target', { state: undefined }, { kind: 'read' }],
    ['a new image not yet picked up: wait', { waitingForRevision: true }, { kind: 'wait' }],
    ['a new image the controller made no canary of: finish', { waitingForRevision: true, state: state({ ready: true }) }, { kind: 'finish', how: 'no canary' }],
    ['aborted by someone else: finish', { state: state({ aborted: true, degraded: true }) }, { kind: 'finish', how: 'aborted elsewhere' }],
    [
      'degraded by the controller: on-failure',
      { state: state({ degraded: true, message: 'ProgressDeadlineExceeded' }) },
      { kind: 'abort', reason: 'the controller degraded the rollout: ProgressDeadlineExceeded', verdict: 'Failed' }
    ],
    ['every step done and stable: promoted', { state: state({ completed: true, stepIndex: 4 }) }, { kind: 'finish', how: 'promoted' }],
    ['paused at an analysis step: analyse it', { state: state({ stepIndex: 2, waitingAtStep: true }) }, { kind: 'analyse', step: 2 }],
    ['an analysis step already analysed: wait', { state: state({ stepIndex: 2, waitingAtStep: true }), analysed: new Set([2]) }, { kind: 'wait' }],
    ['an analysis step not yet paused at: wait', { state: state({ stepIndex: 2 }) }, { kind: 'wait' }],
    ['Argo runs setWeight itself: wait', { state: state({ weight: 0 }) }, { kind: 'wait' }],
    ['a gate-driven target at a setWeight step: set the weight', { drives: 'gate', state: state({ weight: 0 }) }, { kind: 'set weight', weight: 10 }],
    ['a gate-driven target at its weight, not ready: wait', { drives: 'gate', state: state({ weight: 10 }) }, { kind: 'wait' }],
    ['a gate-driven target at its weight and ready: next step', { drives: 'gate', state: state({ weight: 10, ready: true }) }, { kind: 'advance' }],
    ['a gate-driven timed pause not over: wait', { drives: 'gate', state: state({ stepIndex: 1, stepPause: { startedAt: 1_000_000 - 59_999 } }) }, { kind: 'wait' }],
    ['a gate-driven timed pause over: next step', { drives: 'gate', state: state({ stepIndex: 1, stepPause: { startedAt: 1_000_000 - 60_000 } }) }, { kind: 'advance' }],
    ['a gate-driven indefinite pause: wait for a human', { drives: 'gate', state: state({ stepIndex: 3 }) }, { kind: 'wait' }]
  ]
  it.each(rows)('%s', (_name, over, expected) => {
    expect(decide(situation(over))).toEqual(expected)
  })
})

describe('onVerdict: an analysis reached its verdict', () => {
  const pausePolicies: Policies = { onFailure: 'pause', onInconclusive: 'pause', abortOnCancel: true }
  const rows: Array<[string, Verdict, Policies, boolean, Action]> = [
    ['a pass promotes the step', 'Successful', abortAll, false, { kind: 'promote' }],
    ['a background pass lets the rollout go on', 'Successful', abortAll, true, { kind: 'go on' }],
    ['a failure aborts under on-failure: abort', 'Failed', abortAll, false, { kind: 'abort', reason: 'why', verdict: undefined }],
    ['an error aborts under on-failure: abort', 'Error', abortAll, false, { kind: 'abort', reason: 'why', verdict: undefined }],
    ['a failure pauses under on-failure: pause', 'Failed', pausePolicies, false, { kind: 'pause', why: 'on-failure is pause: the rollout is left paused for a human', reason: 'why', verdict: undefined }],
    ['inconclusive aborts under on-inconclusive: abort', 'Inconclusive', abortAll, false, { kind: 'abort', reason: 'why' }],
    [
      'inconclusive pauses under on-inconclusive: pause',
      'Inconclusive',
      pausePolicies,
      false,
      { kind: 'pause', why: 'on-inconclusive is pause: the rollout is left paused for a human to promote or abort', reason: 'why' }
    ],
    [
      'inconclusive promotes under on-inconclusive: promote, and says so',
      'Inconclusive',
      { ...abortAll, onInconclusive: 'promote' },
      false,
      { kind: 'promote', note: 'on-inconclusive is promote: step 3 was promoted although its analysis was inconclusive' }
    ],
    [
      'a background inconclusive under promote: the rollout goes on, and says so',
      'Inconclusive',
      { ...abortAll, onInconclusive: 'promote' },
      true,
      { kind: 'go on', note: 'on-inconclusive is promote: the background analysis was inconclusive; the rollout goes on' }
    ]
  ]
  it.each(rows)('%s', (_name, verdict, policies, background, expected) => {
    expect(onVerdict(verdict, policies, { reason: 'why', step: 2, background })).toEqual(expected)
  })
})

describe('owesAbort: a verdict reached just before a cancellation', () => {
  it.each([
    ['Failed', abortAll, true],
    ['Error', abortAll, true],
    ['Inconclusive', abortAll, true],
    ['Successful', abortAll, false],
    ['Failed', { ...abortAll, onFailure: 'pause' }, false],
    ['Inconclusive', { ...abortAll, onInconclusive: 'promote' }, false]
  ] as Array<[Verdict, Policies, boolean]>)('%s under %j owes an abort: %s', (verdict, policies, owed) => {
    expect(owesAbort(verdict, policies)).toBe(owed)
  })
  it('on-failure names its policy', () => {
    expect(onFailure({ ...abortAll, onFailure: 'pause' }, 'lost')).toMatchObject({ kind: 'pause' })
    expect(onFailure(abortAll, 'lost', 'Error')).toEqual({ kind: 'abort', reason: 'lost', verdict: 'Error' })
  })
})
