// The built-in functions. The catalogue is closed: the parser rejects any other name, so a typo in
// a condition is a configuration error before the canary starts, not a failed measurement later.

import { parseDuration } from '../../plan/duration.js'
import { ExprEvalError } from './errors.js'
import {
  asFloat64,
  describeValue,
  formatLikeGo,
  inInt64Range,
  isInteger,
  isMap,
  isNil,
  isNumber,
  makeDuration,
  makeTime,
  parseGoFloat,
  parseIntegerText,
  wrapInt64
} from './values.js'
import { shorten } from '../../secrets.js'

/** What a function needs besides its arguments: names for messages and the injected clock. */
export interface CallContext {
  readonly name: string
  /** Source text of each argument, to say which one was wrong. */
  readonly argTexts: readonly string[]
  readonly now: () => number
  /** The whole result, which Argo's isNil() and default() look at, whatever their argument. */
  readonly result: unknown
  /** Told of no data a function reads inside its arguments (an empty list that min/max flatten away). */
  readonly onNoData?: (read: string) => void
}

type Implementation = (args: readonly unknown[], context: CallContext) => unknown

interface FunctionSpec {
  readonly minArgs: number
  readonly maxArgs: number
  readonly run: Implementation
}

/** Runs the predicate body for one element; the evaluator binds `#` to the element (at `index`, for messages). */
export type ApplyPredicate = (item: unknown, index: number) => unknown

type PredicateImplementation = (items: readonly unknown[], apply: ApplyPredicate, context: CallContext) => unknown

function fail(context: CallContext, problem: string): never {
  throw new ExprEvalError(`${callText(context)}: ${problem}`)
}

function callText(context: CallContext): string {
  return shorten(`${context.name}(${context.argTexts.join(', ')})`, 80)
}

/** A number of either kind (an int stays an int). */
function needNumber(value: unknown, context: CallContext, what = 'a number'): number | bigint {
  if (isNumber(value)) return value
  return fail(context, `needs ${what}, got ${describeValue(value)}`)
}

/** A number as a float64. */
function needFloat(value: unknown, context: CallContext, what = 'a number'): number {
  return asFloat64(needNumber(value, context, what))
}

function needString(value: unknown, context: CallContext): string {
  if (typeof value === 'string') return value
  return fail(context, `needs a string, got ${describeValue(value)}`)
}

function needMap(value: unknown, context: CallContext): Record<string, unknown> {
  if (isMap(value)) return value
  return fail(context, `needs a map, got ${describeValue(value)}`)
}

function needArray(value: unknown, context: CallContext): readonly unknown[] {
  if (Array.isArray(value)) return value
  return fail(context, `needs an array, got ${describeValue(value)}`)
}

// isNaN(result) on a vector result is a common slip; point at the element form.
function needNumberForTest(value: unknown, context: CallContext): number {
  if (Array.isArray(value)) {
    const example = `${context.name}(${context.argTexts[0]}[0])`
    return fail(context, `needs a number, got ${describeValue(value)}; test one element, e.g. ${example}`)
  }
  return needFloat(value, context)
}

/**
 * min/max/sum/mean/median take an array or several numbers (nested arrays are flattened, as
 * expr-lang). A nested empty list adds nothing to the answer, so it is reported as no data.
 */
function collectNumbers(args: readonly unknown[], context: CallContext): Array<number | bigint> {
  const numbers: Array<number | bigint> = []
  const visit = (value: unknown, text: string, nested: boolean): void => {
    if (Array.isArray(value)) {
      if (nested && value.length === 0) context.onNoData?.(`${shorten(text, 80)} is empty`)
      value.forEach((item, index) => visit(item, `${text}[${index}]`, true))
    } else {
      numbers.push(needNumber(value, context, 'numbers'))
    }
  }
  args.forEach((arg, index) => visit(arg, context.argTexts[index] ?? '', false))
  if (numbers.length === 0) fail(context, 'no values (no data)')
  return numbers
}

function median(values: ReadonlyArray<number | bigint>): number {
  const sorted = values.map(asFloat64).sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// Go's math.Round: halves go away from zero (JS Math.round sends -2.5 to -2).
function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value))
}

function lengthOf(value: unknown, context: CallContext): bigint {
  if (Array.isArray(value)) return BigInt(value.length)
  if (typeof value === 'string') return BigInt([...value].length)
  if (isMap(value)) return BigInt(Object.keys(value).length)
  return fail(context, `needs an array, string or map, got ${describeValue(value)}`)
}

// Like Argo Rollouts' asInt (an int64): floats are truncated, strings must be plain integers as Go's
// strconv.ParseInt reads them ("2.5" and "1_000" are errors). NaN, ±Inf and floats beyond int64
// have no integer (Go's conversion gives an arbitrary one): an error.
function toInteger(value: unknown, context: CallContext): bigint {
  if (typeof value === 'string') {
    return parseIntegerText(value) ?? fail(context, `cannot parse ${describeValue(value)} as an integer`)
  }
  const number = needNumber(value, context, 'a number or numeric string')
  if (isInteger(number)) return number
  const truncated = Number.isFinite(number) ? BigInt(Math.trunc(number)) : undefined
  if (truncated === undefined || !inInt64Range(truncated)) fail(context, `cannot convert ${describeValue(number)} to an integer`)
  return truncated
}

// Like Argo Rollouts' asFloat: numbers become float64s, strings are read by Go's strconv.ParseFloat.
function toFloat(value: unknown, context: CallContext): number {
  if (typeof value !== 'string') return needFloat(value, context, 'a number or numeric string')
  return parseGoFloat(value) ?? fail(context, `cannot parse ${describeValue(value)} as a number`)
}

/** The smallest or largest of the numbers, in its own kind (an int stays an int). */
function extreme(values: ReadonlyArray<number | bigint>, pick: (a: number, b: number) => boolean): number | bigint {
  return values.reduce((best, value) => (pick(asFloat64(value), asFloat64(best)) || Number.isNaN(asFloat64(value)) ? value : best))
}

/** An int when every number is one (wrapping as int64 does), a float otherwise. */
function total(values: ReadonlyArray<number | bigint>): number | bigint {
  if (values.every(isInteger)) return values.reduce((sum: bigint, value) => wrapInt64(sum + (value as bigint)), 0n)
  return values.reduce((sum: number, value) => sum + asFloat64(value), 0)
}

// Go's strings.Trim with a cutset; strings.TrimSpace without one.
function trimText(text: string, cutset: string | undefined): string {
  if (cutset === undefined) return text.trim()
  const cut = new Set(cutset)
  const chars = [...text]
  let start = 0
  let end = chars.length
  while (start < end && cut.has(chars[start])) start++
  while (end > start && cut.has(chars[end - 1])) end--
  return chars.slice(start, end).join('')
}

function one(run: (value: unknown, context: CallContext) => unknown): FunctionSpec {
  return { minArgs: 1, maxArgs: 1, run: (args, context) => run(args[0], context) }
}

/** A float function (ceil, floor, round answer floats in expr). */
function numeric(run: (value: number) => number): FunctionSpec {
  return one((value, context) => run(needFloat(value, context)))
}

function aggregate(run: (numbers: Array<number | bigint>) => number | bigint): FunctionSpec {
  return { minArgs: 1, maxArgs: Infinity, run: (args, context) => run(collectNumbers(args, context)) }
}

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  len: one(lengthOf),
  isNaN: one((value, context) => Number.isNaN(needNumberForTest(value, context))),
  isInf: one((value, context) => {
    const number = needNumberForTest(value, context)
    return number === Infinity || number === -Infinity
  }),
  // Argo Rollouts' isNil(x) and default(x, d) (utils/evaluate) are bound to the whole result when
  // the condition is compiled and ignore their first argument: isNil(result.a) asks whether result
  // is nil, and default(result.v, 0) is the whole result unless result is nil. Conditions here mean
  // what they mean in Argo, however surprising.
  isNil: one((_value, context) => isNil(context.result)),
  default: { minArgs: 2, maxArgs: 2, run: ([, fallback], context) => (isNil(context.result) ? fallback : context.result) },
  // Argo Rollouts' helpers: numbers pass through, numeric strings are parsed, the rest is an error.
  asInt: one(toInteger),
  asFloat: one(toFloat),
  abs: one((value, context) => {
    const number = needNumber(value, context)
    return isInteger(number) ? wrapInt64(number < 0n ? -number : number) : Math.abs(number)
  }),
  ceil: numeric(Math.ceil),
  floor: numeric(Math.floor),
  round: numeric(roundHalfAwayFromZero),
  min: aggregate((numbers) => extreme(numbers, (a, b) => a < b)),
  max: aggregate((numbers) => extreme(numbers, (a, b) => a > b)),
  sum: aggregate(total),
  mean: aggregate((numbers) => asFloat64(total(numbers.map(asFloat64))) / numbers.length),
  median: aggregate(median),
  first: one((value, context) => needArray(value, context)[0] ?? null),
  last: one((value, context) => needArray(value, context).at(-1) ?? null),
  keys: one((value, context) => Object.keys(needMap(value, context))),
  values: one((value, context) => Object.values(needMap(value, context))),
  lower: one((value, context) => needString(value, context).toLowerCase()),
  upper: one((value, context) => needString(value, context).toUpperCase()),
  trim: {
    minArgs: 1,
    maxArgs: 2,
    run: (args, context) => {
      const cutset = args.length > 1 ? needString(args[1], context) : undefined
      return trimText(needString(args[0], context), cutset)
    }
  },
  string: one((value) => formatLikeGo(value)),
  int: one(toInteger),
  float: one(toFloat),
  now: { minArgs: 0, maxArgs: 0, run: (_args, context) => makeTime(context.now()) },
  duration: one((value, context) => {
    const text = needString(value, context)
    const ms = parseDuration(text)
    return ms === undefined ? fail(context, `invalid duration ${JSON.stringify(text)}`) : makeDuration(ms)
  })
}

// A predicate must answer true or false; anything else is a mistake in the condition.
function truth(value: unknown, index: number, context: CallContext): boolean {
  if (typeof value === 'boolean') return value
  return fail(context, `predicate must return a boolean, got ${describeValue(value)} for element ${index}`)
}

function test(apply: ApplyPredicate, context: CallContext): (item: unknown, index: number) => boolean {
  return (item, index) => truth(apply(item, index), index, context)
}

const PREDICATES: Readonly<Record<string, PredicateImplementation>> = {
  all: (items, apply, context) => items.every(test(apply, context)),
  any: (items, apply, context) => items.some(test(apply, context)),
  none: (items, apply, context) => !items.some(test(apply, context)),
  one: (items, apply, context) => {
    const passes = test(apply, context)
    let matches = 0
    for (let index = 0; index < items.length && matches < 2; index++) if (passes(items[index], index)) matches++
    return matches === 1
  },
  filter: (items, apply, context) => items.filter(test(apply, context)),
  map: (items, apply) => items.map((item, index) => apply(item, index)),
  count: (items, apply, context) => BigInt(items.filter(test(apply, context)).length),
  find: (items, apply, context) => items.find(test(apply, context)) ?? null,
  findIndex: (items, apply, context) => BigInt(items.findIndex(test(apply, context)))
}

export interface Arity {
  readonly minArgs: number
  readonly maxArgs: number
}

/** Argument counts for every known function, for parse-time checks; undefined for unknown names. */
export function functionArity(name: string): Arity | undefined {
  if (Object.hasOwn(PREDICATES, name)) return { minArgs: 2, maxArgs: 2 }
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
}

export function isPredicateFunction(name: string): boolean {
  return Object.hasOwn(PREDICATES, name)
}

export function callFunction(name: string, args: readonly unknown[], context: CallContext): unknown {
  if (!Object.hasOwn(FUNCTIONS, name)) throw new ExprEvalError(`unknown function "${name}"`)
  return FUNCTIONS[name].run(args, context)
}

export function callPredicate(
  name: string,
  items: unknown,
  apply: ApplyPredicate,
  context: CallContext
): unknown {
  if (!Object.hasOwn(PREDICATES, name)) throw new ExprEvalError(`unknown function "${name}"`)
  return PREDICATES[name](needArray(items, context), apply, context)
}
