// Mermaid charts for the report: the new version's share of traffic over time, and a failing metric's
// measurements against its threshold, or against its baseline. Rendered by GitHub in summaries,
// comments and checks.
import { comparedLimits, evaluate, referencedNames, type Expr } from '../analysis/expr/index.js'
import { metricOperands } from '../analysis/judge.js'
import type { Measurement, MetricOutcome, MetricSpec } from '../analysis/types.js'
import { formatNumber } from '../analysis/values.js'
import type { GateResult } from './model.js'

/** Text Mermaid reads inside double quotes, with nothing it could take for markup. */
function label(text: string, max = 80): string {
  return text.replace(/["[\]\n\r`]/g, "'").replace(/[<>&|;#]/g, ' ').slice(0, max)
}

/** The router a gate-driven target's weights went through, for the chart's title. */
function via(result: GateResult): string {
  const router = result.rollout?.router
  return router ? ` via ${router.kind === 'nginx' ? 'nginx' : 'Gateway API'}, ${router.object}` : ''
}

/**
 * Colours that read on white, on GitHub's dark page (#0d1117) and on Mermaid's dark chart (#333),
 * contrast at least 3:1 on each (GitHub's own dark-mode blue and red): Mermaid's default first plot
 * colour, #ECECFF, all but vanishes on white.
 */
export const CHART_BLUE = '#2f81f7'
export const CHART_RED = '#e5534b'

/** The Mermaid init line giving an xychart its plot colours, in the order its bars and lines come. */
export function chartColours(colours: string[]): string {
  return `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${colours.join(', ')}"}}}}%%`
}

/**
 * Even sampling steps for the traffic chart, in seconds: the smallest that keeps it within
 * MAX_POINTS, so that a jump's slope spans at most 1/200 of the width (about 3 pixels).
 */
const SAMPLE_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
const MAX_POINTS = 200

/** A time of day as the report shows it; every time in the report is UTC and says so. */
export function utcTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/**
 * Canary weight over time, and where it ended: 0 after an abort, 100 once promoted. xychart-beta
 * spaces a line's points evenly, so the weight is sampled at even times and held until it changes:
 * x positions are proportional to time and a jump is a step, not a ramp across the gap.
 */
export function weightChart(result: GateResult): string | undefined {
  const steps = (result.steps ?? []).filter((step) => step.startedAt !== undefined && step.weight !== undefined)
  if (steps.length === 0) return undefined
  const points = steps.map((step) => ({ at: step.startedAt!, weight: step.weight! }))
  if (result.abort) points.push({ at: result.abort.confirmedAt ?? result.abort.requestedAt, weight: result.abort.weightAfter ?? 0 })
  else if (result.outcome === 'promoted') points.push({ at: result.finishedAt, weight: 100 })
  points.sort((a, b) => a.at - b.at)
  const origin = points[0].at
  const span = points[points.length - 1].at - origin
  if (span < 1000) return undefined
  const stepS = SAMPLE_STEPS_S.find((s) => span / (s * 1000) <= MAX_POINTS - 1) ?? Math.ceil(span / 1000 / (MAX_POINTS - 1))
  const count = Math.ceil(span / (stepS * 1000)) + 1
  // The weight at a time: the last change at or before it (of changes at the same time, the later).
  const weightAt = (t: number): number => points.reduce((weight, point) => (point.at <= t ? point.weight : weight), points[0].weight)
  const weights = Array.from({ length: count }, (_, i) => weightAt(origin + i * stepS * 1000))
  const minutes = Number((((count - 1) * stepS) / 60).toFixed(3))
  return [
    chartColours([CHART_BLUE]),
    'xychart-beta',
    `  title "${label(`Traffic to the new version of ${result.rollout?.name ?? 'the rollout'} (%)${via(result)}`, 120)}"`,
    `  x-axis "minutes since the first step (${utcTime(origin)} UTC)" 0 --> ${minutes}`,
    '  y-axis "canary weight %" 0 --> 100',
    `  line [${weights.join(', ')}]`
  ].join('\n')
}

/**
 * The parts of an answer a metric's conditions compare, without those that read the baseline: each
 * arm's number is read from its own answer, as the measurement's display shows it.
 */
export function armOperands(spec: MetricSpec): Expr[] {
  return metricOperands(spec).filter((operand) => !spec.baseline || !referencedNames(operand).includes('baseline'))
}

/** The number a measurement's condition compared (in the canary's answer, or the baseline's), when it is one. */
export function measuredNumber(spec: MetricSpec, value: unknown): number | undefined {
  const [operand] = armOperands(spec)
  let number: unknown = value
  if (operand) {
    try {
      number = evaluate(operand, { result: value })
    } catch {
      return undefined
    }
  }
  if (Array.isArray(number) && number.length === 1) number = number[0]
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined
}

/** The limit the metric is held to: the number its condition compares with, or its range. */
export function thresholdOf(spec: MetricSpec): number | undefined {
  const conditions = [spec.successCondition, spec.failureCondition].filter((c) => c !== undefined)
  const limit = conditions.flatMap((c) => comparedLimits(c.expr))[0]
  if (limit !== undefined) return limit
  return spec.thresholdRange?.max ?? spec.thresholdRange?.min
}

function niceTop(value: number): number {
  if (value <= 0) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude
  return 10 * magnitude
}

export function metricChart(metric: MetricOutcome, where: string): string | undefined {
  if (metric.spec.baseline) return comparedChart(metric, where)
  const measured = metric.tally.measurements.filter((m) => m.phase !== 'Error')
  const values = measured.map((m) => measuredNumber(metric.spec, m.value))
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined
  const numbers = values as number[]
  const threshold = thresholdOf(metric.spec)
  const top = niceTop(Math.max(...numbers, threshold ?? 0) * 1.2)
  const lines = [
    chartColours([CHART_BLUE, CHART_RED]),
    'xychart-beta',
    `  title "${label(`${metric.spec.name}${where ? ` at ${where}` : ''}${threshold === undefined ? '' : ` against its threshold ${formatNumber(threshold)} (red line)`}`, 120)}"`,
    `  x-axis "measured at (UTC)" [${measured.map((m, i) => `"#${i + 1} ${utcTime(m.finishedAt)}"`).join(', ')}]`,
    `  y-axis "${label(comparedText(metric.spec))}" 0 --> ${top}`,
    `  bar [${numbers.join(', ')}]`
  ]
  if (threshold !== undefined) lines.push(`  line [${numbers.map(() => threshold).join(', ')}]`)
  return lines.join('\n')
}

function comparedText(spec: MetricSpec): string {
  return armOperands(spec)[0]?.text ?? 'value'
}

/** Canary red, baseline blue: xychart-beta has no legend, so the title names the lines too. */
const COMPARED_COLOURS = chartColours([CHART_RED, CHART_BLUE])

/** Up to 4 significant digits: enough to draw, short in the text. */
const plotted = (value: number): number => Number(value.toPrecision(4))

interface Pair {
  at: number
  canary: number
  baseline: number
}

/**
 * Each counted reading's pair: what a judge has compared so far (its running mean or rate), or the
 * numbers a condition compared in each arm's answer.
 */
function comparedPairs(metric: MetricOutcome): Pair[] {
  const counted = metric.tally.measurements.filter((m) => !m.uncounted && m.phase !== 'Error')
  const pair = (m: Measurement): Partial<Pair> =>
    metric.spec.judge ? { canary: m.judge?.canary, baseline: m.judge?.baseline } : { canary: measuredNumber(metric.spec, m.value), baseline: measuredNumber(metric.spec, m.baselineValue) }
  return counted
    .map((m) => ({ at: m.finishedAt, ...pair(m) }))
    .filter((p): p is Pair => p.canary !== undefined && p.baseline !== undefined && Number.isFinite(p.canary) && Number.isFinite(p.baseline))
}

/** The unit a judge's values are in (`ms`); rates have none. */
export function judgeUnit(spec: MetricSpec): string | undefined {
  if (spec.judge?.kind === 'mannWhitney') return spec.judge.config.unit
  if (spec.judge?.kind === 'sequentialMean') return spec.judge.unit
  return undefined
}

function comparedAxis(spec: MetricSpec): string {
  if (!spec.judge) return comparedText(spec)
  if (spec.judge.kind === 'sequentialRate') return 'rate so far'
  const unit = judgeUnit(spec)
  return `mean so far${unit ? ` (${unit})` : ''}`
}

/** A compared metric: canary and baseline as two lines over the same readings. */
export function comparedChart(metric: MetricOutcome, where: string): string | undefined {
  const pairs = comparedPairs(metric)
  if (pairs.length === 0) return undefined
  const top = niceTop(Math.max(...pairs.flatMap((p) => [p.canary, p.baseline])) * 1.2)
  return [
    COMPARED_COLOURS,
    'xychart-beta',
    `  title "${label(`${metric.spec.name}${where ? ` at ${where}` : ''}: canary red, baseline blue`, 120)}"`,
    `  x-axis "measured at (UTC)" [${pairs.map((p, i) => `"#${i + 1} ${utcTime(p.at)}"`).join(', ')}]`,
    `  y-axis "${label(comparedAxis(metric.spec))}" 0 --> ${top}`,
    `  line [${pairs.map((p) => plotted(p.canary)).join(', ')}]`,
    `  line [${pairs.map((p) => plotted(p.baseline)).join(', ')}]`
  ].join('\n')
}

/**
 * Charts of the metrics that failed (or, when none did, the first deciding one), each analysis of
 * them in its own chart (a metric measured at step 6 and again at step 9 draws two), at most `max`.
 */
export function metricCharts(result: GateResult, max = 4): string[] {
  const all = result.analyses.flatMap((analysis) => analysis.outcome.metrics.map((metric) => ({ metric, where: analysis.label === 'analyze' ? '' : analysis.label })))
  const failing = all.filter(({ metric }) => !metric.spec.dryRun && metric.phase === 'Failed')
  const drawn = (list: typeof all) => list.map(({ metric, where }) => ({ name: metric.spec.name, chart: metricChart(metric, where) })).filter((c): c is { name: string; chart: string } => c.chart !== undefined)
  if (failing.length) return drawn(failing).map((c) => c.chart).slice(0, max)
  // None failed: the first deciding metric that measured numbers, in every analysis that measured it.
  const deciding = drawn(all.filter(({ metric }) => !metric.spec.dryRun))
  return deciding.filter((c) => c.name === deciding[0]?.name).map((c) => c.chart).slice(0, max)
}
