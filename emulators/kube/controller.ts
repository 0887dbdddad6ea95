// The Argo Rollouts controller, emulated for canary Rollouts with traffic routing (status.canary.weights
// is always kept). It follows argo-rollouts v1.8/1.9 (rollout/canary.go, rollout/sync.go, rollout/pause.go,
// utils/rollout/rolloututil.go). The choices, where the emulator had to pick:
//
// - One reconcile applies at most one transition (a setWeight, a pause starting or ending, a promotion,
//   an abort, ...), as one pass of Argo's sync does; reconciles run every reconcileMs and right after
//   every client write, after the response has gone out (clients see their patch, then the reaction).
// - A new Rollout is fully promoted at once ("Initial deploy"): stable = current, currentStepIndex =
//   steps.length, weights canary 0 / stable 100, Healthy.
// - A new pod template or a new steps hash (status.currentStepHash) resets the rollout to step 0: pause
//   conditions, abort and promoteFull are cleared and the canary weight goes back to 0. When the new
//   template is the stable one (a rollback), or only the steps changed on a fully promoted rollout, the
//   steps are skipped (currentStepIndex = steps.length), as Argo does. Each new template bumps the
//   annotation rollout.argoproj.io/revision, which the abort message quotes.
// - setWeight sets status.canary.weights and moves on in the same reconcile. analysis steps (the live
//   spec may still have them) pass at once; experiment, setCanaryScale, setHeaderRoute, setMirrorRoute
//   and plugin steps are passed through.
// - pause adds pauseConditions [{reason: CanaryPauseStep, startTime}] and controllerPause: true. A timed
//   pause ends when the clock passes startTime (whole seconds, as stored) + duration. Any pause ends when
//   a client clears pauseConditions while controllerPause is still true (what `promote` does); the
//   controller then clears controllerPause. If pauseConditions are cleared while spec.paused is true, the
//   promotion is lost, as in Argo (controllerPause is reset and the pause comes back on resume).
// - spec.paused holds every step (phase Paused, "manually paused") but not an abort or promoteFull.
// - status.promoteFull: clears pauses and abort, jumps to the end and promotes, then clears promoteFull.
// - status.abort: currentStepIndex 0, pause conditions cleared, canary weight 0, abortedAt set, Progressing
//   condition RolloutAborted "Rollout aborted update to revision N" → phase Degraded with that message.
//   The canary ReplicaSet's delayed scale-down (abortScaleDownDelaySeconds) is not modelled.
//   status.abort false afterwards (retry) restarts from step 0, Progressing.
// - A crash-looping canary (setCanaryCrashLoop) never becomes available: its setWeight steps and
//   promoteFull wait, the weight stays where it was, and once the Progressing condition has not moved for
//   progressDeadlineSeconds (600) while not paused and not at a pause/analysis/experiment step, the
//   condition becomes ProgressDeadlineExceeded and the phase Degraded. Argo measures from the last
//   progress (a step, a resume), not accumulated time. spec.progressDeadlineAbort: true also aborts.
//   When the crash loop stops, the rollout makes progress again.
// - status.observedGeneration is a string, as in Argo. Replica counts follow spec.replicas (default 1)
//   and the canary weight (canary replicas = ceil(replicas × weight / 100)).

import type { Clock } from '../../src/clock.js'
import { argoHash } from './hash.js'
import { timestamp } from './jobs.js'
import { deepEqual } from './patch.js'
import { formatLabelSelector } from './selectors.js'
import type { KObject, Store } from './store.js'

export interface ControllerEvent {
  /** Clock ms. */
  time: number
  rollout: string
  namespace: string
  what: string
  /** Canary weight after the event. */
  weight: number
}

const REVISION_ANNOTATION = 'rollout.argoproj.io/revision'
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600

/** Argo's pod-template hash of spec.template. */
export function podTemplateHash(template: unknown): string {
  return argoHash(template ?? {})
}

/** Go's time.ParseDuration for the units pauses use ("1h30m", "2m", "90s", "1.5h", "500ms"). */
function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * units[unit], 0)
}

/** RolloutPause.DurationSeconds: an integer or an integer string is seconds, else a Go duration; junk is 0. */
export function pauseSeconds(duration: unknown): number {
  if (typeof duration === 'number') return duration
  const text = String(duration)
  if (/^-?\d+$/.test(text)) return Number(text)
  return Math.trunc(parseGoDuration(text) ?? 0)
}

function stepName(step: KObject): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`
  if (step.pause !== undefined) return step.pause?.duration === undefined ? 'pause (until promoted)' : `pause ${step.pause.duration}`
  for (const kind of ['analysis', 'experiment', 'setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'plugin']) if (step[kind] !== undefined) return kind
  return 'unknown step'
}

function isIndefiniteStep(step: KObject | undefined): boolean {
  return step !== undefined && (step.pause !== undefined || step.analysis !== undefined || step.experiment !== undefined)
}

export class RolloutController {
  readonly events: ControllerEvent[] = []
  private readonly crashLoops = new Set<string>()

  constructor(
    private readonly store: Store,
    private readonly clock: Clock
  ) {}

  setCrashLoop(hash: string, crashing: boolean): void {
    if (crashing) this.crashLoops.add(hash)
    else this.crashLoops.delete(hash)
  }

  private isCrashing(status: KObject): boolean {
    const current = status.currentPodHash
    if (current === undefined || current === status.stableRS) return false
    return this.crashLoops.has(current) || this.crashLoops.has('*')
  }

  private record(ro: KObject, what: string): void {
    this.events.push({ time: this.clock.now(), rollout: ro.metadata.name, namespace: ro.metadata.namespace, what, weight: ro.status?.canary?.weights?.canary?.weight ?? 0 })
  }

  /** A client wrote a Rollout: note what it asked for, so tests can measure how long the reaction took. */
  clientWrote(before: KObject | undefined, after: KObject | undefined): void {
    if (!before || !after) return
    const was: KObject = before.status ?? {}
    const is: KObject = after.status ?? {}
    if (!was.abort && is.abort) this.record(after, 'abort requested')
    if (was.abort && !is.abort) this.record(after, 'retry requested')
    if (!was.promoteFull && is.promoteFull) this.record(after, 'full promotion requested')
    if ((was.pauseConditions ?? []).length > 0 && (is.pauseConditions ?? []).length === 0) this.record(after, 'pause conditions cleared')
    if (was.currentStepIndex !== is.currentStepIndex) this.record(after, `step index set to ${is.currentStepIndex}`)
    if (!before.spec?.paused && after.spec?.paused) this.record(after, 'paused by user')
    if (before.spec?.paused && !after.spec?.paused) this.record(after, 'unpaused by user')
  }

  reconcileAll(): void {
    for (const ro of this.store.list('rollouts')) {
      const next = structuredClone(ro)
      this.sync(next)
      this.finalize(next)
      if (!deepEqual(ro, next)) this.store.save('rollouts', next)
    }
  }

  /** A fully promoted status for a new Rollout (what Argo's "Initial deploy" ends with). */
  initialStatus(ro: KObject): void {
    const hash = podTemplateHash(ro.spec?.template)
    ro.metadata.annotations = { ...ro.metadata.annotations, [REVISION_ANNOTATION]: ro.metadata.annotations?.[REVISION_ANNOTATION] ?? '1' }
    ro.status = { stableRS: hash, currentPodHash: hash, currentStepHash: argoHash(this.steps(ro)), currentStepIndex: this.steps(ro).length }
    this.setWeight(ro, 0)
    this.setCondition(ro, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${this.replicaSetName(ro)}" has successfully progressed.`)
    this.finalize(ro)
  }

  private steps(ro: KObject): KObject[] {
    return (ro.spec?.strategy?.canary?.steps ?? []) as KObject[]
  }

  private replicaSetName(ro: KObject): string {
    return `${ro.metadata.name}-${ro.status.currentPodHash}`
  }

  private revision(ro: KObject): number {
    return Number(ro.metadata.annotations?.[REVISION_ANNOTATION] ?? '1')
  }

  private setWeight(ro: KObject, weight: number): void {
    const status = ro.status
    status.canary = {
      ...status.canary,
      weights: { canary: { podTemplateHash: status.currentPodHash, weight }, stable: { podTemplateHash: status.stableRS, weight: 100 - weight } }
    }
  }

  private weight(ro: KObject): number {
    return ro.status.canary?.weights?.canary?.weight ?? 0
  }

  /** Argo's SetRolloutCondition: times move only when the condition changes. */
  private setCondition(ro: KObject, type: string, status: string, reason: string, message: string, touch = false): void {
    const now = timestamp(this.clock.now())
    const conditions: KObject[] = (ro.status.conditions ??= [])
    const existing = conditions.find((c) => c.type === type)
    if (existing && existing.status === status && existing.reason === reason && existing.message === message && !touch) return
    const condition = {
      type,
      status,
      reason,
      message,
      lastUpdateTime: now,
      lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : now
    }
    if (existing) Object.assign(existing, condition)
    else conditions.push(condition)
  }

  private condition(ro: KObject, type: string): KObject | undefined {
    return (ro.status.conditions ?? []).find((c: KObject) => c.type === type)
  }

  /** Progress was made: the progress deadline starts again. */
  private progressed(ro: KObject): void {
    this.setCondition(ro, 'Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${this.replicaSetName(ro)}" is progressing.`, true)
  }

  private sync(ro: KObject): void {
    if (!ro.status?.stableRS) {
      this.initialStatus(ro)
      this.record(ro, 'initial deploy: healthy')
      return
    }
    const status = ro.status
    const steps = this.steps(ro)
    const hash = podTemplateHash(ro.spec?.template)
    const stepHash = argoHash(steps)

    if (status.currentPodHash !== hash || status.currentStepHash !== stepHash) return this.restart(ro, hash, stepHash)
    if (status.promoteFull) return this.promoteFull(ro)
    if (status.abort) return this.abort(ro)
    if (this.condition(ro, 'Progressing')?.reason === 'RolloutAborted') {
      this.setCondition(ro, 'Progressing', 'Unknown', 'RolloutRetry', 'Retrying Rollout after abort')
      delete status.abortedAt
      status.currentStepIndex = status.stableRS === status.currentPodHash ? steps.length : 0
      this.record(ro, 'retrying from step 0')
      return
    }
    if (status.stableRS === status.currentPodHash) return
    if (this.condition(ro, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && !this.isCrashing(status)) {
      this.progressed(ro)
      this.record(ro, 'progressing again: the canary became available')
      return
    }
    if (ro.spec?.paused) return

    const index: number = status.currentStepIndex ?? 0
    if (index >= steps.length) {
      if (!this.isCrashing(status)) this.promote(ro, 'completed')
      else this.checkProgressDeadline(ro, undefined)
      return
    }
    const step = steps[index]
    if (step.setWeight !== undefined) {
      // A canary that never becomes available gets no traffic: the step waits and the deadline runs.
      if (this.isCrashing(status)) return this.checkProgressDeadline(ro, step)
      this.setWeight(ro, Number(step.setWeight))
      this.advance(ro, index, `step ${index} ${stepName(step)}`)
    } else if (step.pause !== undefined) {
      this.pauseStep(ro, index, step)
    } else {
      this.advance(ro, index, `step ${index} ${stepName(step)}${step.analysis !== undefined ? ': passed (the emulator runs no analysis)' : ''}`)
    }
  }

  private advance(ro: KObject, index: number, what: string): void {
    ro.status.currentStepIndex = index + 1
    this.progressed(ro)
    this.record(ro, what)
  }

  private pauseStep(ro: KObject, index: number, step: KObject): void {
    const status = ro.status
    const pauses: KObject[] = status.pauseConditions ?? []
    const pause = pauses.find((p) => p.reason === 'CanaryPauseStep')
    const duration = step.pause?.duration
    if (!pause && !status.controllerPause) {
      status.pauseConditions = [...pauses, { reason: 'CanaryPauseStep', startTime: timestamp(this.clock.now()) }]
      status.controllerPause = true
      this.record(ro, `step ${index} ${stepName(step)}`)
      this.record(ro, 'paused CanaryPauseStep')
    } else if (pause && duration !== undefined && this.clock.now() >= Date.parse(pause.startTime) + pauseSeconds(duration) * 1000) {
      status.pauseConditions = pauses.filter((p) => p !== pause)
      this.advance(ro, index, `pause ended: ${duration} elapsed`)
    } else if (!pause && status.controllerPause) {
      delete status.controllerPause
      this.advance(ro, index, 'promoted')
    }
  }

  private restart(ro: KObject, hash: string, stepHash: string): void {
    const status = ro.status
    const templateChanged = status.currentPodHash !== hash
    if (templateChanged) ro.metadata.annotations = { ...ro.metadata.annotations, [REVISION_ANNOTATION]: String(this.revision(ro) + 1) }
    status.currentPodHash = hash
    status.currentStepHash = stepHash
    for (const key of ['pauseConditions', 'controllerPause', 'abort', 'abortedAt', 'promoteFull']) delete status[key]
    this.setWeight(ro, 0)
    if (status.stableRS === hash) {
      // Back to the stable template, or new steps on a fully promoted rollout: nothing to roll out.
      status.currentStepIndex = this.steps(ro).length
      this.setCondition(ro, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${this.replicaSetName(ro)}" has successfully progressed.`)
      this.record(ro, templateChanged ? `back to the stable template (revision ${this.revision(ro)}): steps skipped` : 'steps changed')
      return
    }
    status.currentStepIndex = 0
    this.progressed(ro)
    this.record(ro, templateChanged ? `new revision ${this.revision(ro)} (${hash}): step 0` : 'steps changed: back to step 0')
  }

  private promoteFull(ro: KObject): void {
    const status = ro.status
    for (const key of ['pauseConditions', 'controllerPause', 'abort', 'abortedAt']) delete status[key]
    status.currentStepIndex = this.steps(ro).length
    // promoteStable waits for the new ReplicaSet to be fully available, which a crash-looping one never is.
    if (this.isCrashing(status)) return this.checkProgressDeadline(ro, undefined)
    this.promote(ro, 'promoted full')
  }

  /** Argo's promoteStable: the canary becomes the stable ReplicaSet. */
  private promote(ro: KObject, what: string): void {
    const status = ro.status
    status.stableRS = status.currentPodHash
    status.currentStepIndex = this.steps(ro).length
    delete status.promoteFull
    this.setWeight(ro, 0)
    this.setCondition(ro, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${this.replicaSetName(ro)}" has successfully progressed.`)
    this.record(ro, what)
  }

  private abort(ro: KObject, cause?: string): void {
    const status = ro.status
    const firstTime = this.condition(ro, 'Progressing')?.reason !== 'RolloutAborted'
    status.abortedAt ??= timestamp(this.clock.now())
    delete status.pauseConditions
    delete status.controllerPause
    status.currentStepIndex = status.stableRS === status.currentPodHash ? this.steps(ro).length : 0
    this.setWeight(ro, 0)
    const message = `Rollout aborted update to revision ${this.revision(ro)}${cause ? `: ${cause}` : ''}`
    if (firstTime) {
      this.setCondition(ro, 'Progressing', 'False', 'RolloutAborted', message)
      this.record(ro, 'aborted: canary weight 0')
    }
  }

  /** RolloutTimedOut: no progress for progressDeadlineSeconds, outside pauses and indefinite steps. */
  private checkProgressDeadline(ro: KObject, step: KObject | undefined): void {
    const progressing = this.condition(ro, 'Progressing')
    if (!progressing || progressing.reason === 'ProgressDeadlineExceeded' || isIndefiniteStep(step)) return
    if ((ro.status.pauseConditions ?? []).length > 0 || ro.spec?.paused) return
    const deadlineSeconds: number = ro.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS
    if (this.clock.now() <= Date.parse(progressing.lastUpdateTime) + deadlineSeconds * 1000) return
    const message = `ReplicaSet "${this.replicaSetName(ro)}" has timed out progressing.`
    this.setCondition(ro, 'Progressing', 'False', 'ProgressDeadlineExceeded', message)
    this.record(ro, 'degraded: ProgressDeadlineExceeded')
    if (ro.spec?.progressDeadlineAbort) {
      ro.status.abort = true
      this.abort(ro, message)
    }
  }

  /** Fields every reconcile recomputes: observedGeneration, replicas, conditions, phase and message. */
  private finalize(ro: KObject): void {
    const status = ro.status
    status.observedGeneration = String(ro.metadata.generation ?? 1)
    if ((status.pauseConditions ?? []).length === 0) {
      // Argo keeps controllerPause only beside a pause condition (sync has already acted on a cleared one).
      delete status.pauseConditions
      delete status.controllerPause
    }
    const replicas: number = ro.spec?.replicas ?? 1
    const promoted = status.stableRS === status.currentPodHash
    const canary = promoted ? replicas : Math.ceil((replicas * this.weight(ro)) / 100)
    const available = promoted ? replicas : replicas + (this.isCrashing(status) ? 0 : canary)
    Object.assign(status, {
      replicas: promoted ? replicas : replicas + canary,
      updatedReplicas: canary,
      readyReplicas: available,
      availableReplicas: available,
      HPAReplicas: promoted ? replicas : replicas + canary,
      selector: formatLabelSelector(ro.spec?.selector)
    })

    const paused = Boolean(ro.spec?.paused) || (status.pauseConditions ?? []).length > 0
    const progressing = this.condition(ro, 'Progressing')
    const degraded = ['RolloutAborted', 'ProgressDeadlineExceeded'].includes(progressing?.reason)
    if (paused && !degraded && progressing?.reason !== 'RolloutPaused') this.setCondition(ro, 'Progressing', 'Unknown', 'RolloutPaused', 'Rollout is paused')
    if (!paused && progressing?.reason === 'RolloutPaused') this.setCondition(ro, 'Progressing', 'Unknown', 'RolloutResumed', 'Rollout is resumed')
    this.setCondition(ro, 'Paused', paused ? 'True' : 'False', 'RolloutPaused', 'Rollout is paused')
    const completed = promoted && !status.abort
    this.setCondition(ro, 'Completed', completed ? 'True' : 'False', 'RolloutCompleted', 'RolloutCompleted')
    this.setCondition(ro, 'Healthy', completed && !paused ? 'True' : 'False', 'RolloutHealthy', completed && !paused ? 'Rollout is healthy' : 'Rollout is not healthy')
    const minimum = available >= replicas
    this.setCondition(ro, 'Available', minimum ? 'True' : 'False', 'AvailableReason', minimum ? 'Rollout has minimum availability' : 'Rollout does not have minimum availability')
    const { phase, message } = this.phase(ro)
    status.phase = phase
    status.message = message
  }

  /** CalculateRolloutPhase. */
  private phase(ro: KObject): { phase: string; message: string } {
    const status = ro.status
    for (const c of status.conditions ?? []) {
      if (c.reason === 'RolloutAborted' || c.reason === 'ProgressDeadlineExceeded') return { phase: 'Degraded', message: `${c.reason}: ${c.message}` }
    }
    if (ro.spec?.paused) return { phase: 'Paused', message: 'manually paused' }
    if ((status.pauseConditions ?? []).length > 0) return { phase: 'Paused', message: status.pauseConditions[0].reason }
    if (status.updatedReplicas < (ro.spec?.replicas ?? 1)) return { phase: 'Progressing', message: 'more replicas need to be updated' }
    if (status.availableReplicas < status.updatedReplicas) return { phase: 'Progressing', message: 'updated replicas are still becoming available' }
    if (status.stableRS !== status.currentPodHash) return { phase: 'Progressing', message: 'waiting for all steps to complete' }
    return { phase: 'Healthy', message: '' }
  }
}
