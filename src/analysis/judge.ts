// From one measured value to a measurement phase, after Argo's evaluate.go, failing closed:
// a condition that cannot be evaluated is an Error, and no data is never a pass.
import { comparedOperands, evaluate, ExprEvalError, noDataIn, referencedNames, type Expr } from './expr/index.js'
import { shorten } from '../secrets.js'
import type { Condition, MeasurementPhase, MetricSpec } from './types.js'
import { formatValue } from './values.js'

export interface Judgement {
  phase: MeasurementPhase
  message: string
  /** What the conditions compared, e.g. `2.68` for `result.errorRate < 2`. */
  display: string
  /** The same part of the baseline's answer (metrics with a baseline). */
  baselineDisplay?: string
}

/** What the conditions see: `result`, and `baseline` beside it when the metric has one. */
type Env = Record<string, unknown>

function envOf(spec: MetricSpec, result: unknown, baseline: unknown): Env {
  // A missing baseline answer reads as nil, which the no-data rule never lets pass.
  return spec.baseline ? { result, baseline: baseline ?? null } : { result }
}

class ConditionError extends Error {}

/** What the conditions read that was no data (`result.errorRate is null`), in the order read. */
type NoDataLog = Set<string>

function test(condition: Condition, env: Env, label: string, noData: NoDataLog): boolean {
  let outcome: unknown
  try {
    outcome = evaluate(condition.expr, env, { onNoData: (read) => noData.add(read) })
  } catch (error) {
    if (error instanceof ExprEvalError) throw new ConditionError(`${label} ${condition.source}: ${error.message}`)
    throw error
  }
  if (typeof outcome !== 'boolean') {
    throw new ConditionError(`${label} ${condition.source} gave ${formatValue(outcome)}, not true or false`)
  }
  return outcome
}

/** The single number a thresholdRange checks: a number, or a list holding exactly one. */
function singleNumber(result: unknown): number {
  const value = Array.isArray(result) && result.length === 1 ? result[0] : result
  if (typeof value !== 'number') {
    throw new ConditionError(`thresholdRange needs a single number, got ${formatValue(result)}`)
  }
  if (Number.isNaN(value)) throw new ConditionError('thresholdRange: the value is NaN (no data?)')
  return value
}

function withinRange(range: NonNullable<MetricSpec['thresholdRange']>, result: unknown): boolean {
  const value = singleNumber(result)
  if (range.min !== undefined && value < range.min) return false
  if (range.max !== undefined && value > range.max) return false
  return true
}

function rangeText(range: NonNullable<MetricSpec['thresholdRange']>): string {
  if (range.min !== undefined && range.max !== undefined) return `${range.min} ≤ value ≤ ${range.max}`
  if (range.min !== undefined) return `value ≥ ${range.min}`
  return `value ≤ ${range.max}`
}

/** The parts of the result a metric's conditions compare, without repeats (`result.errorRate`). */
export function metricOperands(spec: MetricSpec): Expr[] {
  const operands = [spec.successCondition, spec.failureCondition].flatMap((c) => (c ? comparedOperands(c.expr) : []))
  return [...new Map(operands.map((o) => [o.text, o])).values()]
}

/**
 * The compared operands' values: one operand shows bare, several show with their text. With a
 * baseline, only the operands that read `result` alone are shown, and the baseline's side reads
 * them from the baseline's answer: `result.p99 > baseline.p99 * 1.5` shows each arm's p99, and
 * `result / baseline < 1.1` each arm's whole result rather than a ratio beside a value.
 */
export function displayOf(spec: MetricSpec, result: unknown, baseline?: unknown): string {
  if (spec.thresholdRange && !spec.successCondition && !spec.failureCondition) {
    return formatValue(Array.isArray(result) && result.length === 1 ? result[0] : result)
  }
  const unique = metricOperands(spec).filter((operand) => !spec.baseline || !referencedNames(operand).includes('baseline'))
  if (unique.length === 0) return formatValue(result)
  const env = envOf(spec, result, baseline)
  const shown = unique.map((operand) => {
    try {
      return { text: operand.text, value: formatValue(evaluate(operand, env)) }
    } catch {
      return { text: operand.text, value: '?' }
    }
  })
  if (shown.length === 1) return shown[0].value === '?' ? formatValue(result) : shown[0].value
  return shown.map((s) => `${s.text} = ${s.value}`).join(', ')
}

function decide(spec: MetricSpec, result: unknown, env: Env, noData: NoDataLog, value: string): Omit<Judgement, 'display'> {
  if (spec.thresholdRange) {
    const ok = withinRange(spec.thresholdRange, result)
    if (!ok) return { phase: 'Failed', message: `${value} outside thresholdRange ${rangeText(spec.thresholdRange)}` }
    // A thresholdRange combines with explicit conditions: all must pass.
    if (!spec.successCondition && !spec.failureCondition) {
      return { phase: 'Successful', message: `${value} within thresholdRange ${rangeText(spec.thresholdRange)}` }
    }
  }
  const { successCondition: success, failureCondition: failure } = spec
  if (failure && test(failure, env, 'failureCondition', noData)) {
    return { phase: 'Failed', message: `${value}: failureCondition ${failure.source} is true` }
  }
  if (success) {
    return test(success, env, 'successCondition', noData)
      ? { phase: 'Successful', message: `${value}: successCondition ${success.source} is true` }
      : { phase: failure ? 'Inconclusive' : 'Failed', message: `${value}: successCondition ${success.source} is false${failure ? ' and failureCondition is false' : ''}` }
  }
  if (failure) return { phase: 'Successful', message: `${value}: failureCondition ${failure.source} is false` }
  // A dryRun metric may have no condition: it is measured and reported only, and its reading is
  // the whole result.
  const problem = noDataIn(result)
  if (problem) noData.add(`result ${problem}`)
  return { phase: 'Successful', message: `${value}: no condition (dry run)` }
}

/**
 * The phase of one measurement whose provider answered with `result` (and, for a metric with a
 * baseline, the baseline's answer: the conditions see it as `baseline`, under the same no-data rule).
 */
export function judgeMeasurement(spec: MetricSpec, result: unknown, baseline?: unknown): Judgement {
  const display = displayOf(spec, result, baseline)
  const baselineDisplay = spec.baseline ? displayOf(spec, baseline ?? null, baseline ?? null) : undefined
  const shown = baselineDisplay === undefined ? {} : { baselineDisplay }
  const value = baselineDisplay === undefined ? display : `${display} (baseline ${baselineDisplay})`
  let judgement: Omit<Judgement, 'display'>
  const noData: NoDataLog = new Set()
  try {
    judgement = decide(spec, result, envOf(spec, result, baseline), noData, value)
  } catch (error) {
    if (error instanceof ConditionError) return { phase: 'Error', message: error.message, display, ...shown }
    throw error
  }
  // Failed and Error stand as they are; only a pass is never allowed to rest on no data.
  if (judgement.phase === 'Successful' && noData.size > 0) {
    return { phase: 'Inconclusive', message: noDataMessage([...noData], judgement.message), display, ...shown }
  }
  return { ...judgement, display, ...shown }
}

const SHOWN_READS = 3

function noDataMessage(reads: string[], passed: string): string {
  const shown = reads.slice(0, SHOWN_READS).join(', ')
  const more = reads.length > SHOWN_READS ? ` and ${reads.length - SHOWN_READS} more` : ''
  return shorten(
    `no data: ${shown}${more}. The condition would pass (${passed}), but canary-gate never passes a measurement that rests on missing, null, NaN or empty data. If missing means zero, say so in the query (PromQL: \`… or vector(0)\`).`,
    600
  )
}
