// The judges: canary against baseline, as pure functions of the samples the engine has gathered.
// No I/O, no clock, no state between calls: the engine passes everything accumulated so far at each
// interval and gets back a decision with its reasons. Same input, same output (Kayenta's tie-breaking
// noise is seeded by the data).
//
// 1. Kayenta's NetflixACAJudge (fixed horizon, kayenta.ts), per metric then per analysis:
//      classifyMetric(canary: number[], baseline: number[], config: KayentaMetricConfig)
//        → MetricClassification { classification: Pass|High|Low|Nodata|NodataFailMetric|Error,
//                                  critical, reason, ratio, test: MannWhitneyResult, … }
//      canary, baseline: the metric's readings for each arm (a range query's values, a TIMESERIES
//        row, the interval's readings), in the metric's own unit; NaN is handled per nanStrategy.
//      config.minSamples (default 10): below it on either side → Nodata "insufficient data: 7
//        canary samples < 20", never Pass.
//      scoreMetrics(classifications + groups, { groupWeights?, thresholds: { pass, marginal } })
//        → ScoreResult { score 0–100, classification Pass|Marginal|Fail, groups, reason, zeroedBy? }
//      scoreVerdict(score) → the engine's phase (Marginal and "too little data" are Inconclusive).
//
// 2. The sequential judge for rates (sequential.ts), evaluated at every interval:
//      judgeRates(intervals: RateInterval[], options?: RateJudgeOptions) → RateJudgement
//      intervals: oldest first, one per measurement interval, each arm's { events, exposure }:
//        errors and requests counted in that interval (not cumulative; rates are derived).
//      options: alpha (0.01), tolerance (0.1: fail when the canary's error rate is shown above
//        110 % of the baseline's), passTolerance (pass when shown below 1 + passTolerance), …
//      → { decision fail|pass|continue, pValue (always valid), ratio (canary rate / baseline
//          rate), interval { lower, upper } (confidence sequence for the ratio), reason, … }
//
// 3. The sequential judge for continuous metrics such as latency (sequential-means.ts):
//      judgeMeans(intervals: MeanInterval[], options?: MeanJudgeOptions, unit?: string) → MeanJudgement
//      intervals: oldest first, each arm's { count, mean, variance } of that interval's
//        observations (summarize(values) makes one from raw values), in the metric's unit.
//      options: alpha (0.01), tolerance (0.1: fail when the canary's mean is shown above 110 % of
//        the baseline's), passTolerance, minSamples (30 per arm before any decision), tuneAt.
//      → { decision, pValue, difference { estimate, lower, upper } (canary − baseline, in the
//          metric's unit), canary/baseline means, ratio, reason }
//
//    Both sequential judges keep the probability of a false rollback below alpha however often
//    they are evaluated (the rate judge exactly, under its Poisson model; the latency judge
//    asymptotically, see its header), so the engine may call them at every interval and act on
//    the first decision that is not continue. sequentialVerdict() maps that to the engine's phase.
//    For long runs, startRates/stepRates and startMeans/stepMeans fold one interval at a time and
//    give the same results as the list functions.

import type { MeasurementPhase } from '../types.js'
import type { ScoreResult } from './kayenta.js'

export {
  classifyMetric,
  scoreMetrics,
  percentile,
  iqrOutliers,
  meanRatio,
  cles,
  DEFAULT_MIN_SAMPLES,
  DEFAULT_GROUP,
  type Direction,
  type EffectSizeConfig,
  type GroupScore,
  type KayentaMetricConfig,
  type MetricClassification,
  type MetricLabel,
  type SampleSummary,
  type ScoredMetric,
  type ScoreLabel,
  type ScoreResult,
  type ScoringConfig
} from './kayenta.js'
export { mannWhitney, hodgesLehmann, type MannWhitneyError, type MannWhitneyResult } from './mann-whitney.js'
export {
  judgeRates,
  startRates,
  stepRates,
  rateDecision,
  rateJudgement,
  RATE_DEFAULTS,
  type Decision,
  type RateCounts,
  type RateInterval,
  type RateJudgeOptions,
  type RateJudgement,
  type RateState
} from './sequential.js'
export {
  judgeMeans,
  startMeans,
  stepMeans,
  meanDecision,
  meanJudgement,
  summarize,
  MEAN_DEFAULTS,
  type ContrastSequence,
  type MeanInterval,
  type MeanJudgeOptions,
  type MeanJudgement,
  type MeanState,
  type MeanSummary
} from './sequential-means.js'

/**
 * The phase of a Kayenta-style analysis: Pass → Successful, Fail → Failed, Marginal → Inconclusive
 * (manual review). A score forced to 0 by missing data (≥ 50 % Nodata, or a critical metric without
 * enough data and nothing that regressed) is Inconclusive too: too little data is neither a pass
 * nor a fail.
 */
export function scoreVerdict(score: ScoreResult): Exclude<MeasurementPhase, 'Error'> {
  if (score.zeroedBy?.kind === 'nodata') return 'Inconclusive'
  if (score.zeroedBy?.kind === 'critical' && score.zeroedBy.missingData) return 'Inconclusive'
  if (score.classification === 'Pass') return 'Successful'
  return score.classification === 'Marginal' ? 'Inconclusive' : 'Failed'
}

/**
 * The phase of a sequential judge at an interval: fail → Failed, pass → Successful; continue →
 * undefined (measure again) until the metric's count is reached. Then Successful when the judge had
 * data enough to decide (no regression was shown, at a false-rollback rate ≤ α), and Inconclusive
 * when it did not (too few requests or observations is never a pass).
 */
export function sequentialVerdict(
  judgement: { decision: 'fail' | 'pass' | 'continue'; enough: boolean },
  countReached: boolean
): Exclude<MeasurementPhase, 'Error'> | undefined {
  if (judgement.decision === 'fail') return 'Failed'
  if (judgement.decision === 'pass') return 'Successful'
  if (!countReached) return undefined
  return judgement.enough ? 'Successful' : 'Inconclusive'
}
