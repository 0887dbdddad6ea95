// Runs one analysis: every metric on its own schedule, all concurrently, until the verdict is known.
// A deciding metric that reaches Failed, Error or Inconclusive ends the run at that moment; the
// others stop where they are. Time and sleep come from the injected Clock.
import { setMaxListeners } from 'node:events'
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import { Decided, MeasurementError, type Provider } from '../providers/provider.js'
import { judgeMeasurement } from './judge.js'
import { assessJudged, judgeReading, startJudging, waitingView, type JudgeRun } from './judging.js'
import { scoreMetrics, scoreVerdict, type ScoreResult, type ScoredMetric } from './judges/index.js'
import { assessMetric, emptyTally, isCompleted, recordMeasurement } from './metric.js'
import { insufficientData, isCompared, isReadingError, takeReading } from './reading.js'
import { assessRun, endsRun, verdictOf, type CombinedDecision } from './run.js'
import type { AnalysisOutcome, AnalysisScore, Measurement, MetricAssessment, MetricOutcome, MetricSpec, MetricTally } from './types.js'
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
  /** What a judged metric has gathered for its judge. */
  judging?: JudgeRun
}

function assess(state: MetricState, terminating: boolean): MetricAssessment {
  return state.judging ? assessJudged(state.spec, state.tally, state.judging, terminating) : assessMetric(state.spec, state.tally, terminating)
}

/** A deciding mannWhitney metric of the analysis' scoring: the score decides in its place. */
const inScoring = (state: MetricState): boolean => Boolean(state.spec.scoring && !state.spec.dryRun)
/** … that has been classified. */
const classified = (state: MetricState): boolean => Boolean(state.spec.scoring && state.judging?.final?.classification)

/** Kayenta's score over the classified metrics of the scoring (dryRun ones muted, as Kayenta's `muted`). */
function scoreOf(states: MetricState[]): ScoreResult {
  const scored: ScoredMetric[] = states.filter(classified).map((state) => {
    const c = state.judging!.final!.classification!
    const group = state.spec.judge?.kind === 'mannWhitney' ? state.spec.judge.group : undefined
    return { name: state.spec.name, classification: c.classification, critical: c.critical, groups: group ? [group] : [], muted: state.spec.dryRun, reason: c.reason }
  })
  const scoring = states.find(inScoring)!.spec.scoring!
  return scoreMetrics(scored, { groupWeights: scoring.groupWeights, thresholds: scoring.thresholds })
}

/** Whether the score is known: every scored metric classified, or a critical failure, which zeroes it whatever comes. */
function scoreKnown(states: MetricState[]): boolean {
  const deciding = states.filter(inScoring)
  const done = deciding.filter(classified)
  if (done.length === deciding.length) return true
  return done.some((state) => {
    const c = state.judging!.final!.classification!
    return c.critical && (c.classification === 'High' || c.classification === 'Low')
  })
}

function scoreMessage(score: ScoreResult, states: MetricState[]): string {
  const notPass = states
    .filter((state) => classified(state) && !state.spec.dryRun && state.judging!.final!.classification!.classification !== 'Pass')
    .map((state) => `${state.spec.name} ${state.judging!.final!.classification!.classification}`)
  return `${score.reason}${notPass.length ? `; ${notPass.join(', ')}` : ''}`
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

/**
 * One measurement of a metric compared with its baseline, counted, or judged: every part read at
 * once (reading.ts), then too little data, the judge, or the conditions with `baseline` beside
 * `result`.
 */
async function measureCompared(state: MetricState, provider: Provider, options: AnalysisOptions, signal: AbortSignal): Promise<Measurement | null> {
  const { spec, judging } = state
  const { clock, log } = options
  const startedAt = clock.now()
  let reading
  try {
    reading = await takeReading(spec, provider, { clock, log, signal })
  } catch (error) {
    if (signal.aborted) return null
    throw error
  }
  if (!reading) return null
  const finishedAt = clock.now()
  const pair = (canary: unknown, baseline: unknown): Partial<Measurement> => ({
    ...(canary !== undefined ? { value: canary } : {}),
    ...(spec.baseline && baseline !== undefined ? { baselineValue: baseline } : {})
  })
  if (isReadingError(reading)) {
    const judge = judging ? { judge: { ...(judging.view ?? { kind: judging.judge.kind }), reason: `no reading: ${reading.message}` } } : {}
    return { startedAt, finishedAt, phase: 'Error', message: reading.message, ...(reading.permanent ? { permanent: true } : {}), ...pair(reading.canary, reading.baseline), ...judge }
  }
  const base: Measurement = { startedAt, finishedAt, phase: 'Inconclusive', message: '', ...pair(reading.canary, reading.baseline) }
  if (spec.sampleSize && reading.sizes) {
    const { unit } = spec.sampleSize
    base.samples = { canary: reading.sizes.canary, ...(reading.sizes.baseline !== undefined ? { baseline: reading.sizes.baseline } : {}), unit }
    const short = insufficientData(spec, reading)
    if (short) {
      // Too little data is neither a pass nor a fail: retried at the next interval, not counted.
      return {
        ...base,
        phase: 'Inconclusive',
        uncounted: true,
        message: short,
        display: `${formatValue(reading.sizes.canary)} ${unit}`,
        ...(reading.sizes.baseline !== undefined ? { baselineDisplay: `${formatValue(reading.sizes.baseline)} ${unit}` } : {}),
        ...(judging ? { judge: waitingView(judging, short) } : {})
      }
    }
  }
  if (judging) {
    const countReached = spec.count !== undefined && state.tally.count + 1 >= spec.count
    const judged = judgeReading(spec, judging, reading, countReached)
    return { ...base, phase: judged.phase, message: judged.message, display: judged.display, baselineDisplay: judged.baselineDisplay, ...(judged.view ? { judge: judged.view } : {}) }
  }
  const judged = judgeMeasurement(spec, reading.canary, reading.baseline)
  return { ...base, phase: judged.phase, message: judged.message, display: judged.display, ...(judged.baselineDisplay !== undefined ? { baselineDisplay: judged.baselineDisplay } : {}) }
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
    assessment: { phase: 'Pending', message: 'waiting for its first measurement' },
    ...(spec.judge ? { judging: startJudging(spec.judge) } : {})
  }))

  // Kayenta's score decides for the scored metrics, once known: a Fail (or a critical failure,
  // which zeroes it) ends the run as a failing metric would.
  const decideScore = (): void => {
    if (!scoreKnown(states)) return
    const score = scoreOf(states)
    const phase = scoreVerdict(score)
    log.info(`${label}score: ${scoreMessage(score, states)} → ${phase}`)
    // Ends the run only when something is still measuring: once every metric is done it completed.
    if (endsRun(phase) && !states.every((state) => isCompleted(state.assessment.phase))) {
      log.info(`${label}the score is ${phase}; ending the analysis now`)
      finish('decided')
    }
  }

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
        const measurement = isCompared(spec) ? await measureCompared(state, provider, options, stop.signal) : await measureOnce(spec, provider, options, stop.signal)
        if (!measurement) return
        state.tally = recordMeasurement(state.tally, measurement)
        state.assessment = assess(state, false)
        options.onMeasurement?.(spec, measurement, state.assessment)
        const n = state.tally.measurements.length
        const shown = measurement.display ?? formatValue(measurement.value)
        const value = measurement.phase === 'Error' ? measurement.message : measurement.baselineDisplay !== undefined ? `${shown} (baseline ${measurement.baselineDisplay})` : shown
        const decided = isCompleted(state.assessment.phase)
        const wait = nextWait(spec, measurement)
        const retry = measurement.phase === 'Error' ? ' (retry after error)' : measurement.uncounted ? ' (not counted: too little data)' : ''
        const next = decided
          ? `metric ${state.assessment.phase}`
          : `next in ${formatDuration(wait)}${retry}${spec.count !== undefined ? `, ${state.tally.count} of ${spec.count} counted` : ''}`
        const why = measurement.uncounted || (spec.judge && measurement.phase !== 'Error') ? ` (${measurement.message})` : ''
        log.info(
          `${label}${spec.name}${spec.dryRun ? ' (dryRun)' : ''} #${n}: ${measurement.phase === 'Error' ? `Error: ${value}` : `${value} → ${measurement.phase}${why}`}; ${next}${decided ? '' : describeTimeLeft(clock, options.deadline)}`
        )
        if (decided) {
          if (classified(state)) decideScore()
          else if (!spec.dryRun && endsRun(state.assessment.phase)) {
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
    const judged = state.judging ? { judgement: state.judging.final?.view ?? state.judging.view } : {}
    const own = { spec: state.spec, tally: state.tally, ...(classified(state) && !state.spec.dryRun ? { scored: true } : {}), ...judged }
    if (isCompleted(state.assessment.phase)) return { ...own, ...state.assessment }
    if (ending === 'decided') {
      // Another metric decided the run; this one keeps where it was, marked as stopped.
      const now = assess(state, false)
      return { ...own, phase: now.phase, message: `stopped when the verdict was known (${now.message})`, stopped: true }
    }
    return { ...own, ...assess(state, ending !== 'completed') }
  })
  const { combined, score } = combinedDecisions(states, outcomes, ending)
  const run = assessRun(outcomes, combined)
  let verdict = verdictOf(run.phase)
  const reasons = [...run.reasons]
  if (ending === 'stopped' && verdict === 'Successful' && !options.passOnStop) {
    verdict = 'Inconclusive'
    reasons.unshift('the analysis was stopped before it finished')
  }
  if (ending === 'timeout' && verdict !== 'Failed') {
    const elapsed = formatDuration(clock.now() - startedAt)
    // Only too little data kept it from a verdict: that asks for a manual review, not a rollback.
    const open = [...outcomes.filter((m) => !m.spec.dryRun && !m.scored), ...combined].filter((m) => m.phase !== 'Successful')
    if (verdict === 'Inconclusive' && open.length > 0 && open.every((m) => m.insufficientData)) {
      reasons.unshift(`too little data before the timeout (${elapsed} in): the readings stayed below sampleSize.minimum`)
    } else {
      verdict = 'Error'
      reasons.unshift(`the analysis did not reach a verdict before the timeout (${elapsed} in)`)
    }
  }
  return { verdict, startedAt, finishedAt: clock.now(), metrics: outcomes, reasons, ending, ...(score ? { score } : {}) }
}

/** The score, as a decision beside the metrics, when the analysis has a scoring. */
function combinedDecisions(
  states: MetricState[],
  outcomes: MetricOutcome[],
  ending: AnalysisOutcome['ending']
): { combined: Array<CombinedDecision & { insufficientData?: boolean }>; score?: AnalysisScore } {
  if (!states.some(inScoring)) return { combined: [] }
  if (scoreKnown(states)) {
    const result = scoreOf(states)
    const score: AnalysisScore = {
      score: result.score,
      classification: result.classification,
      reason: result.reason,
      groups: result.groups.map((g) => ({ name: g.name, score: g.score, weight: g.weight }))
    }
    return { combined: [{ name: 'score', phase: scoreVerdict(result), message: scoreMessage(result, states) }], score }
  }
  const missing = states.map((state, index) => ({ state, outcome: outcomes[index] })).filter(({ state }) => inScoring(state) && !classified(state))
  const names = missing.map(({ state }) => state.spec.name).join(', ')
  return {
    combined: [
      {
        name: 'score',
        // Decided by another metric: the score no longer matters, and is not a reason.
        phase: ending === 'decided' ? 'Running' : 'Inconclusive',
        stopped: ending === 'decided',
        message: `not scored: ${names} ${missing.length === 1 ? 'was' : 'were'} not classified`,
        insufficientData: missing.every(({ outcome }) => outcome.insufficientData)
      }
    ]
  }
}
