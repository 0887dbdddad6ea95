// Plans with a baseline, read from YAML as users write them, run by the real engine on a virtual
// clock against a fake Prometheus that answers per series and version: `errors{version="stable"}`.
import { runAnalysis } from '../../src/analysis/engine.js'
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
