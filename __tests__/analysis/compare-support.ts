// Plans with a baseline, read from YAML as users write them, run by the real engine on a virtual
// clock against a fake Prometheus that answers per series and version: `errors{version="stable"}`.
import { runAnalysis } from '../../src/analysis/engine.js'
import { createRandom } from '../../src/analysis/judges/random.js'
import type { RateInterval } from '../../src/analysis/judges/sequential.js'
import type { AnalysisOutcome, MetricSpec } from '../../src/analysis/types.js'
import { memoryLogger } from '../../src/log.js'
import type { Provider } from '../../src/providers/provider.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { instantiateFile, templateText } from './template-file.js'

/** The template's args: the version a query measures, `canary` unless the baseline says otherwise. */
export const VERSION_ARG = `  args:
    - name: version
      value: canary
`

/** Metrics (YAML, indented 4) of a template with the version arg; configuration problems fail the test. */
export async function planMetrics(metrics: string, spec = ''): Promise<MetricSpec[]> {
  const { problems, metrics: specs } = await instantiateFile(templateText(metrics, VERSION_ARG + spec))
  if (problems.length) throw new Error(`configuration problems:\n${problems.join('\n')}`)
  return specs
}

/** The configuration problems of such a template, as users read them. */
export async function planProblems(metrics: string, spec = ''): Promise<string[]> {
  return (await instantiateFile(templateText(metrics, VERSION_ARG + spec))).problems
}

export interface Ask {
  series: string
  version: string
  /** Which call of this series and version, from 0. */
  call: number
  at: number
}

/** The answer to one query, an Error to throw it, or a number of milliseconds to wait first. */
export type Answer = (ask: Ask) => unknown

/**
 * A Prometheus stand-in: queries are `series{version="v"}`, answered by `answer`, each after
 * `latencyMs(series, version)` of clock time. Records every query with the clock time it was asked.
 */
export function fakePrometheus(answer: Answer, latencyMs: (series: string, version: string) => number = () => 0): Provider & { asked: Ask[] } {
  const asked: Ask[] = []
  return {
    asked,
    async measure(metric, context) {
      if (metric.provider.kind !== 'prometheus') throw new Error('not a prometheus metric')
      const match = /^(\w+)\{version="(\w+)"\}$/.exec(metric.provider.config.query)
      if (!match) throw new Error(`unexpected query ${metric.provider.config.query}`)
      const [, series, version] = match
      const ask = { series, version, call: asked.filter((a) => a.series === series && a.version === version).length, at: context.clock.now() }
      asked.push(ask)
      const wait = latencyMs(series, version)
      if (wait) await context.clock.sleep(wait, context.signal)
      const value = answer(ask)
      if (value instanceof Error) throw value
      return value
    }
  }
}

export async function analyse(metrics: MetricSpec[], provider: Provider, options: { deadlineMs?: number; clock?: VirtualClock; signal?: AbortSignal; passOnStop?: boolean } = {}): Promise<AnalysisOutcome & { start: number; log: string[] }> {
  const clock = options.clock ?? new VirtualClock()
  const log = memoryLogger()
  const start = clock.now()
  const outcome = await runAnalysis({
    metrics,
    providerFor: () => provider,
    clock,
    log,
    deadline: options.deadlineMs === undefined ? undefined : start + options.deadlineMs,
    signal: options.signal,
    passOnStop: options.passOnStop
  })
  return { ...outcome, start, log: log.lines }
}

/** Seconds since the run started. */
export const seconds = (at: number, start: number): number => (at - start) / 1000

/** A judged metric `name` of series `name`, compared with version stable. */
export function judged(name: string, judge: string, fields = 'interval: 1m\ncount: 5'): string {
  const indent = (text: string, by: string): string =>
    text
      .trim()
      .split('\n')
      .map((line) => `${by}${line}`)
      .join('\n')
  return `    - name: ${name}
${indent(fields, '      ')}
      baseline: { args: [{ name: version, value: stable }] }
      judge:
${indent(judge, '        ')}
      provider:
        prometheus: { query: '${name}{version="{{args.version}}"}' }`
}

/** `n` log-normal latencies around `median` ms per reading, the canary's × factor; seeded per series, version and call. */
export function latencies(series: string, n: number, median: number, factor: number, seed = 1): (ask: Ask) => number[] | undefined {
  return (ask) => {
    if (ask.series !== series) return undefined
    const random = createRandom(seed * 1_000_003 + ask.call * 7919 + (ask.version === 'canary' ? 1 : 2))
    const level = Math.log(median * (ask.version === 'canary' ? factor : 1))
    return Array.from({ length: n }, () => Math.round(Math.exp(level + 0.4 * random.normal())))
  }
}

/** The first of the answers that knows the series. */
export const either = (...answers: Array<(ask: Ask) => unknown>) => (ask: Ask): unknown => {
  for (const answer of answers) {
    const value = answer(ask)
    if (value !== undefined) return value
  }
  throw new Error(`no answer for ${ask.series}`)
}

export const P99 = `mannWhitney:
  direction: increase
  unit: ms
  effectSize: { allowedIncrease: 1.1, criticalIncrease: 1.5 }`

/** A sequential rate metric: errors counted per interval over the requests behind them. */
export const RATE_METRIC = (count: number, alpha = '0.01') => `    - name: errors
      interval: 1m
      count: ${count}
      baseline: { args: [{ name: version, value: stable }] }
      sampleSize: { minimum: 1, unit: requests, query: 'requests{version="{{args.version}}"}' }
      judge:
        sequentialRate: { alpha: ${alpha}, tolerance: 0.1 }
      provider:
        prometheus: { query: 'errors{version="{{args.version}}"}' }`

/** Answers from simulated intervals: minute k's errors and requests for each arm. */
export function rateAnswers(intervals: RateInterval[]): (ask: Ask) => unknown {
  return (ask) => {
    const interval = intervals[Math.min(ask.call, intervals.length - 1)]
    const arm = ask.version === 'canary' ? interval.canary : interval.baseline
    if (ask.series === 'errors') return [arm.events]
    if (ask.series === 'requests') return [arm.exposure]
    return undefined
  }
}
