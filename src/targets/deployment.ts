// A plain Deployment whose traffic the gate drives, as Flagger does: the primary (`<name>-primary`, or
// `<name>` itself) keeps serving; the canary `<name>-canary` gets the primary's pod template with the
// new image and the primary's replicas; a router (nginx canary Ingress or Gateway API HTTPRoute) is
// told each weight and read back. Promotion copies the canary's template to the primary, waits for its
// rollout, routes 100 % to it and scales the canary to 0; a rollback puts the weight at 0 (verified on
// the object) and scales the canary to 0. The gate runs the steps: the step index lives in this object.
import { systemClock, type Clock } from '../clock.js'
import { displayCommand, KubectlError, type Kubectl } from '../kube/kubectl.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import type { PlanStep } from '../plan/rollout.js'
import type { AbortRecord } from '../report/model.js'
import { GatewayApiRouter } from './routers/gateway-api.js'
import { NginxRouter } from './routers/nginx.js'
import { describeMatch, MatchNotApplied, MissingObjectError, WeightNotApplied, type HeaderMatch, type Json, type Router } from './routers/router.js'
import type { AbortOptions, ManualCommands, Target, TargetState } from './target.js'

export interface DeploymentState extends TargetState {
  primary: Json
  canary?: Json
}

export interface DeploymentTargetOptions {
  kubectl: Kubectl
  name: string
  namespace: string
  log: Logger
  clock: Clock
  steps: PlanStep[]
  router: 'nginx' | 'gateway-api'
  /** The main Ingress (nginx; default: the name). */
  ingress?: string
  /** The HTTPRoute (gateway-api; default: the name). */
  route?: string
  /** The apex Service (`<service>-primary`, `<service>-canary` split the traffic); default: the name. */
  service?: string
  /** A/B: the canary gets the requests that match, not a share of all of them. */
  match?: HeaderMatch[]
  /** Percent of the canary's pods that must be ready before a weight change (default 100). */
  readyThreshold?: number
  pollMs: number
  /** Bound on the wait for the primary's rollout at promotion (default 10 minutes). */
  promotionTimeoutMs?: number
}

/** What this run did to the target: shared with the hurried copy the cancel path uses. */
interface Progress {
  primaryName?: string
  index?: number
  stepStartedAt?: number
  paused: boolean
  aborted: boolean
  promoted: boolean
}

const HURRIED_REQUEST_TIMEOUT_S = 2

function containersOf(d: Json | undefined): Array<{ name: string; image?: string }> {
  return ((d?.spec?.template?.spec?.containers ?? []) as Json[]).map((c) => ({ name: String(c.name ?? ''), image: typeof c.image === 'string' ? c.image : undefined }))
}

function imagesOf(d: Json | undefined): string | undefined {
  const images = containersOf(d).map((c) => c.image ?? '?')
  return images.length ? images.join(',') : undefined
}

/** The Deployment has acted on its latest spec and this percent of its pods are ready. */
export function deploymentReady(d: Json | undefined, thresholdPercent = 100): boolean {
  if (!d) return false
  const wanted = Number(d.spec?.replicas ?? 1)
  const status = d.status ?? {}
  if (Number(status.observedGeneration ?? 0) < Number(d.metadata?.generation ?? 0)) return false
  if (wanted === 0) return true
  if (Number(status.updatedReplicas ?? 0) < wanted) return false
  return (Number(status.readyReplicas ?? 0) * 100) / wanted >= thresholdPercent
}

/** As `kubectl rollout status` sees it: every replica updated, ready and available, no old pods left. */
export function rolledOut(d: Json): boolean {
  const wanted = Number(d.spec?.replicas ?? 1)
  const s = d.status ?? {}
  return Number(s.observedGeneration ?? 0) >= Number(d.metadata?.generation ?? 0) && Number(s.updatedReplicas ?? 0) === wanted && Number(s.replicas ?? 0) === wanted && Number(s.availableReplicas ?? 0) === wanted
}

/** Label values naming one Deployment renamed to the other's (app: podinfo-primary → app: podinfo-canary). */
function relabel(labels: Record<string, string> | undefined, from: string, to: string): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [k, v === from ? to : v]))
}

/** A pod template with its labels moved from one Deployment's name to the other's. */
export function moveTemplate(template: Json, from: string, to: string): Json {
  const copy = JSON.parse(JSON.stringify(template)) as Json
  copy.metadata = { ...(copy.metadata ?? {}), labels: relabel(copy.metadata?.labels, from, to) }
  delete copy.metadata.creationTimestamp
  return copy
}

export class DeploymentTarget implements Target<DeploymentState> {
  readonly kind = 'deployment'
  readonly drives = 'gate'
  readonly path = 'kubectl'
  readonly router: Router
  readonly canaryName: string
  readonly threshold: number

  constructor(
    private readonly o: DeploymentTargetOptions,
    private readonly progress: Progress = { paused: false, aborted: false, promoted: false }
  ) {
    this.canaryName = `${o.name}-canary`
    this.threshold = o.readyThreshold ?? 100
    const service = o.service ?? o.name
    const context = { kubectl: o.kubectl, namespace: o.namespace, primaryService: `${service}-primary`, canaryService: `${service}-canary` }
    this.router = o.router === 'nginx' ? new NginxRouter(context, o.ingress ?? o.name) : new GatewayApiRouter(context, o.route ?? o.name)
  }

  get name(): string {
    return this.o.name
  }
  get namespace(): string {
    return this.o.namespace
  }
  get dryRun(): boolean {
    return this.o.kubectl.dryRun
  }
  get requests(): number {
    return this.o.kubectl.calls
  }
  private get kubectl(): Kubectl {
    return this.o.kubectl
  }
  private get log(): Logger {
    return this.o.log
  }
  get primaryName(): string {
    return this.progress.primaryName ?? `${this.o.name}-primary`
  }

  announce(): void {
    const how = this.o.match ? `, requests matching ${describeMatch(this.o.match)} to the canary (A/B)` : ''
    this.log.info(`deployment ${this.name}: canary-gate drives the traffic itself through the ${this.o.router} router (${this.router.object}${how}); canary Deployment ${this.canaryName}, readiness threshold ${this.threshold}%`)
  }

  private async getDeployment(name: string): Promise<Json | undefined> {
    try {
      return await this.kubectl.readJson<Json>(['get', 'deployment', name, '-n', this.namespace])
    } catch (error) {
      if (error instanceof KubectlError && error.notFound) return undefined
      throw error
    }
  }

  /** The primary: `<name>-primary` as Flagger names it, or else the Deployment `<name>` itself. */
  private async primary(): Promise<Json> {
    if (this.progress.primaryName) {
      const found = await this.getDeployment(this.progress.primaryName)
      if (found) return found
    } else {
      for (const name of [`${this.name}-primary`, this.name]) {
        const found = await this.getDeployment(name)
        if (found) {
          this.progress.primaryName = name
          return found
        }
      }
    }
    throw new MissingObjectError(`deployment ${this.name}-primary (or ${this.name}) was not found in namespace ${this.namespace}: the primary Deployment must exist before canary-gate can start a canary next to it`)
  }

  async read(): Promise<DeploymentState> {
    const primary = await this.primary()
    const canary = await this.getDeployment(this.canaryName)
    const weight = await this.router.readWeight()
    const p = this.progress
    const steps = this.o.steps
    const index = p.index
    const step = index === undefined ? undefined : steps[index]
    const started = index !== undefined
    const completed = p.promoted && weight === 0 && Number(canary?.spec?.replicas ?? 0) === 0 && rolledOut(primary)
    const deadline = ((canary?.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded')
    const degraded = started && !p.aborted && !p.promoted && Boolean(deadline)
    const waitingAtStep = started && !p.aborted && (step?.kind === 'analysis' || (step?.kind === 'pause' && step.durationMs === undefined))
    const ready = completed || !started ? deploymentReady(primary) : deploymentReady(canary, this.threshold)
    // Not started by this run: a canary that still has pods or traffic was left by another.
    const leftRunning = !started && (weight > 0 || Number(canary?.spec?.replicas ?? 0) > 0)
    const phase = p.aborted ? 'Aborted' : completed ? 'Healthy' : leftRunning ? 'Canary running' : !started ? 'Stable' : degraded ? 'Degraded' : waitingAtStep || step?.kind === 'pause' ? 'Paused' : ready ? 'Progressing' : 'Scaling'
    const canaryReady = canary ? `${canary.status?.readyReplicas ?? 0}/${canary.spec?.replicas ?? 0} ready` : 'none'
    return {
      weight,
      stepIndex: index,
      phase,
      message: degraded ? String(deadline?.message ?? 'the canary exceeded its progress deadline') : p.aborted ? 'rolled back by canary-gate' : '',
      stableRevision: imagesOf(primary),
      canaryRevision: started ? imagesOf(canary) : undefined,
      containers: containersOf(primary),
      paused: p.paused,
      waitingAtStep,
      stepPause: step?.kind === 'pause' && !p.aborted ? { startedAt: p.stepStartedAt } : undefined,
      aborted: p.aborted,
      degraded,
      updating: started && !p.aborted && !completed,
      completed,
      ready,
      description: `${phase}, ${this.router.object} canary weight ${weight}%, primary ${this.primaryName} ${imagesOf(primary) ?? '?'} (${primary.status?.readyReplicas ?? 0}/${primary.spec?.replicas ?? 0} ready), canary ${this.canaryName} ${canary ? (imagesOf(canary) ?? '?') : ''} (${canaryReady})`,
      primary,
      canary
    }
  }

  stepsDiff(): string[] | undefined {
    return undefined
  }

  async applySteps(): Promise<void> {}

  /** Creates or updates the canary from the primary's template with the new image, at the primary's replicas. */
  async startRevision(container: string, image: string, state: DeploymentState): Promise<void> {
    await this.router.prepare()
    try {
      await this.kubectl.read(['get', 'service', this.canaryService, '-n', this.namespace, '-o', 'name'])
    } catch (error) {
      if (error instanceof KubectlError && error.notFound) throw new MissingObjectError(`service ${this.canaryService} was not found in namespace ${this.namespace}: the router sends the canary's traffic to it`)
      throw error
    }
    const primary = state.primary
    const template = moveTemplate(primary.spec.template, this.primaryName, this.canaryName)
    for (const c of (template.spec?.containers ?? []) as Json[]) if (c.name === container) c.image = image
    const selector = { matchLabels: relabel(primary.spec?.selector?.matchLabels, this.primaryName, this.canaryName) }
    if (JSON.stringify(selector.matchLabels) === JSON.stringify(primary.spec?.selector?.matchLabels ?? {})) {
      throw new MissingObjectError(`deployment ${this.primaryName}'s selector has no label whose value is its name, so canary-gate cannot give the canary's pods labels of their own`)
    }
    const replicas = Number(primary.spec?.replicas ?? 1)
    if (state.canary) {
      await this.kubectl.write(['patch', 'deployment', this.canaryName, '-n', this.namespace, '--type=merge', '-p', JSON.stringify({ spec: { replicas, template } })])
    } else {
      const manifest = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: this.canaryName, namespace: this.namespace, labels: relabel(primary.metadata?.labels, this.primaryName, this.canaryName) },
        spec: { replicas, selector, template }
      }
      await this.kubectl.write(['create', '-f', '-', '-o', 'name'], { input: JSON.stringify(manifest), what: `deployment ${this.canaryName}` })
    }
    this.progress.index = 0
    this.progress.stepStartedAt = this.o.clock.now()
    this.progress.aborted = false
    this.progress.promoted = false
  }

  /** The Service the router sends the canary's share to. */
  get canaryService(): string {
    return `${this.o.service ?? this.name}-canary`
  }

  async setWeight(weight: number): Promise<void> {
    if (this.o.match && weight > 0) {
      await this.router.setMatch(this.o.match)
      this.log.info(`${this.router.object}: requests matching ${describeMatch(this.o.match)} go to the canary (read back)`)
      return
    }
    await this.router.setWeight(weight)
    this.log.info(`${this.router.object}: canary weight ${weight}% (read back)`)
  }

  async waitReady(options: { clock: Clock; pollMs: number; until: number; signal?: AbortSignal }): Promise<{ state: DeploymentState; ready: boolean }> {
    for (;;) {
      const state = await this.read()
      if (state.ready) return { state, ready: true }
      if (options.clock.now() >= options.until || options.signal?.aborted) return { state, ready: false }
      try {
        await options.clock.sleep(Math.min(options.pollMs, Math.max(0, options.until - options.clock.now())), options.signal)
      } catch {
        return { state, ready: false }
      }
    }
  }

  /** Past the current step; past the last (or full) the canary is promoted. */
  async promote(full: boolean, state: DeploymentState): Promise<void> {
    const p = this.progress
    p.paused = false
    if (!full && p.index !== undefined && p.index + 1 < this.o.steps.length) {
      p.index++
      p.stepStartedAt = this.o.clock.now()
      return
    }
    await this.promoteFully(state)
  }

  private async promoteFully(state: DeploymentState): Promise<void> {
    const canary = state.canary ?? (await this.getDeployment(this.canaryName))
    if (!canary) throw new MissingObjectError(`deployment ${this.canaryName} is gone: nothing to promote`)
    this.log.info(`promoting: ${this.canaryName}'s pod template (${imagesOf(canary)}) copied to ${this.primaryName}`)
    const template = moveTemplate(canary.spec.template, this.canaryName, this.primaryName)
    await this.kubectl.write(['patch', 'deployment', this.primaryName, '-n', this.namespace, '--type=merge', '-p', JSON.stringify({ spec: { template } })])
    const clock = this.o.clock
    const until = clock.now() + (this.o.promotionTimeoutMs ?? 10 * 60_000)
    for (;;) {
      const primary = await this.primary()
      if (this.dryRun || rolledOut(primary)) break
      if (clock.now() >= until) throw new Error(`deployment ${this.primaryName} did not roll out within ${formatDuration(this.o.promotionTimeoutMs ?? 10 * 60_000)} of the promotion`)
      await clock.sleep(Math.min(this.o.pollMs, 2000))
    }
    this.log.info(`deployment ${this.primaryName} rolled out and ready: routing all traffic to it`)
    await this.router.setWeight(0)
    await this.kubectl.write(['scale', `deployment/${this.canaryName}`, '--replicas=0', '-n', this.namespace])
    this.progress.index = this.o.steps.length
    this.progress.promoted = true
    this.log.info(`promotion completed: ${this.primaryName} runs ${imagesOf(canary)}, ${this.router.object} weight 0%, ${this.canaryName} scaled to 0`)
  }

  /** A gate-driven target holds still on its own: the weights stay until someone acts. */
  async pause(): Promise<void> {
    this.progress.paused = true
  }

  private async rollback(): Promise<void> {
    await this.router.setWeight(0)
    this.progress.aborted = true
    await this.kubectl.write(['scale', `deployment/${this.canaryName}`, '--replicas=0', '-n', this.namespace], { safe: true })
  }

  async abort(reason: string, before: DeploymentState, options: AbortOptions): Promise<{ record: AbortRecord; state: DeploymentState }> {
    const clock = options.clock
    const record: AbortRecord = { reason, failingMeasurementAt: options.failingMeasurementAt, requestedAt: clock.now(), weightBefore: before.weight }
    this.log.info(`rolling back deployment ${this.name}: ${reason}`)
    try {
      // The weight is read back by the router: from then on the canary gets no traffic.
      await this.router.setWeight(0)
      record.confirmedAt = clock.now()
    } catch (error) {
      if (!(error instanceof WeightNotApplied)) throw error
      this.log.warning(error.message)
    }
    this.progress.aborted = true
    await this.kubectl.write(['scale', `deployment/${this.canaryName}`, '--replicas=0', '-n', this.namespace], { safe: true })
    const state = await this.read()
    record.weightAfter = state.weight
    if (state.weight !== 0) record.confirmedAt = undefined
    if (state.weight === 0) {
      this.log.info(`deployment ${this.name} rolled back: canary traffic ${before.weight}% → ${state.weight}% on ${this.router.object} (read back), ${this.canaryName} scaled to 0`)
    } else this.log.warning(`deployment ${this.name}: ${this.router.object} still sends ${state.weight}% to the canary after the rollback`)
    return { record, state }
  }

  async abortBlind(reason: string): Promise<void> {
    this.log.info(`rolling back deployment ${this.name}: ${reason}`)
    await this.rollback()
  }

  stopWrites(reason: string): void {
    this.kubectl.stopWrites(reason)
  }

  hurried(): DeploymentTarget {
    const kubectl = this.kubectl.derive({ requestTimeoutSeconds: HURRIED_REQUEST_TIMEOUT_S, attempts: 1, clock: systemClock })
    return new DeploymentTarget({ ...this.o, kubectl, clock: systemClock }, this.progress)
  }

  commands(): ManualCommands {
    const scale = displayCommand('kubectl', ['scale', `deployment/${this.canaryName}`, '--replicas=0', '-n', this.namespace])
    const again = "run this workflow again with the same image (it starts the canary's steps from the first)"
    return {
      promote: again,
      promoteFull: again,
      abort: `${this.router.zeroCommand()} && ${scale}`,
      retry: again,
      status: displayCommand('kubectl', ['get', 'deployment', this.primaryName, this.canaryName, '-n', this.namespace])
    }
  }

  failure(error: unknown): { message: string; notFound: boolean } | undefined {
    if (error instanceof KubectlError) return { message: error.message, notFound: false }
    if (error instanceof MissingObjectError || error instanceof WeightNotApplied || error instanceof MatchNotApplied) return { message: error.message, notFound: false }
    return undefined
  }
}
