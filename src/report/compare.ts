// Canary against baseline, as the report shows it: for each compared metric the two values, their
// ratio, the observations behind each arm, the judge's statistic and the sentence saying why. Plain
// text; render.ts escapes it and the JSON report keeps the numbers themselves.
import { amount, percent, probability, signed } from '../analysis/judges/format.js'
import type { AnalysisScore, JudgeView, Measurement, MetricOutcome, MetricSpec, ScoringSpec } from '../analysis/types.js'
import { formatNumber, formatValue } from '../analysis/values.js'
import { armOperands, judgeUnit, measuredNumber } from './charts.js'

export interface Comparison {
  canary: string
  baseline: string
  /** canary / baseline as a percentage, or `–`. */
  ratio: string
  /** The observations behind each arm: `480 / 4520 requests`. */
  n: string
  /** The judge's statistic: classification, p-value, interval. `–` for conditions. */
  statistic: string
  why: string
}

/** Compared with the stable version: by its conditions (`baseline`) or by a judge. */
export function isCompared(spec: MetricSpec): boolean {
  return spec.baseline !== undefined || spec.judge !== undefined
}

/** The judge's final judgement, or what it said last when it never judged (every reading short of data). */
export function judgeViewOf(metric: MetricOutcome): JudgeView | undefined {
  return metric.judgement ?? [...metric.tally.measurements].reverse().find((m) => m.judge)?.judge
}

/** The measurement the conditions last compared: counted, not an Error. */
function lastCounted(metric: MetricOutcome): Measurement | undefined {
  return [...metric.tally.measurements].reverse().find((m) => !m.uncounted && m.phase !== 'Error')
}

const ratioText = (ratio: number | undefined): string => (ratio === undefined || !Number.isFinite(ratio) ? '–' : percent(ratio))
const bound = (value: number, of: 'ratio' | 'difference' | 'shift', unit?: string): string =>
  of === 'ratio' ? (value === Infinity ? '∞' : percent(value)) : signed(value, unit)

function statisticText(view: JudgeView, unit?: string): string {
  const parts: string[] = []
  if (view.classification) parts.push(view.classification)
  if (view.pValue !== undefined) parts.push(`p ${probability(view.pValue)}`)
  if (view.interval) {
    const { lower, upper, of } = view.interval
    parts.push(`${of} [${bound(lower, of, unit)}, ${bound(upper, of, unit)}]`)
  }
  return parts.join(' · ') || '–'
}

/** The observations behind each arm: a sequentialRate judge counts the sampleSize's unit, the others their samples. */
function judgedN(spec: MetricSpec, view: JudgeView): string {
  if (!view.n) return '–'
  const unit = spec.judge?.kind === 'sequentialRate' ? (spec.sampleSize?.unit ?? '') : 'samples'
  return `${formatNumber(view.n.canary)} / ${formatNumber(view.n.baseline)}${unit ? ` ${unit}` : ''}`
}

function samplesText(samples: Measurement['samples']): string {
  if (!samples) return '–'
  const arm = (n: number | undefined): string => (n === undefined ? '–' : formatNumber(n))
  return `${arm(samples.canary)} / ${arm(samples.baseline)} ${samples.unit}`
}

/** How many readings had too little data to count, and why (the latest reason, unless `reason` says it already). */
export function uncountedText(metric: MetricOutcome, reason = ''): string | undefined {
  const short = metric.tally.measurements.filter((m) => m.uncounted)
  if (short.length === 0) return undefined
  const why = short[short.length - 1].message
  return `${short.length} of ${metric.tally.measurements.length} readings not counted${reason.includes(why) ? ' (too little data)' : `: ${why}`}`
}

function judged(metric: MetricOutcome, view: JudgeView | undefined): Omit<Comparison, 'why'> & { reason: string } {
  const unit = judgeUnit(metric.spec)
  const value = (n: number | undefined): string => (n === undefined ? '–' : amount(n, unit))
  if (!view) return { canary: '–', baseline: '–', ratio: '–', n: '–', statistic: '–', reason: metric.message }
  return {
    canary: value(view.canary),
    baseline: value(view.baseline),
    ratio: ratioText(view.ratio),
    n: judgedN(metric.spec, view),
    statistic: statisticText(view, unit),
    reason: view.reason
  }
}

/** Compared by conditions: the last counted pair as the conditions saw it, and their ratio when both are single numbers. */
function conditioned(metric: MetricOutcome): Omit<Comparison, 'why'> & { reason: string } {
  const m = lastCounted(metric)
  if (!m) return { canary: '–', baseline: '–', ratio: '–', n: samplesText(metric.tally.measurements.at(-1)?.samples), statistic: '–', reason: metric.message }
  const canary = measuredNumber(metric.spec, m.value)
  const baseline = measuredNumber(metric.spec, m.baselineValue)
  // Several compared parts (`result.p50`, `result.p99`) have no one ratio.
  const single = armOperands(metric.spec).length <= 1 && canary !== undefined && baseline !== undefined && baseline !== 0
  return {
    canary: m.display ?? formatValue(m.value),
    baseline: m.baselineDisplay ?? formatValue(m.baselineValue),
    ratio: single ? ratioText(canary / baseline) : '–',
    n: samplesText(m.samples),
    statistic: '–',
    reason: m.message
  }
}

export function comparison(metric: MetricOutcome): Comparison {
  const { reason, ...shown } = metric.spec.judge ? judged(metric, judgeViewOf(metric)) : conditioned(metric)
  const uncounted = uncountedText(metric, reason)
  return { ...shown, why: uncounted ? `${reason}; ${uncounted}` : reason }
}

/** Kayenta's score in one line: the score, its classification and thresholds, the groups. */
export function scoreText(score: AnalysisScore, thresholds?: ScoringSpec['thresholds']): string {
  const groups = score.groups.map((g) => `${g.name} ${formatNumber(g.score)} (weight ${formatNumber(g.weight)})`).join(', ')
  // The usual reason says the score, thresholds and class itself; a critical failure's or no data's does not.
  const said = score.reason.startsWith(`score ${formatNumber(score.score)} `)
  const limits = thresholds ? ` (pass ≥ ${formatNumber(thresholds.pass)}, marginal ≥ ${formatNumber(thresholds.marginal)})` : ''
  const head = said ? '' : `score ${formatNumber(score.score)}${limits} → ${score.classification}: `
  return `${head}${score.reason}${groups ? `; groups: ${groups}` : ''}`
}
