// A gate-driven target kept in memory, as a Deployment behind a router looks to a loop that tells it
// every weight: a primary serving the stable image, a canary started with the new one, the weight
// the gate set, promotion copying the canary to the primary, an abort putting all traffic back. It
// records every change the loop asks for.
import type { Clock } from '../../src/clock.js'
import type { AbortOptions, ManualCommands, Target, TargetState } from '../../src/targets/target.js'

export class FakeDeploymentTarget implements Target {
  readonly kind = 'deployment' as const
  readonly name = 'podinfo'
  readonly namespace = 'apps'
  readonly path = 'patches' as const
  readonly drives = 'gate' as const
  readonly dryRun = false
  requests = 0
  /** What the loop did, in order: `set image podinfo=…`, `set weight 5`, `promote full`, `abort`. */
  readonly calls: string[] = []
  /** When each call was made, on the clock. */
  readonly times: number[] = []
  weight = 0
  private primaryImage = 'ghcr.io/stefanprodan/podinfo:6.0.0'
  private canaryImage?: string
  private aborted = false
  writesStoppedBecause?: string

  constructor(private readonly clock: Clock) {}

  private note(call: string): void {
    this.calls.push(call)
    this.times.push(this.clock.now())
  }

  private snapshot(): TargetState {
    const updating = this.canaryImage !== undefined && !this.aborted
    return {
      weight: this.weight,
      phase: this.aborted ? 'Failed' : updating ? 'Progressing' : 'Succeeded',
      message: this.aborted ? 'rolled back' : '',
      stableRevision: this.primaryImage,
      canaryRevision: this.canaryImage ?? this.primaryImage,
      containers: [{ name: 'podinfo', image: this.canaryImage ?? this.primaryImage }],
      paused: false,
      waitingAtStep: false,
      aborted: this.aborted,
      degraded: false,
      updating,
      completed: !updating && !this.aborted,
      ready: true,
      description: this.aborted ? `rolled back, canary ${this.weight}%` : updating ? `canary ${this.weight}%` : `primary ${this.primaryImage}`
    }
  }

  announce(): void {}

  async read(): Promise<TargetState> {
    this.requests++
    return this.snapshot()
  }

  stepsDiff(): string[] | undefined {
    return undefined
  }

  async applySteps(): Promise<void> {}

  private write(): void {
    if (this.writesStoppedBecause) throw new Error(`writes stopped: ${this.writesStoppedBecause}`)
  }

  async startRevision(container: string, image: string): Promise<void> {
    this.write()
    this.note(`set image ${container}=${image}`)
    this.canaryImage = image
    this.aborted = false
  }

  async setWeight(weight: number): Promise<void> {
    this.write()
    this.note(`set weight ${weight}`)
    this.weight = weight
  }

  async waitReady(): Promise<{ state: TargetState; ready: boolean }> {
    return { state: this.snapshot(), ready: true }
  }

  async promote(full: boolean): Promise<void> {
    this.write()
    this.note(full ? 'promote full' : 'promote')
    if (this.canaryImage) this.primaryImage = this.canaryImage
    this.canaryImage = undefined
  }

  async pause(): Promise<void> {
    this.note('pause')
  }

  async abort(reason: string, before: TargetState, options: AbortOptions) {
    const requestedAt = options.clock.now()
    await this.abortBlind()
    const state = this.snapshot()
    return { record: { reason, failingMeasurementAt: options.failingMeasurementAt, requestedAt, confirmedAt: options.clock.now(), weightBefore: before.weight, weightAfter: state.weight }, state }
  }

  async abortBlind(): Promise<void> {
    this.note('abort')
    this.weight = 0
    this.aborted = true
  }

  stopWrites(reason: string): void {
    this.writesStoppedBecause ??= reason
  }

  hurried(): FakeDeploymentTarget {
    return this
  }

  commands(): ManualCommands {
    return { promote: 'promote podinfo', promoteFull: 'promote podinfo --full', abort: 'abort podinfo', retry: 'retry podinfo', status: 'get podinfo' }
  }

  failure(): undefined {
    return undefined
  }
}
