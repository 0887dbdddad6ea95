// Flagger's release semantics as pure functions, read from fluxcd/flagger 15bd6ad5
// (pkg/controller/scheduler.go advanceCanary, runCanary, runAB, runBlueGreen, rollback;
// scheduler_hooks.go; scheduler_metrics.go; webhook.go; events.go). One call of `interval` is one
// tick of Flagger's scheduler for one Canary: it asks for each webhook call and each metric reading
// it needs, in Flagger's order, and returns the next status and the events Flagger records, worded
// as Flagger words them. Nothing here talks to a cluster or the network: the caller answers the
// requests (a generator, so the answers may be awaited).
import type { FlaggerMetric, FlaggerPlan, FlaggerWebhook } from './read.js'
import type { WebhookType } from './schema.js'

export type CanaryPhase = 'Initializing' | 'Initialized' | 'Waiting' | 'Progressing' | 'WaitingPromotion' | 'Promoting' | 'Finalising' | 'Succeeded' | 'Failed'

/** The part of a Canary's status the scheduler decides on. */
export interface CanaryState {
  phase: CanaryPhase
  canaryWeight: number
  primaryWeight: number
  /** One counter for the whole analysis: any failed check adds one, nothing resets it but a new revision. */
  failedChecks: number
  /** A/B and blue/green iterations done. */
  iterations: number
}

/** A Canary before its first release, or after one finished. */
export const INITIALIZED: CanaryState = { phase: 'Initialized', canaryWeight: 0, primaryWeight: 100, failedChecks: 0, iterations: 0 }

/** Flagger's CanaryWebhookPayload. */
export interface WebhookPayload {
  name: string
  namespace: string
  phase: CanaryPhase
  checksum: string
  metadata?: Record<string, string>
}

export type IntervalRequest = { kind: 'webhook'; webhook: FlaggerWebhook; payload: WebhookPayload } | { kind: 'metric'; metric: FlaggerMetric }

/** A webhook's answer: the HTTP status and body, or the transport error (timeout, refused). */
export type WebhookAnswer = { status: number; body?: string } | { error: string }
/** A metric's reading: a number, no values (empty or NaN), or a failed query. */
export type MetricAnswer = { value: number } | { noValues: true; error?: string } | { error: string }
export type IntervalAnswer = WebhookAnswer | MetricAnswer

export interface FlaggerEvent {
  /** Kubernetes' event type: Warning for halts and rollbacks. */
  type: 'Normal' | 'Warning'
  message: string
}

/** What the caller must do to the cluster for this tick's decision. */
export type ClusterAction =
  | { kind: 'scale-up' }
  | { kind: 'route'; primaryWeight: number; canaryWeight: number }
  | { kind: 'promote' }
  | { kind: 'scale-down' }

export interface IntervalOutcome {
  state: CanaryState
  events: FlaggerEvent[]
  actions: ClusterAction[]
}

export interface IntervalContext {
  /** The payload's checksum (Flagger hashes the canary's tracked configs; the caller names the revision). */
  checksum: string
}

const TOTAL_WEIGHT = 100

/** The weight at which the canary is promoted (scheduler.go maxWeight). */
export function maxWeight(plan: Pick<FlaggerPlan, 'analysis'>): number {
  const { stepWeights } = plan.analysis
  if (stepWeights.length > 0) return Math.min(TOTAL_WEIGHT, stepWeights[stepWeights.length - 1])
  return plan.analysis.maxWeight > 0 ? plan.analysis.maxWeight : TOTAL_WEIGHT
}

/** The weight added at the next advance from `canaryWeight` (scheduler.go nextStepWeight). */
export function nextStepWeight(plan: Pick<FlaggerPlan, 'analysis'>, canaryWeight: number): number {
  const { stepWeight, stepWeights } = plan.analysis
  if (stepWeight > 0 || stepWeights.length === 0) return stepWeight
  const maxStep = TOTAL_WEIGHT - canaryWeight
  if (maxStep === 0) return 1
  if (canaryWeight === 0) return Math.min(maxStep, stepWeights[0])
  for (let i = 0; i < stepWeights.length - 1; i++) {
    if (stepWeights[i] === canaryWeight) return Math.min(maxStep, stepWeights[i + 1] - canaryWeight)
  }
  return maxStep
}

/** The canary weights of a release whose every check passes, in order, before promotion. */
export function weightSequence(plan: Pick<FlaggerPlan, 'analysis'>): number[] {
  const weights: number[] = []
  const max = maxWeight(plan)
  let weight = 0
  while (weight < max) {
    const step = nextStepWeight(plan, weight)
    if (step <= 0) break
    weight = Math.min(TOTAL_WEIGHT, weight + step)
    weights.push(weight)
  }
  return weights
}

/** A webhook call succeeded as Flagger reads it: any response up to 202 (callWebhook: `StatusCode > 202` is an error). */
export function webhookPassed(answer: WebhookAnswer): boolean {
  return 'status' in answer && answer.status <= 202
}

/** The error Flagger shows for a failed call: the response body, or the transport error. */
function webhookError(answer: WebhookAnswer): string {
  return 'error' in answer ? answer.error : (answer.body ?? '')
}

/** Webhooks of one type, in the order written (an empty type is `rollout`). */
export function webhooksOf(plan: Pick<FlaggerPlan, 'webhooks'>, type: WebhookType): FlaggerWebhook[] {
  return plan.webhooks.filter((hook) => hook.type === type)
}

export function webhookPayload(plan: FlaggerPlan, phase: CanaryPhase, webhook: FlaggerWebhook, context: IntervalContext): WebhookPayload {
  return {
    name: plan.name,
    namespace: plan.namespace,
    phase,
    checksum: context.checksum,
    ...(Object.keys(webhook.metadata).length > 0 ? { metadata: { ...webhook.metadata } } : {})
  }
}

/**
 * The payloads of the `event` webhooks for one event (events.go sendEventToWebhook,
 * CallEventWebhook): Flagger's eventMessage, eventType and timestamp (ms) first, the webhook's own
 * metadata for the keys it does not set.
 */
export function eventPayloads(plan: FlaggerPlan, phase: CanaryPhase, event: FlaggerEvent, timestampMs: number, context: IntervalContext): Array<{ webhook: FlaggerWebhook; payload: WebhookPayload }> {
  return webhooksOf(plan, 'event').map((webhook) => ({
    webhook,
    payload: {
      name: plan.name,
      namespace: plan.namespace,
      phase,
      checksum: context.checksum,
      metadata: { ...webhook.metadata, eventMessage: event.message, eventType: event.type, timestamp: String(Math.trunc(timestampMs)) }
    }
  }))
}

/** Go's %v of a float64 (fmt: %g with the shortest digits, exponent form below 1e-4 and from 1e21). */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return String(value)
}

/** Go's time.Duration String() for a whole number of milliseconds: `500ms`, `1.5s`, `2m3s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 0) return `-${goDuration(-ms)}`
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const rest = ms % 60_000
  const whole = Math.floor(rest / 1000)
  const fraction = rest % 1000
  const seconds = fraction === 0 ? `${whole}` : `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}

/** Whether a metric's reading passes, and the event Flagger records when it does not (scheduler_metrics.go). */
export function judgeMetric(plan: FlaggerPlan, metric: FlaggerMetric, answer: MetricAnswer): { passed: boolean; event?: FlaggerEvent } {
  const id = `${plan.name}.${plan.namespace}`
  // Halts are warnings; failed queries are Flagger's errors, which Kubernetes records as warnings too.
  const warning = (message: string) => ({ passed: false, event: { type: 'Warning' as const, message } })
  const failure = warning
  if (!('value' in answer)) {
    const noValues = 'noValues' in answer
    const error = answer.error ?? 'no values found'
    if (metric.source === 'builtin') {
      // The nginx observer wraps the provider's error; the HTTP observer returns it as it is.
      const shown = plan.service.provider === 'nginx' ? `running query failed: ${error}` : error
      if (!noValues) return failure(`Prometheus query failed: ${shown}`)
      const provider = plan.service.provider
      const target = `${plan.target.name}.${plan.namespace}`
      return metric.builtin === 'request-success-rate'
        ? warning(`Halt advancement no values found for ${provider} metric ${metric.name} probably ${target} is not receiving traffic: ${shown}`)
        : warning(`Halt advancement no values found for ${provider} metric ${metric.name} probably ${target} is not receiving traffic`)
    }
    if (metric.source === 'query') {
      return noValues ? warning(`Halt advancement no values found for metric: ${metric.name}`) : failure(`Prometheus query failed for ${metric.name}: ${error}`)
    }
    return noValues ? warning(`Halt advancement no values found for custom metric: ${metric.name}: ${error}`) : failure(`Metric query failed for ${metric.name}: ${error}`)
  }
  const value = answer.value
  const range = metric.spec.thresholdRange ?? {}
  if (metric.builtin === 'request-success-rate') {
    if (range.min !== undefined && value < range.min) return warning(`Halt ${id} advancement success rate ${value.toFixed(2)}% < ${goFloat(range.min)}%`)
    if (range.max !== undefined && value > range.max) return warning(`Halt ${id} advancement success rate ${value.toFixed(2)}% > ${goFloat(range.max)}%`)
    return { passed: true }
  }
  if (metric.builtin === 'request-duration') {
    // Flagger reads the duration as whole milliseconds, and the limits too (time.Duration(x) * ms).
    const ms = Math.trunc(value)
    if (range.min !== undefined && ms < Math.trunc(range.min)) return warning(`Halt ${id} advancement request duration ${goDuration(ms)} < ${goDuration(Math.trunc(range.min))}`)
    if (range.max !== undefined && ms > Math.trunc(range.max)) return warning(`Halt ${id} advancement request duration ${goDuration(ms)} > ${goDuration(Math.trunc(range.max))}`)
    return { passed: true }
  }
  if (range.min !== undefined && value < range.min) return warning(`Halt ${id} advancement ${metric.name} ${value.toFixed(2)} < ${goFloat(range.min)}`)
  if (range.max !== undefined && value > range.max) return warning(`Halt ${id} advancement ${metric.name} ${value.toFixed(2)} > ${goFloat(range.max)}`)
  return { passed: true }
}

type Tick = Generator<IntervalRequest, IntervalOutcome, IntervalAnswer>

/**
 * One scheduler tick for a Canary whose Deployment has a new revision to release (or that is
 * releasing one). Yields each webhook call and metric reading in Flagger's order; returns the new
 * state, the events and what to do to the cluster.
 */
export function* interval(plan: FlaggerPlan, start: CanaryState, context: IntervalContext): Tick {
  const state: CanaryState = { ...start }
  const events: FlaggerEvent[] = []
  const actions: ClusterAction[] = []
  const done = (): IntervalOutcome => ({ state, events, actions })
  const info = (message: string): void => void events.push({ type: 'Normal', message })
  const warn = (message: string): void => void events.push({ type: 'Warning', message })
  const id = `${plan.name}.${plan.namespace}`
  const target = `${plan.target.name}.${plan.namespace}`
  const { analysis } = plan
  const max = maxWeight(plan)
  function* call(webhook: FlaggerWebhook, phase: CanaryPhase): Generator<IntervalRequest, WebhookAnswer, IntervalAnswer> {
    return (yield { kind: 'webhook', webhook, payload: webhookPayload(plan, phase, webhook, context) }) as WebhookAnswer
  }
  function* postRollout(phase: CanaryPhase): Generator<IntervalRequest, void, IntervalAnswer> {
    // After promotion or rollback; a failure is only recorded, and stops the hooks after it.
    for (const hook of webhooksOf(plan, 'post-rollout')) {
      const answer = yield* call(hook, phase)
      if (!webhookPassed(answer)) {
        warn(`Post-rollout hook ${hook.name} failed ${webhookError(answer)}`)
        return
      }
      info(`Post-rollout check ${hook.name} passed`)
    }
  }
  function* rollback(): Generator<IntervalRequest, void, IntervalAnswer> {
    if (state.failedChecks >= analysis.threshold) warn(`Rolling back ${id} failed checks threshold reached ${state.failedChecks}`)
    actions.push({ kind: 'route', primaryWeight: TOTAL_WEIGHT, canaryWeight: 0 })
    warn(`Canary failed! Scaling down ${id}`)
    actions.push({ kind: 'scale-down' })
    Object.assign(state, { phase: 'Failed', canaryWeight: 0, primaryWeight: TOTAL_WEIGHT })
    yield* postRollout('Failed')
  }
  function* confirmPromotion(): Generator<IntervalRequest, boolean, IntervalAnswer> {
    for (const hook of webhooksOf(plan, 'confirm-promotion')) {
      const answer = yield* call(hook, 'Progressing')
      if (!webhookPassed(answer)) {
        if (state.phase !== 'WaitingPromotion') {
          state.phase = 'WaitingPromotion'
          warn(`Halt ${id} advancement waiting for promotion approval ${hook.name}`)
        } else state.iterations = analysis.iterations - 1
        return false
      }
      info(`Confirm-promotion check ${hook.name} passed`)
    }
    return true
  }
  const promote = (): void => {
    info(`Copying ${target} template spec to ${plan.target.primaryName}.${plan.namespace}`)
    actions.push({ kind: 'promote' })
    state.phase = 'Promoting'
  }

  // A new revision (checkCanaryStatus): the confirm-rollout gate, then scale up; the analysis starts at the next tick.
  if (state.phase === 'Initializing' || state.phase === 'Initialized' || state.phase === 'Waiting' || state.phase === 'Succeeded' || state.phase === 'Failed') {
    for (const hook of webhooksOf(plan, 'confirm-rollout')) {
      const answer = yield* call(hook, state.phase)
      if (!webhookPassed(answer)) {
        if (state.phase !== 'Waiting') {
          state.phase = 'Waiting'
          warn(`Halt ${id} advancement waiting for approval ${hook.name}`)
        }
        return done()
      }
      info(`Confirm-rollout check ${hook.name} passed`)
    }
    info(`New revision detected! Scaling up ${target}`)
    actions.push({ kind: 'scale-up' })
    Object.assign(state, { phase: 'Progressing', canaryWeight: 0, primaryWeight: TOTAL_WEIGHT, failedChecks: 0, iterations: 0 })
    return done()
  }

  // The rollback gate: a rollback webhook that answers 2xx fails the canary.
  if (state.phase === 'Progressing' || state.phase === 'WaitingPromotion') {
    for (const hook of webhooksOf(plan, 'rollback')) {
      const answer = yield* call(hook, state.phase)
      if (webhookPassed(answer)) {
        warn(`Rollback check ${hook.name} passed`)
        warn(`Rolling back ${id} manual webhook invoked`)
        yield* rollback()
        return done()
      }
      info(`Rollback hook ${hook.name} not signaling a rollback`)
    }
  }

  // Promotion: traffic back to the primary (all at once, or by stepWeightPromotion).
  if (state.phase === 'Promoting') {
    if (analysis.stepWeightPromotion === 0) {
      info('Routing all traffic to primary')
      actions.push({ kind: 'route', primaryWeight: TOTAL_WEIGHT, canaryWeight: 0 })
      Object.assign(state, { phase: 'Finalising', primaryWeight: TOTAL_WEIGHT, canaryWeight: 0 })
      return done()
    }
    if (state.canaryWeight > 0) {
      const primaryWeight = Math.min(TOTAL_WEIGHT, state.primaryWeight + analysis.stepWeightPromotion)
      const canaryWeight = Math.max(0, state.canaryWeight - analysis.stepWeightPromotion)
      actions.push({ kind: 'route', primaryWeight, canaryWeight })
      info(`Advance ${id} primary weight ${primaryWeight}`)
      Object.assign(state, { primaryWeight, canaryWeight })
      if (primaryWeight === TOTAL_WEIGHT) state.phase = 'Finalising'
    }
    return done()
  }

  if (state.phase === 'Finalising') {
    actions.push({ kind: 'scale-down' })
    state.phase = 'Succeeded'
    yield* postRollout('Succeeded')
    info(`Promotion completed! Scaling down ${target}`)
    return done()
  }

  // The one failed-check counter, checked at the start of every tick.
  if (state.failedChecks >= analysis.threshold) {
    yield* rollback()
    return done()
  }

  if (state.canaryWeight === 0 && state.iterations === 0) {
    // No traffic on the canary yet: the pre-rollout hooks instead of the checks.
    info(`Starting canary analysis for ${target}`)
    for (const hook of webhooksOf(plan, 'pre-rollout')) {
      const answer = yield* call(hook, 'Progressing')
      if (!webhookPassed(answer)) {
        warn(`Halt ${id} advancement pre-rollout check ${hook.name} failed ${webhookError(answer)}`)
        state.failedChecks++
        return done()
      }
      info(`Pre-rollout check ${hook.name} passed`)
    }
  } else {
    // The checks: rollout webhooks, then the metrics (builtins and queries first, then templates).
    for (const hook of webhooksOf(plan, 'rollout')) {
      const answer = yield* call(hook, 'Progressing')
      if (!webhookPassed(answer)) {
        warn(`Halt ${id} advancement external check ${hook.name} failed ${webhookError(answer)}`)
        state.failedChecks++
        return done()
      }
    }
    for (const metric of plan.metrics) {
      const answer = (yield { kind: 'metric', metric }) as MetricAnswer
      const judged = judgeMetric(plan, metric, answer)
      if (!judged.passed) {
        if (judged.event) events.push(judged.event)
        state.failedChecks++
        return done()
      }
    }
  }

  if (analysis.strategy === 'ab-testing' || analysis.strategy === 'blue-green') {
    const ab = analysis.strategy === 'ab-testing'
    if (analysis.iterations > state.iterations) {
      // A/B: the matched requests all go to the canary from the first iteration.
      if (ab) {
        actions.push({ kind: 'route', primaryWeight: 0, canaryWeight: TOTAL_WEIGHT })
        Object.assign(state, { primaryWeight: 0, canaryWeight: TOTAL_WEIGHT })
      }
      state.iterations++
      info(`Advance ${id} canary iteration ${state.iterations}/${analysis.iterations}`)
      return done()
    }
    if (!(yield* confirmPromotion())) return done()
    if (ab && analysis.iterations === state.iterations) promote()
    else if (!ab && analysis.iterations === state.iterations) {
      info('Routing all traffic to canary')
      actions.push({ kind: 'route', primaryWeight: 0, canaryWeight: TOTAL_WEIGHT })
      Object.assign(state, { primaryWeight: 0, canaryWeight: TOTAL_WEIGHT })
      state.iterations++
    } else if (!ab && analysis.iterations < state.iterations) promote()
    return done()
  }

  const step = nextStepWeight(plan, state.canaryWeight)
  if (step <= 0) return done()
  if (state.phase !== 'WaitingPromotion') {
    for (const hook of webhooksOf(plan, 'confirm-traffic-increase')) {
      const answer = yield* call(hook, 'Progressing')
      if (!webhookPassed(answer)) {
        warn(`Halt ${id} advancement waiting for traffic increase approval ${hook.name}`)
        return done()
      }
      info(`Confirm-traffic-increase check ${hook.name} passed`)
    }
  }
  if (state.canaryWeight < max) {
    const primaryWeight = Math.max(0, state.primaryWeight - step)
    const canaryWeight = Math.min(TOTAL_WEIGHT, state.canaryWeight + step)
    actions.push({ kind: 'route', primaryWeight, canaryWeight })
    Object.assign(state, { primaryWeight, canaryWeight })
    info(`Advance ${id} canary weight ${canaryWeight}`)
    return done()
  }
  if (yield* confirmPromotion()) promote()
  return done()
}

/** Drives one tick with answers computed on the spot (tests, simulations). */
export function runInterval(tick: Tick, answer: (request: IntervalRequest) => IntervalAnswer): IntervalOutcome {
  let step = tick.next()
  while (!step.done) step = tick.next(answer(step.value))
  return step.value
}

/** The fewest ticks from a new revision to promotion when every check passes (Flagger's docs: interval × (maxWeight / stepWeight), or × iterations). */
export function ticksToPromote(plan: FlaggerPlan): number {
  // new revision, the pre-rollout tick (which advances), the remaining advances, the promoting tick.
  const advances = plan.analysis.strategy === 'canary' ? weightSequence(plan).length : plan.analysis.iterations + (plan.analysis.strategy === 'blue-green' ? 1 : 0)
  return 1 + advances + 1
}
