// Property-based tests (fast-check) of the promises the gate rests on: no Successful measurement
// rests on absent data, no metric or run passes on nothing, and no answer or pattern makes the
// evaluator throw a foreign error or stall. Generated: backend answers of every JSON shape × the
// condition idioms people write × limits.
//
// Seeded and reproducible: CANARY_GATE_PROPERTY_SEED=<integer> chooses the seed (default below);
// a failure reports the seed and the path of the counterexample, and how to replay it.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { runAnalysis } from '../../src/analysis/engine.js'
import { evaluate, ExprEvalError, ExprSyntaxError, parseExpression, type Expr } from '../../src/analysis/expr/index.js'
import { judgeMeasurement } from '../../src/analysis/judge.js'
import { assessMetric, emptyTally, isCompleted, recordMeasurement } from '../../src/analysis/metric.js'
import { assessRun } from '../../src/analysis/run.js'
import type { MeasurementPhase, MetricPhase, MetricSpec } from '../../src/analysis/types.js'
import { memoryLogger } from '../../src/log.js'
import { unreachableLimits } from '../../src/plan/instantiate.js'
import { MeasurementError } from '../../src/providers/provider.js'
import { measurement, metric, scripted } from '../support/metrics.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { cpuTime } from './timing.js'

// ---- seed ----

const DEFAULT_SEED = 20261207

function propertySeed(): number {
  const text = process.env.CANARY_GATE_PROPERTY_SEED
  if (text === undefined || text.trim() === '') return DEFAULT_SEED
  const seed = Number(text)
  if (!Number.isSafeInteger(seed)) throw new Error(`CANARY_GATE_PROPERTY_SEED must be an integer, got ${JSON.stringify(text)}`)
  return seed
}

const SEED = propertySeed()

/** How to replay a failure, added to fast-check's report (which already names the seed and path). */
function withReplay(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  return new Error(`${message}\n\nReplay this run with CANARY_GATE_PROPERTY_SEED=${SEED} (seed ${SEED}).`)
}

function holds<Ts>(property: fc.IProperty<Ts>, numRuns: number): void {
  try {
    fc.assert(property, { seed: SEED, numRuns, includeErrorInReport: true })
  } catch (error) {
    throw withReplay(error)
  }
}

async function holdsAsync<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns, includeErrorInReport: true })
  } catch (error) {
    throw withReplay(error)
  }
}

// ---- backend answers of every JSON shape ----

/** Keys the condition idioms read, so generated maps sometimes have them and sometimes not. */
const KEYS = ['errorRate', 'x', 'a', 'b', 'k', 'items', 'count', 'other', 'v'] as const

const numberArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 0.1, 0.5, 1, 1.5, 2, 3, 4.9, 10, -1, -0, NaN, Infinity, -Infinity) },
  { weight: 1, arbitrary: fc.double() }
)
const textArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('NaN', 'nan', '+Inf', '-Inf', '0.5', '3', '1e400', '0x10', '', 'I am OK', 'healthy', 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }
)
const leafArb = fc.oneof(
  { weight: 5, arbitrary: numberArb },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: textArb }
)
const { json: jsonArb } = fc.letrec<{ json: unknown; list: unknown[]; map: Record<string, unknown> }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leafArb, tie('list'), tie('map')),
  list: fc.array(tie('json'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 4, noNullPrototype: true })
}))
/** A reading, mostly one that passes the idioms' thresholds, sometimes no data. */
const readingArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 0.1, 0.2, 0.3, 0.4) }, { weight: 3, arbitrary: numberArb }, { weight: 1, arbitrary: fc.constant(null) })
/** Answers shaped like the providers' (a vector, one NRQL row, rows), mixed with anything at all. */
const resultArb = fc.oneof(
  { weight: 2, arbitrary: jsonArb },
  { weight: 2, arbitrary: fc.array(readingArb, { maxLength: 4 }) },
  {
    weight: 2,
    arbitrary: fc.dictionary(fc.constantFrom(...KEYS), fc.oneof({ weight: 3, arbitrary: readingArb }, { weight: 1, arbitrary: fc.array(readingArb, { maxLength: 3 }) }, { weight: 1, arbitrary: textArb }), {
      maxKeys: 4,
      noNullPrototype: true
    })
  },
  { weight: 1, arbitrary: fc.array(fc.dictionary(fc.constantFrom(...KEYS), readingArb, { maxKeys: 3, noNullPrototype: true }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(readingArb, textArb) }
)

// ---- the condition idioms people write ----

/** Every element of a list, in a path the condition reads. */
const EACH = Symbol('each element')
type Step = string | number | typeof EACH

interface Idiom {
  success?: string
  failure?: string
  thresholdRange?: { min?: number; max?: number }
  /** The paths into the result the condition names, where an absent key is absent data. */
  paths: Step[][]
}

const successIdioms: Array<(x: number) => Idiom> = [
  (x) => ({ success: `result[0] < ${x}`, paths: [[0]] }),
  (x) => ({ success: `result[1] < ${x}`, paths: [[1]] }),
  (x) => ({ success: `result.errorRate < ${x}`, paths: [['errorRate']] }),
  (x) => ({ success: `result['errorRate'] <= ${x}`, paths: [['errorRate']] }),
  (x) => ({ success: `default(result.x, 0) < ${x}`, paths: [['x']] }),
  (x) => ({ success: `(result.x ?? 0) < ${x}`, paths: [['x']] }),
  (x) => ({ success: `isNil(result) || result < ${x}`, paths: [[]] }),
  (x) => ({ success: `isNil(result.x) || result.x < ${x}`, paths: [['x']] }),
  (x) => ({ success: `isNaN(result[0]) || result[0] < ${x}`, paths: [[0]] }),
  (x) => ({ success: `isNaN(result) || result < ${x}`, paths: [[]] }),
  (x) => ({ success: `result.errorRate == nil || result.errorRate < ${x}`, paths: [['errorRate']] }),
  (x) => ({ success: `result.x != nil ? result.x < ${x} : true`, paths: [['x']] }),
  (x) => ({ success: `(result?.a?.b ?? 0) < ${x}`, paths: [['a', 'b']] }),
  (x) => ({ success: `len(result) == 0 || result[0] < ${x}`, paths: [[0]] }),
  (x) => ({ success: `not ("k" in result) || result.k < ${x}`, paths: [['k']] }),
  (x) => ({ success: `all(result, {# < ${x}})`, paths: [[EACH]] }),
  (x) => ({ success: `all(result.items, {# < ${x}})`, paths: [['items', EACH]] }),
  (x) => ({ success: `any(result, {# < ${x}})`, paths: [[EACH]] }),
  (x) => ({ success: `none(result.items, {# > ${x}})`, paths: [['items', EACH]] }),
  (x) => ({ success: `one(result, {# < ${x}})`, paths: [[EACH]] }),
  () => ({ success: 'len(result.items) < 5', paths: [['items']] }),
  (x) => ({ success: `count(result.items, {# > ${x}}) == 0`, paths: [['items', EACH]] }),
  (x) => ({ success: `len(filter(result, {# > ${x}})) == 0`, paths: [[EACH]] }),
  (x) => ({ success: `isNaN(asFloat(result)) || asFloat(result) < ${x}`, paths: [[]] }),
  (x) => ({ success: `asFloat(result.v) < ${x}`, paths: [['v']] }),
  (x) => ({ success: `all(result, {.count < ${x}})`, paths: [[EACH, 'count']] }),
  (x) => ({ success: `max(result) < ${x}`, paths: [[EACH]] }),
  () => ({ success: 'result == "I am OK"', paths: [[]] }),
  (x) => ({ success: `result.errorRate < ${x} || result.other == nil`, paths: [['errorRate'], ['other']] }),
  (x) => ({ success: `len(result) > 0 && all(result, {# < ${x}})`, paths: [[EACH]] })
]

const otherIdioms: Array<(x: number) => Idiom> = [
  (x) => ({ failure: `result[0] > ${x}`, paths: [[0]] }),
  (x) => ({ failure: `result.errorRate >= ${x}`, paths: [['errorRate']] }),
  (x) => ({ failure: `(result.x ?? 0) > ${x}`, paths: [['x']] }),
  (x) => ({ failure: `any(result, {# > ${x}})`, paths: [[EACH]] }),
  (x) => ({ success: `result[0] < ${x}`, failure: `result[0] > ${x * 2}`, paths: [[0]] }),
  (x) => ({ success: `isNaN(result[0]) || result[0] < ${x}`, failure: `result[0] > ${x * 2}`, paths: [[0]] }),
  (x) => ({ thresholdRange: { max: x }, paths: [[0], []] }),
  (x) => ({ thresholdRange: { min: 0, max: x }, success: `len(result) <= 1`, paths: [[0], []] })
]

const thresholdArb = fc.constantFrom(0.5, 1, 2, 5)
const singleIdiomArb = fc.tuple(fc.constantFrom(...successIdioms, ...otherIdioms), thresholdArb).map(([make, x]) => make(x))
const successIdiomArb = fc.tuple(fc.constantFrom(...successIdioms), thresholdArb).map(([make, x]) => make(x))
/** One idiom, or two joined with && or || (people combine checks). */
const idiomArb: fc.Arbitrary<Idiom> = fc.oneof(
  { weight: 3, arbitrary: singleIdiomArb },
  {
    weight: 1,
    arbitrary: fc.tuple(successIdiomArb, successIdiomArb, fc.constantFrom('&&', '||')).map(([a, b, op]) => ({
      success: `(${a.success}) ${op} (${b.success})`,
      paths: [...a.paths, ...b.paths]
    }))
  }
)

const parsed = new Map<string, Expr>()
function parse(source: string): Expr {
  let expr = parsed.get(source)
  if (!expr) parsed.set(source, (expr = parseExpression(source)))
  return expr
}

function specOf(idiom: Idiom, extra: Partial<MetricSpec> = {}): MetricSpec {
  return {
    ...metric({ success: idiom.success, failure: idiom.failure, thresholdRange: idiom.thresholdRange }),
    ...extra
  }
}

// ---- the oracle: Argo's answer, and what "rests on no data" means, defined apart from the gate ----

/** A condition as Argo evaluates it (with canary-gate's errors on NaN and missing keys), without any no-data rule. */
function conditionSays(source: string, result: unknown): boolean | 'error' {
  try {
    const value = evaluate(parse(source), { result })
    return typeof value === 'boolean' ? value : 'error'
  } catch (error) {
    if (error instanceof ExprEvalError) return 'error'
    throw error
  }
}

/** The measurement's phase by Argo's rules alone: the judge with no no-data rule. */
function argoPhase(idiom: Idiom, result: unknown): MeasurementPhase {
  if (idiom.thresholdRange) {
    const value = Array.isArray(result) && result.length === 1 ? result[0] : result
    if (typeof value !== 'number' || Number.isNaN(value)) return 'Error'
    const { min, max } = idiom.thresholdRange
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) return 'Failed'
    if (!idiom.success && !idiom.failure) return 'Successful'
  }
  const failure = idiom.failure === undefined ? false : conditionSays(idiom.failure, result)
  if (failure === 'error') return 'Error'
  if (failure) return 'Failed'
  if (idiom.success === undefined) return 'Successful'
  const success = conditionSays(idiom.success, result)
  if (success === 'error') return 'Error'
  return success ? 'Successful' : idiom.failure ? 'Inconclusive' : 'Failed'
}

const isMapValue = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** No data as a value: null, NaN, an empty list or map, a "NaN" text (Prometheus' spelling). */
function isNoDataValue(value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (typeof value === 'number') return Number.isNaN(value)
  if (typeof value === 'string') return /^[+-]?nan$/i.test(value)
  if (Array.isArray(value)) return value.length === 0
  if (isMapValue(value)) return Object.keys(value).length === 0
  return false
}

type Path = Array<string | number>
interface Spot {
  /** Where the no-data value is, or the map that lacks `key`. */
  path: Path
  key?: string
}

/** Every no-data value anywhere in the result, and every key the condition names that is absent. */
function noDataSpots(result: unknown, paths: Step[][]): Spot[] {
  const spots: Spot[] = []
  const walk = (value: unknown, path: Path): void => {
    if (isNoDataValue(value)) spots.push({ path })
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]))
    else if (isMapValue(value)) for (const [key, item] of Object.entries(value)) walk(item, [...path, key])
  }
  walk(result, [])
  const follow = (value: unknown, steps: Step[], path: Path): void => {
    if (steps.length === 0) return
    const [step, ...rest] = steps
    if (step === EACH) {
      if (Array.isArray(value)) value.forEach((item, index) => follow(item, rest, [...path, index]))
    } else if (typeof step === 'number') {
      if (Array.isArray(value) && step < value.length) follow(value[step], rest, [...path, step])
    } else if (isMapValue(value)) {
      if (Object.hasOwn(value, step)) follow(value[step], rest, [...path, step])
      else spots.push({ path, key: step })
    }
  }
  for (const steps of paths) follow(result, steps, [])
  return spots
}

/**
 * Values that make the idioms fail, of the no-data value's own kind (a number for NaN, a text for
 * "NaN", a list for an empty list…; anything for null or an absent key): huge numbers, long lists
 * of them, a map of them, a numeric text.
 */
const POISON_LISTS = [Array.from({ length: 10 }, () => 1e9), Array.from({ length: 10 }, () => -1e9)]
const POISON_MAP = { errorRate: 1e9, x: 1e9, a: { b: 1e9 }, b: 1e9, k: 1e9, items: POISON_LISTS[0], count: 1e9, other: 1e9, v: '1e9' }
function poisonsFor(value: unknown): unknown[] {
  if (typeof value === 'number') return [1e9, -1e9]
  if (typeof value === 'string') return ['1e9', '-1e9']
  if (Array.isArray(value)) return POISON_LISTS
  if (isMapValue(value)) return [POISON_MAP]
  return [1e9, -1e9, '1e9', ...POISON_LISTS, POISON_MAP]
}

function valueAt(result: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, step) => (value as Record<string | number, unknown>)[step], result)
}

function replaced(result: unknown, spot: Spot, poison: unknown): unknown {
  const at = (value: unknown, path: Path): unknown => {
    if (path.length === 0) {
      if (spot.key === undefined) return poison
      return { ...(value as Record<string, unknown>), [spot.key]: poison }
    }
    const [step, ...rest] = path
    if (Array.isArray(value)) return value.map((item, index) => (index === step ? at(item, rest) : item))
    const map = value as Record<string, unknown>
    return { ...map, [step]: at(map[step as string], rest) }
  }
  return at(result, spot.path)
}

const show = (value: unknown): string => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item))

/**
 * Whether a Successful judgement of `result` is independent of every no-data spot in it: with any
 * spot replaced by a value that would fail, Argo's rules must still say Successful. Returns the
 * first spot the pass depended on.
 */
function passRestsOn(idiom: Idiom, result: unknown): string | undefined {
  for (const spot of noDataSpots(result, idiom.paths)) {
    for (const poison of poisonsFor(spot.key === undefined ? valueAt(result, spot.path) : undefined)) {
      const phase = argoPhase(idiom, replaced(result, spot, poison))
      if (phase !== 'Successful') {
        const where = `result${spot.path.map((step) => `[${JSON.stringify(step)}]`).join('')}${spot.key === undefined ? '' : `.${spot.key} (absent)`}`
        return `${where} := ${show(poison)} makes it ${phase}`
      }
    }
  }
  return undefined
}

/** An answer shaped after one path the condition reads: the keys and positions are there, or not quite. */
function shapedAlong(steps: Step[]): fc.Arbitrary<unknown> {
  if (steps.length === 0) {
    return fc.oneof({ weight: 6, arbitrary: readingArb }, { weight: 1, arbitrary: textArb }, { weight: 1, arbitrary: fc.constantFrom<unknown>([], {}, [NaN]) })
  }
  const [step, ...rest] = steps
  const inner = shapedAlong(rest)
  if (step === EACH) return fc.array(inner, { maxLength: 4 })
  if (typeof step === 'number') return fc.array(inner, { maxLength: step + 3 })
  return fc.tuple(fc.dictionary(fc.constantFrom(...KEYS), readingArb, { maxKeys: 2, noNullPrototype: true }), fc.option(inner, { nil: undefined, freq: 5 })).map(([others, value]) => {
    const map: Record<string, unknown> = { ...others }
    delete map[step]
    if (value !== undefined) map[step] = value
    return map
  })
}

/** An idiom with an answer: anything at all, or one shaped after what the idiom reads. */
const idiomAndResultArb: fc.Arbitrary<[Idiom, unknown]> = idiomArb.chain((idiom) =>
  fc.tuple(fc.constant(idiom), fc.oneof(resultArb, fc.constantFrom(...idiom.paths).chain(shapedAlong)))
)

type Judge = (idiom: Idiom, result: unknown) => { phase: MeasurementPhase; message: string }

const gateJudge: Judge = (idiom, result) => judgeMeasurement(specOf(idiom), result)

/** No Successful measurement rests on absent data, for a given judge (the gate's, or a weaker one). */
function noPassOnNoData(judge: Judge): fc.IProperty<[[Idiom, unknown]]> {
  return fc.property(idiomAndResultArb, ([idiom, result]) => {
    const judged = judge(idiom, result)
    if (judged.phase !== 'Successful') return
    const dependency = passRestsOn(idiom, result)
    if (dependency) {
      throw new Error(`${show(idiom)} on ${show(result)} is Successful (${judged.message}), but the pass rests on no data: ${dependency}`)
    }
  })
}

// ---- limits ----

interface Limits {
  count?: number
  failureLimit: number
  inconclusiveLimit: number
  consecutiveErrorLimit: number
  consecutiveSuccessLimit: number
}

const anyLimitsArb: fc.Arbitrary<Limits> = fc.record({
  count: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  failureLimit: fc.integer({ min: -1, max: 7 }),
  inconclusiveLimit: fc.integer({ min: 0, max: 7 }),
  consecutiveErrorLimit: fc.integer({ min: 0, max: 5 }),
  consecutiveSuccessLimit: fc.integer({ min: 0, max: 4 })
})

/** Limits the configuration check accepts (as instantiate applies them). */
const validLimits = (limits: Limits): boolean =>
  unreachableLimits(limits).length === 0 && !(limits.failureLimit === -1 && limits.consecutiveSuccessLimit === 0)

const phaseArb = fc.constantFrom<MeasurementPhase>('Successful', 'Failed', 'Inconclusive', 'Error')

/** The metric's phase after each measurement of `phases`, as the engine assesses it, then when the run stops. */
function assessSequence(limits: Limits, phases: MeasurementPhase[]): { phase: MetricPhase; successful: number } {
  const spec = metric({ ...limits, intervalMs: 1000 })
  let tally = emptyTally()
  for (const phase of phases) {
    tally = recordMeasurement(tally, measurement(phase, 1))
    const now = assessMetric(spec, tally, false)
    if (isCompleted(now.phase)) return { phase: now.phase, successful: tally.successful }
  }
  return { phase: assessMetric(spec, tally, true).phase, successful: tally.successful }
}

// ---- hostile condition text and patterns ----

const TOKENS = [
  'result', 'result.errorRate', 'result[0]', 'result?.a', '#', '.count', 'nil', 'true', 'false', '0', '1.5', '1e400', '"NaN"', '"a"', '`x`',
  '(', ')', '[', ']', '{', '}', ',', ':', '?', '?.', '??', '.', '+', '-', '*', '/', '%', '**', '^', '!', 'not', 'and', 'or', '&&', '||',
  '==', '!=', '<', '<=', '>', '>=', 'in', 'matches', 'contains', 'startsWith', '..', '|', '=~', 'len(', 'all(', 'any(', 'filter(', 'map(',
  'default(', 'isNil(', 'isNaN(', 'asFloat(', 'asInt(', 'string(', 'max(', 'median(', 'now()', 'duration("5m")', 'let', 'eval('
]
const conditionTextArb = fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }), { minLength: 1, maxLength: 24 }).map((parts) => parts.join(' '))

const { expr: wellFormedArb } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.constantFrom('result', 'result.errorRate', 'result[0]', 'result?.a?.b', 'result.items', 'nil', 'true', '0', '2', '"NaN"', '"a"', '[1, nil]'),
    tie('expr').map((e) => `!(${e})`),
    tie('expr').map((e) => `-(${e})`),
    fc.tuple(tie('expr'), fc.constantFrom('<', '>=', '==', '!=', '&&', '||', '+', '/', '%', '??', 'in', 'matches', 'contains'), tie('expr')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    fc.tuple(fc.constantFrom('len', 'isNaN', 'isNil', 'asFloat', 'asInt', 'string', 'max', 'first', 'keys', 'abs'), tie('expr')).map(([f, e]) => `${f}(${e})`),
    fc.tuple(fc.constantFrom('all', 'any', 'none', 'one', 'filter', 'map', 'count'), tie('expr'), tie('expr')).map(([f, list, body]) => `${f}(${list}, {${body.replaceAll('result', '#')}})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `default(${a}, ${b})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `(${c}) ? (${a}) : (${b})`)
  )
}))

/** A result nested `depth` levels deep, in lists or maps. */
const deepResultArb = fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean(), leafArb).map(([depth, lists, leaf]) => {
  let value: unknown = leaf
  for (let level = 0; level < depth; level++) value = lists ? [value] : { a: value }
  return value
})

// Counted repetitions stay small: RE2's time is linear in the text but grows with the compiled
// pattern, and a{1000} repeated compiles to thousands of instructions (see the README).
const REGEX_PARTS = ['a', 'b', '.', '(', ')', '(?:', '+', '*', '?', '|', '{2,5}', '{50}', '^', '$', '\\d', '\\w', '\\s', '[a-z]', '[^b]', '\\1', '(?=', '(?i)', '\\b']
const patternArb = fc.array(fc.constantFrom(...REGEX_PARTS), { minLength: 1, maxLength: 24 }).map((parts) => parts.join(''))
const regexTextArb = fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.constantFrom('', 'b', '!', ' a', 'ab'.repeat(20))).map(([n, tail]) => `${'a'.repeat(n)}${tail}`)

/** The most CPU time four evaluations of `matches` may take: RE2 is linear; a backtracking engine takes minutes. */
const REGEX_BUDGET_MS = 1000

// ---- the properties ----

const RUNS = {
  noData: 3000,
  noDataThroughTheEngine: 300,
  metricNeedsAPass: 5000,
  validLimitsCanFail: 2000,
  runNeedsADecidingMetric: 2000,
  onlyOwnErrorsOnText: 3000,
  onlyOwnErrorsOnWellFormed: 2000,
  deepAnswers: 25,
  regexBounded: 300
}

describe(`property-based tests (seed ${SEED}; CANARY_GATE_PROPERTY_SEED replays)`, () => {
  describe('(i) no Successful measurement rests on absent data', () => {
    it(`no-pass-on-no-data: the gate's judgement never passes on a value it could not have had (${RUNS.noData} runs)`, () => {
      holds(noPassOnNoData(gateJudge), RUNS.noData)
    })

    it('the property can fail: a judge with only the top-level rule is caught on nested no data, e.g. [NaN, 0.5]', () => {
      // What the gate did before: Argo's answer, made Inconclusive only when `result` itself is
      // nil, NaN, empty or all NaN/nil. This is the weaker judge the property has to catch.
      const topLevelOnly: Judge = (idiom, result) => {
        const phase = argoPhase(idiom, result)
        const whole = result === null || Number.isNaN(result) || (Array.isArray(result) && result.every((item) => item === null || Number.isNaN(item)))
        return { phase: phase === 'Successful' && whole ? 'Inconclusive' : phase, message: 'top-level rule only' }
      }
      const nanFirst: Idiom = { success: 'isNaN(result[0]) || result[0] < 2', paths: [[0]] }
      expect(passRestsOn(nanFirst, [NaN, 0.5])).toBe('result[0] := 1000000000 makes it Failed')
      expect(topLevelOnly(nanFirst, [NaN, 0.5]).phase).toBe('Successful')
      expect(gateJudge(nanFirst, [NaN, 0.5]).phase).toBe('Inconclusive')
      const details = fc.check(noPassOnNoData(topLevelOnly), { seed: SEED, numRuns: RUNS.noData })
      expect(details.failed).toBe(true)
      expect(String(details.errorInstance)).toMatch(/the pass rests on no data/)
    })

    it(`no-pass-on-no-data through the engine: results × idioms × limits never end Successful on absent data or on nothing (${RUNS.noDataThroughTheEngine} runs)`, async () => {
      const metricArb = fc.record({
        idiom: idiomArb,
        limits: anyLimitsArb.filter(validLimits),
        dryRun: fc.boolean(),
        answers: fc.array(fc.oneof({ weight: 6, arbitrary: resultArb }, { weight: 1, arbitrary: fc.constant('provider error') }), { minLength: 1, maxLength: 6 })
      })
      await holdsAsync(
        fc.asyncProperty(fc.array(metricArb, { minLength: 1, maxLength: 3 }), async (generated) => {
          const specs = generated.map((g, index) => specOf(g.idiom, { ...g.limits, name: `m${index}`, intervalMs: 60_000, dryRun: g.dryRun }))
          const clock = new VirtualClock()
          const outcome = await runAnalysis({
            metrics: specs,
            providerFor: (spec) => scripted(generated[Number(spec.name.slice(1))].answers.map((a) => (a === 'provider error' ? new MeasurementError('HTTP 503') : a))),
            clock,
            log: memoryLogger(),
            // Metrics without a count run until stopped: the deadline stops them.
            deadline: clock.now() + 3_600_000
          })
          expect(outcome.reasons.length).toBeGreaterThan(0)
          if (outcome.verdict !== 'Successful') return
          const deciding = outcome.metrics.filter((m) => !m.spec.dryRun)
          expect(deciding.length).toBeGreaterThan(0)
          for (const m of deciding) {
            expect(m.phase).toBe('Successful')
            expect(m.tally.successful).toBeGreaterThan(0)
            const idiom = generated[Number(m.spec.name.slice(1))].idiom
            for (const passed of m.tally.measurements.filter((x) => x.phase === 'Successful')) {
              const dependency = passRestsOn(idiom, passed.value)
              if (dependency) throw new Error(`${m.spec.name} ${show(idiom)} passed ${show(passed.value)} resting on no data: ${dependency}`)
            }
          }
        }),
        RUNS.noDataThroughTheEngine
      )
    })
  })

  describe('(ii) no metric or run ends Successful on nothing', () => {
    it(`metric-needs-a-pass: whatever the limits, a metric with no Successful measurement is never Successful (${RUNS.metricNeedsAPass} runs)`, () => {
      holds(
        fc.property(anyLimitsArb, fc.array(phaseArb, { maxLength: 12 }), (limits, phases) => {
          const { phase, successful } = assessSequence(limits, phases)
          if (phase === 'Successful') expect(successful).toBeGreaterThan(0)
        }),
        RUNS.metricNeedsAPass
      )
    })

    it(`valid-limits-can-be-reached: with limits the configuration accepts, count failures fail the metric and count inconclusives do not pass it (${RUNS.validLimitsCanFail} runs)`, () => {
      holds(
        fc.property(anyLimitsArb.filter((l) => l.count !== undefined && validLimits(l)), (limits) => {
          const count = limits.count!
          expect(assessSequence(limits, Array(count).fill('Failed')).phase).toBe('Failed')
          expect(assessSequence(limits, Array(count).fill('Inconclusive')).phase).toBe('Inconclusive')
        }),
        RUNS.validLimitsCanFail
      )
    })

    it(`run-needs-a-deciding-metric: a run is Successful only when some metric decides and every deciding metric passed (${RUNS.runNeedsADecidingMetric} runs)`, () => {
      const outcomeArb = fc.record({ dryRun: fc.boolean(), phase: fc.constantFrom<MetricPhase>('Successful', 'Failed', 'Inconclusive', 'Error', 'Running', 'Pending') })
      holds(
        fc.property(fc.array(outcomeArb, { maxLength: 5 }), (outcomes) => {
          const metrics = outcomes.map((o, index) => ({ spec: metric({ name: `m${index}`, dryRun: o.dryRun }), phase: o.phase, message: o.phase }))
          const run = assessRun(metrics)
          expect(run.reasons.length).toBeGreaterThan(0)
          if (run.phase === 'Successful') {
            const deciding = outcomes.filter((o) => !o.dryRun)
            expect(deciding.length).toBeGreaterThan(0)
            expect(deciding.every((o) => o.phase === 'Successful')).toBe(true)
          }
        }),
        RUNS.runNeedsADecidingMetric
      )
    })
  })

  describe('(iii) the evaluator throws only its own errors, and answers in bounded time', () => {
    /** Parses and evaluates `source` on `result`; anything but the expression errors escapes. */
    function evaluateAnyhow(source: string, result: unknown): void {
      let expr: Expr
      try {
        expr = parseExpression(source)
      } catch (error) {
        if (error instanceof ExprSyntaxError) return
        throw error
      }
      try {
        evaluate(expr, { result }, { onNoData: () => {} })
      } catch (error) {
        if (!(error instanceof ExprEvalError)) throw error
      }
      // The judge turns every evaluation problem into a phase; it never throws.
      expect(['Successful', 'Failed', 'Inconclusive', 'Error']).toContain(judgeMeasurement(metric({ success: source }), result).phase)
    }

    it(`only-own-errors on arbitrary condition text (${RUNS.onlyOwnErrorsOnText} runs)`, () => {
      holds(fc.property(conditionTextArb, resultArb, (source, result) => evaluateAnyhow(source, result)), RUNS.onlyOwnErrorsOnText)
    })

    it(`only-own-errors on well-formed conditions over any answer (${RUNS.onlyOwnErrorsOnWellFormed} runs)`, () => {
      holds(fc.property(wellFormedArb, resultArb, (source, result) => evaluateAnyhow(source, result)), RUNS.onlyOwnErrorsOnWellFormed)
    })

    it(`only-own-errors on answers nested up to 100,000 levels deep (${RUNS.deepAnswers} runs)`, () => {
      const walks = fc.constantFrom('result == result', 'string(result) != ""', 'len(result) > 0', 'all(result, {len(#) > 0})', 'result[0][0][0] != nil', 'result.a.a.a != nil')
      holds(fc.property(walks, deepResultArb, (source, result) => evaluateAnyhow(source, result)), RUNS.deepAnswers)
    })

    it(`regex-bounded: matches answers within ${REGEX_BUDGET_MS} ms on any pattern and text, or refuses the pattern (${RUNS.regexBounded} runs)`, () => {
      holds(
        fc.property(patternArb, regexTextArb, (pattern, text) => {
          const { ms } = cpuTime(() => {
            evaluateAnyhow('result.text matches result.pattern', { text, pattern })
            evaluateAnyhow(`result.text matches ${JSON.stringify(pattern)}`, { text, pattern })
          })
          if (ms > REGEX_BUDGET_MS) throw new Error(`${JSON.stringify(pattern)} on ${text.length} characters took ${Math.round(ms)} ms of CPU`)
        }),
        RUNS.regexBounded
      )
    })
  })
})
