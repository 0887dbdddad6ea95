// What the gate does next, as pure functions of the plan step, the target's state, an analysis
// verdict and the user's policies: no I/O, no clock, so every branch is a table row in a test.
import type { Verdict } from '../analysis/types.js'
import type { PlanStep } from '../plan/rollout.js'
import type { TargetState } from '../targets/target.js'

export interface Policies {
  onFailure: 'abort' | 'pause'
  onInconclusive: 'abort' | 'pause' | 'promote'
  abortOnCancel: boolean
}

export type Action =
  /** Nothing to do until the next read. */
  | { kind: 'wait' }
  /** The decision needs the target's state: read it and ask again. */
  | { kind: 'read' }
  | { kind: 'cancel' }
  /** Measure the analysis of this step. */
  | { kind: 'analyse'; step: number }
  /** Tell a gate-driven target this weight. */
  | { kind: 'set weight'; weight: number }
  /** A gate-driven target's step is done: move it to the next. */
  | { kind: 'advance' }
  /** Past the current step; `note` says why when it was not a pass. */
  | { kind: 'promote'; note?: string }
  /** The rollout goes on although the verdict was not a pass (`note` says why). */
  | { kind: 'go on'; note?: string }
  | { kind: 'abort'; reason: string; verdict?: Verdict }
  /** Leave the rollout paused for a human; `why` goes to the log and the reasons. */
  | { kind: 'pause'; why: string; reason: string; verdict?: Verdict }
  | { kind: 'finish'; how: 'promoted' | 'aborted elsewhere' | 'no canary' }

/** The failure policy, for a failed analysis, a degraded rollout, a timeout or a lost cluster. */
export function onFailure(policies: Policies, reason: string, verdict?: Verdict): Action {
  if (policies.onFailure === 'abort') return { kind: 'abort', reason, verdict }
  return { kind: 'pause', why: 'on-failure is pause: the rollout is left paused for a human', reason, verdict }
}

/**
 * An analysis reached its verdict: a pass promotes the step (or, for the background analysis, the
 * rollout goes on); an inconclusive one follows on-inconclusive; a failure follows on-failure.
 */
export function onVerdict(verdict: Verdict, policies: Policies, at: { reason: string; step?: number; background?: boolean }): Action {
  if (verdict === 'Successful') return at.background ? { kind: 'go on' } : { kind: 'promote' }
  if (verdict !== 'Inconclusive') return onFailure(policies, at.reason)
  switch (policies.onInconclusive) {
    case 'abort':
      return { kind: 'abort', reason: at.reason }
    case 'promote': {
      const what = at.background ? 'the background analysis was inconclusive; the rollout goes on' : `step ${(at.step ?? 0) + 1} was promoted although its analysis was inconclusive`
      const note = `on-inconclusive is promote: ${what}`
      return at.background ? { kind: 'go on', note } : { kind: 'promote', note }
    }
    default:
      return { kind: 'pause', why: 'on-inconclusive is pause: the rollout is left paused for a human to promote or abort', reason: at.reason }
  }
}

/** Whether a verdict reached just before a cancellation owes the rollout an abort all the same. */
export function owesAbort(verdict: Verdict | string, policies: Policies): boolean {
  if (verdict === 'Failed' || verdict === 'Error') return policies.onFailure === 'abort'
  if (verdict === 'Inconclusive') return policies.onInconclusive === 'abort'
  return false
}

export interface Situation {
  steps: PlanStep[]
  policies: Policies
  /** The state just read; undefined before reading. */
  state?: TargetState
  cancelled: boolean
  timedOut: boolean
  /** The sentence a timeout is reported with. */
  timeoutReason: string
  /** The gate set a new image and the target still shows the old revision. */
  waitingForRevision: boolean
  /** Analysis steps whose analysis already started (never run twice). */
  analysed: ReadonlySet<number>
  drives: 'controller' | 'gate'
  now: number
}

/** One turn of the watch: what to do with the target as it stands. */
export function decide(s: Situation): Action {
  if (s.cancelled) return { kind: 'cancel' }
  if (s.timedOut) return onFailure(s.policies, s.timeoutReason, 'Error')
  const state = s.state
  if (!state) return { kind: 'read' }
  if (s.waitingForRevision) return state.ready ? { kind: 'finish', how: 'no canary' } : { kind: 'wait' }
  if (state.aborted) return { kind: 'finish', how: 'aborted elsewhere' }
  if (state.degraded) return onFailure(s.policies, `the controller degraded the rollout: ${state.message || 'no message'}`, 'Failed')
  if (state.completed) return { kind: 'finish', how: 'promoted' }
  const index = state.stepIndex ?? 0
  const step = s.steps[index]
  if (step?.kind === 'analysis') return state.waitingAtStep && !s.analysed.has(index) ? { kind: 'analyse', step: index } : { kind: 'wait' }
  if (s.drives === 'controller' || !step) return { kind: 'wait' }
  // A gate-driven target: the gate moves the traffic and ends each step itself.
  if (step.kind === 'setWeight') return state.weight !== step.weight ? { kind: 'set weight', weight: step.weight } : state.ready ? { kind: 'advance' } : { kind: 'wait' }
  if (step.kind === 'pause' && step.durationMs !== undefined) {
    const began = state.stepPause?.startedAt
    return began !== undefined && s.now >= began + step.durationMs ? { kind: 'advance' } : { kind: 'wait' }
  }
  // An indefinite pause waits for a human; a controller-only step cannot run here.
  return { kind: 'wait' }
}
