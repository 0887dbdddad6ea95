// One reading of a metric that is compared or counted: the canary's answer, the baseline's answer
// and the sample size behind each, all asked at once through the metric's provider, each within its
// own time budget (the provider's timeout). A part that fails makes the whole reading an Error that
// names the part: half a pair is never judged.
import { evaluate, ExprEvalError } from './expr/index.js'
import { Decided, MeasurementError, type MeasureContext, type Provider } from '../providers/provider.js'
import { shorten } from '../secrets.js'
import type { MetricSpec } from './types.js'
import { formatValue } from './values.js'

export type Arm = 'canary' | 'baseline'

export interface Reading {
  canary: unknown
  /** Present when the metric has a baseline. */
  baseline?: unknown
  /** The observations behind each arm's answer (metrics with sampleSize). */
  sizes?: { canary: number; baseline?: number }
  /** Arms whose sample size read as no data (counted as none), for the message. */
  sizesMissing?: Arm[]
}

export interface ReadingError {
  message: string
  permanent: boolean
  /** What the parts that answered said, for the report. */
  canary?: unknown
  baseline?: unknown
}

/** A metric measured as more than one question: with a baseline, a sample size, or a judge. */
export function isCompared(spec: MetricSpec): boolean {
  return Boolean(spec.baseline || spec.sampleSize || spec.judge)
}

interface Part {
  /** How messages name the part; empty for the canary of a metric without a baseline. */
  label: string
  spec: MetricSpec
}

function partsOf(spec: MetricSpec): { canary: Part; baseline?: Part; sizeCanary?: Part; sizeBaseline?: Part } {
  const paired = spec.baseline !== undefined
  const query = spec.sampleSize?.query
  return {
    canary: { label: paired ? 'canary' : '', spec },
    baseline: spec.baseline && { label: 'baseline', spec: { ...spec, provider: spec.baseline.provider, query: spec.baseline.query } },
    sizeCanary: query && { label: paired ? 'sampleSize (canary)' : 'sampleSize', spec: { ...spec, provider: query.canary, query: query.text } },
    sizeBaseline: query?.baseline && { label: 'sampleSize (baseline)', spec: { ...spec, provider: query.baseline, query: query.text } }
  }
}

const labelled = (label: string, message: string): string => (label ? `${label}: ${message}` : message)

function failureOf(label: string, reason: unknown): { message: string; permanent: boolean } {
  if (reason instanceof MeasurementError) return { message: labelled(label, reason.message), permanent: reason.permanent }
  // A bug in a provider must not pass as a measurement: it is an Error with its message.
  const message = reason instanceof Error ? reason.message : String(reason)
  return { message: labelled(label, `unexpected failure: ${message}`), permanent: false }
}

/** The single number an answer holds: a number, a list of one, or a map of one key (a NerdGraph row). */
export function singleNumber(answer: unknown): number | 'no data' | undefined {
  let value = answer
  if (Array.isArray(value)) {
    if (value.length === 0) return 'no data'
    if (value.length !== 1) return undefined
    value = value[0]
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const values = Object.values(value)
    if (values.length !== 1) return undefined
    value = values[0]
  }
  if (value === null || value === undefined) return 'no data'
  if (typeof value !== 'number') return undefined
  return Number.isNaN(value) ? 'no data' : value
}

/** An arm's sample size from its sampleSize query's answer, or its value expression over the answer. */
function sizeOf(spec: MetricSpec, label: string, answer: unknown, fromQuery: boolean): number | 'no data' | { error: string } {
  const sampleSize = spec.sampleSize!
  let value: unknown = answer
  let what = 'the sampleSize query'
  if (!fromQuery && sampleSize.value) {
    what = `sampleSize value ${sampleSize.value.source}`
    try {
      value = evaluate(sampleSize.value.expr, { result: answer })
    } catch (error) {
      if (error instanceof ExprEvalError) return { error: labelled(label, `${what}: ${error.message}`) }
      throw error
    }
  }
  const size = singleNumber(value)
  if (size === 'no data') return size
  if (size === undefined) return { error: labelled(label, `${what} gave ${formatValue(value)}, not a single number of ${sampleSize.unit}`) }
  if (size < 0 || !Number.isFinite(size)) return { error: labelled(label, `${what} gave ${formatValue(size)}, not a count of ${sampleSize.unit}`) }
  return size
}

/**
 * Asks every part of the reading at once and waits for all of them; null when the run stopped
 * meanwhile. The parts share the metric's provider, so each keeps the provider's own budget.
 */
export async function takeReading(spec: MetricSpec, provider: Provider, context: MeasureContext): Promise<Reading | ReadingError | null> {
  const parts = partsOf(spec)
  const asked = [parts.canary, parts.baseline, parts.sizeCanary, parts.sizeBaseline]
  const settled = await Promise.allSettled(asked.map((part) => (part ? provider.measure(part.spec, context) : Promise.resolve(undefined))))
  if (context.signal.aborted) return null
  const failures: Array<{ message: string; permanent: boolean }> = []
  const answers = settled.map((outcome, index) => {
    const part = asked[index]
    if (!part) return undefined
    if (outcome.status === 'rejected') {
      failures.push(failureOf(part.label, outcome.reason))
      return undefined
    }
    if (outcome.value instanceof Decided) {
      failures.push({ message: labelled(part.label, 'the provider decided the measurement itself, which a comparison cannot use'), permanent: true })
      return undefined
    }
    return outcome.value
  })
  const [canary, baseline, sizeCanary, sizeBaseline] = answers
  if (failures.length) {
    return { message: failures.map((f) => f.message).join('; '), permanent: failures.some((f) => f.permanent), canary, baseline }
  }
  const reading: Reading = spec.baseline ? { canary, baseline } : { canary }
  if (spec.sampleSize) {
    const fromQuery = spec.sampleSize.query !== undefined
    const canarySize = sizeOf(spec, parts.sizeCanary?.label ?? (spec.baseline ? 'sampleSize (canary)' : 'sampleSize'), fromQuery ? sizeCanary : canary, fromQuery)
    const baselineSize = spec.baseline ? sizeOf(spec, 'sampleSize (baseline)', fromQuery ? sizeBaseline : baseline, fromQuery) : undefined
    const errors = [canarySize, baselineSize].flatMap((size) => (typeof size === 'object' ? [size.error] : []))
    if (errors.length) return { message: errors.join('; '), permanent: false, canary, baseline }
    const missing: Arm[] = []
    const count = (size: number | 'no data', arm: Arm): number => {
      if (size !== 'no data') return size
      missing.push(arm)
      return 0
    }
    reading.sizes = { canary: count(canarySize as number | 'no data', 'canary') }
    if (baselineSize !== undefined) reading.sizes.baseline = count(baselineSize as number | 'no data', 'baseline')
    if (missing.length) reading.sizesMissing = missing
  }
  return reading
}

export function isReadingError(value: Reading | ReadingError): value is ReadingError {
  return 'message' in value
}

/**
 * The sentence for a reading below sampleSize.minimum, naming the arm: "insufficient data: 37
 * canary requests < 100"; undefined when both arms have enough.
 */
export function insufficientData(spec: MetricSpec, reading: Reading): string | undefined {
  const { minimum, unit } = spec.sampleSize!
  const sizes = reading.sizes!
  const paired = sizes.baseline !== undefined
  const low: Array<{ arm: Arm; size: number }> = []
  if (sizes.canary < minimum) low.push({ arm: 'canary', size: sizes.canary })
  if (paired && sizes.baseline! < minimum) low.push({ arm: 'baseline', size: sizes.baseline! })
  if (low.length === 0) return undefined
  const amount = (n: number): string => formatValue(n)
  const counts = paired ? low.map((l) => `${amount(l.size)} ${l.arm}`).join(' and ') : amount(low[0].size)
  const missing = reading.sizesMissing?.length
    ? `; the sampleSize of the ${reading.sizesMissing.join(' and the ')} gave no data, counted as none`
    : ''
  return shorten(`insufficient data: ${counts} ${unit} < ${formatValue(minimum)}${missing}`, 300)
}
