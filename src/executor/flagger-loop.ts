// Flagger's scheduler loop over the target interface: the second strategy beside the step-plan
// executor (one loop per strategy, as Flagger's scheduler has one per deployment strategy). Every
// analysis interval it runs one tick of Flagger's semantics (plan/flagger/semantics.ts), answering
// its requests — webhooks through src/webhooks, metrics through the analysis engine (one measurement
// of each) — then applies the tick's cluster actions to the target, logs its events as Flagger's
// lines, sends them to the `event` webhooks, and records the tick for the report. It ends when the
// canary is promoted or rolled back, the run times out (rolled back), or the job is cancelled
// (rolled back, on real time, as the step-plan executor does).
//
// The cluster actions map onto the target as follows: scale-up → startRevision (the new image) and
// waitReady; route → setWeight(canary weight) — for A/B the target's router sends the matched
// requests (analysis.match) to the canary, the weight is 100 while they do; promote → promote(full)
// (the canary's template copied to the primary) and waitReady; a rollback (route to the primary and
// scale-down) → the target's verified abort; scale-down after a promotion is left to the target's
// promotion.
import type { AnalysisOutcome } from '../analysis/types.js'
import { runAnalysis } from '../analysis/engine.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import type { FlaggerMetric, FlaggerPlan } from '../plan/flagger/read.js'
import {
  eventPayloads,
  INITIALIZED,
  interval,
  webhooksOf,
  webhookPassed,
  webhookPayload,
  type CanaryState,
  type FlaggerEvent,
  type IntervalAnswer,
  type IntervalContext,
  type IntervalOutcome,
  type IntervalRequest,
  type MetricAnswer
} from '../plan/flagger/semantics.js'
import type { Provider } from '../providers/provider.js'
import type { GateResult, StepRecord } from '../report/model.js'
import type { Target, TargetState } from '../targets/target.js'
import type { WebhookCaller } from '../webhooks/flagger.js'
import { abortAfterLateWrite, abortOnCancel, ABORT_CONFIRM_MS, cancelBudget, untilCancelled } from './cancel.js'
import { Recorder } from './recorder.js'


/** One reading of a Flagger metric: the answer the semantics judges, and the engine's outcome for the report. */
export interface MetricCheck {
  answer: MetricAnswer
  outcome?: AnalysisOutcome
}

export interface MetricChecker {
  check(metric: FlaggerMetric, signal: AbortSignal, label: string): Promise<MetricCheck>
}

/**
 * A reading as Flagger's Prometheus provider reads it: the last series' value; no series or NaN is
 * "no values found"; a failed query is its error.
 */
export function metricAnswerOf(outcome: AnalysisOutcome): MetricAnswer {
  const measurement = outcome.metrics[0]?.tally.measurements.at(-1)
  if (!measurement) return { error: outcome.reasons[0] ?? 'no measurement was taken' }
  const value = measurement.value
  if (value !== undefined) {
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) return { noValues: true }
    const last = values[values.length - 1]
    if (typeof last === 'number') return Number.isNaN(last) ? { noValues: true } : { value: last }
  }
  if (measurement.phase === 'Error') return { error: measurement.message }
  return { error: `the answer is not a number: ${measurement.display ?? measurement.message}` }
}

/** Metrics measured by the analysis engine: one measurement of the metric (its spec has count 1). */
export function engineMetricChecker(options: { providerFor: (metric: FlaggerMetric['spec']) => Provider; clock: Clock; log: Logger }): MetricChecker {
  return {
    async check(metric, signal, label) {
      const outcome = await runAnalysis({ metrics: [metric.spec], providerFor: options.providerFor, clock: options.clock, log: options.log, signal, label })
      return { answer: metricAnswerOf(outcome), outcome }
    }
  }
}

export interface FlaggerLoopOptions<S extends TargetState> {
  plan: FlaggerPlan
  /** The Deployment the Canary names, behind its router. */
  target: Target<S>
  clock: Clock
  log: Logger
  webhooks: WebhookCaller
  metrics: MetricChecker
  /** The new revision to start, if any; without one, an update already in progress is followed. */
  image?: { container: string; image: string }
  /** The webhook payloads' checksum (Flagger hashes the tracked configs); default: the image, else the canary revision. */
  checksum?: string
  timeoutMs: number
  /** How often readiness and an abort are polled. */
  pollIntervalMs: number
  /** Roll the canary back when the job is cancelled (default true). */
  abortOnCancel?: boolean
  /** Aborts when the runner cancels the job. */
  signal: AbortSignal
  /** Aborts when the runner signals a second time: report now. */
  hurry?: AbortSignal
  progress?: (snapshot: GateResult) => void
  /** The run may have started a canary: the post step must know, in case this step is killed. */
  remember?: () => void
}

/** The entry the run command calls for a Flagger Canary: drives the release to its end and reports it. */
export function runFlaggerCanary<S extends TargetState>(options: FlaggerLoopOptions<S>): Promise<GateResult> {
  return new FlaggerLoop(options).drive()
}


const isRollingBack = (event: FlaggerEvent): boolean => event.message.startsWith('Rolling back')
const isHalt = (event: FlaggerEvent): boolean => event.type === 'Warning' && event.message.startsWith('Halt')

export class FlaggerLoop<S extends TargetState> {
  private readonly record: Recorder
  private readonly deadline: number
  private readonly id: string
  private canary: CanaryState = INITIALIZED
  private context: IntervalContext = { checksum: '' }
  private last?: S
  /** The image was sent (the write may still be in flight). */
  private startRequested = false
  private driving = false
  private rolledBack = false
  private cancelling?: Promise<void>
  private failingMeasurementAt?: number
  /** Every halt of the run, for the reasons of a rollback. */
  private readonly halts: string[] = []
  private tick = 0
  /** The canary weight last set (or read before the first). */
  private weight?: number
  private checksRun = 0

  constructor(private readonly o: FlaggerLoopOptions<S>) {
    this.record = new Recorder([], o.clock, o.target, o.image ? `${o.image.container}=${o.image.image}` : undefined)
    this.deadline = this.record.startedAt + o.timeoutMs
    this.id = `${o.plan.name}.${o.plan.namespace}`
  }

  private get log(): Logger {
    return this.o.log
  }
  private get clock(): Clock {
    return this.o.clock
  }
  private get target(): Target<S> {
    return this.o.target
  }
  private setLast(state: S): S {
    this.last = state
    this.record.last = state
    return state
  }

  async drive(): Promise<GateResult> {
    const first = await untilCancelled(this.steer(), this.o.signal)
    if (first.cancelled) {
      this.target.stopWrites('the workflow was cancelled')
      await first.settled()
      await this.cancelled()
      if (this.record.outcome === 'aborted' && this.startRequested) {
        const again = await abortAfterLateWrite(this.target, first.loop, this.o.hurry, (m) => this.log.warning(m))
        if (again) this.setLast(again.state)
      }
      return this.record.result()
    }
    if ('error' in first) {
      const lost = this.target.failure(first.error)
      if (!lost) throw first.error
      this.record.verdict('Error')
      this.record.reasons.unshift(lost.message)
      if (this.driving && !this.rolledBack) {
        await this.rollBack(`the target failed: ${lost.message}`).catch((again: unknown) => {
          this.log.warning(`the rollback could not be made either: ${(again as Error).message}`)
          this.record.notes.push(`the rollback could not be made: ${(again as Error).message}`)
        })
      }
    }
    return this.record.result()
  }

  private async steer(): Promise<void> {
    const { target, record, o, log } = this
    target.announce()
    let state = this.setLast(await target.read())
    record.before = state.description
    this.weight = state.weight
    log.info(`canary ${this.id} (Flagger ${o.plan.analysis.strategy}) on ${target.name} in ${target.namespace}: ${record.before}`)
    o.progress?.(record.result())
    const container = o.image ? state.containers.find((c) => c.name === o.image!.container) : undefined
    if (o.image && !container) {
      record.verdict('Error')
      record.reasons.push(`${target.name} has no container "${o.image.container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`)
      return
    }
    const newImage = Boolean(o.image && container!.image !== o.image.image)
    if (!newImage && !state.updating) {
      const why = o.image ? `${target.name} already runs ${o.image.image} and no release is in progress` : 'no image was given and no release is in progress'
      log.info(`nothing to roll out: ${why}`)
      record.notes.push(`nothing to roll out: ${why}`)
      return
    }
    this.context = { checksum: o.checksum ?? o.image?.image ?? state.canaryRevision ?? 'unknown' }
    record.watching()
    this.driving = true
    o.remember?.()
    let started = !newImage
    const intervalMs = o.plan.analysis.intervalMs
    for (;;) {
      if (o.signal.aborted) return
      if (this.clock.now() >= this.deadline) return this.timedOut()
      const before = this.canary
      const startedAt = this.clock.now()
      this.tick++
      const checksBefore = this.checksRun
      const outcome = await this.runTick(before)
      if (o.signal.aborted) return
      // The cluster first, so a line is only logged for what was done.
      if (outcome.state.phase === 'Failed') {
        const reason = outcome.events.find(isRollingBack)?.message ?? outcome.events.filter((e) => e.type === 'Warning').at(-1)?.message ?? 'Canary failed'
        this.logEvents(outcome.events)
        await this.rollBack(reason, false)
      } else {
        for (const action of outcome.actions) {
          if (action.kind === 'scale-up' && !started) {
            this.startRequested = true
            o.remember?.()
            log.info(`starting the canary: ${o.image!.container} ${container!.image ?? '?'} → ${o.image!.image}`)
            await target.startRevision(o.image!.container, o.image!.image, state)
            started = true
            state = await this.waitReady('the canary')
          } else if (action.kind === 'route') {
            // A/B asks for 100 at every iteration: the target is told only a change.
            if (action.canaryWeight !== this.weight) await target.setWeight(action.canaryWeight)
            this.weight = action.canaryWeight
          } else if (action.kind === 'promote') {
            await target.promote(true, this.last ?? state)
            state = await this.waitReady('the primary')
          }
        }
        this.logEvents(outcome.events)
      }
      if (outcome.state.failedChecks > before.failedChecks) this.failingMeasurementAt = this.clock.now()
      this.halts.push(...outcome.events.filter(isHalt).map((e) => e.message))
      this.canary = outcome.state
      this.recordTick(before, outcome, startedAt, this.checksRun > checksBefore)
      await this.sendEvents(outcome.events, before)
      o.progress?.(record.result())
      if (this.canary.phase === 'Succeeded') return this.promoted()
      if (this.canary.phase === 'Failed') return this.failed(outcome)
      await this.clock.sleep(Math.min(intervalMs, Math.max(0, this.deadline - this.clock.now())), o.signal).catch(() => {})
    }
  }

  /** One tick of the semantics, its requests answered as they come. */
  private async runTick(state: CanaryState): Promise<IntervalOutcome> {
    const tick = interval(this.o.plan, state, this.context)
    let step = tick.next()
    let measured = false
    while (!step.done) {
      const answer = await this.answer(step.value, measured)
      if (step.value.kind === 'metric') measured = true
      if (this.o.signal.aborted) throw this.o.signal.reason
      step = tick.next(answer)
    }
    return step.value
  }

  private async answer(request: IntervalRequest, measured: boolean): Promise<IntervalAnswer> {
    const signal = this.o.signal
    if (request.kind === 'webhook') {
      try {
        return await this.o.webhooks.call(request.webhook, request.payload, signal)
      } catch (error) {
        if (signal.aborted) throw error
        return { error: (error as Error).message }
      }
    }
    if (!measured) this.checksRun++
    const label = `check ${this.checksRun}`
    const { answer, outcome } = await this.o.metrics.check(request.metric, signal, label)
    if (outcome) this.record.analyses.push({ label: `${label} at ${this.o.target.name} ${this.canary.canaryWeight}%`, templates: [request.metric.name], outcome })
    return answer
  }

  private async waitReady(what: string): Promise<S> {
    const until = Math.min(this.deadline, this.clock.now() + this.o.plan.progressDeadlineSeconds * 1000)
    const { state, ready } = await this.target.waitReady({ clock: this.clock, pollMs: this.o.pollIntervalMs, until, signal: this.o.signal })
    this.setLast(state)
    if (!ready && !this.o.signal.aborted) this.log.warning(`${what} of ${this.id} was not ready within the progress deadline (${this.o.plan.progressDeadlineSeconds}s): ${state.description}`)
    return state
  }

  private logEvents(events: FlaggerEvent[]): void {
    for (const event of events) {
      if (event.type === 'Warning') this.log.warning(event.message)
      else this.log.info(event.message)
    }
  }

  /** Each event to the `event` webhooks, as Flagger sends them; a failure is only logged. */
  private async sendEvents(events: FlaggerEvent[], before: CanaryState): Promise<void> {
    for (const event of events) {
      for (const { webhook, payload } of eventPayloads(this.o.plan, before.phase, event, this.clock.now(), this.context)) {
        const answer = await this.o.webhooks.call(webhook, payload, this.o.signal).catch((error: unknown) => ({ error: (error as Error).message }))
        if (!webhookPassed(answer)) this.log.info(`error sending event to webhook ${webhook.name}: ${'error' in answer ? answer.error : `HTTP ${answer.status} ${answer.body ?? ''}`}`)
      }
    }
  }

  /** The tick as a step of the report: what it did, at what weight, and how its checks went. */
  private recordTick(before: CanaryState, outcome: IntervalOutcome, startedAt: number, checked: boolean): void {
    const after = outcome.state
    const now = this.clock.now()
    const steps = this.record.steps
    const previous = steps.at(-1)
    const held = after.phase === 'Waiting' || after.phase === 'WaitingPromotion'
    if (outcome.events.length === 0 && previous && previous.result === 'paused' && held) {
      // Still waiting for an approval: the same step goes on.
      const intervals = Number(/^held (\d+) intervals/.exec(previous.note ?? '')?.[1] ?? '1') + 1
      previous.finishedAt = now
      previous.note = `held ${intervals} intervals`
      return
    }
    const advanced = outcome.actions.some((a) => a.kind === 'route' && a.canaryWeight > before.canaryWeight)
    const failed = after.failedChecks > before.failedChecks
    const result: StepRecord['result'] = after.phase === 'Failed' ? 'aborted' : held ? 'paused' : failed ? 'failed' : checked ? 'passed' : 'done'
    const shown = outcome.events.filter((e) => !/^(Pre-rollout|Confirm-\S+|Post-rollout) check .* passed$|^Rollback hook .* not signaling a rollback$/.test(e.message))
    const description = (shown.length ? shown : outcome.events).map((e) => e.message).join('; ') || (checked ? `checks passed at weight ${after.canaryWeight}` : `interval ${this.tick}`)
    steps.push({
      index: steps.length,
      kind: advanced ? 'setWeight' : checked ? 'analysis' : 'other',
      description,
      weight: after.canaryWeight,
      startedAt,
      finishedAt: now,
      result,
      ...(failed ? { note: `failed checks ${after.failedChecks}/${this.o.plan.analysis.threshold}` } : {})
    })
  }

  /** Traffic back on the primary and the canary scaled down: the target's verified abort. */
  private async rollBack(reason: string, postRollout = true): Promise<void> {
    if (this.rolledBack) return
    this.rolledBack = true
    const before = this.setLast(await this.target.read())
    const { record, state } = await this.log.group(`Rolling back ${this.id}`, () =>
      this.target.abort(reason, before, {
        clock: this.clock,
        pollMs: this.o.pollIntervalMs,
        confirmMs: ABORT_CONFIRM_MS,
        failingMeasurementAt: this.failingMeasurementAt,
        signal: this.o.signal
      })
    )
    this.record.abort = record
    this.setLast(state)
    this.record.outcome = 'aborted'
    if (postRollout) {
      // A rollback the semantics did not make (timeout, a lost target): its post-rollout hooks all the same.
      for (const hook of webhooksOf(this.o.plan, 'post-rollout')) {
        const answer = await this.o.webhooks.call(hook, webhookPayload(this.o.plan, 'Failed', hook, this.context), this.o.signal).catch((error: unknown) => ({ error: (error as Error).message }))
        if (!webhookPassed(answer)) {
          this.log.warning(`Post-rollout hook ${hook.name} failed ${'error' in answer ? answer.error : (answer.body ?? '')}`)
          break
        }
        this.log.info(`Post-rollout check ${hook.name} passed`)
      }
    }
  }

  private async promoted(): Promise<void> {
    const { record, o } = this
    this.setLast(await this.target.read())
    record.outcome = 'promoted'
    record.verdict('Successful')
    const ab = o.plan.analysis.strategy !== 'canary'
    const weights = record.steps.filter((s) => s.kind === 'setWeight').map((s) => s.weight)
    record.reasons.push(
      ab
        ? `the canary passed ${o.plan.analysis.iterations} iterations of checks${o.plan.analysis.strategy === 'ab-testing' ? ' on the matched requests' : ''} and was promoted`
        : `the canary passed its checks at every weight (${weights.join(', ')}) and was promoted`
    )
    if (this.canary.failedChecks > 0) record.notes.push(`${this.canary.failedChecks} failed check${this.canary.failedChecks > 1 ? 's' : ''}, below the threshold of ${o.plan.analysis.threshold}`)
  }

  private async failed(outcome: IntervalOutcome): Promise<void> {
    const { record } = this
    record.verdict('Failed')
    const rolling = outcome.events.find(isRollingBack)?.message ?? 'the canary failed'
    record.reasons.push(rolling)
    // The halts that counted, most recent last (the threshold's worth at most).
    record.reasons.push(...[...new Set(this.halts)].slice(-Math.max(1, this.o.plan.analysis.threshold)))
  }

  private async timedOut(): Promise<void> {
    const reason = `the run did not finish within the timeout (${formatDuration(this.o.timeoutMs)})`
    this.record.verdict('Error')
    this.record.reasons.push(reason)
    this.log.warning(`Rolling back ${this.id}: ${reason}`)
    await this.rollBack(reason)
    this.recordEnd('aborted', reason)
  }

  private recordEnd(result: StepRecord['result'], description: string): void {
    const now = this.clock.now()
    this.record.steps.push({ index: this.record.steps.length, kind: 'other', description, weight: 0, startedAt: now, finishedAt: now, result })
  }

  private cancelled(): Promise<void> {
    this.cancelling ??= this.cancelNow()
    return this.cancelling
  }

  /** Rolls the canary back (abort-on-cancel) within CANCEL_BUDGET_MS of real time on a hurried target. */
  private async cancelNow(): Promise<void> {
    const { record } = this
    record.verdict('Inconclusive')
    record.reasons.unshift('the workflow was cancelled')
    if (this.rolledBack || record.outcome === 'promoted') return
    if (!this.driving && !this.startRequested) {
      record.notes.push('the workflow was cancelled before the canary started: nothing to roll back')
      return
    }
    if (this.o.abortOnCancel === false) {
      record.notes.push('abort-on-cancel is false: the canary was left as it was')
      return
    }
    this.rolledBack = true
    const target = this.target.hurried()
    const budget = cancelBudget(this.o.hurry)
    const reason = 'the workflow was cancelled (abort-on-cancel)'
    this.log.warning(`Rolling back ${this.id}: the workflow was cancelled`)
    try {
      const state = await target.read().catch(() => this.last)
      if (!state) {
        await target.abortBlind(reason)
        record.outcome = 'aborted'
        record.notes.push('the rollback was sent without seeing the target first: the API server did not answer')
        return
      }
      const { record: abort, state: after } = await abortOnCancel(target, reason, state, budget)
      record.abort = abort
      this.setLast(after)
      record.outcome = 'aborted'
      this.recordEnd('aborted', `Rolling back ${this.id}: the workflow was cancelled`)
    } catch (error) {
      const message = (error as Error).message
      const c = this.target.commands()
      this.log.error(`the rollback on cancel failed: ${message}; roll back by hand: ${c.abort}`)
      record.reasons.push(`the workflow was cancelled and the rollback could not be sent (${message}): roll back by hand with ${c.abort}`)
    }
  }
}
