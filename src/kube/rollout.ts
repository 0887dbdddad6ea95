// One Argo Rollout in the cluster: read it (kubectl get -o json: the plugin has no JSON output) and
// change it, through `kubectl argo rollouts` when the plugin is installed, or otherwise with the
// very patches the plugin issues (see the reference), so a runner with only kubectl works too.
import { checkKubernetesName } from '../inputs.js'
import type { Logger } from '../log.js'
import { KubectlError, type Kubectl } from './kubectl.js'

export interface PauseCondition {
  reason: string
  startTime?: string
}

/** What canary-gate reads of a Rollout, with Argo's field names. */
export interface RolloutState {
  name: string
  namespace: string
  generation: number
  observedGeneration?: string | number
  steps: unknown[]
  /** spec.paused: a user pause. */
  paused: boolean
  containers: Array<{ name: string; image?: string }>
  phase: string
  message: string
  currentStepIndex?: number
  pauseConditions: PauseCondition[]
  controllerPause: boolean
  abort: boolean
  abortedAt?: string
  promoteFull: boolean
  stableRS?: string
  currentPodHash?: string
  canaryWeight: number
  stableWeight: number
  labels: Record<string, string>
  annotations: Record<string, string>
  raw: Record<string, unknown>
}

type Json = Record<string, unknown>
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {})
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/**
 * Without traffic routing Argo reports no weights; the canary then gets the weight of the last
 * setWeight step it passed (by replica count), none after an abort or once it is stable.
 */
function plannedWeight(steps: unknown[], index: number | undefined, aborted: boolean): number {
  if (aborted || index === undefined || index >= steps.length) return 0
  let weight = 0
  for (const step of steps.slice(0, index)) {
    const value = (step as { setWeight?: unknown } | null)?.setWeight
    if (typeof value === 'number') weight = value
  }
  return weight
}

export function parseRollout(raw: unknown): RolloutState {
  const root = obj(raw)
  const metadata = obj(root.metadata)
  const spec = obj(root.spec)
  const status = obj(root.status)
  const canary = obj(obj(spec.strategy).canary)
  const weights = obj(obj(status.canary).weights)
  const steps = Array.isArray(canary.steps) ? canary.steps : []
  const canaryWeight = num(obj(weights.canary).weight) ?? plannedWeight(steps, num(status.currentStepIndex), status.abort === true)
  const containers = Array.isArray(obj(obj(spec.template).spec).containers) ? (obj(obj(spec.template).spec).containers as Json[]) : []
  return {
    name: str(metadata.name) ?? '',
    namespace: str(metadata.namespace) ?? '',
    generation: num(metadata.generation) ?? 0,
    observedGeneration: (status.observedGeneration as string | number | undefined) ?? undefined,
    steps,
    paused: spec.paused === true,
    containers: containers.map((c) => ({ name: str(c.name) ?? '', image: str(c.image) })),
    phase: str(status.phase) ?? '',
    message: str(status.message) ?? '',
    currentStepIndex: num(status.currentStepIndex),
    pauseConditions: Array.isArray(status.pauseConditions) ? (status.pauseConditions as Json[]).map((p) => ({ reason: str(p.reason) ?? '', startTime: str(p.startTime) })) : [],
    controllerPause: status.controllerPause === true,
    abort: status.abort === true,
    abortedAt: str(status.abortedAt),
    promoteFull: status.promoteFull === true,
    stableRS: str(status.stableRS),
    currentPodHash: str(status.currentPodHash),
    canaryWeight,
    stableWeight: num(obj(weights.stable).weight) ?? 100 - canaryWeight,
    labels: obj(metadata.labels) as Record<string, string>,
    annotations: obj(metadata.annotations) as Record<string, string>,
    raw: root
  }
}

/** A rollout in the middle of an update: a canary revision that is not yet stable. */
export function inProgress(state: RolloutState): boolean {
  return Boolean(state.currentPodHash && state.stableRS && state.currentPodHash !== state.stableRS) && !state.abort
}

/** One line for the log and the report: phase, step, weight, pause. */
export function describeState(state: RolloutState): string {
  if (state.phase === 'Healthy' && state.currentPodHash && state.currentPodHash === state.stableRS && !state.abort) {
    return `Healthy, all traffic on revision ${state.stableRS}${state.message ? ` — ${state.message}` : ''}`
  }
  // After an abort Argo resets the step index; the step would mislead.
  const step = state.currentStepIndex === undefined || state.abort ? '' : `, step ${Math.min(state.currentStepIndex + 1, state.steps.length)}/${state.steps.length}`
  const pause = state.pauseConditions.length ? `, paused (${state.pauseConditions.map((p) => p.reason).join(', ')})` : state.paused ? ', paused by a user' : ''
  const message = state.message ? ` — ${state.message}` : ''
  return `${state.phase || 'unknown'}${step}, canary ${state.canaryWeight}%${pause}${state.abort ? ', aborted' : ''}${message}`
}

export class RolloutClient {
  readonly usePlugin: boolean

  constructor(
    private readonly kubectl: Kubectl,
    readonly name: string,
    readonly namespace: string,
    private readonly log: Logger
  ) {
    // Names reach kubectl as arguments; they were checked as inputs, and are checked again here
    // so no caller can hand kubectl an option disguised as a name.
    for (const [value, kind] of [
      [name, 'name'],
      [namespace, 'label']
    ] as const) {
      const problem = checkKubernetesName(value, kind)
      if (problem) throw new Error(`refusing to run kubectl: ${problem}`)
    }
    this.usePlugin = kubectl.hasArgoPlugin()
  }

  /** Says which way changes are made, once, in the log. */
  announcePath(): void {
    this.log.info(
      this.usePlugin
        ? 'kubectl argo rollouts plugin found on PATH: promote, abort, retry and set image go through it'
        : 'kubectl argo rollouts plugin not found: canary-gate issues the same patches the plugin would, with kubectl patch'
    )
  }

  async get(): Promise<RolloutState> {
    return parseRollout(await this.kubectl.readJson(['get', 'rollout', this.name, '-n', this.namespace]))
  }

  private async statusPatch(patch: Json, safe = false): Promise<void> {
    const text = JSON.stringify(patch)
    try {
      await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--subresource=status', '--type=merge', '-p', text], { safe })
    } catch (error) {
      // Servers without the status subresource: the plugin retries on the main resource.
      if (error instanceof KubectlError && error.notFound && /subresource|status/i.test(error.stderr)) {
        await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=merge', '-p', text], { safe })
        return
      }
      throw error
    }
  }

  private async specPatch(patch: Json): Promise<void> {
    await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=merge', '-p', JSON.stringify(patch)])
  }

  private async plugin(args: string[], safe = false): Promise<void> {
    await this.kubectl.write(['argo', 'rollouts', ...args, '-n', this.namespace], { safe })
  }

  /** Makes the live steps these; arrays in a merge patch are replaced whole. */
  async setSteps(steps: unknown[]): Promise<void> {
    await this.specPatch({ spec: { strategy: { canary: { steps } } } })
  }

  /** Starts a new revision with this image for the container. */
  async setImage(container: string, image: string, state: RolloutState): Promise<void> {
    const problem = checkKubernetesName(container, 'label')
    if (problem) throw new Error(`refusing to run kubectl: container ${problem}`)
    if (this.usePlugin) return this.plugin(['set', 'image', this.name, `${container}=${image}`])
    const index = state.containers.findIndex((c) => c.name === container)
    if (index < 0) throw new Error(`rollout ${this.name} has no container "${container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`)
    // The test op makes the patch fail rather than change another container if the list moved.
    const patch = [
      { op: 'test', path: `/spec/template/spec/containers/${index}/name`, value: container },
      { op: 'replace', path: `/spec/template/spec/containers/${index}/image`, value: image }
    ]
    await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=json', '-p', JSON.stringify(patch)])
  }

  /** `kubectl argo rollouts promote [--full]`, or its patches. */
  async promote(full: boolean, state: RolloutState): Promise<void> {
    if (this.usePlugin) return this.plugin(['promote', this.name, ...(full ? ['--full'] : [])])
    if (state.paused) await this.specPatch({ spec: { paused: false } })
    if (full) {
      await this.statusPatch({ status: { promoteFull: true } })
      return
    }
    const inconclusive = state.pauseConditions.some((p) => p.reason === 'InconclusiveAnalysisRun')
    const index = state.currentStepIndex ?? state.steps.length
    if (state.controllerPause && inconclusive && index < state.steps.length) {
      // An inconclusive analysis pause: clear it and move past the step, or the next pause sticks.
      await this.statusPatch({ status: { pauseConditions: null, controllerPause: false, currentStepIndex: index + 1 } })
    } else if (state.pauseConditions.length > 0) {
      // The controller ends a pause step when controllerPause is still set and the condition is gone.
      await this.statusPatch({ status: { pauseConditions: null } })
    } else if (!state.paused && index < state.steps.length) {
      // No pause to clear (e.g. the canary is running an analysis step): skip the current step.
      await this.statusPatch({ status: { pauseConditions: null, currentStepIndex: index + 1 } })
    }
  }

  /** An abort only ever makes the canary safer: it runs even after the gate stopped other writes. */
  async abort(): Promise<void> {
    if (this.usePlugin) return this.plugin(['abort', this.name], true)
    await this.statusPatch({ status: { abort: true } }, true)
  }

  /** A user pause (spec.paused), as `kubectl argo rollouts pause` sets it. */
  async pause(): Promise<void> {
    if (this.usePlugin) return this.plugin(['pause', this.name])
    await this.specPatch({ spec: { paused: true } })
  }

  async retry(): Promise<void> {
    if (this.usePlugin) return this.plugin(['retry', 'rollout', this.name])
    await this.statusPatch({ status: { abort: false } })
  }

  /** The commands a person runs to act on this rollout by hand. */
  commands(): { promote: string; promoteFull: string; abort: string; retry: string; status: string } {
    const target = `${this.name} -n ${this.namespace}`
    return {
      promote: `kubectl argo rollouts promote ${target}`,
      promoteFull: `kubectl argo rollouts promote ${target} --full`,
      abort: `kubectl argo rollouts abort ${target}`,
      retry: `kubectl argo rollouts retry rollout ${target}`,
      status: `kubectl argo rollouts get rollout ${target}`
    }
  }
}
