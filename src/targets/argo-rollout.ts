// An Argo Rollout as a target: the controller runs setWeight and timed pauses itself, and stops at
// each analysis step (an indefinite pause in the cluster) until the gate promotes it or aborts it.
import { systemClock, type Clock } from '../clock.js'
import { KubectlError, type Kubectl } from '../kube/kubectl.js'
import { describeState, inProgress, RolloutClient, type RolloutState } from '../kube/rollout.js'
import { abortAndConfirm, waitUntil } from '../kube/watch.js'
import type { Logger } from '../log.js'
import { sameJson, stepsDiff } from '../plan/rollout.js'
import type { AbortOptions, ManualCommands, Target, TargetState } from './target.js'

/** The target's state with the Rollout it was read from (valueFrom args read its fields). */
export interface ArgoState extends TargetState {
  rollout: RolloutState
}

/** The cancel path's kubectl: one attempt per request, each bounded, in real time. */
const HURRIED_REQUEST_TIMEOUT_S = 2

/** A rollout at the end of its steps with the canary now stable. */
function completed(state: RolloutState): boolean {
  return state.phase === 'Healthy' && Boolean(state.currentPodHash) && state.currentPodHash === state.stableRS && (state.currentStepIndex ?? state.steps.length) >= state.steps.length
}

export function argoState(state: RolloutState): ArgoState {
  const pause = state.pauseConditions.find((p) => p.reason === 'CanaryPauseStep')
  return {
    weight: state.canaryWeight,
    stepIndex: state.currentStepIndex,
    phase: state.phase,
    message: state.message,
    stableRevision: state.stableRS,
    canaryRevision: state.currentPodHash,
    containers: state.containers,
    paused: state.paused,
    waitingAtStep: state.controllerPause || Boolean(pause),
    stepPause: pause ? { startedAt: pause.startTime ? Date.parse(pause.startTime) : undefined } : undefined,
    aborted: state.abort,
    degraded: state.phase === 'Degraded',
    updating: inProgress(state),
    completed: completed(state),
    ready: state.phase === 'Healthy' && String(state.observedGeneration) === String(state.generation),
    description: describeState(state),
    rollout: state
  }
}

export class ArgoRolloutTarget implements Target<ArgoState> {
  readonly drives = 'controller'
  readonly kind = 'rollout'
  private readonly client: RolloutClient

  constructor(
    readonly kubectl: Kubectl,
    name: string,
    namespace: string,
    private readonly log: Logger,
    /** The steps the live Rollout should hold (every analysis step an indefinite pause). */
    private readonly liveSteps: unknown[],
    client?: RolloutClient
  ) {
    this.client = client ?? new RolloutClient(kubectl, name, namespace, log)
  }

  get name(): string {
    return this.client.name
  }
  get namespace(): string {
    return this.client.namespace
  }
  get path(): 'plugin' | 'patches' {
    return this.client.usePlugin ? 'plugin' : 'patches'
  }
  get dryRun(): boolean {
    return this.kubectl.dryRun
  }
  get requests(): number {
    return this.kubectl.calls
  }

  announce(): void {
    this.client.announcePath()
  }

  async read(): Promise<ArgoState> {
    return argoState(await this.client.get())
  }

  stepsDiff(state: ArgoState): string[] | undefined {
    return sameJson(state.rollout.steps, this.liveSteps) ? undefined : stepsDiff(state.rollout.steps, this.liveSteps)
  }

  applySteps(): Promise<void> {
    return this.client.setSteps(this.liveSteps)
  }

  startRevision(container: string, image: string, state: ArgoState): Promise<void> {
    return this.client.setImage(container, image, state.rollout)
  }

  /** The controller sets the weights of a Rollout; the gate never does. */
  async setWeight(weight: number): Promise<void> {
    throw new Error(`rollout ${this.name}: the Argo controller sets the canary weight (${weight}%) itself`)
  }

  async waitReady(options: { clock: Clock; pollMs: number; until: number; signal?: AbortSignal }): Promise<{ state: ArgoState; ready: boolean }> {
    const { state, met } = await waitUntil(this.client, (s) => argoState(s).ready, { ...options, log: this.log })
    return { state: argoState(state), ready: met }
  }

  promote(full: boolean, state: ArgoState): Promise<void> {
    return this.client.promote(full, state.rollout)
  }

  pause(): Promise<void> {
    return this.client.pause()
  }

  async abort(reason: string, before: ArgoState, options: AbortOptions): Promise<{ record: ArgoAbort['record']; state: ArgoState }> {
    const { record, state } = await abortAndConfirm(this.client, before.rollout, reason, { ...options, log: this.log })
    return { record, state: argoState(state) }
  }

  async abortBlind(reason: string): Promise<void> {
    this.log.info(`aborting rollout ${this.name}: ${reason}`)
    await this.client.abort()
  }

  stopWrites(reason: string): void {
    this.kubectl.stopWrites(reason)
  }

  hurried(): ArgoRolloutTarget {
    const kubectl = this.kubectl.derive({ requestTimeoutSeconds: HURRIED_REQUEST_TIMEOUT_S, attempts: 1, clock: systemClock })
    return new ArgoRolloutTarget(kubectl, this.name, this.namespace, this.log, this.liveSteps)
  }

  commands(): ManualCommands {
    return this.client.commands()
  }

  failure(error: unknown): { message: string; notFound: boolean } | undefined {
    return error instanceof KubectlError ? { message: error.message, notFound: error.notFound } : undefined
  }
}

type ArgoAbort = Awaited<ReturnType<typeof abortAndConfirm>>
