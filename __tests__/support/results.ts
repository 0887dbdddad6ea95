// A gate's analysis as the reports see it, made from a metric's values: the seed's error rate against
// `result.errorRate < 2`, one measurement a minute from T0, a failureLimit of 1.
import { emptyTally, recordMeasurement } from '../../src/analysis/metric.js'
import type { AnalysisOutcome, Measurement, MetricOutcome } from '../../src/analysis/types.js'
import { metric } from './metrics.js'

export const T0 = Date.UTC(2026, 1, 4, 6, 57, 30)

export function outcomeOf(name: string, values: number[], phase: MetricOutcome['phase'], success = 'result.errorRate < 2'): MetricOutcome {
  const spec = metric({ name, success, count: values.length, intervalMs: 60_000, failureLimit: 1 })
  const tally = values.reduce(
    (t, value, i) =>
      recordMeasurement(t, {
        startedAt: T0 + i * 60_000,
        finishedAt: T0 + i * 60_000 + 500,
        phase: value < 2 ? 'Successful' : 'Failed',
        value: { errorRate: value },
        display: String(value),
        message: `${value}: successCondition ${success} is ${value < 2}`
      } satisfies Measurement),
    emptyTally()
  )
  return { spec, tally, phase, message: phase === 'Failed' ? `failed ${values.length} > failureLimit 1: measured ${values.join(', ')}` : `${values.length} of ${values.length} passed` }
}

export function analysis(metrics: MetricOutcome[], verdict: AnalysisOutcome['verdict']): AnalysisOutcome {
  return { verdict, startedAt: T0, finishedAt: T0 + 120_000, metrics, reasons: metrics.map((m) => `${m.spec.name} ${m.phase}: ${m.message}`), ending: 'decided' }
}
