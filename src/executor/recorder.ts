// The one record of a rollout run: each step as it went, the analyses, the verdicts, the reasons
// and notes, the abort; result() renders it as the GateResult every report is made from.
import { verdictOf, worstPhase } from '../analysis/run.js'
import type { Verdict } from '../analysis/types.js'
import type { Clock } from '../clock.js'
import { describeStep, type PlanStep } from '../plan/rollout.js'
import type { AbortRecord, AnalysisRecord, GateResult, Outcome, StepRecord, StepResult } from '../report/model.js'
import type { Target, TargetState } from '../targets/target.js'

export class Recorder {
  readonly steps: StepRecord[]
  readonly analyses: AnalysisRecord[] = []
  readonly reasons: string[] = []
  readonly notes: string[] = []
  private readonly verdicts: Verdict[] = []
  readonly startedAt: number
  outcome: Outcome = 'none'
  abort?: AbortRecord
  /** The target before the run touched it, and as last read. */
  before?: string
  last?: TargetState
  stepsDiff?: string[]
  /** The rollout was aborted before this run and was left so: retry is the next step. */
  abortedBefore = false
  private watchStartedAt?: number
  private requestsBeforeWatch = 0

  constructor(
    planSteps: PlanStep[],
    private readonly clock: Clock,
    private readonly target: Pick<Target, 'name' | 'namespace' | 'path' | 'requests' | 'commands'> & Partial<Pick<Target, 'kind' | 'router'>>,
    /** The image this run sets, as `container=image`. */
    private readonly image?: string
  ) {
    this.startedAt = clock.now()
    this.steps = planSteps.map((step, index) => ({
      index,
      kind: step.kind,
      description: describeStep(step),
      weight: step.kind === 'setWeight' ? step.weight : undefined,
      result: 'not reached'
    }))
  }

  verdict(verdict: Verdict): void {
    this.verdicts.push(verdict)
  }

  /** The watch begins: kubectl calls and watched time are counted from here. */
  watching(): void {
    this.watchStartedAt = this.clock.now()
    this.requestsBeforeWatch = this.target.requests
  }

  finishStep(index: number, result: StepResult, note?: string): void {
    const record = this.steps[index]
    if (!record) return
    record.result = result
    record.startedAt ??= this.clock.now()
    record.finishedAt = this.clock.now()
    if (note) record.note = note
  }

  /**
   * Step records follow the target's step index: steps behind it are done (or, for an analysis this
   * run never measured, skipped); the current one is running, and `began` hears when it starts.
   */
  follow(state: TargetState, firstIndex: number, measured: ReadonlySet<number>, began?: () => void): void {
    const now = this.clock.now()
    const index = Math.min(state.stepIndex ?? this.steps.length, this.steps.length)
    for (const record of this.steps) {
      if (record.index >= index) continue
      if (record.result === 'not reached' || record.result === 'running') {
        const before = record.index < firstIndex
        if (record.kind === 'analysis' && !before && !measured.has(record.index)) {
          record.result = 'skipped'
          record.note = 'promoted past outside canary-gate, not measured'
        } else {
          record.result = 'done'
          if (before) record.note = 'passed before this run began following the update'
        }
      }
      record.startedAt ??= now
      record.finishedAt ??= now
    }
    const current = this.steps[index]
    if (current && current.result === 'not reached') {
      current.result = 'running'
      current.startedAt = now
      began?.()
    }
    if (current && current.kind !== 'setWeight') current.weight = state.weight
  }

  /** The abort landed at step `at`: that step aborted, the later ones skipped. */
  aborted(at: number): void {
    const index = Math.min(at, this.steps.length - 1)
    for (const step of this.steps) {
      if (step.index === index && (step.result === 'running' || step.result === 'not reached')) this.finishStep(index, 'aborted')
      else if (step.index > index && step.result === 'not reached') step.result = 'skipped'
    }
  }

  /** Someone else aborted the rollout at step `at`: the later steps never ran. */
  abortedElsewhere(at: number): void {
    const index = Math.min(at, this.steps.length - 1)
    for (const step of this.steps) if (step.index > index && step.result === 'not reached') step.result = 'skipped'
  }

  /** Every step still open is finished: done, or skipped when it is an analysis nobody measured. */
  promoted(firstIndex: number, unmeasured: number[]): void {
    for (const step of this.steps) {
      if (step.result !== 'running' && step.result !== 'not reached') continue
      if (unmeasured.includes(step.index)) this.finishStep(step.index, 'skipped', 'promoted past outside canary-gate, not measured')
      else if (step.index < firstIndex) this.finishStep(step.index, 'done', 'passed before this run began following the update')
      else this.finishStep(step.index, 'done')
    }
  }

  result(): GateResult {
    const verdict = this.verdicts.length ? verdictOf(worstPhase(this.verdicts)) : 'Successful'
    const c = this.target.commands()
    const nextSteps = this.outcome === 'paused' ? [c.promote, c.abort] : this.outcome === 'aborted' || this.abortedBefore ? [c.retry, c.status] : [c.status]
    const last = this.last
    return {
      command: 'run',
      verdict,
      outcome: this.outcome,
      // Copies: a snapshot handed to the check is rendered later, while the run goes on.
      reasons: this.reasons.length ? [...this.reasons] : verdict === 'Successful' && this.analyses.length ? ['every analysis passed'] : [],
      startedAt: this.startedAt,
      finishedAt: this.clock.now(),
      analyses: [...this.analyses],
      configErrors: [],
      notes: [...this.notes],
      steps: this.steps.map((step) => ({ ...step })),
      rollout: {
        name: this.target.name,
        namespace: this.target.namespace,
        image: this.image,
        stableRevision: last?.stableRevision,
        canaryRevision: last?.canaryRevision,
        before: this.before,
        after: last?.description,
        path: this.target.path,
        ...(this.target.kind === 'deployment' ? { kind: this.target.kind } : {}),
        ...(this.target.router ? { router: { kind: this.target.router.kind, object: this.target.router.object } } : {})
      },
      abort: this.abort,
      stepsDiff: this.stepsDiff,
      nextSteps,
      kubectl: { calls: this.target.requests - this.requestsBeforeWatch, watchedMs: this.watchStartedAt === undefined ? 0 : this.clock.now() - this.watchStartedAt }
    }
  }
}
