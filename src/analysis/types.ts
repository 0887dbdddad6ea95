// The words of an analysis, as Argo Rollouts uses them: a run of metrics, each taking measurements,
// each measurement with a phase; the metric's phase follows from its measurements and limits, and
// the run's phase (the verdict) from its metrics.
import type { Expr } from './expr/index.js'
import type { JobConfig, NewRelicConfig, PrometheusConfig, WebConfig } from '../plan/schema.js'
import type { KayentaMetricConfig, MeanJudgeOptions, RateJudgeOptions } from './judges/index.js'

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

/** The same query measured for the baseline (the stable version), with the args that differ. */
export interface BaselineSpec {
  provider: ProviderSpec
  /** The baseline's query as the report shows it. */
  query: string
  /** The args that differ from the canary's, as written (values of secret args are redacted on output). */
  args: Array<{ name: string; value: string; source: string }>
}

/** The observations behind a reading (the requests behind an error rate), and the fewest judged. */
export interface SampleSizeSpec {
  /** Below this on either arm the measurement is Inconclusive and does not count. */
  minimum: number
  /** How the observations are named in messages: `requests`. */
  unit: string
  /** A second measurement through the metric's provider, one per arm. */
  query?: { canary: ProviderSpec; baseline?: ProviderSpec; text: string }
  /** Or an expression over each arm's answer (`result.requests`). */
  value?: Condition
}

/** A statistical comparison of canary and baseline that decides the metric instead of conditions. */
export type JudgeSpec =
  | {
      kind: 'mannWhitney'
      /** Kayenta's per-metric settings (the name is the metric's). */
      config: Omit<KayentaMetricConfig, 'name'>
      /** Kayenta's group, for scoring. */
      group: string
      /** The reading's numbers; default: the result, a number or a list of numbers. */
      samples?: Condition
    }
  | {
      kind: 'sequentialRate'
      options: RateJudgeOptions
      /** The interval's events (errors); default: the result, a single number. */
      events?: Condition
    }
  | {
      kind: 'sequentialMean'
      options: MeanJudgeOptions
      samples?: Condition
      unit?: string
    }

/** Kayenta's scoring over the mannWhitney metrics of one analysis (a template's `scoring`). */
export interface ScoringSpec {
  template: string
  /** `file:line` of the scoring. */
  location: string
  /** Weights in percent per group; groups not listed share what is left. */
  groupWeights: Record<string, number>
  thresholds: { pass: number; marginal: number }
}

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
  /** canary-gate: the same query for the baseline; conditions see its answer as `baseline`. */
  baseline?: BaselineSpec
  /** canary-gate: the minimum observations behind a reading, on each arm. */
  sampleSize?: SampleSizeSpec
  /** canary-gate: a statistical judge instead of conditions and Argo's limits. */
  judge?: JudgeSpec
  /** The analysis' scoring, on the mannWhitney metrics it combines (the same object on each). */
  scoring?: ScoringSpec
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
  /** The baseline's answer, measured beside `value` (metrics with `baseline`). */
  baselineValue?: unknown
  /** The same part of the baseline's answer as `display` shows of the canary's. */
  baselineDisplay?: string
  /** The observations behind each arm's reading (metrics with `sampleSize`). */
  samples?: { canary?: number; baseline?: number; unit: string }
  /** Did not count towards count or inconclusiveLimit (insufficient data); retried at the next interval. */
  uncounted?: boolean
  /** The judge's view after this measurement (judged metrics). */
  judge?: JudgeView
}

/** What a judge made of everything measured so far: the numbers and the sentence people read. */
export interface JudgeView {
  kind: JudgeSpec['kind']
  decision?: 'fail' | 'pass' | 'continue'
  /** The canary's value the judge compared (mean, rate). */
  canary?: number
  baseline?: number
  /** canary / baseline. */
  ratio?: number
  n?: { canary: number; baseline: number }
  pValue?: number
  interval?: { lower: number; upper: number; of: 'ratio' | 'difference' | 'shift' }
  /** Kayenta's Pass, High, Low, Nodata, NodataFailMetric, Error. */
  classification?: string
  reason: string
}

/** Kayenta's score of an analysis' mannWhitney metrics. */
export interface AnalysisScore {
  score: number
  classification: 'Pass' | 'Marginal' | 'Fail'
  reason: string
  groups: Array<{ name: string; score: number; weight: number }>
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
  /** Inconclusive because its readings stayed below sampleSize.minimum: too little data, not a fault. */
  insufficientData?: boolean
}

export interface MetricOutcome extends MetricAssessment {
  spec: MetricSpec
  tally: MetricTally
  /** Another metric decided the run before this one completed. */
  stopped?: boolean
  /** The judge's final judgement (judged metrics), or its latest view when it did not finish. */
  judgement?: JudgeView
  /** Its classification went into the analysis' score, which decides in its place. */
  scored?: boolean
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
  /** Kayenta's score over the mannWhitney metrics, when the analysis has a scoring. */
  score?: AnalysisScore
}

export const VERDICTS: readonly Verdict[] = ['Successful', 'Failed', 'Error', 'Inconclusive']
