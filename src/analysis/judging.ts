// Judged metrics: the engine's side of the judges (judges/). Each reading adds the canary's and the
// baseline's numbers to what the metric has gathered, and the judge looks at everything so far:
// - mannWhitney gathers each arm's samples and classifies once, when count is reached (Kayenta's
//   fixed horizon: looking earlier would inflate false rollbacks);
// - sequentialRate and sequentialMean look at every reading and end the metric the moment they
//   decide (their error rates hold however often they look); at count without a decision,
//   sequentialVerdict.
// Until then a reading is Inconclusive, and neither passes nor trips a limit: the metric's phase
// comes from the judge alone (and from errors: consecutiveErrorLimit still applies).
import { evaluate, ExprEvalError } from './expr/index.js'
import {
  classifyMetric,
  meanJudgement,
  rateJudgement,
  sequentialVerdict,
  startMeans,
  startRates,
  stepMeans,
  stepRates,
  summarize,
  type MeanJudgement,
  type MeanState,
  type MetricClassification,
  type RateJudgement,
  type RateState
} from './judges/index.js'
import { amount, percent } from './judges/format.js'
import type { Arm, Reading } from './reading.js'
import { singleNumber } from './reading.js'
import type { Condition, JudgeSpec, JudgeView, MeasurementPhase, MetricAssessment, MetricSpec, MetricTally } from './types.js'
import { waitingForData } from './metric.js'
import { definedFields, formatValue } from './values.js'

/** The judge's end: the metric's phase, why, and (mannWhitney) Kayenta's classification. */
export interface JudgeFinal {
  phase: MeasurementPhase
  message: string
  view: JudgeView
  classification?: MetricClassification
}

/** What a judged metric has gathered; one per metric and run, updated reading by reading. */
export interface JudgeRun {
  judge: JudgeSpec
  samples: { canary: number[]; baseline: number[] }
  rates?: RateState
  means?: MeanState
  /** Readings the judge has seen. */
  readings: number
  /** The latest look of a sequential judge. */
  latest?: RateJudgement | MeanJudgement
  view?: JudgeView
  final?: JudgeFinal
}

export function startJudging(judge: JudgeSpec): JudgeRun {
  return {
    judge,
    samples: { canary: [], baseline: [] },
    rates: judge.kind === 'sequentialRate' ? startRates(judge.options) : undefined,
    means: judge.kind === 'sequentialMean' ? startMeans(judge.options) : undefined,
    readings: 0
  }
}

class ReadingProblem extends Error {}

/** An arm's numbers from its answer: the `samples` expression (default the result) as a number or a list of numbers. */
function numbersOf(expression: Condition | undefined, answer: unknown, arm: Arm): number[] {
  let value = answer
  if (expression) {
    try {
      value = evaluate(expression.expr, { result: answer })
    } catch (error) {
      if (error instanceof ExprEvalError) throw new ReadingProblem(`${arm}: samples ${expression.source}: ${error.message}`)
      throw error
    }
  }
  if (typeof value === 'number') return [value]
  // No series, no rows: no samples in this reading (the judge says so when it decides).
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) throw new ReadingProblem(`${arm}: ${expression ? `samples ${expression.source}` : 'the result'} gave ${formatValue(value)}, not a number or a list of numbers`)
  return value.map((item, index) => {
    if (typeof item !== 'number') throw new ReadingProblem(`${arm}: ${expression ? `samples ${expression.source}` : 'result'}[${index}] is ${formatValue(item)}, not a number`)
    return item
  })
}

/** An arm's events in the interval (errors): one number; no data is an Error, never zero errors. */
function eventsOf(expression: Condition | undefined, answer: unknown, arm: Arm): number {
  let value = answer
  const what = expression ? `events ${expression.source}` : 'the result'
  if (expression) {
    try {
      value = evaluate(expression.expr, { result: answer })
    } catch (error) {
      if (error instanceof ExprEvalError) throw new ReadingProblem(`${arm}: ${what}: ${error.message}`)
      throw error
    }
  }
  const events = singleNumber(value)
  if (events === 'no data') {
    throw new ReadingProblem(`${arm}: ${what} is ${formatValue(value)} (no data); if no series means no errors, say so in the query (PromQL: \`… or vector(0)\`)`)
  }
  if (events === undefined || events < 0 || !Number.isFinite(events)) throw new ReadingProblem(`${arm}: ${what} gave ${formatValue(value)}, not a count of events`)
  return events
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
const finiteOr = (value: number | null | undefined): number | undefined => (value === null || value === undefined || !Number.isFinite(value) ? undefined : value)
const mean = (values: number[]): number | undefined => {
  const kept = values.filter((v) => !Number.isNaN(v))
  return kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : undefined
}

/** Kayenta's classification as the metric's phase when nothing scores it. */
export function classificationPhase(c: MetricClassification): MeasurementPhase {
  switch (c.classification) {
    case 'Pass':
      return 'Successful'
    case 'High':
    case 'Low':
      return 'Failed'
    // mustHaveData asked that missing data fail the metric.
    case 'NodataFailMetric':
      return 'Failed'
    case 'Nodata':
      return 'Inconclusive'
    case 'Error':
      return 'Error'
  }
}

function classificationView(c: MetricClassification, readings: number): JudgeView {
  const decision = c.classification === 'Pass' ? 'pass' : c.classification === 'High' || c.classification === 'Low' ? 'fail' : undefined
  return {
    kind: 'mannWhitney',
    ...(decision ? { decision } : {}),
    ...definedFields({ canary: finiteOr(c.canary.mean), baseline: finiteOr(c.baseline.mean), ratio: finiteOr(c.ratio), pValue: c.test?.pValue }),
    n: { canary: c.canary.count, baseline: c.baseline.count },
    ...(c.test ? { interval: { lower: c.test.lower, upper: c.test.upper, of: 'shift' as const } } : {}),
    classification: c.classification,
    reason: `${c.classification}: ${c.reason} (${plural(readings, 'interval')})`
  }
}

function rateView(j: RateJudgement): JudgeView {
  return {
    kind: 'sequentialRate',
    decision: j.decision,
    ...definedFields({ canary: finiteOr(j.canary.rate), baseline: finiteOr(j.baseline.rate), ratio: finiteOr(j.ratio) }),
    n: { canary: j.canary.exposure, baseline: j.baseline.exposure },
    pValue: j.pValue,
    interval: { lower: j.interval.lower, upper: j.interval.upper, of: 'ratio' },
    reason: j.reason
  }
}

function meanView(j: MeanJudgement): JudgeView {
  return {
    kind: 'sequentialMean',
    decision: j.decision,
    ...definedFields({ canary: finiteOr(j.canary.mean), baseline: finiteOr(j.baseline.mean), ratio: finiteOr(j.ratio) }),
    n: { canary: j.canary.count, baseline: j.baseline.count },
    pValue: j.pValue,
    ...(j.difference ? { interval: { lower: j.difference.lower, upper: j.difference.upper, of: 'difference' as const } } : {}),
    reason: j.reason
  }
}

/** What a judged reading became: the measurement's phase and words, and the judge's view. */
export interface JudgedReading {
  phase: MeasurementPhase
  message: string
  display: string
  baselineDisplay: string
  view?: JudgeView
}

function shown(values: number[], unit?: string): string {
  if (values.length === 1) return amount(values[0], unit)
  const m = mean(values)
  return m === undefined ? `${values.length} values, none a number` : `mean ${amount(m, unit)} of ${values.length}`
}

/**
 * Adds one reading to what the metric gathered and asks the judge. `countReached`: this reading is
 * the metric's last (count). A reading the judge cannot use (no number where one is needed) is an
 * Error, and leaves what was gathered as it was.
 */
export function judgeReading(spec: MetricSpec, run: JudgeRun, reading: Reading, countReached: boolean): JudgedReading {
  const judge = run.judge
  try {
    switch (judge.kind) {
      case 'mannWhitney': {
        const canary = numbersOf(judge.samples, reading.canary, 'canary')
        const baseline = numbersOf(judge.samples, reading.baseline, 'baseline')
        run.samples.canary.push(...canary)
        run.samples.baseline.push(...baseline)
        run.readings++
        const unit = judge.config.unit
        const display = shown(canary, unit)
        const baselineDisplay = shown(baseline, unit)
        if (!countReached) {
          const n = { canary: run.samples.canary.length, baseline: run.samples.baseline.length }
          const c = mean(run.samples.canary)
          const b = mean(run.samples.baseline)
          const ratio = c !== undefined && b ? c / b : undefined
          const so = c !== undefined && b !== undefined ? `canary mean ${amount(c, unit)} vs the baseline’s ${amount(b, unit)}${ratio !== undefined ? ` (${percent(ratio)})` : ''}, ` : ''
          const reason = `${so}n ${n.canary}/${n.baseline} after ${run.readings} of ${spec.count} intervals: judged when count is reached`
          run.view = { kind: 'mannWhitney', decision: 'continue', ...definedFields({ canary: c, baseline: b, ratio }), n, reason }
          return { phase: 'Inconclusive', message: reason, display, baselineDisplay, view: run.view }
        }
        const classification = classifyMetric(run.samples.canary, run.samples.baseline, { ...judge.config, name: spec.name })
        const view = classificationView(classification, run.readings)
        const phase = classificationPhase(classification)
        run.view = view
        run.final = { phase, message: view.reason, view, classification }
        return { phase, message: view.reason, display, baselineDisplay, view }
      }
      case 'sequentialRate': {
        const canary = { events: eventsOf(judge.events, reading.canary, 'canary'), exposure: reading.sizes!.canary }
        const baseline = { events: eventsOf(judge.events, reading.baseline, 'baseline'), exposure: reading.sizes!.baseline! }
        let next: RateState
        try {
          next = stepRates(run.rates!, { canary, baseline })
        } catch (error) {
          if (error instanceof RangeError) throw new ReadingProblem(error.message)
          throw error
        }
        run.rates = next
        run.readings++
        const j = rateJudgement(next)
        const rate = (c: { events: number; exposure: number }): string => `${formatValue(c.events)}/${formatValue(c.exposure)}`
        return settle(spec, run, j, rateView(j), countReached, rate(canary), rate(baseline))
      }
      case 'sequentialMean': {
        // NaN is no observation (nanStrategy remove, as Kayenta's default).
        const canary = numbersOf(judge.samples, reading.canary, 'canary').filter((v) => !Number.isNaN(v))
        const baseline = numbersOf(judge.samples, reading.baseline, 'baseline').filter((v) => !Number.isNaN(v))
        let next: MeanState
        try {
          next = stepMeans(run.means!, { canary: summarize(canary), baseline: summarize(baseline) })
        } catch (error) {
          if (error instanceof RangeError) throw new ReadingProblem(error.message)
          throw error
        }
        run.means = next
        run.readings++
        const j = meanJudgement(next, judge.unit)
        return settle(spec, run, j, meanView(j), countReached, shown(canary, judge.unit), shown(baseline, judge.unit))
      }
    }
  } catch (error) {
    if (error instanceof ReadingProblem) {
      return { phase: 'Error', message: error.message, display: '–', baselineDisplay: '–', view: run.view }
    }
    throw error
  }
}

/** A sequential judge's look as the measurement's phase; fail or pass, or count reached, ends the metric. */
function settle(spec: MetricSpec, run: JudgeRun, j: RateJudgement | MeanJudgement, view: JudgeView, countReached: boolean, display: string, baselineDisplay: string): JudgedReading {
  run.latest = j
  run.view = view
  const phase = sequentialVerdict(j, countReached)
  if (phase === undefined) return { phase: 'Inconclusive', message: view.reason, display, baselineDisplay, view }
  const alpha = run.judge.kind === 'mannWhitney' ? undefined : (run.judge.options.alpha ?? 0.01)
  const message =
    j.decision !== 'continue'
      ? view.reason
      : phase === 'Successful'
        ? `count ${spec.count} reached without a regression shown (at a false-rollback rate ≤ ${alpha}): ${view.reason}`
        : `count ${spec.count} reached with too little data to judge: ${view.reason}`
  run.final = { phase, message, view }
  return { phase, message, display, baselineDisplay, view }
}

/** The view a reading below sampleSize.minimum carries: what the judge had, and why it waits. */
export function waitingView(run: JudgeRun, why: string): JudgeView {
  return { ...(run.view ?? { kind: run.judge.kind }), decision: 'continue', reason: `${why}; the judge waits for the next interval` }
}

/**
 * A judged metric's phase: the judge's end when it came, else Error by errors, else Running. When
 * the run stops first: Inconclusive (a metric held up by too little data, or one stopped before its
 * count), except a sequential judge without a count, which may end wherever the run stops.
 */
export function assessJudged(spec: MetricSpec, tally: MetricTally, run: JudgeRun, terminating: boolean): MetricAssessment {
  const taken = tally.measurements.length
  if (taken === 0) {
    return terminating
      ? { phase: 'Pending', message: 'not measured: the run ended before its first measurement' }
      : { phase: 'Pending', message: 'waiting for its first measurement' }
  }
  if (run.final) return { phase: run.final.phase, message: run.final.message }
  const last = tally.measurements[taken - 1]
  if (last.phase === 'Error' && last.permanent) {
    return { phase: 'Error', message: `${last.message} (not retried: it cannot succeed as configured)` }
  }
  if (tally.consecutiveError > spec.consecutiveErrorLimit) {
    return { phase: 'Error', message: `${tally.consecutiveError} consecutive errors > consecutiveErrorLimit ${spec.consecutiveErrorLimit}: ${last.message}` }
  }
  const judged = run.view?.reason ?? 'nothing judged yet'
  if (terminating) {
    const waiting = waitingForData(tally, spec.count)
    if (waiting) return waiting
    if (tally.count === 0) return { phase: 'Error', message: `every measurement errored (${tally.error}): ${last.message}` }
    if (spec.count === undefined && run.latest) {
      const phase = sequentialVerdict(run.latest, true)!
      return { phase, message: `the run stopped; the judge ${phase === 'Successful' ? 'saw no regression' : 'had too little data'}: ${judged}` }
    }
    const of = spec.count === undefined ? '' : ` of ${spec.count}`
    return { phase: 'Inconclusive', message: `the run stopped after ${tally.count}${of} measurements, before the judge decided: ${judged}` }
  }
  const of = spec.count === undefined ? '' : ` of ${spec.count}`
  return { phase: 'Running', message: `${tally.count}${of} measured, ${tally.consecutiveError} consecutive errors (limit ${spec.consecutiveErrorLimit}): ${judged}` }
}
