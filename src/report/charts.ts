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

function clock(ms: number, origin: number): string {
  const seconds = Math.max(0, Math.round((ms - origin) / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/** The router a gate-driven target's weights went through, for the chart's title. */
function via(result: GateResult): string {
  const router = result.rollout?.router
  return router ? ` via ${router.kind === 'nginx' ? 'nginx' : 'Gateway API'}, ${router.object}` : ''
}

/** Canary weight at each step, and where it ended: 0 after an abort, 100 once promoted. */
export function weightChart(result: GateResult): string | undefined {
  const steps = (result.steps ?? []).filter((step) => step.startedAt !== undefined && step.weight !== undefined)
  if (steps.length === 0) return undefined
  const origin = steps[0].startedAt!
  const points = steps.map((step) => ({ at: step.startedAt!, weight: step.weight! }))
  if (result.abort) points.push({ at: result.abort.confirmedAt ?? result.abort.requestedAt, weight: result.abort.weightAfter ?? 0 })
  else if (result.outcome === 'promoted') points.push({ at: result.finishedAt, weight: 100 })
  // Steps that start in the same second (setWeight, then its pause) make one point: the later one.
  const merged = points.filter((point, i) => i === points.length - 1 || clock(points[i + 1].at, origin) !== clock(point.at, origin))
  if (merged.length < 2) return undefined
  return [
    'xychart-beta',
    `  title "${label(`Traffic to the new version of ${result.rollout?.name ?? 'the rollout'} (%)${via(result)}`, 120)}"`,
    `  x-axis "minutes since the first step" [${merged.map((p) => `"${clock(p.at, origin)}"`).join(', ')}]`,
    '  y-axis "canary weight %" 0 --> 100',
    `  line [${merged.map((p) => p.weight).join(', ')}]`
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
    'xychart-beta',
    `  title "${label(`${metric.spec.name}${where ? ` at ${where}` : ''}${threshold === undefined ? '' : ` against its threshold ${formatNumber(threshold)}`}`)}"`,
    `  x-axis [${measured.map((m, i) => `"#${i + 1} ${new Date(m.finishedAt).toISOString().slice(11, 19)}"`).join(', ')}]`,
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
const COMPARED_COLOURS = '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#d62728, #1f77b4"}}}}%%'

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
    `  title "${label(`${metric.spec.name}${where ? ` at ${where}` : ''}: canary (red, first line) and baseline (blue, second line)`, 120)}"`,
    `  x-axis [${pairs.map((p, i) => `"#${i + 1} ${new Date(p.at).toISOString().slice(11, 19)}"`).join(', ')}]`,
    `  y-axis "${label(comparedAxis(metric.spec))}" 0 --> ${top}`,
    `  line [${pairs.map((p) => plotted(p.canary)).join(', ')}]`,
    `  line [${pairs.map((p) => plotted(p.baseline)).join(', ')}]`
  ].join('\n')
}

/** Charts of the metrics that failed (or, when none did, the first deciding one), at most `max`. */
export function metricCharts(result: GateResult, max = 2): string[] {
  const all = result.analyses.flatMap((analysis) => analysis.outcome.metrics.map((metric) => ({ metric, where: analysis.label === 'analyze' ? '' : analysis.label })))
  const failing = all.filter(({ metric }) => !metric.spec.dryRun && metric.phase === 'Failed')
  const charts = (list: typeof all): string[] => list.map(({ metric, where }) => metricChart(metric, where)).filter((chart): chart is string => chart !== undefined)
  // The failing metrics; when none failed, the first deciding metric that measured numbers.
  return (failing.length ? charts(failing) : charts(all.filter(({ metric }) => !metric.spec.dryRun)).slice(0, 1)).slice(0, max)
}
