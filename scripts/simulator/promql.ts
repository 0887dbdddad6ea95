// The small part of PromQL the benchmark's templates use, evaluated against the simulated traffic,
// so the templates keep the queries a user would write for a real Prometheus:
//
//   sum(increase(http_requests_total{app="vote",version="canary"}[1m]))               requests
//   sum(increase(http_requests_total{…,status=~"5.."}[1m]))                             errors
//   100 * sum(rate(…{status=~"5.."}[5m])) / sum(rate(…[5m]))                            error %
//   histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{…}[5m]))) * 1000
//   scalar(…), + - * /, parentheses, numbers
//
// The service exposes one series per arm (after `sum`), chosen by the `version` label: "canary" or
// "stable". Counts are exact (a real increase() extrapolates) and histogram_quantile is the exact
// nearest-rank quantile of the window's latencies (a real one interpolates within buckets): the best
// a Prometheus could answer. Anything else is refused by name, so a template cannot silently ask for
// something the simulator does not model.
import { parseDuration } from '../../src/plan/duration.js'
import { quantile, type Arm, type SimulatedTraffic } from './traffic.js'

export class UnsupportedQuery extends Error {}

type Value =
  | { type: 'scalar'; value: number }
  /** An instant vector of at most one series (every query here aggregates one arm). */
  | { type: 'vector'; value: number | undefined }
  /** A range selector, before increase()/rate() turns it into a vector. */
  | { type: 'range'; metric: string; arm: Arm; errorsOnly: boolean; minutes: number }
  /** Latency buckets of one arm over a window, before histogram_quantile() reads them. */
  | { type: 'histogram'; arm: Arm; minutes: number }

const REQUESTS = 'http_requests_total'
const DURATION_BUCKETS = 'http_request_duration_seconds_bucket'
const ARMS: Record<string, Arm> = { canary: 'canary', stable: 'baseline' }

interface Token {
  kind: 'ident' | 'number' | 'string' | 'punct' | 'duration'
  text: string
}

// A benchmark asks the same few queries hundreds of thousands of times.
const tokenized = new Map<string, Token[]>()

function tokenize(query: string): Token[] {
  const cached = tokenized.get(query)
  if (cached) return cached
  const tokens = scan(query)
  if (tokenized.size < 1000) tokenized.set(query, tokens)
  return tokens
}

function scan(query: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < query.length) {
    const rest = query.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const match =
      matchToken(rest, 'duration', /^\[([^\]]*)\]/) ||
      matchToken(rest, 'number', /^(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+)/i) ||
      matchToken(rest, 'ident', /^[A-Za-z_:][A-Za-z0-9_:]*/) ||
      matchToken(rest, 'string', /^"(?:[^"\\]|\\.)*"/) ||
      matchToken(rest, 'punct', /^(?:=~|!~|!=|[(){},=+\-*/])/)
    if (!match) throw new UnsupportedQuery(`unexpected "${rest.slice(0, 12)}"`)
    tokens.push({ kind: match.kind, text: match.kind === 'string' ? JSON.parse(match.text) as string : match.text })
    i += match.length
  }
  return tokens
}

function matchToken(rest: string, kind: Token['kind'], pattern: RegExp): { kind: Token['kind']; text: string; length: number } | undefined {
  const found = pattern.exec(rest)
  // A duration's text is what is inside its brackets.
  return found ? { kind, text: found[1] ?? found[0], length: found[0].length } : undefined
}

/** Where a query is evaluated: the traffic, and the canary's minute of life at the moment of asking. */
export interface QueryTime {
  traffic: SimulatedTraffic
  minute: number
}

class Parser {
  private at = 0
  constructor(
    private readonly tokens: Token[],
    private readonly time: QueryTime
  ) {}

  parse(): Value {
    const value = this.sum()
    if (this.at < this.tokens.length) throw new UnsupportedQuery(`unexpected "${this.tokens[this.at].text}"`)
    return value
  }

  private peek(text?: string): Token | undefined {
    const token = this.tokens[this.at]
    return text === undefined || token?.text === text ? token : undefined
  }

  private take(text?: string): Token {
    const token = this.tokens[this.at]
    if (!token || (text !== undefined && token.text !== text)) throw new UnsupportedQuery(`expected "${text ?? 'more'}" at "${token?.text ?? 'the end'}"`)
    this.at++
    return token
  }

  private sum(): Value {
    let left = this.product()
    while (this.peek('+') || this.peek('-')) {
      const op = this.take().text
      left = arithmetic(left, this.product(), op)
    }
    return left
  }

  private product(): Value {
    let left = this.unary()
    while (this.peek('*') || this.peek('/')) {
      const op = this.take().text
      left = arithmetic(left, this.unary(), op)
    }
    return left
  }

  private unary(): Value {
    if (this.peek('-')) {
      this.take()
      return arithmetic({ type: 'scalar', value: -1 }, this.unary(), '*')
    }
    return this.primary()
  }

  private primary(): Value {
    const token = this.take()
    if (token.kind === 'number') return { type: 'scalar', value: Number(token.text) }
    if (token.text === '(') {
      const inner = this.sum()
      this.take(')')
      return inner
    }
    if (token.kind !== 'ident') throw new UnsupportedQuery(`unexpected "${token.text}"`)
    if (this.peek('{') || this.peek()?.kind === 'duration') return this.selector(token.text)
    return this.call(token.text)
  }

  private grouping(): string[] | undefined {
    if (!this.peek('by')) return undefined
    this.take('by')
    this.take('(')
    const labels: string[] = []
    while (!this.peek(')')) {
      labels.push(this.take().text)
      if (this.peek(',')) this.take(',')
    }
    this.take(')')
    return labels
  }

  private call(name: string): Value {
    let by = this.grouping()
    this.take('(')
    const args: Value[] = [this.sum()]
    while (this.peek(',')) {
      this.take(',')
      args.push(this.sum())
    }
    this.take(')')
    by = by ?? this.grouping()
    switch (name) {
      case 'sum':
        return aggregate(args, by)
      case 'increase':
      case 'rate':
        return this.overRange(name, args)
      case 'scalar': {
        const [vector] = args
        if (args.length !== 1 || vector.type !== 'vector') throw new UnsupportedQuery('scalar() takes one instant vector')
        return { type: 'scalar', value: vector.value ?? NaN }
      }
      case 'histogram_quantile': {
        const [q, buckets] = args
        if (args.length !== 2 || q.type !== 'scalar' || buckets.type !== 'histogram') {
          throw new UnsupportedQuery(`histogram_quantile() takes a number and sum by (le) (rate(${DURATION_BUCKETS}{…}[…]))`)
        }
        const latencies = this.time.traffic.windowLatencies(buckets.arm, this.time.minute, buckets.minutes)
        // The histogram is in seconds; the simulator keeps milliseconds. No observations: NaN, as Prometheus.
        return { type: 'vector', value: quantile(latencies, q.value) / 1000 }
      }
    }
    throw new UnsupportedQuery(`function ${name}() is not simulated`)
  }

  /** increase() counts the window's requests (or errors); rate() per second. */
  private overRange(name: 'increase' | 'rate', args: Value[]): Value {
    const [range] = args
    if (args.length !== 1 || range.type !== 'range') throw new UnsupportedQuery(`${name}() takes a range selector`)
    if (range.metric === DURATION_BUCKETS) {
      if (name !== 'rate') throw new UnsupportedQuery('latency buckets are read as rate(…_bucket[…])')
      return { type: 'histogram', arm: range.arm, minutes: range.minutes }
    }
    const { traffic, minute } = this.time
    const count = range.errorsOnly ? traffic.errors(range.arm, minute, range.minutes) : traffic.requests(range.arm, minute, range.minutes)
    return { type: 'vector', value: name === 'increase' ? count : count / (range.minutes * 60) }
  }

  private selector(metric: string): Value {
    const labels = new Map<string, { op: string; value: string }>()
    if (this.peek('{')) {
      this.take('{')
      while (!this.peek('}')) {
        const name = this.take().text
        const op = this.take().text
        const value = this.take()
        if (value.kind !== 'string') throw new UnsupportedQuery(`label ${name} needs a quoted value`)
        labels.set(name, { op, value: value.text })
        if (this.peek(',')) this.take(',')
      }
      this.take('}')
    }
    const range = this.peek()?.kind === 'duration' ? this.take().text : undefined
    if (range === undefined) throw new UnsupportedQuery(`${metric} needs a range such as [1m] (the simulator answers increase() and rate() over a window)`)
    const ms = parseDuration(range)
    if (ms === undefined || ms <= 0 || ms % 60_000 !== 0) throw new UnsupportedQuery(`range [${range}] must be whole minutes`)
    if (metric !== REQUESTS && metric !== DURATION_BUCKETS) throw new UnsupportedQuery(`metric ${metric} is not simulated (${REQUESTS}, ${DURATION_BUCKETS})`)
    const version = labels.get('version')
    const arm = version?.op === '=' ? ARMS[version.value] : undefined
    if (!arm) throw new UnsupportedQuery(`${metric} needs version="canary" or version="stable"`)
    let errorsOnly = false
    for (const [name, { op, value }] of labels) {
      if (name === 'version' || name === 'app') continue
      if (name === 'status' && op === '=~' && value === '5..' && metric === REQUESTS) errorsOnly = true
      else throw new UnsupportedQuery(`label matcher ${name}${op}"${value}" is not simulated`)
    }
    return { type: 'range', metric, arm, errorsOnly, minutes: ms / 60_000 }
  }
}

function aggregate(args: Value[], by: string[] | undefined): Value {
  const [inner] = args
  if (args.length !== 1) throw new UnsupportedQuery('sum() takes one argument')
  if (inner.type === 'histogram') {
    if (by?.join(',') !== 'le') throw new UnsupportedQuery('histogram buckets are summed by (le)')
    return inner
  }
  if (by && by.length > 0) throw new UnsupportedQuery(`sum by (${by.join(', ')}): the simulator has one series per arm`)
  if (inner.type !== 'vector') throw new UnsupportedQuery('sum() takes an instant vector')
  return inner
}

function arithmetic(left: Value, right: Value, op: string): Value {
  const a = numberOf(left)
  const b = numberOf(right)
  const apply = (x: number, y: number): number => (op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y)
  if (left.type === 'scalar' && right.type === 'scalar') return { type: 'scalar', value: apply(a!, b!) }
  // Vector arithmetic: an empty side leaves nothing, as in Prometheus.
  return { type: 'vector', value: a === undefined || b === undefined ? undefined : apply(a, b) }
}

function numberOf(value: Value): number | undefined {
  if (value.type === 'scalar' || value.type === 'vector') return value.value
  throw new UnsupportedQuery(value.type === 'range' ? 'a range selector must go through increase() or rate()' : 'latency buckets must go through histogram_quantile()')
}

/** Prometheus's text for a sample value (Go's FormatFloat: NaN, +Inf, -Inf). */
export function formatSample(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/**
 * The query's answer as Prometheus's HTTP API would send it at `time`: the body the real provider
 * reads (`resultFromAnswer`), so the result the conditions see takes the real provider's path.
 */
export function answerQuery(query: string, time: QueryTime, nowSeconds: number): unknown {
  const final = new Parser(tokenize(query), time).parse()
  if (final.type === 'scalar') return { status: 'success', data: { resultType: 'scalar', result: [nowSeconds, formatSample(final.value)] } }
  if (final.type === 'vector') {
    const result = final.value === undefined ? [] : [{ metric: {}, value: [nowSeconds, formatSample(final.value)] }]
    return { status: 'success', data: { resultType: 'vector', result } }
  }
  throw new UnsupportedQuery(final.type === 'range' ? 'a range selector must go through increase() or rate()' : 'latency buckets must go through histogram_quantile()')
}
