// What the step-plan executor needs of whatever carries the canary: read its state, move its
// traffic, start a revision, promote, pause, abort (and see the abort land). An Argo Rollout does
// most of this itself (its controller runs setWeight and timed pauses; the gate only unpauses or
// aborts); a Deployment behind nginx or the Gateway API is told each weight by the gate. Both fit
// here, so the executor never knows which one it drives.
import type { Clock } from '../clock.js'
import type { AbortRecord, RolloutRecord } from '../report/model.js'

/** The target as the executor sees it, in the user's words. */
export interface TargetState {
  /** Percent of traffic on the canary. */
  weight: number
  /** Index of the plan step the target is at; past the last step once it is done. */
  stepIndex?: number
  /** The target's own phase word (Argo: Progressing, Paused, Healthy, Degraded), for the log. */
  phase: string
  message: string
  stableRevision?: string
  canaryRevision?: string
  containers: Array<{ name: string; image?: string }>
  /** Paused by a user (kubectl argo rollouts pause, or the gate's on-failure: pause). */
  paused: boolean
  /** Stopped at a step that waits to be promoted (where the gate runs an analysis). */
  waitingAtStep: boolean
  /** The current step is a pause the target is holding; when it began (for "… left" on a timed pause). */
  stepPause?: { startedAt?: number }
  aborted: boolean
  degraded: boolean
  /** A canary revision that is not yet stable. */
  updating: boolean
  /** Every step done and the canary now the stable revision. */
  completed: boolean
  /** The target has acted on its latest spec and is healthy (a new image that made no canary). */
  ready: boolean
  /** One line for the log and the report. */
  description: string
}

/** How a verified abort is waited for. */
export interface AbortOptions {
  clock: Clock
  pollMs: number
  confirmMs: number
  failingMeasurementAt?: number
  /** Stops the waiting for the abort to show, never the abort itself. */
  signal?: AbortSignal
}

/** What a person runs to act on the target by hand. */
export interface ManualCommands {
  promote: string
  promoteFull: string
  abort: string
  retry: string
  status: string
}

export interface Target<S extends TargetState = TargetState> {
  readonly name: string
  readonly namespace: string
  /** How changes reach the cluster (the report's rollout.path). */
  readonly path: RolloutRecord['path']
  /** What the log and the report call it: `rollout vote`, `deployment podinfo`. */
  readonly kind: 'rollout' | 'deployment'
  /** The router a gate-driven target writes the weights to. */
  readonly router?: { kind: 'nginx' | 'gateway-api'; object: string }
  /**
   * 'controller': the target runs setWeight and timed pauses on its own and stops at analysis
   * steps until promoted (Argo). 'gate': the executor sets each weight and advances every step.
   */
  readonly drives: 'controller' | 'gate'
  /** Changes are only logged. */
  readonly dryRun: boolean
  /** Requests made so far (for the calls-per-minute figure). */
  readonly requests: number

  /** Says once in the log how changes will be made. */
  announce(): void
  read(): Promise<S>
  /** The live steps against the plan's (`- live`, `+ wanted`), or undefined when they agree. */
  stepsDiff(state: S): string[] | undefined
  /** Makes the live steps the plan's. */
  applySteps(): Promise<void>
  /** Starts a new revision: this image for the container. */
  startRevision(container: string, image: string, state: S): Promise<void>
  /** Sends this much traffic to the canary (a gate-driven target). */
  setWeight(weight: number): Promise<void>
  /** Waits until the target has acted on its last change, or the signal aborts. */
  waitReady(options: { clock: Clock; pollMs: number; until: number; signal?: AbortSignal }): Promise<{ state: S; ready: boolean }>
  /** Past the current step, or (full) straight to stable. */
  promote(full: boolean, state: S): Promise<void>
  /** Pauses so nothing moves on without a human. */
  pause(): Promise<void>
  /** Aborts and waits (up to confirmMs) until the canary's traffic is back on stable; timed. */
  abort(reason: string, before: S, options: AbortOptions): Promise<{ record: AbortRecord; state: S }>
  /** Aborts without reading first (the API server does not answer): nothing to time. */
  abortBlind(reason: string): Promise<void>
  /** From now on only an abort (which only makes the canary safer) changes the target. */
  stopWrites(reason: string): void
  /** The same target on one short real-time attempt per request, for the cancel path's budget. */
  hurried(): Target<S>
  commands(): ManualCommands
  /**
   * When `error` is the target failing to answer (the cluster, not a bug in the gate): its message,
   * and whether the target itself was not found. Undefined for any other error.
   */
  failure(error: unknown): { message: string; notFound: boolean } | undefined
}
