// Builds metrics the way a plan would, for tests of the engine and its pure functions.
import { parseExpression } from '../../src/analysis/expr/index.js'
import type { Measurement, MetricSpec } from '../../src/analysis/types.js'
import type { Provider } from '../../src/providers/provider.js'
import type { Clock } from '../../src/clock.js'

export interface MetricOptions extends Partial<Omit<MetricSpec, 'successCondition' | 'failureCondition'>> {
  success?: string
  failure?: string
}

export function metric(options: MetricOptions = {}): MetricSpec {
  const { success, failure, ...rest } = options
  return {
    name: 'error-rate',
    template: 't',
    location: 't.yaml:7',
    initialDelayMs: 0,
    count: 1,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    consecutiveSuccessLimit: 0,
    dryRun: false,
    provider: { kind: 'web', config: { url: 'http://metrics.test/v1/metrics' } },
    query: 'GET http://metrics.test/v1/metrics',
    successCondition: success === undefined ? undefined : { source: success, expr: parseExpression(success) },
    failureCondition: failure === undefined ? undefined : { source: failure, expr: parseExpression(failure) },
    ...rest
  }
}

export function measurement(phase: Measurement['phase'], value?: unknown, at = 0): Measurement {
  return { startedAt: at, finishedAt: at, phase, value, message: `${phase} ${String(value)}` }
}

/** A provider answering from a script: a value, or an Error to throw; the last entry repeats. */
export function scripted(answers: Array<unknown | Error>, options: { clock?: Clock; latencyMs?: number } = {}): Provider & { calls: number[] } {
  const calls: number[] = []
  return {
    calls,
    async measure(_metric, context) {
      calls.push(context.clock.now())
      if (options.latencyMs) await context.clock.sleep(options.latencyMs, context.signal)
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer
    }
  }
}
