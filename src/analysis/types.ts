// The words of an analysis, as Argo Rollouts uses them: a run of metrics, each taking measurements,
// each measurement with a phase; the metric's phase follows from its measurements and limits, and
// the run's phase (the verdict) from its metrics.
import type { Expr } from './expr/index.js'
import type { JobConfig, NewRelicConfig, PrometheusConfig, WebConfig } from '../plan/schema.js'

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error'
export type MetricPhase = 'Pending' | 'Running' | MeasurementPhase
export type Verdict = 'Successful' | 'Failed' | 'Error' | 'Inconclusive'

export interface Condition {
  /** The text as written (after `{{args.x}}` substitution). */
  source: string
  expr: Expr
}

export type ProviderSpec =
  | { kind: 'prometheus'; config: PrometheusConfig }
  | { kind: 'newRelic'; config: NewRelicConfig }
  | { kind: 'web'; config: WebConfig }
  | { kind: 'job'; config: JobConfig }

export interface MetricSpec {
  /** Unique within the run: the metric's name, or `template/metric` when two templates share it. */
  name: string
  template: string
  /** `file:line` of the metric in the plan. */
  location: string
  intervalMs?: number
  initialDelayMs: number
  /** Measurements to take (errors not counted); undefined: until the run ends. */
  count?: number
  successCondition?: Condition
  failureCondition?: Condition
  thresholdRange?: { min?: number; max?: number }
  /** -1 disables the limit (with consecutiveSuccessLimit). */
  failureLimit: number
  inconclusiveLimit: number
  consecutiveErrorLimit: number
  /** 0: off. */
  consecutiveSuccessLimit: number
  dryRun: boolean
  provider: ProviderSpec
  /** What the report shows as the question asked: PromQL, NRQL, `GET url`, the job's image. */
  query: string
}

export interface Measurement {
  startedAt: number
  finishedAt: number
  phase: MeasurementPhase
  /** The result the conditions saw (absent for errors). */
  value?: unknown
  /** The part of the value the conditions compared, as people read it: `2.68`, `result[0].count = 120`. */
  display?: string
  /** Why this phase, in plain words with the values. */
  message: string
  /** The measurement can never succeed on retry (bad key, invalid query). */
  permanent?: boolean
}

/** Running counts of a metric, as Argo keeps them in MetricResult. */
export interface MetricTally {
  measurements: Measurement[]
  /** Measurements that count towards `count`: every phase but Error. */
  count: number
  successful: number
  failed: number
  inconclusive: number
  error: number
  consecutiveError: number
  consecutiveSuccess: number
}

export interface MetricAssessment {
  phase: MetricPhase
  /** Plain words: which limit, which values. */
  message: string
}

export interface MetricOutcome extends MetricAssessment {
  spec: MetricSpec
  tally: MetricTally
  /** Another metric decided the run before this one completed. */
  stopped?: boolean
}

export interface AnalysisOutcome {
  verdict: Verdict
  startedAt: number
  finishedAt: number
  metrics: MetricOutcome[]
  /** Why the verdict, one line per deciding metric. */
  reasons: string[]
  /** How the run ended: all metrics completed, a metric decided it early, or it was stopped. */
  ending: 'completed' | 'decided' | 'timeout' | 'stopped'
}

export const VERDICTS: readonly Verdict[] = ['Successful', 'Failed', 'Error', 'Inconclusive']
