// command: run — walk an Argo Rollout through the plan's canary steps. The controller runs
// setWeight and timed pauses; at each pause that stands for an analysis step canary-gate measures,
// then promotes, or aborts the moment the analysis fails, and waits until the rollout reports it.
import { setMaxListeners } from 'node:events'
import { runAnalysis } from '../analysis/engine.js'
import { verdictOf, worstPhase } from '../analysis/run.js'
import type { AnalysisOutcome, MetricSpec, Verdict } from '../analysis/types.js'
import { IssueList } from '../config-error.js'
import { clusterArgs, deferredArgs } from '../kube/args.js'
import { KubectlError, kubectlFromInputs, WritesStopped, type Kubectl } from '../kube/kubectl.js'
import { describeState, inProgress, RolloutClient, type RolloutState } from '../kube/rollout.js'
import { abortAndConfirm } from '../kube/watch.js'
import { systemClock } from '../clock.js'
import { STARTED_STATE, type StartedState } from '../post-state.js'
import { formatDuration } from '../plan/duration.js'
import { instantiateMetrics, type ValueFromResolver } from '../plan/instantiate.js'
import { loadPlanFiles } from '../plan/load.js'
import { describeStep, readRolloutPlan, sameJson, stepsDiff, type AnalysisGate, type RolloutPlan } from '../plan/rollout.js'
import { readTemplates, TEMPLATE_KINDS } from '../plan/templates.js'
import { createProviders } from '../providers/index.js'
import { JobProvider } from '../providers/job.js'
import { MeasurementError, type Provider } from '../providers/provider.js'
import type { AbortRecord, AnalysisRecord, GateResult, Outcome, StepRecord, StepResult } from '../report/model.js'
import { checkArgsInput, checkCredentials, checkFinite, checkTimeBudget } from './checks.js'
import type { CommandContext } from './context.js'

/** How long an abort may take to show before the gate reports it unconfirmed. */
const ABORT_CONFIRM_MS = 5 * 60_000
/** How often an unchanged wait is still reported in the log. */
const HEARTBEAT_MS = 30_000
/**
 * The cancel path runs in real time (the runner's kill schedule is real): a moment for the loop to
 * finish the call it is in, then the abort, each kubectl request bounded, all within the budget.
 */
const CANCEL_SETTLE_MS = 1_000
const CANCEL_BUDGET_MS = 5_000
const CANCEL_REQUEST_TIMEOUT_S = 2

type Decision = 'continue' | 'stop'


/** The plan, checked whole before the cluster is touched. */
async function loadPlan(context: CommandContext): Promise<RolloutPlan> {
  const { inputs } = context
  const issues = new IssueList()
  const docs = await loadPlanFiles(inputs.plan, context.cwd, issues)
  const templates = readTemplates(docs, issues)
  const plan = readRolloutPlan(docs, inputs.rollout ?? '', templates, issues)
  // Only when every template read cleanly: otherwise an arg may belong to one with errors.
  if (templates.length === docs.filter((doc) => TEMPLATE_KINDS.has(doc.kind)).length) checkArgsInput(inputs.args, templates, issues)
  if (plan) {
    const gates = plan.steps.flatMap((step) => (step.kind === 'analysis' ? [step.gate] : []))
    for (const gate of gates) {
      const metrics = gateMetrics(context, plan, gate, deferredArgs, issues)
      checkFinite(metrics, 'an analysis step', issues)
      checkTimeBudget(metrics, gate.templates, inputs.timeoutMs, issues)
      checkCredentials(metrics, context, issues)
    }
    if (plan.background) checkCredentials(gateMetrics(context, plan, plan.background, deferredArgs, issues), context, issues)
  }
  issues.throwIfAny()
  return plan!
}

function gateMetrics(context: CommandContext, plan: RolloutPlan, gate: AnalysisGate, resolveValueFrom: ValueFromResolver, issues: IssueList): MetricSpec[] {
  return instantiateMetrics(
    gate.templates,
    {
      mode: 'run',
      prometheusUrl: context.inputs.prometheusUrl,
      secrets: context.secrets,
      input: context.inputs.args,
      stepArgs: { args: gate.ref.args ?? [], where: (index) => plan.doc.at([...gate.path, 'args', index]) },
      resolveValueFrom,
      dryRun: (gate.ref.dryRun ?? []).map((entry) => entry.metricName),
      dryRunWhere: (index) => plan.doc.at([...gate.path, 'dryRun', index, 'metricName'])
    },
    issues
  )
}

/** A real-time wait for the cancel path (never the run's clock, which tests speed up). */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A rollout at the end of its steps with the canary now stable. */
function completed(state: RolloutState): boolean {
  return state.phase === 'Healthy' && Boolean(state.currentPodHash) && state.currentPodHash === state.stableRS && (state.currentStepIndex ?? state.steps.length) >= state.steps.length
}

function pausedAtStep(state: RolloutState): boolean {
  return state.controllerPause || state.pauseConditions.some((p) => p.reason === 'CanaryPauseStep')
}

class RolloutRun {
  private readonly steps: StepRecord[]
  private readonly analyses: AnalysisRecord[] = []
  private readonly reasons: string[] = []
  private readonly notes: string[] = []
  private readonly verdicts: Verdict[] = []
  /** Analysis steps whose analysis started, and those whose analysis reached a verdict. */
  private readonly gatesDone = new Set<number>()
  private readonly gatesMeasured = new Set<number>()
  private readonly kubectl: Kubectl
  private readonly client: RolloutClient
  private readonly providerFor: (metric: MetricSpec) => Provider
  private readonly startedAt: number
  private readonly deadline: number
  private outcome: Outcome = 'none'
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
  private before?: string
  private last?: RolloutState
  private abort?: AbortRecord
  private failingMeasurementAt?: number
  private watchStartedAt?: number
  private callsBeforeWatch = 0
  private lastLog = { text: '', at: 0 }
  private background?: { promise: Promise<AnalysisOutcome>; stop: AbortController; outcome?: AnalysisOutcome }
  private stepsDiff?: string[]
  private abortedBefore = false

  constructor(
    private readonly context: CommandContext,
    private readonly plan: RolloutPlan
  ) {
    const { inputs, clock, log, secrets } = context
    this.startedAt = clock.now()
    this.deadline = this.startedAt + inputs.timeoutMs
    this.kubectl = kubectlFromInputs(inputs, log, clock)
    this.client = new RolloutClient(this.kubectl, inputs.rollout!, inputs.namespace, log)
    const runId = `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`
    const job: Provider = inputs.dryRun
      ? { measure: async () => Promise.reject(new MeasurementError('dry-run: the Job was not created', { permanent: true })) }
      : new JobProvider({ kubectl: this.kubectl, namespace: inputs.namespace, rollout: inputs.rollout!, runId })
    this.providerFor = createProviders({
      clock,
      secrets,
      prometheusUrl: inputs.prometheusUrl,
      prometheusHeaders: inputs.prometheusHeaders,
      newRelic: { apiKey: inputs.newRelic.apiKey, accountId: inputs.newRelic.accountId, graphqlUrl: inputs.newRelic.graphqlUrl },
      job
    })
    this.steps = plan.steps.map((step, index) => ({
      index,
      kind: step.kind,
      description: describeStep(step),
      weight: step.kind === 'setWeight' ? step.weight : undefined,
      result: 'not reached'
    }))
  }

  private get log() {
    return this.context.log
  }
  private get clock() {
    return this.context.clock
  }
  private get inputs() {
    return this.context.inputs
  }

  async drive(): Promise<GateResult> {
    const signal = this.context.signal
    const steering = this.steer().then(
      () => undefined,
      (error: unknown) => ({ error })
    )
    const cancelled = new Promise<'cancelled'>((resolve) => {
      if (signal.aborted) resolve('cancelled')
      else signal.addEventListener('abort', () => resolve('cancelled'), { once: true })
    })
    const first = await Promise.race([steering, cancelled])
    if (first === 'cancelled' || signal.aborted) {
      // The loop may be inside a kubectl call; from now on it cannot write, and it gets a moment to
      // settle (so an image in flight is known to have landed) before the cancel path aborts.
      this.kubectl.stopWrites('the workflow was cancelled')
      await Promise.race([steering, realDelay(CANCEL_SETTLE_MS)])
      await this.cancelled()
      await Promise.race([this.stopBackground(), realDelay(500)])
      return this.result()
    }
    if (first && !(first.error instanceof KubectlError)) {
      await this.stopBackground()
      throw first.error
    }
    if (first) {
      const error = first.error as KubectlError
      this.verdicts.push('Error')
      this.reasons.unshift(error.notFound && !this.last ? `rollout ${this.client.name} was not found in namespace ${this.client.namespace} (${error.message})` : error.message)
      // The gate lost the cluster mid-run: it still owes the rollout its on-failure.
      if (this.driving && this.last && !this.last.abort && this.outcome === 'none') {
        await this.onFailure(`kubectl failed: ${error.message}`, this.last).catch((again: unknown) => {
          this.log.warning(`on-failure could not be applied either: ${(again as Error).message}`)
          this.notes.push(`on-failure (${this.inputs.onFailure}) could not be applied: ${(again as Error).message}`)
        })
      }
    }
    await this.stopBackground()
    return this.result()
  }

  private async steer(): Promise<void> {
    const { inputs, log } = this
    this.client.announcePath()
    let state = await this.client.get()
    this.last = state
    this.before = describeState(state)
    log.info(`rollout ${this.client.name} in ${this.client.namespace}: ${this.before}`)
    this.context.progress?.(this.result())

    // Refusals first, so a bad input changes nothing in the cluster.
    const container = inputs.image ? state.containers.find((c) => c.name === inputs.image!.container) : undefined
    if (inputs.image && !container) {
      this.verdicts.push('Error')
      this.reasons.push(`rollout ${this.client.name} has no container "${inputs.image.container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`)
      return
    }
    const newImage = Boolean(inputs.image && container!.image !== inputs.image.image)
    if (state.abort && !newImage) {
      // An aborted canary is not restarted behind anyone's back: that is what retry is for.
      this.verdicts.push('Error')
      this.reasons.push(
        `rollout ${this.client.name} is aborted (${state.message || 'no message'}); canary-gate does not restart an aborted canary on its own: run command retry to try the same revision again, or deploy a new image`
      )
      this.outcome = 'none'
      this.abortedBefore = true
      return
    }

    if (!sameJson(state.steps, this.plan.liveSteps)) {
      const diff = stepsDiff(state.steps, this.plan.liveSteps)
      if (!inputs.applySteps) {
        this.verdicts.push('Error')
        this.reasons.push(
          "the live Rollout's steps differ from the plan and apply-steps is false, so canary-gate changed nothing: make the Rollout in git hold each analysis step as an indefinite pause (pause: {}), as the difference shows"
        )
        this.stepsDiff = diff
        log.error('the live steps differ from the plan and apply-steps is false; the difference (- live, + wanted):')
        for (const line of diff) log.info(line)
        return
      }
      log.info(`the live steps differ from the plan; patching them (analysis steps become pauses canary-gate resolves):\n${diff.join('\n')}`)
      if (inProgress(state)) log.warning('the rollout is in the middle of an update: Argo restarts its steps from the first when they change')
      await this.client.setSteps(this.plan.liveSteps)
    }

    const revisionBefore = state.currentPodHash
    if (inputs.image) {
      if (newImage) {
        log.info(`starting the canary: ${inputs.image.container} ${container!.image ?? '?'} → ${inputs.image.image}`)
        this.startRequested = true
        this.rememberForPost()
        await this.client.setImage(inputs.image.container, inputs.image.image, state)
        this.started = true
      } else if (!inProgress(state)) {
        return this.nothingToDo(`the rollout already runs ${inputs.image.image} and no update is in progress`)
      } else log.info(`the rollout is already updating to ${inputs.image.image}: following it`)
    } else if (!inProgress(state)) {
      return this.nothingToDo('no image was given and no update is in progress')
    } else log.info('no image given: following the update in progress')

    if (this.kubectl.dryRun) return this.rehearse(state)

    this.watchStartedAt = this.clock.now()
    this.callsBeforeWatch = this.kubectl.calls
    this.driving = true
    this.rememberForPost()
    let waitingForRevision = this.started
    for (;;) {
      if (this.context.signal.aborted) return this.cancelled()
      if (this.clock.now() >= this.deadline) return this.timedOut()
      state = await this.client.get()
      this.last = state
      if (waitingForRevision) {
        if (state.currentPodHash !== revisionBefore) waitingForRevision = false
        else if (state.phase === 'Healthy' && String(state.observedGeneration) === String(state.generation)) {
          return this.nothingToDo('the controller saw the new image but started no canary (the template equals the stable revision)')
        } else {
          await this.nap()
          continue
        }
      }
      this.firstIndex ??= state.currentStepIndex ?? 0
      this.track(state)
      if (state.abort) return this.abortedElsewhere(state)
      if (state.phase === 'Degraded') {
        const reason = `the controller degraded the rollout: ${state.message || 'no message'}`
        this.verdicts.push('Failed')
        this.reasons.push(reason)
        await this.onFailure(reason, state)
        return
      }
      if (completed(state)) return this.promoted(state)
      if (this.background?.outcome && (await this.backgroundEnded(state)) === 'stop') return
      this.startBackgroundIfDue(state)
      const index = state.currentStepIndex ?? 0
      const step = this.plan.steps[index]
      if (step?.kind === 'analysis' && pausedAtStep(state) && !this.gatesDone.has(index)) {
        this.gatesDone.add(index)
        if ((await this.runGate(index, step.gate, state)) === 'stop') return
        continue
      }
      await this.nap()
    }
  }

  /** Tells the post step which canary this run may have started, in case the step is killed. */
  private rememberForPost(): void {
    if (this.kubectl.dryRun) return
    const state: StartedState = { rollout: this.client.name, namespace: this.client.namespace, context: this.inputs.kubeContext, abortOnCancel: this.inputs.abortOnCancel }
    this.context.saveState?.(STARTED_STATE, JSON.stringify(state))
  }

  /** Sleeps one poll interval, or less if the background analysis ends or the job is cancelled. */
  private async nap(): Promise<void> {
    // Until its verdict is dealt with, the background analysis ending wakes the watch at once.
    const wakeOnBackground = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : []
    const signal = AbortSignal.any([...wakeOnBackground, this.context.signal])
    await this.clock.sleep(Math.min(this.inputs.pollIntervalMs, Math.max(0, this.deadline - this.clock.now())), signal).catch(() => {})
  }

  private progress(state: RolloutState): string {
    const count = this.plan.steps.length
    const index = Math.min(state.currentStepIndex ?? count, count)
    const step = this.plan.steps[index]
    const parts = [index < count ? `step ${index + 1}/${count} ${describeStep(step)}` : `after step ${count}/${count}`, `${state.phase || 'unknown'}`, `canary ${state.canaryWeight}%`]
    const pause = state.pauseConditions.find((p) => p.reason === 'CanaryPauseStep')
    if (pause && step?.kind === 'pause' && step.durationMs !== undefined && pause.startTime) {
      parts.push(`paused, ${formatDuration(Math.max(0, Date.parse(pause.startTime) + step.durationMs - this.clock.now()))} left`)
    } else if (pause && step?.kind === 'pause') parts.push('paused until promoted (kubectl argo rollouts promote, or this workflow with command: promote)')
    else if (state.paused) parts.push('paused by a user')
    const next = this.plan.steps[index + 1]
    if (next) parts.push(`next: ${describeStep(next)}`)
    parts.push(`${formatDuration(Math.max(0, this.deadline - this.clock.now()))} left before timeout`)
    return parts.join('; ')
  }

  /** Step records follow the rollout's step index; progress goes to the log when it changes. */
  private track(state: RolloutState): void {
    const now = this.clock.now()
    const index = Math.min(state.currentStepIndex ?? this.steps.length, this.steps.length)
    for (const record of this.steps) {
      if (record.index >= index) continue
      if (record.result === 'not reached' || record.result === 'running') {
        const before = record.index < (this.firstIndex ?? 0)
        if (record.kind === 'analysis' && !before && !this.gatesMeasured.has(record.index)) {
          record.result = 'skipped'
          record.note = 'promoted past outside canary-gate, not measured'
        } else {
          record.result = 'done'
          if (before) record.note = 'passed before this run began following the update'
        }
      }
      record.startedAt ??= now
      record.finishedAt ??= now
    }
    const current = this.steps[index]
    if (current && current.result === 'not reached') {
      current.result = 'running'
      current.startedAt = now
      this.context.progress?.(this.result())
    }
    if (current && current.kind !== 'setWeight') current.weight = state.canaryWeight
    const text = this.progress(state)
    const key = text.replace(/; [^;]*left[^;]*/g, '')
    if (key !== this.lastLog.text || now - this.lastLog.at >= HEARTBEAT_MS) {
      this.log.info(text)
      this.lastLog = { text: key, at: now }
    }
  }

  private finishStep(index: number, result: StepResult, note?: string): void {
    const record = this.steps[index]
    if (!record) return
    record.result = result
    record.startedAt ??= this.clock.now()
    record.finishedAt = this.clock.now()
    if (note) record.note = note
  }

  /** Measures the analysis of step `index` while still watching the rollout, then acts on it. */
  private async runGate(index: number, gate: AnalysisGate, state: RolloutState): Promise<Decision> {
    const label = `step ${index + 1}/${this.plan.steps.length}`
    const outcome = await this.log.group(`${label} analysis: ${gate.templates.map((t) => t.name).join(', ')}`, () => this.measure(label, gate, state, index))
    // A cancellation wins over whatever the analysis concluded: an analysis the cancel stopped is
    // never acted on as Inconclusive (on-inconclusive: promote would promote a cancelled canary).
    if (this.context.signal.aborted) {
      if (typeof outcome !== 'string') {
        this.analyses.push({ label, stepIndex: index, templates: gate.templates.map((t) => t.name), outcome })
        this.decidedBeforeCancel(label, outcome)
      }
      await this.cancelled()
      return 'stop'
    }
    if (outcome === 'stopped') return 'stop'
    if (outcome === 'moved') return 'continue'
    this.analyses.push({ label, stepIndex: index, templates: gate.templates.map((t) => t.name), outcome })
    this.verdicts.push(outcome.verdict)
    this.gatesMeasured.add(index)
    this.context.progress?.(this.result())
    const reasons = outcome.reasons.map((reason) => `${label}: ${reason}`)
    switch (outcome.verdict) {
      case 'Successful': {
        this.finishStep(index, 'passed')
        // A background analysis that failed meanwhile wins over this step's pass.
        if (this.background?.outcome && (await this.backgroundEnded(this.last ?? state)) === 'stop') return 'stop'
        const now = await this.client.get()
        this.last = now
        if (now.currentStepIndex !== index || now.currentPodHash !== state.currentPodHash || !pausedAtStep(now)) {
          this.log.warning(`${label}: the rollout moved on while the analysis ran (${describeState(now)}); not promoting`)
          return 'continue'
        }
        this.log.info(`${label} analysis Successful: promoting`)
        await this.client.promote(false, now)
        return 'continue'
      }
      case 'Inconclusive':
        this.finishStep(index, 'inconclusive')
        this.reasons.push(...reasons)
        return this.onInconclusive(reasons[0] ?? `${label} inconclusive`, index)
      default:
        this.finishStep(index, outcome.verdict === 'Failed' ? 'failed' : 'error')
        this.reasons.push(...reasons)
        // The last state read is recent (the rollout is watched during the analysis): abort at once.
        await this.onFailure(reasons[0] ?? `${label} ${outcome.verdict}`, this.last ?? state)
        return 'stop'
    }
  }

  /** The metrics of an analysis with the cluster's values for its args; problems go to `issues`. */
  private async metricsFor(gate: AnalysisGate, state: RolloutState, issues: IssueList): Promise<MetricSpec[]> {
    const resolver = await clusterArgs(gate.templates, gate.ref.args ?? [], { kubectl: this.kubectl, namespace: this.client.namespace, state, secrets: this.context.secrets })
    return gateMetrics(this.context, this.plan, gate, resolver, issues)
  }

  /** Starts an analysis on the run's clock, deadline and providers; it stops with `stop` or a cancellation. */
  private analyse(label: string, metrics: MetricSpec[], stop: AbortController, passOnStop = false): Promise<AnalysisOutcome> {
    setMaxListeners(0, stop.signal)
    return runAnalysis({
      metrics,
      providerFor: this.providerFor,
      clock: this.clock,
      log: this.log,
      label,
      deadline: this.deadline,
      passOnStop,
      signal: AbortSignal.any([stop.signal, this.context.signal]),
      onMeasurement: this.onMeasurement
    })
  }

  private onMeasurement = (metric: MetricSpec, measurement: { finishedAt: number }, assessment: { phase: string }): void => {
    if (metric.dryRun) return
    const failing = assessment.phase === 'Failed' || assessment.phase === 'Error'
    if (failing) this.failingMeasurementAt ??= measurement.finishedAt
    // Known the moment the metric decides, before the analysis has even stopped: a cancellation
    // arriving now must still make the abort this verdict calls for.
    const action = failing ? this.inputs.onFailure : assessment.phase === 'Inconclusive' ? this.inputs.onInconclusive : undefined
    if (action === 'abort') this.abortDecided = true
  }

  /**
   * Runs one analysis with the rollout watched alongside. It stops when the job is cancelled, the
   * rollout is aborted or degraded, the background analysis fails ('stopped': the run is over), or
   * the rollout moves past the step or to another revision ('moved': someone else acted).
   */
  private async measure(label: string, gate: AnalysisGate, state: RolloutState, stepIndex?: number): Promise<AnalysisOutcome | 'stopped' | 'moved'> {
    const issues = new IssueList()
    const metrics = await this.metricsFor(gate, state, issues)
    if (this.kubectl.dryRun) for (const metric of metrics) if (metric.provider.kind === 'job') metric.dryRun = true
    if (!issues.empty) {
      this.verdicts.push('Error')
      this.reasons.push(...issues.issues.map((issue) => `${label}: ${[issue.where, issue.subject, issue.field, issue.message].filter(Boolean).join(': ')}`))
      if (stepIndex !== undefined) this.finishStep(stepIndex, 'error')
      await this.onFailure(`${label}: the analysis could not start`, state)
      return 'stopped'
    }
    const stop = new AbortController()
    const running = this.analyse(label, metrics, stop)
    if (this.kubectl.dryRun) return running
    const record = async (): Promise<AnalysisOutcome> => {
      stop.abort()
      const outcome = await running
      this.analyses.push({ label, stepIndex, templates: gate.templates.map((t) => t.name), outcome })
      return outcome
    }
    const done = new AbortController()
    running.then(() => done.abort(), () => done.abort())
    try {
      for (;;) {
        const wake = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : []
        await this.clock.sleep(this.inputs.pollIntervalMs, AbortSignal.any([done.signal, this.context.signal, ...wake])).catch(() => {})
        if (this.context.signal.aborted) {
          this.decidedBeforeCancel(label, await record())
          await this.cancelled()
          return 'stopped'
        }
        if (done.signal.aborted) return await running
        if (this.background?.outcome && !this.backgroundHandled && this.background.outcome.verdict !== 'Successful') {
          await record()
          if ((await this.backgroundEnded(this.last ?? state)) === 'stop') return 'stopped'
          return 'moved'
        }
        const now = await this.client.get()
        this.last = now
        if (now.abort || now.phase === 'Degraded') {
          await record()
          if (now.abort) await this.abortedElsewhere(now)
          else {
            this.verdicts.push('Failed')
            this.reasons.push(`the controller degraded the rollout during ${label}'s analysis: ${now.message}`)
            await this.onFailure(this.reasons[this.reasons.length - 1], now)
          }
          return 'stopped'
        }
        if (now.currentPodHash !== state.currentPodHash || now.currentStepIndex !== state.currentStepIndex) {
          await record()
          const why = now.currentPodHash !== state.currentPodHash ? 'the rollout was moved to another revision' : 'the step was promoted outside canary-gate'
          this.log.warning(`${label}: ${why} while its analysis ran (${describeState(now)}); the analysis stops`)
          if (stepIndex !== undefined) this.finishStep(stepIndex, 'skipped', `${why} while its analysis ran`)
          return 'moved'
        }
      }
    } finally {
      // Whatever ends the wait (a kubectl failure included), the analysis and its Jobs stop with it.
      stop.abort()
      await running.catch(() => undefined)
    }
  }

  private startBackgroundIfDue(state: RolloutState): void {
    const background = this.plan.background
    if (!background || this.background) return
    if ((state.currentStepIndex ?? 0) < background.startingStep) return
    const stop = new AbortController()
    this.log.info(`background analysis ${background.templates.map((t) => t.name).join(', ')} starts at step ${(state.currentStepIndex ?? 0) + 1}`)
    const run = (async (): Promise<AnalysisOutcome> => {
      const issues = new IssueList()
      const metrics = await this.metricsFor(background, state, issues)
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
  private async backgroundEnded(state: RolloutState): Promise<Decision> {
    if (this.backgroundHandled) return 'continue'
    this.backgroundHandled = true
    const outcome = this.background!.outcome!
    if (outcome.verdict === 'Successful') return 'continue'
    this.recordBackground()
    const reasons = outcome.reasons.map((reason) => `background: ${reason}`)
    this.reasons.push(...reasons)
    if (outcome.verdict === 'Inconclusive') return this.onInconclusive(reasons[0] ?? 'background analysis inconclusive', state.currentStepIndex ?? 0, true)
    await this.onFailure(reasons[0] ?? `background analysis ${outcome.verdict}`, state)
    return 'stop'
  }

  private recordBackground(): void {
    const outcome = this.background?.outcome
    if (!outcome || this.analyses.some((a) => a.label === 'background')) return
    this.analyses.push({ label: 'background', templates: this.plan.background!.templates.map((t) => t.name), outcome })
    this.verdicts.push(outcome.verdict)
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

  private async onFailure(reason: string, state: RolloutState): Promise<void> {
    if (this.inputs.onFailure === 'abort') return this.abortNow(reason, state)
    await this.leavePaused(`on-failure is pause: the rollout is left paused for a human`, state)
  }

  private async onInconclusive(reason: string, index: number, fromBackground = false): Promise<Decision> {
    switch (this.inputs.onInconclusive) {
      case 'abort':
        await this.abortNow(reason, this.last ?? (await this.client.get()))
        return 'stop'
      case 'promote':
        this.notes.push(`on-inconclusive is promote: ${fromBackground ? 'the background analysis was inconclusive; the rollout goes on' : `step ${index + 1} was promoted although its analysis was inconclusive`}`)
        if (!fromBackground) await this.client.promote(false, await this.client.get())
        return 'continue'
      default:
        await this.leavePaused('on-inconclusive is pause: the rollout is left paused for a human to promote or abort', this.last ?? (await this.client.get()))
        return 'stop'
    }
  }

  /** Pauses the rollout (a user pause, as kubectl argo rollouts pause does) so nothing moves on without a human. */
  private async leavePaused(why: string, state: RolloutState): Promise<void> {
    // Also at a gate's indefinite pause: a timed pause or a background failure would otherwise run on.
    if (!state.paused) await this.client.pause()
    this.outcome = 'paused'
    const c = this.client.commands()
    this.log.notice(`${why}. To go on: ${c.promote} (or this workflow with command: promote). To roll back: ${c.abort} (or command: abort).`)
    this.reasons.push(why)
  }

  private async abortNow(reason: string, state: RolloutState): Promise<void> {
    this.abortDecided = true
    const { record, state: after } = await this.log.group(`Aborting rollout ${this.client.name}`, () => abortAndConfirm(this.client, state, reason, {
      clock: this.clock,
      log: this.log,
      pollMs: this.inputs.pollIntervalMs,
      confirmMs: Math.min(ABORT_CONFIRM_MS, Math.max(60_000, this.deadline - this.clock.now() + 60_000)),
      failingMeasurementAt: this.failingMeasurementAt,
      // A cancellation while the abort is confirmed stops the waiting, not the abort.
      signal: this.context.signal
    }))
    this.abort = record
    this.last = after
    this.outcome = 'aborted'
    const index = Math.min(state.currentStepIndex ?? 0, this.steps.length - 1)
    for (const step of this.steps) {
      if (step.index === index && (step.result === 'running' || step.result === 'not reached')) this.finishStep(index, 'aborted')
      else if (step.index > index && step.result === 'not reached') step.result = 'skipped'
    }
  }

  private async abortedElsewhere(state: RolloutState): Promise<void> {
    this.verdicts.push('Failed')
    this.reasons.push(`the rollout was aborted outside canary-gate: ${state.message || 'no message'}`)
    const index = Math.min(state.currentStepIndex ?? 0, this.steps.length - 1)
    for (const step of this.steps) if (step.index > index && step.result === 'not reached') step.result = 'skipped'
  }

  private async promoted(state: RolloutState): Promise<void> {
    await this.stopBackground()
    this.outcome = 'promoted'
    const first = this.firstIndex ?? 0
    // Analysis steps this run watched but never measured were passed by someone else (promote --full, a
    // manual promote): the canary is stable, but canary-gate cannot call that a pass.
    const unmeasured = this.plan.steps.flatMap((step, index) => (step.kind === 'analysis' && index >= first && !this.gatesMeasured.has(index) ? [index] : []))
    for (const step of this.steps) {
      if (step.result !== 'running' && step.result !== 'not reached') continue
      if (unmeasured.includes(step.index)) this.finishStep(step.index, 'skipped', 'promoted past outside canary-gate, not measured')
      else if (step.index < first) this.finishStep(step.index, 'done', 'passed before this run began following the update')
      else this.finishStep(step.index, 'done')
    }
    this.log.info(`rollout ${this.client.name} promoted: ${describeState(state)}`)
    if (unmeasured.length) {
      this.verdicts.push('Inconclusive')
      this.reasons.push(
        `the rollout became stable, but the analysis of step${unmeasured.length > 1 ? 's' : ''} ${unmeasured.map((i) => `${i + 1}/${this.plan.steps.length}`).join(', ')} never ran: it was promoted past outside canary-gate`
      )
    } else this.reasons.push(`the canary went through all ${this.plan.steps.length} steps and is now stable`)
    if (first > 0) this.notes.push(`this run began following the update at step ${first + 1}; the steps before it had passed already`)
  }

  private async timedOut(): Promise<void> {
    const reason = `the run did not finish within the timeout (${formatDuration(this.inputs.timeoutMs)})`
    this.verdicts.push('Error')
    this.reasons.push(reason)
    await this.onFailure(reason, this.last ?? (await this.client.get()))
  }

  /**
   * An analysis that reached its verdict on its own just before the cancellation still counts:
   * its failure is reported, and an abort it calls for (on-failure or on-inconclusive: abort) is
   * made by the cancel path whatever abort-on-cancel says. Nothing is ever promoted on a cancel.
   */
  private decidedBeforeCancel(label: string, outcome: AnalysisOutcome): void {
    if (outcome.ending !== 'decided' && outcome.ending !== 'completed') return
    if (outcome.verdict === 'Successful') return
    this.verdicts.push(outcome.verdict)
    this.reasons.push(...outcome.reasons.map((reason) => `${label}: ${reason}`))
    const action = outcome.verdict === 'Inconclusive' ? this.inputs.onInconclusive : this.inputs.onFailure
    if (action === 'abort') this.abortDecided = true
  }

  /** The cancel path, run once however many places notice the cancellation. */
  private cancelled(): Promise<void> {
    this.cancelling ??= this.cancelNow()
    return this.cancelling
  }

  /**
   * Aborts the canary this run started (abort-on-cancel) within CANCEL_BUDGET_MS of real time, on a
   * kubectl of its own with a short request timeout, so a hanging API server cannot keep the step
   * from reporting; the runner's second signal cuts the wait for the abort to show.
   */
  private async cancelNow(): Promise<void> {
    this.kubectl.stopWrites('the workflow was cancelled')
    this.verdicts.push('Inconclusive')
    this.reasons.unshift('the workflow was cancelled')
    const mayHaveStarted = this.started || this.startRequested || this.driving
    if (!mayHaveStarted) {
      this.notes.push('the workflow was cancelled before the canary started: nothing to abort')
      return
    }
    if (!this.inputs.abortOnCancel && !this.abortDecided) {
      this.notes.push('abort-on-cancel is false: the rollout was left as it was')
      return
    }
    if (this.kubectl.dryRun) return
    const budget = AbortSignal.any([AbortSignal.timeout(CANCEL_BUDGET_MS), ...(this.context.hurry ? [this.context.hurry] : [])])
    // One attempt per call: a retry would not fit the budget when the API server hangs.
    const kubectl = this.kubectl.derive({ requestTimeoutSeconds: CANCEL_REQUEST_TIMEOUT_S, attempts: 1, clock: systemClock })
    const client = new RolloutClient(kubectl, this.client.name, this.client.namespace, this.log)
    const c = this.client.commands()
    try {
      const state = await client.get().catch(() => this.last)
      if (state?.abort) {
        this.outcome = 'aborted'
        this.notes.push('the rollout was already aborted when the workflow was cancelled')
        return
      }
      if (state && completed(state) && this.outcome === 'promoted') return
      this.context.progress?.(this.result())
      const reason = this.abortDecided && !this.inputs.abortOnCancel ? 'the abort the gate had decided, sent again as the workflow was cancelled' : 'the workflow was cancelled (abort-on-cancel)'
      if (!state) {
        // Never read (the API server hung from the start): abort blind rather than leave a canary running.
        this.log.info(`aborting rollout ${client.name}: ${reason}`)
        await client.abort()
        this.outcome = 'aborted'
        this.notes.push('the abort was sent without seeing the rollout first: the API server did not answer')
        return
      }
      const { record, state: after } = await abortAndConfirm(client, state, reason, {
        clock: systemClock,
        log: this.log,
        pollMs: 500,
        confirmMs: CANCEL_BUDGET_MS,
        signal: budget
      })
      this.abort = record
      this.last = after
      this.outcome = 'aborted'
    } catch (error) {
      const message = (error as Error).message
      this.log.error(`the abort on cancel failed: ${message}; abort by hand: ${c.abort}`)
      this.reasons.push(`the workflow was cancelled and the abort could not be sent (${message}): abort by hand with ${c.abort}`)
    }
  }

  private nothingToDo(why: string): void {
    this.log.info(`nothing to roll out: ${why}`)
    this.notes.push(`nothing to roll out: ${why}`)
  }

  /** dry-run: every analysis step measured in order, and what the gate would do at each. */
  private async rehearse(state: RolloutState): Promise<void> {
    this.notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log, and each analysis step was measured once, in order, without waiting for the controller')
    for (const [index, step] of this.plan.steps.entries()) {
      if (step.kind !== 'analysis') {
        this.steps[index].result = 'would run'
        continue
      }
      const outcome = await this.measure(`step ${index + 1}/${this.plan.steps.length}`, step.gate, state, index)
      if (typeof outcome === 'string') return
      if (outcome.metrics.every((m) => m.spec.dryRun)) {
        // Job metrics do not run in a dry run: nothing was measured, so nothing can pass.
        this.analyses.push({ label: `step ${index + 1}/${this.plan.steps.length}`, stepIndex: index, templates: step.gate.templates.map((t) => t.name), outcome })
        this.verdicts.push('Inconclusive')
        this.finishStep(index, 'skipped', 'dry run: its metrics are Jobs, which a dry run does not create')
        this.reasons.push(`step ${index + 1}: not measured in a dry run (job metrics), so the dry run cannot say it would pass`)
        continue
      }
      this.analyses.push({ label: `step ${index + 1}/${this.plan.steps.length}`, stepIndex: index, templates: step.gate.templates.map((t) => t.name), outcome })
      this.verdicts.push(outcome.verdict)
      if (outcome.verdict === 'Successful') {
        this.finishStep(index, 'passed', 'dry run: would promote')
        this.log.info(`dry-run: step ${index + 1} Successful, would promote`)
        continue
      }
      const action = outcome.verdict === 'Inconclusive' ? this.inputs.onInconclusive : this.inputs.onFailure
      this.finishStep(index, outcome.verdict === 'Inconclusive' ? 'inconclusive' : 'failed', `dry run: would ${action}`)
      this.reasons.push(...outcome.reasons.map((reason) => `step ${index + 1}: ${reason}`), `dry run: the gate would ${action} here`)
      for (const later of this.steps) if (later.index > index) later.result = 'skipped'
      return
    }
  }

  private result(): GateResult {
    const verdict = this.verdicts.length ? verdictOf(worstPhase(this.verdicts)) : 'Successful'
    const c = this.client.commands()
    const nextSteps = this.outcome === 'paused' ? [c.promote, c.abort] : this.outcome === 'aborted' || this.abortedBefore ? [c.retry, c.status] : [c.status]
    const last = this.last
    return {
      command: 'run',
      verdict,
      outcome: this.outcome,
      // Copies: a snapshot handed to the check is rendered later, while the run goes on.
      reasons: this.reasons.length ? [...this.reasons] : verdict === 'Successful' && this.analyses.length ? ['every analysis passed'] : [],
      startedAt: this.startedAt,
      finishedAt: this.clock.now(),
      analyses: [...this.analyses],
      configErrors: [],
      notes: [...this.notes],
      steps: this.steps.map((step) => ({ ...step })),
      rollout: {
        name: this.client.name,
        namespace: this.client.namespace,
        image: this.inputs.image ? `${this.inputs.image.container}=${this.inputs.image.image}` : undefined,
        stableRevision: last?.stableRS,
        canaryRevision: last?.currentPodHash,
        before: this.before,
        after: last ? describeState(last) : undefined,
        path: this.client.usePlugin ? 'plugin' : 'patches'
      },
      abort: this.abort,
      stepsDiff: this.stepsDiff,
      nextSteps,
      kubectl: { calls: this.kubectl.calls - this.callsBeforeWatch, watchedMs: this.watchStartedAt === undefined ? 0 : this.clock.now() - this.watchStartedAt }
    }
  }
}

export async function run(context: CommandContext): Promise<GateResult> {
  const plan = await context.log.group('Loading the plan', () => loadPlan(context))
  return new RolloutRun(context, plan).drive()
}
