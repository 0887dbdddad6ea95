// A target kept in memory that behaves like a controller-driven rollout: each read moves it past a
// setWeight step, a timed pause ends on the clock, and an indefinite pause (where the gate runs an
// analysis) holds until promoted. It records every change the executor asks for.
import type { Clock } from '../../src/clock.js'
import type { PlanStep } from '../../src/plan/rollout.js'
import type { AbortOptions, ManualCommands, Target, TargetState } from '../../src/targets/target.js'

export class FakeTarget implements Target {
  readonly name = 'vote'
  readonly namespace = 'qa'
  readonly path = 'patches' as const
  readonly drives = 'controller' as const
  readonly kind = 'rollout' as const
  readonly dryRun = false
  requests = 0
  /** What the executor did, in order: `promote 2`, `abort`, `pause`, `set image app=v2`. */
  readonly calls: string[] = []
  private index?: number
  private weight = 0
  private pausedAt?: number
  private paused = false
  private aborted = false
  private revision = 'stable'
  private image = 'app:v1'
  writesStoppedBecause?: string

  constructor(
    private readonly steps: PlanStep[],
    private readonly clock: Clock,
    /** The canary is already under way at this step (no image needed to start it). */
    startAt?: number
  ) {
    if (startAt !== undefined) this.begin(startAt)
  }

  private begin(at: number): void {
    this.revision = 'canary'
    this.index = at
    this.pausedAt = undefined
  }

  /** The controller's work between two reads. */
  private reconcile(): void {
    if (this.aborted || this.paused || this.index === undefined) return
    for (;;) {
      const step = this.steps[this.index]
      if (!step) {
        this.weight = 100
        return
      }
      if (step.kind === 'setWeight') {
        this.weight = step.weight
        this.index++
        continue
      }
      if (step.kind === 'pause' || step.kind === 'analysis') {
        this.pausedAt ??= this.clock.now()
        const duration = step.kind === 'pause' ? step.durationMs : undefined
        if (duration === undefined || this.clock.now() < this.pausedAt + duration) return
        this.pausedAt = undefined
        this.index++
        continue
      }
      this.index++
    }
  }

  private snapshot(): TargetState {
    const done = !this.aborted && this.index !== undefined && this.index >= this.steps.length
    const step = this.index === undefined ? undefined : this.steps[this.index]
    const holding = this.pausedAt !== undefined && !this.aborted
    return {
      weight: this.aborted ? 0 : this.weight,
      stepIndex: this.index,
      phase: this.aborted ? 'Degraded' : done || this.index === undefined ? 'Healthy' : holding ? 'Paused' : 'Progressing',
      message: this.aborted ? 'RolloutAborted' : '',
      stableRevision: done ? this.revision : 'stable',
      canaryRevision: this.revision,
      containers: [{ name: 'app', image: this.image }],
      paused: this.paused,
      waitingAtStep: holding && (step?.kind === 'analysis' || (step?.kind === 'pause' && step.durationMs === undefined)),
      stepPause: holding ? { startedAt: this.pausedAt } : undefined,
      aborted: this.aborted,
      degraded: this.aborted,
      updating: this.index !== undefined && !done && !this.aborted,
      completed: done,
      ready: this.index === undefined || done,
      description: this.aborted ? 'Degraded, aborted' : done ? 'Healthy' : `step ${(this.index ?? 0) + 1}, canary ${this.weight}%`
    }
  }

  announce(): void {}

  async read(): Promise<TargetState> {
    this.requests++
    this.reconcile()
    return this.snapshot()
  }

  stepsDiff(): string[] | undefined {
    return undefined
  }

  async applySteps(): Promise<void> {}

  async startRevision(container: string, image: string): Promise<void> {
    this.calls.push(`set image ${container}=${image}`)
    this.image = image
    this.begin(0)
  }

  async setWeight(weight: number): Promise<void> {
    this.calls.push(`set weight ${weight}`)
    this.weight = weight
  }

  async waitReady(): Promise<{ state: TargetState; ready: boolean }> {
    return { state: this.snapshot(), ready: true }
  }

  async promote(full: boolean): Promise<void> {
    this.calls.push(full ? 'promote full' : `promote ${this.index}`)
    this.paused = false
    if (this.pausedAt !== undefined && this.index !== undefined) {
      this.pausedAt = undefined
      this.index++
    }
  }

  async pause(): Promise<void> {
    this.calls.push('pause')
    this.paused = true
  }

  async abort(reason: string, before: TargetState, options: AbortOptions) {
    const requestedAt = options.clock.now()
    await this.abortBlind()
    const state = await this.read()
    return { record: { reason, failingMeasurementAt: options.failingMeasurementAt, requestedAt, confirmedAt: options.clock.now(), weightBefore: before.weight, weightAfter: state.weight }, state }
  }

  async abortBlind(): Promise<void> {
    this.calls.push('abort')
    this.aborted = true
  }

  stopWrites(reason: string): void {
    this.writesStoppedBecause ??= reason
  }

  hurried(): FakeTarget {
    return this
  }

  commands(): ManualCommands {
    return { promote: 'promote vote', promoteFull: 'promote vote --full', abort: 'abort vote', retry: 'retry vote', status: 'get vote' }
  }

  failure(): undefined {
    return undefined
  }
}
