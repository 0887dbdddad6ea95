// The step-plan executor: read the target, decide (decide.ts), act, record (recorder.ts), on the
// injected clock, until the rollout is promoted, aborted, left paused, cancelled or timed out. It
// knows the target only through the Target interface, so a fake one tests it in process.
import { setMaxListeners } from 'node:events'
import type { AnalysisOutcome, MetricSpec } from '../analysis/types.js'
import type { Clock } from '../clock.js'
import type { IssueList } from '../config-error.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import { describeStep, type AnalysisGate, type RolloutPlan } from '../plan/rollout.js'
import type { GateResult } from '../report/model.js'
import type { Target, TargetState } from '../targets/target.js'
import { decide, onFailure, onVerdict, owesAbort, type Action, type Policies } from './decide.js'
import { abortAfterLateWrite, abortOnCancel, ABORT_CONFIRM_MS, atMost, cancelBudget, untilCancelled } from './cancel.js'
import { Recorder } from './recorder.js'

/** How often an unchanged wait is still reported in the log. */
const HEARTBEAT_MS = 30_000

type Decision = 'continue' | 'stop'

/** The analyses the executor runs: their metrics resolved against the target, and the engine. */
export interface Analyst<S extends TargetState> {
  /** The metrics of an analysis with the target's values for its args; problems go to the list. */
  metrics(gate: AnalysisGate, state: S): Promise<{ metrics: MetricSpec[]; issues: IssueList }>
  /** Runs one analysis on the run's clock until it decides, the deadline passes or `signal` aborts. */
  run(
    label: string,
    metrics: MetricSpec[],
    options: { deadline: number; signal: AbortSignal; passOnStop: boolean; onMeasurement: (metric: MetricSpec, measurement: { finishedAt: number }, assessment: { phase: string }) => void }
  ): Promise<AnalysisOutcome>
}

export interface ExecutorOptions<S extends TargetState> {
  plan: Pick<RolloutPlan, 'steps' | 'background'>
  target: Target<S>
  analyst: Analyst<S>
  clock: Clock
  log: Logger
  policies: Policies
  pollIntervalMs: number
  timeoutMs: number
  /** The new revision to start, if any. */
  image?: { container: string; image: string }
  /** Live steps that differ from the plan may be patched. */
  applySteps: boolean
  /** Aborts when the runner cancels the job. */
  signal: AbortSignal
  /** Aborts when the runner signals a second time: report now. */
  hurry?: AbortSignal
  progress?: (snapshot: GateResult) => void
  /** The run may have started a canary: the post step must know, in case this step is killed. */
  remember?: () => void
}

export class Executor<S extends TargetState> {
  private readonly record: Recorder
  private readonly target: Target<S>
  private readonly deadline: number
  /** Analysis steps whose analysis started, and those whose analysis reached a verdict. */
  private readonly gatesDone = new Set<number>()
  private readonly gatesMeasured = new Set<number>()
  private started = false
  /** The image was sent (the write may still be in flight): the canary may have started. */
  private startRequested = false
  /** The gate decided to abort (on-failure, on-inconclusive, timeout): a cancellation must not undo that. */
  private abortDecided = false
  private cancelling?: Promise<void>
  /** The run got as far as watching an update: it is driving this rollout. */
  private driving = false
  /** The step the rollout was at when this run began watching it. */
  private firstIndex?: number
  private backgroundHandled = false
  /** Aborts when the background analysis ends, to wake the waits. */
  private readonly backgroundSettled = new AbortController()
  private background?: { promise: Promise<AnalysisOutcome>; stop: AbortController; outcome?: AnalysisOutcome }
  private failingMeasurementAt?: number
  private lastLog = { text: '', at: 0 }
  private last?: S

  constructor(private readonly o: ExecutorOptions<S>) {
    this.target = o.target
    this.record = new Recorder(o.plan.steps, o.clock, o.target, o.image ? `${o.image.container}=${o.image.image}` : undefined)
    this.deadline = this.record.startedAt + o.timeoutMs
  }

  private get log(): Logger {
    return this.o.log
  }
  private get clock(): Clock {
    return this.o.clock
  }
  private get steps() {
    return this.o.plan.steps
  }
  private get policies(): Policies {
    return this.o.policies
  }
  private setLast(state: S): S {
    this.last = state
    this.record.last = state
    return state
  }
  private result(): GateResult {
    return this.record.result()
  }

  async drive(): Promise<GateResult> {
    const first = await untilCancelled(this.steer(), this.o.signal)
    if (first.cancelled) {
      // The loop may be inside a request; from now on it cannot write, and it gets a moment to
      // settle (so an image in flight is known to have landed) before the cancel path aborts.
      this.target.stopWrites('the workflow was cancelled')
      await first.settled()
      await this.cancelled()
      if (this.record.outcome === 'aborted' && this.startRequested && !this.target.dryRun) {
        const again = await abortAfterLateWrite(this.target, first.loop, this.o.hurry, (m) => this.log.warning(m))
        if (again) {
          this.record.abort = { ...again.record, requestedAt: this.record.abort?.requestedAt ?? again.record.requestedAt }
          this.setLast(again.state)
        }
      }
      await atMost(this.stopBackground(), 500)
      return this.result()
    }
    const lost = 'error' in first ? this.target.failure(first.error) : undefined
    if ('error' in first && !lost) {
      await this.stopBackground()
      throw first.error
    }
    if (lost) {
      this.record.verdict('Error')
      this.record.reasons.unshift(lost.notFound && !this.last ? `${this.target.kind} ${this.target.name} was not found in namespace ${this.target.namespace} (${lost.message})` : lost.message)
      // The gate lost the cluster mid-run: it still owes the rollout its on-failure.
      if (this.driving && this.last && !this.last.aborted && this.record.outcome === 'none') {
        await this.act(onFailure(this.policies, `kubectl failed: ${lost.message}`), this.last).catch((again: unknown) => {
          this.log.warning(`on-failure could not be applied either: ${(again as Error).message}`)
          this.record.notes.push(`on-failure (${this.policies.onFailure}) could not be applied: ${(again as Error).message}`)
        })
      }
    }
    await this.stopBackground()
    return this.result()
  }

  private async steer(): Promise<void> {
    const { log, target, record, o } = this
    target.announce()
    let state = this.setLast(await target.read())
    record.before = state.description
    log.info(`${target.kind} ${target.name} in ${target.namespace}: ${record.before}`)
    o.progress?.(this.result())

    // Refusals first, so a bad input changes nothing in the cluster.
    const container = o.image ? state.containers.find((c) => c.name === o.image!.container) : undefined
    if (o.image && !container) {
      record.verdict('Error')
      record.reasons.push(`${target.kind} ${target.name} has no container "${o.image.container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`)
      return
    }
    const newImage = Boolean(o.image && container!.image !== o.image.image)
    if (state.aborted && !newImage) {
      // An aborted canary is not restarted behind anyone's back: that is what retry is for.
      record.verdict('Error')
      record.reasons.push(
        `rollout ${target.name} is aborted (${state.message || 'no message'}); canary-gate does not restart an aborted canary on its own: run command retry to try the same revision again, or deploy a new image`
      )
      record.outcome = 'none'
      record.abortedBefore = true
      return
    }

    const diff = target.stepsDiff(state)
    if (diff) {
      if (!o.applySteps) {
        record.verdict('Error')
        record.reasons.push(
          "the live Rollout's steps differ from the plan and apply-steps is false, so canary-gate changed nothing: make the Rollout in git hold each analysis step as an indefinite pause (pause: {}), as the difference shows"
        )
        record.stepsDiff = diff
        log.error('the live steps differ from the plan and apply-steps is false; the difference (- live, + wanted):')
        for (const line of diff) log.info(line)
        return
      }
      log.info(`the live steps differ from the plan; patching them (analysis steps become pauses canary-gate resolves):\n${diff.join('\n')}`)
      if (state.updating) log.warning('the rollout is in the middle of an update: Argo restarts its steps from the first when they change')
      await target.applySteps()
    }

    const revisionBefore = state.canaryRevision
    if (o.image) {
      if (newImage) {
        log.info(`starting the canary: ${o.image.container} ${container!.image ?? '?'} → ${o.image.image}`)
        this.startRequested = true
        this.remember()
        await target.startRevision(o.image.container, o.image.image, state)
        this.started = true
      } else if (!state.updating) {
        return this.nothingToDo(`the rollout already runs ${o.image.image} and no update is in progress`)
      } else log.info(`the rollout is already updating to ${o.image.image}: following it`)
    } else if (!state.updating) {
      return this.nothingToDo('no image was given and no update is in progress')
    } else log.info('no image given: following the update in progress')

    if (target.dryRun) return this.rehearse(state)

    record.watching()
    this.driving = true
    this.remember()
    let waitingForRevision = this.started
    for (;;) {
      const situation = {
        steps: this.steps,
        policies: this.policies,
        cancelled: this.o.signal.aborted,
        timedOut: this.clock.now() >= this.deadline,
        timeoutReason: `the run did not finish within the timeout (${formatDuration(o.timeoutMs)})`,
        waitingForRevision,
        analysed: this.gatesDone,
        drives: target.drives,
        now: this.clock.now()
      }
      const early = decide(situation)
      if (early.kind === 'cancel') return this.cancelled()
      if (early.kind !== 'read') {
        // Timed out: the failure policy, on the state last read.
        const reasonOf = early as Extract<Action, { kind: 'abort' | 'pause' }>
        record.verdict('Error')
        record.reasons.push(reasonOf.reason)
        await this.act(early, this.last ?? (await target.read()))
        return
      }
      state = this.setLast(await target.read())
      if (waitingForRevision && state.canaryRevision !== revisionBefore) waitingForRevision = false
      if (!waitingForRevision) {
        this.firstIndex ??= state.stepIndex ?? 0
        this.track(state)
      }
      const action = decide({ ...situation, state, waitingForRevision })
      if (waitingForRevision && action.kind === 'wait') {
        await this.nap()
        continue
      }
      if (action.kind === 'finish') {
        if (action.how === 'no canary') return this.nothingToDo('the controller saw the new image but started no canary (the template equals the stable revision)')
        if (action.how === 'aborted elsewhere') return this.abortedElsewhere(state)
        return this.promoted(state)
      }
      if (action.kind === 'abort' || action.kind === 'pause') {
        // The controller degraded the rollout.
        if (action.verdict) record.verdict(action.verdict)
        record.reasons.push(action.reason)
        await this.act(action, state)
        return
      }
      if (this.background?.outcome && (await this.backgroundEnded(state)) === 'stop') return
      this.startBackgroundIfDue(state)
      if (action.kind === 'analyse') {
        const step = this.steps[action.step]
        if (step.kind !== 'analysis') continue
        this.gatesDone.add(action.step)
        if ((await this.runGate(action.step, step.gate, state)) === 'stop') return
        continue
      }
      if (action.kind === 'set weight') {
        // Readiness gates every weight change: the canary's pods first, then the traffic.
        const { state: now, ready } = await target.waitReady({ clock: this.clock, pollMs: o.pollIntervalMs, until: this.deadline, signal: o.signal })
        this.setLast(now)
        // Not ready by the deadline, or cancelled: the top of the loop applies the timeout or the cancel.
        if (!ready) continue
        log.info(`${target.kind} ${target.name}: canary weight ${now.weight}% → ${action.weight}%`)
        await target.setWeight(action.weight)
        this.record.follow(this.setLast(await target.read()), this.firstIndex ?? 0, this.gatesMeasured, () => o.progress?.(this.result()))
        continue
      } else if (action.kind === 'advance') await target.promote(false, state)
      await this.nap()
    }
  }

  /** Does what a decision says; 'stop' when the run is over. */
  private async act(action: Action, state: S): Promise<Decision> {
    switch (action.kind) {
      case 'abort':
        await this.abortNow(action.reason, state)
        return 'stop'
      case 'pause':
        await this.leavePaused(action.why, state)
        return 'stop'
      case 'promote':
        if (action.note) this.record.notes.push(action.note)
        await this.target.promote(false, state)
        return 'continue'
      case 'go on':
        if (action.note) this.record.notes.push(action.note)
        return 'continue'
      default:
        return 'continue'
    }
  }

  private remember(): void {
    if (this.target.dryRun) return
    this.o.remember?.()
  }

  /** Sleeps one poll interval, or less if the background analysis ends or the job is cancelled. */
  private async nap(): Promise<void> {
    // Until its verdict is dealt with, the background analysis ending wakes the watch at once.
    const wakeOnBackground = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : []
    const signal = AbortSignal.any([...wakeOnBackground, this.o.signal])
    await this.clock.sleep(Math.min(this.o.pollIntervalMs, Math.max(0, this.deadline - this.clock.now())), signal).catch(() => {})
  }

  private progressLine(state: S): string {
    const count = this.steps.length
    const index = Math.min(state.stepIndex ?? count, count)
    const step = this.steps[index]
    const parts = [index < count ? `step ${index + 1}/${count} ${describeStep(step)}` : `after step ${count}/${count}`, `${state.phase || 'unknown'}`, `canary ${state.weight}%`]
    const pause = state.stepPause
    if (pause && step?.kind === 'pause' && step.durationMs !== undefined && pause.startedAt !== undefined) {
      parts.push(`paused, ${formatDuration(Math.max(0, pause.startedAt + step.durationMs - this.clock.now()))} left`)
    } else if (pause && step?.kind === 'pause') parts.push(`paused until promoted (${this.target.commands().promote}${this.target.drives === 'controller' ? ', or this workflow with command: promote' : ''})`)
    else if (state.paused) parts.push('paused by a user')
    const next = this.steps[index + 1]
    if (next) parts.push(`next: ${describeStep(next)}`)
    parts.push(`${formatDuration(Math.max(0, this.deadline - this.clock.now()))} left before timeout`)
    return parts.join('; ')
  }

  /** Step records follow the target's step index; progress goes to the log when it changes. */
  private track(state: S): void {
    const now = this.clock.now()
    this.record.follow(state, this.firstIndex ?? 0, this.gatesMeasured, () => this.o.progress?.(this.result()))
    const text = this.progressLine(state)
    const key = text.replace(/; [^;]*left[^;]*/g, '')
    if (key !== this.lastLog.text || now - this.lastLog.at >= HEARTBEAT_MS) {
      this.log.info(text)
      this.lastLog = { text: key, at: now }
    }
  }

  private pushAnalysis(label: string, stepIndex: number | undefined, gate: AnalysisGate, outcome: AnalysisOutcome): void {
    this.record.analyses.push({ label, stepIndex, templates: gate.templates.map((t) => t.name), outcome })
  }

  /** Measures the analysis of step `index` while still watching the rollout, then acts on it. */
  private async runGate(index: number, gate: AnalysisGate, state: S): Promise<Decision> {
    const { record } = this
    const label = `step ${index + 1}/${this.steps.length}`
    const outcome = await this.log.group(`${label} analysis: ${gate.templates.map((t) => t.name).join(', ')}`, () => this.measure(label, gate, state, index))
    // A cancellation wins over whatever the analysis concluded: an analysis the cancel stopped is
    // never acted on as Inconclusive (on-inconclusive: promote would promote a cancelled canary).
    if (this.o.signal.aborted) {
      if (typeof outcome !== 'string') {
        this.pushAnalysis(label, index, gate, outcome)
        this.decidedBeforeCancel(label, outcome)
      }
      await this.cancelled()
      return 'stop'
    }
    if (outcome === 'stopped') return 'stop'
    if (outcome === 'moved') return 'continue'
    this.pushAnalysis(label, index, gate, outcome)
    record.verdict(outcome.verdict)
    this.gatesMeasured.add(index)
    this.o.progress?.(this.result())
    const reasons = outcome.reasons.map((reason) => `${label}: ${reason}`)
    const action = onVerdict(outcome.verdict, this.policies, { reason: reasons[0] ?? `${label} ${outcome.verdict === 'Inconclusive' ? 'inconclusive' : outcome.verdict}`, step: index })
    if (outcome.verdict === 'Successful') {
      record.finishStep(index, 'passed')
      // A background analysis that failed meanwhile wins over this step's pass.
      if (this.background?.outcome && (await this.backgroundEnded(this.last ?? state)) === 'stop') return 'stop'
      const now = this.setLast(await this.target.read())
      if (now.stepIndex !== index || now.canaryRevision !== state.canaryRevision || !now.waitingAtStep) {
        this.log.warning(`${label}: the rollout moved on while the analysis ran (${now.description}); not promoting`)
        return 'continue'
      }
      this.log.info(`${label} analysis Successful: promoting`)
      await this.target.promote(false, now)
      return 'continue'
    }
    record.finishStep(index, outcome.verdict === 'Inconclusive' ? 'inconclusive' : outcome.verdict === 'Failed' ? 'failed' : 'error')
    record.reasons.push(...reasons)
    // Promoting past an inconclusive step reads the rollout afresh; the rest act at once on the
    // last state read (recent: the rollout is watched during the analysis).
    const current = action.kind === 'promote' ? await this.target.read() : action.kind === 'abort' && outcome.verdict === 'Inconclusive' ? (this.last ?? (await this.target.read())) : (this.last ?? state)
    return this.act(action, current)
  }

  private onMeasurement = (metric: MetricSpec, measurement: { finishedAt: number }, assessment: { phase: string }): void => {
    if (metric.dryRun) return
    const failing = assessment.phase === 'Failed' || assessment.phase === 'Error'
    if (failing) this.failingMeasurementAt ??= measurement.finishedAt
    // Known the moment the metric decides, before the analysis has even stopped: a cancellation
    // arriving now must still make the abort this verdict calls for.
    if (owesAbort(assessment.phase, this.policies)) this.abortDecided = true
  }

  /** Starts an analysis on the run's deadline; it stops with `stop` or a cancellation. */
  private analyse(label: string, metrics: MetricSpec[], stop: AbortController, passOnStop = false): Promise<AnalysisOutcome> {
    setMaxListeners(0, stop.signal)
    return this.o.analyst.run(label, metrics, { deadline: this.deadline, signal: AbortSignal.any([stop.signal, this.o.signal]), passOnStop, onMeasurement: this.onMeasurement })
  }

  /**
   * Runs one analysis with the rollout watched alongside. It stops when the job is cancelled, the
   * rollout is aborted or degraded, the background analysis fails ('stopped': the run is over), or
   * the rollout moves past the step or to another revision ('moved': someone else acted).
   */
  private async measure(label: string, gate: AnalysisGate, state: S, stepIndex?: number): Promise<AnalysisOutcome | 'stopped' | 'moved'> {
    const { record } = this
    const { metrics, issues } = await this.o.analyst.metrics(gate, state)
    if (!issues.empty) {
      record.verdict('Error')
      record.reasons.push(...issues.issues.map((issue) => `${label}: ${[issue.where, issue.subject, issue.field, issue.message].filter(Boolean).join(': ')}`))
      if (stepIndex !== undefined) record.finishStep(stepIndex, 'error')
      await this.act(onFailure(this.policies, `${label}: the analysis could not start`), state)
      return 'stopped'
    }
    const stop = new AbortController()
    const running = this.analyse(label, metrics, stop)
    if (this.target.dryRun) return running
    const finish = async (): Promise<AnalysisOutcome> => {
      stop.abort()
      const outcome = await running
      this.pushAnalysis(label, stepIndex, gate, outcome)
      return outcome
    }
    const done = new AbortController()
    running.then(
      () => done.abort(),
      () => done.abort()
    )
    try {
      for (;;) {
        const wake = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : []
        await this.clock.sleep(this.o.pollIntervalMs, AbortSignal.any([done.signal, this.o.signal, ...wake])).catch(() => {})
        if (this.o.signal.aborted) {
          this.decidedBeforeCancel(label, await finish())
          await this.cancelled()
          return 'stopped'
        }
        if (done.signal.aborted) return await running
        if (this.background?.outcome && !this.backgroundHandled && this.background.outcome.verdict !== 'Successful') {
          await finish()
          if ((await this.backgroundEnded(this.last ?? state)) === 'stop') return 'stopped'
          return 'moved'
        }
        const now = this.setLast(await this.target.read())
        if (now.aborted || now.degraded) {
          await finish()
          if (now.aborted) await this.abortedElsewhere(now)
          else {
            record.verdict('Failed')
            record.reasons.push(`the controller degraded the rollout during ${label}'s analysis: ${now.message}`)
            await this.act(onFailure(this.policies, record.reasons[record.reasons.length - 1]), now)
          }
          return 'stopped'
        }
        if (now.canaryRevision !== state.canaryRevision || now.stepIndex !== state.stepIndex) {
          await finish()
          const why = now.canaryRevision !== state.canaryRevision ? 'the rollout was moved to another revision' : 'the step was promoted outside canary-gate'
          this.log.warning(`${label}: ${why} while its analysis ran (${now.description}); the analysis stops`)
          if (stepIndex !== undefined) record.finishStep(stepIndex, 'skipped', `${why} while its analysis ran`)
          return 'moved'
        }
      }
    } finally {
      // Whatever ends the wait (a failed request included), the analysis and its Jobs stop with it.
      stop.abort()
      await running.catch(() => undefined)
    }
  }

  private startBackgroundIfDue(state: S): void {
    const background = this.o.plan.background
    if (!background || this.background) return
    if ((state.stepIndex ?? 0) < background.startingStep) return
    const stop = new AbortController()
    this.log.info(`background analysis ${background.templates.map((t) => t.name).join(', ')} starts at step ${(state.stepIndex ?? 0) + 1}`)
    const run = (async (): Promise<AnalysisOutcome> => {
      const { metrics, issues } = await this.o.analyst.metrics(background, state)
      issues.throwIfAny()
      // Stopped because the rollout finished: judged on what it measured, as in Argo.
      return this.analyse('background', metrics, stop, true)
    })()
    this.background = { promise: run, stop }
    const settled = (): void => this.backgroundSettled.abort()
    run.then(settled, settled)
    run.then(
      (outcome) => {
        if (this.background) this.background.outcome = outcome
      },
      (error: unknown) => {
        if (this.background) {
          this.background.outcome = {
            verdict: 'Error',
            startedAt: this.clock.now(),
            finishedAt: this.clock.now(),
            metrics: [],
            reasons: [`the background analysis could not start: ${(error as Error).message}`],
            ending: 'completed'
          }
        }
      }
    )
  }

  /** The background analysis ended while the rollout still runs: act on its verdict. */
  private async backgroundEnded(state: S): Promise<Decision> {
    if (this.backgroundHandled) return 'continue'
    this.backgroundHandled = true
    const outcome = this.background!.outcome!
    if (outcome.verdict === 'Successful') return 'continue'
    this.recordBackground()
    const reasons = outcome.reasons.map((reason) => `background: ${reason}`)
    this.record.reasons.push(...reasons)
    const inconclusive = outcome.verdict === 'Inconclusive'
    const action = onVerdict(outcome.verdict, this.policies, { reason: reasons[0] ?? (inconclusive ? 'background analysis inconclusive' : `background analysis ${outcome.verdict}`), background: true })
    // An inconclusive verdict's abort or pause reads the rollout when none was read yet.
    const current = inconclusive && action.kind !== 'go on' ? (this.last ?? (await this.target.read())) : state
    return this.act(action, current)
  }

  private recordBackground(): void {
    const outcome = this.background?.outcome
    if (!outcome || this.record.analyses.some((a) => a.label === 'background')) return
    this.record.analyses.push({ label: 'background', templates: this.o.plan.background!.templates.map((t) => t.name), outcome })
    this.record.verdict(outcome.verdict)
  }

  private async stopBackground(): Promise<void> {
    if (!this.background) return
    this.background.stop.abort()
    try {
      this.background.outcome ??= await this.background.promise
    } catch {
      // recorded by the rejection handler
    }
    this.recordBackground()
  }

  /** Pauses the rollout (a user pause) so nothing moves on without a human. */
  private async leavePaused(why: string, state: S): Promise<void> {
    // Also at a gate's indefinite pause: a timed pause or a background failure would otherwise run on.
    if (!state.paused) await this.target.pause()
    this.record.outcome = 'paused'
    const c = this.target.commands()
    const gate = this.target.drives === 'gate'
    this.log.notice(`${why}. To go on: ${c.promote}${gate ? '' : ' (or this workflow with command: promote)'}. To roll back: ${c.abort}${gate ? '' : ' (or command: abort)'}.`)
    this.record.reasons.push(why)
  }

  private async abortNow(reason: string, state: S): Promise<void> {
    this.abortDecided = true
    const { record, state: after } = await this.log.group(`${this.target.kind === 'rollout' ? 'Aborting rollout' : 'Rolling back deployment'} ${this.target.name}`, () =>
      this.target.abort(reason, state, {
        clock: this.clock,
        pollMs: this.o.pollIntervalMs,
        confirmMs: Math.min(ABORT_CONFIRM_MS, Math.max(60_000, this.deadline - this.clock.now() + 60_000)),
        failingMeasurementAt: this.failingMeasurementAt,
        // A cancellation while the abort is confirmed stops the waiting, not the abort.
        signal: this.o.signal
      })
    )
    this.record.abort = record
    this.setLast(after)
    this.record.outcome = 'aborted'
    this.record.aborted(state.stepIndex ?? 0)
  }

  private async abortedElsewhere(state: S): Promise<void> {
    this.record.verdict('Failed')
    this.record.reasons.push(`the rollout was aborted outside canary-gate: ${state.message || 'no message'}`)
    this.record.abortedElsewhere(state.stepIndex ?? 0)
  }

  private async promoted(state: S): Promise<void> {
    const { record } = this
    await this.stopBackground()
    record.outcome = 'promoted'
    const first = this.firstIndex ?? 0
    // Analysis steps this run watched but never measured were passed by someone else (promote --full, a
    // manual promote): the canary is stable, but canary-gate cannot call that a pass.
    const unmeasured = this.steps.flatMap((step, index) => (step.kind === 'analysis' && index >= first && !this.gatesMeasured.has(index) ? [index] : []))
    record.promoted(first, unmeasured)
    this.log.info(`${this.target.kind} ${this.target.name} promoted: ${state.description}`)
    if (unmeasured.length) {
      record.verdict('Inconclusive')
      record.reasons.push(
        `the rollout became stable, but the analysis of step${unmeasured.length > 1 ? 's' : ''} ${unmeasured.map((i) => `${i + 1}/${this.steps.length}`).join(', ')} never ran: it was promoted past outside canary-gate`
      )
    } else record.reasons.push(`the canary went through all ${this.steps.length} steps and is now stable`)
    if (first > 0) record.notes.push(`this run began following the update at step ${first + 1}; the steps before it had passed already`)
  }

  /**
   * An analysis that reached its verdict on its own just before the cancellation still counts:
   * its failure is reported, and an abort it calls for (on-failure or on-inconclusive: abort) is
   * made by the cancel path whatever abort-on-cancel says. Nothing is ever promoted on a cancel.
   */
  private decidedBeforeCancel(label: string, outcome: AnalysisOutcome): void {
    if (outcome.ending !== 'decided' && outcome.ending !== 'completed') return
    if (outcome.verdict === 'Successful') return
    this.record.verdict(outcome.verdict)
    this.record.reasons.push(...outcome.reasons.map((reason) => `${label}: ${reason}`))
    if (owesAbort(outcome.verdict, this.policies)) this.abortDecided = true
  }

  /** The cancel path, run once however many places notice the cancellation. */
  private cancelled(): Promise<void> {
    this.cancelling ??= this.cancelNow()
    return this.cancelling
  }

  /**
   * Aborts the canary this run started (abort-on-cancel) within CANCEL_BUDGET_MS of real time, on a
   * hurried target (one short attempt per request), so a hanging API server cannot keep the step
   * from reporting; the runner's second signal cuts the wait for the abort to show.
   */
  private async cancelNow(): Promise<void> {
    const { record } = this
    this.target.stopWrites('the workflow was cancelled')
    record.verdict('Inconclusive')
    record.reasons.unshift('the workflow was cancelled')
    const mayHaveStarted = this.started || this.startRequested || this.driving
    if (!mayHaveStarted) {
      record.notes.push('the workflow was cancelled before the canary started: nothing to abort')
      return
    }
    if (!this.policies.abortOnCancel && !this.abortDecided) {
      record.notes.push('abort-on-cancel is false: the rollout was left as it was')
      return
    }
    if (this.target.dryRun) return
    const budget = cancelBudget(this.o.hurry)
    // One attempt per call: a retry would not fit the budget when the API server hangs.
    const target = this.target.hurried()
    const c = this.target.commands()
    try {
      const state = await target.read().catch(() => this.last)
      if (state?.aborted) {
        record.outcome = 'aborted'
        record.notes.push('the rollout was already aborted when the workflow was cancelled')
        return
      }
      if (state && state.completed && record.outcome === 'promoted') return
      this.o.progress?.(this.result())
      const reason = this.abortDecided && !this.policies.abortOnCancel ? 'the abort the gate had decided, sent again as the workflow was cancelled' : 'the workflow was cancelled (abort-on-cancel)'
      if (!state) {
        // Never read (the API server hung from the start): abort blind rather than leave a canary running.
        await target.abortBlind(reason)
        record.outcome = 'aborted'
        record.notes.push('the abort was sent without seeing the rollout first: the API server did not answer')
        return
      }
      const { record: abort, state: after } = await abortOnCancel(target, reason, state, budget)
      record.abort = abort
      this.setLast(after)
      record.outcome = 'aborted'
    } catch (error) {
      const message = (error as Error).message
      this.log.error(`the abort on cancel failed: ${message}; abort by hand: ${c.abort}`)
      record.reasons.push(`the workflow was cancelled and the abort could not be sent (${message}): abort by hand with ${c.abort}`)
    }
  }

  private nothingToDo(why: string): void {
    this.log.info(`nothing to roll out: ${why}`)
    this.record.notes.push(`nothing to roll out: ${why}`)
  }

  /** dry-run: every analysis step measured in order, and what the gate would do at each. */
  private async rehearse(state: S): Promise<void> {
    const { record } = this
    record.notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log, and each analysis step was measured once, in order, without waiting for the controller')
    for (const [index, step] of this.steps.entries()) {
      if (step.kind !== 'analysis') {
        record.steps[index].result = 'would run'
        continue
      }
      const outcome = await this.measure(`step ${index + 1}/${this.steps.length}`, step.gate, state, index)
      if (typeof outcome === 'string') return
      this.pushAnalysis(`step ${index + 1}/${this.steps.length}`, index, step.gate, outcome)
      if (outcome.metrics.every((m) => m.spec.dryRun)) {
        // Job metrics do not run in a dry run: nothing was measured, so nothing can pass.
        record.verdict('Inconclusive')
        record.finishStep(index, 'skipped', 'dry run: its metrics are Jobs, which a dry run does not create')
        record.reasons.push(`step ${index + 1}: not measured in a dry run (job metrics), so the dry run cannot say it would pass`)
        continue
      }
      record.verdict(outcome.verdict)
      if (outcome.verdict === 'Successful') {
        record.finishStep(index, 'passed', 'dry run: would promote')
        this.log.info(`dry-run: step ${index + 1} Successful, would promote`)
        continue
      }
      const action = outcome.verdict === 'Inconclusive' ? this.policies.onInconclusive : this.policies.onFailure
      record.finishStep(index, outcome.verdict === 'Inconclusive' ? 'inconclusive' : 'failed', `dry run: would ${action}`)
      record.reasons.push(...outcome.reasons.map((reason) => `step ${index + 1}: ${reason}`), `dry run: the gate would ${action} here`)
      for (const later of record.steps) if (later.index > index) later.result = 'skipped'
      return
    }
  }
}
