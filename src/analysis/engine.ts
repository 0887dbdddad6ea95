// Runs one analysis: every metric on its own schedule, all concurrently, until the verdict is known.
// A deciding metric that reaches Failed, Error or Inconclusive ends the run at that moment; the
// others stop where they are. Time and sleep come from the injected Clock.
import { setMaxListeners } from 'node:events'
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import { Decided, MeasurementError, type Provider } from '../providers/provider.js'
import { judgeMeasurement } from './judge.js'
import { assessMetric, emptyTally, isCompleted, recordMeasurement } from './metric.js'
import { assessRun, endsRun, verdictOf } from './run.js'
import type { AnalysisOutcome, Measurement, MetricAssessment, MetricOutcome, MetricSpec, MetricTally } from './types.js'
import { formatValue } from './values.js'

/** Argo retries an errored measurement after 10 s, not after the interval. */
export const ERROR_RETRY_MS = 10_000

export interface AnalysisOptions {
  metrics: MetricSpec[]
  providerFor: (metric: MetricSpec) => Provider
  clock: Clock
  log: Logger
  /** Stops the run (cancellation, the rollout ended): metrics are assessed as terminating. */
  signal?: AbortSignal
  /** Clock time past which the run ends as Error (the `timeout` input). */
  deadline?: number
  /** Prefix for log lines, e.g. `step 6/9`. */
  label?: string
  /**
   * Whether a run stopped from outside may still pass on what it measured (a background analysis
   * when the rollout finishes, as in Argo). Otherwise a stopped run is at best Inconclusive.
   */
  passOnStop?: boolean
  /** Called after every measurement, before the next decision. */
  onMeasurement?: (metric: MetricSpec, measurement: Measurement, assessment: MetricAssessment) => void
}

interface MetricState {
  spec: MetricSpec
  tally: MetricTally
  assessment: MetricAssessment
}

class RunStopped extends Error {}

function describeTimeLeft(clock: Clock, deadline: number | undefined): string {
  if (deadline === undefined) return ''
  return `; ${formatDuration(Math.max(0, deadline - clock.now()))} left before timeout`
}

async function measureOnce(spec: MetricSpec, provider: Provider, options: AnalysisOptions, signal: AbortSignal): Promise<Measurement | null> {
  const { clock, log } = options
  const startedAt = clock.now()
  try {
    const answer = await provider.measure(spec, { clock, log, signal })
    if (signal.aborted) return null
    if (answer instanceof Decided && answer.phase === 'Failed') {
      return { startedAt, finishedAt: clock.now(), phase: 'Failed', value: answer.result, display: formatValue(answer.result), message: answer.message }
    }
    const result = answer instanceof Decided ? answer.result : answer
    const judgement = answer instanceof Decided && !spec.successCondition && !spec.failureCondition && !spec.thresholdRange
      ? { phase: answer.phase, message: answer.message, display: formatValue(result) }
      : judgeMeasurement(spec, result)
    return { startedAt, finishedAt: clock.now(), phase: judgement.phase, value: result, display: judgement.display, message: judgement.message }
  } catch (error) {
    if (signal.aborted) return null
    if (error instanceof MeasurementError) {
      return { startedAt, finishedAt: clock.now(), phase: 'Error', message: error.message, permanent: error.permanent }
    }
    // A bug in a provider must not pass as a measurement: it is an Error with its message.
    const message = error instanceof Error ? error.message : String(error)
    return { startedAt, finishedAt: clock.now(), phase: 'Error', message: `unexpected failure: ${message}` }
  }
}

function nextWait(spec: MetricSpec, measurement: Measurement): number {
  if (measurement.phase === 'Error') return ERROR_RETRY_MS
  return spec.intervalMs ?? 0
}

export async function runAnalysis(options: AnalysisOptions): Promise<AnalysisOutcome> {
  const { clock, log, metrics } = options
  const label = options.label ? `[${options.label}] ` : ''
  const startedAt = clock.now()
  const stop = new AbortController()
  // Every metric waits on this signal (sleeps, request budgets): many listeners are expected.
  setMaxListeners(0, stop.signal)
  let ending = 'completed' as AnalysisOutcome['ending']
  const finish = (why: AnalysisOutcome['ending']): void => {
    if (stop.signal.aborted) return
    ending = why
    stop.abort(new RunStopped(why))
  }

  const onOuterAbort = (): void => finish('stopped')
  if (options.signal?.aborted) finish('stopped')
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  let deadlineTimer: Promise<void> | undefined
  const deadlineWatch = new AbortController()
  if (options.deadline !== undefined) {
    deadlineTimer = clock
      .sleep(Math.max(0, options.deadline - clock.now()), AbortSignal.any([deadlineWatch.signal, stop.signal]))
      .then(() => finish('timeout'))
      .catch(() => {})
  }

  const states: MetricState[] = metrics.map((spec) => ({
    spec,
    tally: emptyTally(),
    assessment: { phase: 'Pending', message: 'waiting for its first measurement' }
  }))

  const runMetric = async (state: MetricState): Promise<void> => {
    const { spec } = state
    const provider = options.providerFor(spec)
    try {
      const delay = spec.initialDelayMs - (clock.now() - startedAt)
      if (delay > 0) {
        log.info(`${label}${spec.name}: first measurement in ${formatDuration(delay)} (initialDelay)`)
        await clock.sleep(delay, stop.signal)
      }
      for (;;) {
        const measurement = await measureOnce(spec, provider, options, stop.signal)
        if (!measurement) return
        state.tally = recordMeasurement(state.tally, measurement)
        state.assessment = assessMetric(spec, state.tally, false)
        options.onMeasurement?.(spec, measurement, state.assessment)
        const n = state.tally.measurements.length
        const value = measurement.phase === 'Error' ? measurement.message : (measurement.display ?? formatValue(measurement.value))
        const decided = isCompleted(state.assessment.phase)
        const wait = nextWait(spec, measurement)
        const next = decided
          ? `metric ${state.assessment.phase}`
          : `next in ${formatDuration(wait)}${measurement.phase === 'Error' ? ' (retry after error)' : ''}${spec.count !== undefined ? `, ${state.tally.count} of ${spec.count} counted` : ''}`
        log.info(
          `${label}${spec.name}${spec.dryRun ? ' (dryRun)' : ''} #${n}: ${measurement.phase === 'Error' ? `Error: ${value}` : `${value} → ${measurement.phase}`}; ${next}${decided ? '' : describeTimeLeft(clock, options.deadline)}`
        )
        if (decided) {
          if (!spec.dryRun && endsRun(state.assessment.phase)) {
            log.info(`${label}${spec.name} is ${state.assessment.phase}: ${state.assessment.message}; ending the analysis now`)
            finish('decided')
          }
          return
        }
        await clock.sleep(wait, stop.signal)
      }
    } catch (error) {
      if (stop.signal.aborted) return
      throw error
    }
  }

  try {
    await Promise.all(states.map(runMetric))
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort)
    deadlineWatch.abort()
    await deadlineTimer
  }

  const outcomes: MetricOutcome[] = states.map((state) => {
    if (isCompleted(state.assessment.phase)) return { spec: state.spec, tally: state.tally, ...state.assessment }
    if (ending === 'decided') {
      // Another metric decided the run; this one keeps where it was, marked as stopped.
      const now = assessMetric(state.spec, state.tally, false)
      return { spec: state.spec, tally: state.tally, phase: now.phase, message: `stopped when the verdict was known (${now.message})`, stopped: true }
    }
    return { spec: state.spec, tally: state.tally, ...assessMetric(state.spec, state.tally, ending !== 'completed') }
  })
  const run = assessRun(outcomes)
  let verdict = verdictOf(run.phase)
  const reasons = [...run.reasons]
  if (ending === 'stopped' && verdict === 'Successful' && !options.passOnStop) {
    verdict = 'Inconclusive'
    reasons.unshift('the analysis was stopped before it finished')
  }
  if (ending === 'timeout' && verdict !== 'Failed') {
    verdict = 'Error'
    reasons.unshift(`the analysis did not reach a verdict before the timeout (${formatDuration(clock.now() - startedAt)} in)`)
  }
  return { verdict, startedAt, finishedAt: clock.now(), metrics: outcomes, reasons, ending }
}
