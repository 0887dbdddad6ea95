// The built-in functions. The catalogue is closed: the parser rejects any other name, so a typo in
// a condition is a configuration error before the canary starts, not a failed measurement later.

import { parseDuration } from '../../plan/duration.js'
import { ExprEvalError } from './errors.js'
import {
  describeValue,
  formatLikeGo,
  isMap,
  isNil,
  makeDuration,
  makeTime,
  parseFloatText,
  parseIntegerText
} from './values.js'
import { shorten } from '../../secrets.js'

/** What a function needs besides its arguments: names for messages and the injected clock. */
export interface CallContext {
  readonly name: string
  /** Source text of each argument, to say which one was wrong. */
  readonly argTexts: readonly string[]
  readonly now: () => number
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

function needNumber(value: unknown, context: CallContext, what = 'a number'): number {
  if (typeof value === 'number') return value
  return fail(context, `needs ${what}, got ${describeValue(value)}`)
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
  return needNumber(value, context)
}

/**
 * min/max/sum/mean/median take an array or several numbers (nested arrays are flattened, as
 * expr-lang). A nested empty list adds nothing to the answer, so it is reported as no data.
 */
function collectNumbers(args: readonly unknown[], context: CallContext): number[] {
  const numbers: number[] = []
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

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// Go's math.Round: halves go away from zero (JS Math.round sends -2.5 to -2).
function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value))
}

function lengthOf(value: unknown, context: CallContext): number {
  if (Array.isArray(value)) return value.length
  if (typeof value === 'string') return [...value].length
  if (isMap(value)) return Object.keys(value).length
  return fail(context, `needs an array, string or map, got ${describeValue(value)}`)
}

// Like Argo Rollouts' asInt: numbers are truncated, strings must be plain integers ("2.5" is an error).
function toInteger(value: unknown, context: CallContext): number {
  if (typeof value === 'string') {
    return parseIntegerText(value) ?? fail(context, `cannot parse ${describeValue(value)} as an integer`)
  }
  const number = needNumber(value, context, 'a number or numeric string')
  if (!Number.isFinite(number)) fail(context, `cannot convert ${describeValue(number)} to an integer`)
  return Math.trunc(number)
}

function toFloat(value: unknown, context: CallContext): number {
  if (typeof value !== 'string') return needNumber(value, context, 'a number or numeric string')
  return parseFloatText(value) ?? fail(context, `cannot parse ${describeValue(value)} as a number`)
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

function numeric(run: (value: number) => number): FunctionSpec {
  return one((value, context) => run(needNumber(value, context)))
}

function aggregate(run: (numbers: number[]) => number): FunctionSpec {
  return { minArgs: 1, maxArgs: Infinity, run: (args, context) => run(collectNumbers(args, context)) }
}

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  len: one(lengthOf),
  isNaN: one((value, context) => Number.isNaN(needNumberForTest(value, context))),
  isInf: one((value, context) => {
    const number = needNumberForTest(value, context)
    return number === Infinity || number === -Infinity
  }),
  isNil: one((value) => isNil(value)),
  default: { minArgs: 2, maxArgs: 2, run: ([value, fallback]) => (isNil(value) ? fallback : value) },
  // Argo Rollouts' helpers: numbers pass through, numeric strings are parsed, the rest is an error.
  asInt: one(toInteger),
  asFloat: one(toFloat),
  abs: numeric(Math.abs),
  ceil: numeric(Math.ceil),
  floor: numeric(Math.floor),
  round: numeric(roundHalfAwayFromZero),
  min: aggregate((numbers) => Math.min(...numbers)),
  max: aggregate((numbers) => Math.max(...numbers)),
  sum: aggregate((numbers) => numbers.reduce((total, number) => total + number, 0)),
  mean: aggregate((numbers) => numbers.reduce((total, number) => total + number, 0) / numbers.length),
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
  count: (items, apply, context) => items.filter(test(apply, context)).length,
  find: (items, apply, context) => items.find(test(apply, context)) ?? null,
  findIndex: (items, apply, context) => items.findIndex(test(apply, context))
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
