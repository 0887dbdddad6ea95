import { describe, expect, it } from '@jest/globals'
import {
  addTieBreakingNoise,
  classifyMetric,
  cles,
  iqrOutliers,
  meanRatio,
  percentile,
  scoreMetrics,
  type KayentaMetricConfig,
  type MetricLabel,
  type ScoredMetric
} from '../../src/analysis/judges/kayenta.js'
import { fixture } from './fixtures.js'

interface ClassifierCase {
  test: string
  experiment: number[]
  control: number[]
  tolerance: number
  confidence: number
  effectSizeThresholds: [number, number] | null
  criticalThresholds: [number, number] | null
  effectSizeMeasure: 'cles' | null
  direction: 'increase' | 'decrease' | 'either'
  nanStrategy: 'remove' | 'replace'
  critical: boolean
  expected: { classification: MetricLabel | null; critical: boolean | null; deviation: number | 'NaN' | null; reasonNotEmpty: boolean }
}
interface ScorerCase {
  test: string
  groupWeights: Record<string, number>
  metrics: Array<{ name: string; classification: MetricLabel; critical: boolean; groups: string[] }>
  expectedSummary: number | null
  expectedGroupScoresSorted: number[] | null
}
interface Kayenta {
  classifier: ClassifierCase[]
  iqr: Array<{ test: string; data: number[]; truth: boolean[]; factor: number }>
  percentile: Array<{ test: string; data: number[]; p: number; expected: number; tolerance: number }>
  scorer: ScorerCase[]
}

const kayenta = fixture<Kayenta>('kayenta-cases.json')

/** Kayenta's classifier arguments as a metric config; minSamples 1 is Kayenta's (absent) minimum. */
function configOf(c: ClassifierCase): KayentaMetricConfig {
  const [allowedDecrease, allowedIncrease] = c.effectSizeThresholds ?? [undefined, undefined]
  const [criticalDecrease, criticalIncrease] = c.criticalThresholds ?? [undefined, undefined]
  return {
    name: c.test,
    tolerance: c.tolerance,
    confidence: c.confidence,
    direction: c.direction,
    nanStrategy: c.nanStrategy,
    critical: c.critical,
    minSamples: 1,
    effectSize: { measure: c.effectSizeMeasure ?? 'meanRatio', allowedDecrease, allowedIncrease, criticalDecrease, criticalIncrease }
  }
}

// Kayenta passes an empty sample when NaNs are replaced; canary-gate never passes without data.
const DIFFERENT = new Map<string, MetricLabel>([['Mann-Whitney Missing Experiment Data with NaN Replacement', 'Nodata']])

describe("Kayenta's classifier cases (ClassifierSuite.scala, replayed from the fixture)", () => {
  const cases = kayenta.classifier.filter((c) => c.expected.classification !== null)

  it.each(cases.map((c) => ({ name: c.test, c })))('$name', ({ c }) => {
    const result = classifyMetric(c.experiment, c.control, configOf(c))
    expect(result.classification).toBe(DIFFERENT.get(c.test) ?? c.expected.classification)
    if (c.expected.critical !== null) expect(result.critical).toBe(c.expected.critical)
    // Kayenta's "deviation" is the mean ratio, NaN when a mean is 0; we report that as null.
    if (c.expected.deviation === 'NaN') expect(result.ratio).toBeNull()
  })

  it('gives a reason when data is missing (Mann-Whitney Missing Data: Reason String)', () => {
    const c = kayenta.classifier.find((k) => k.expected.reasonNotEmpty)!
    const result = classifyMetric(c.experiment, c.control, configOf(c))
    expect(result.reason).toBe('no data: neither the canary nor the baseline has samples')
    expect(result).toMatchObject({ classification: 'Nodata', critical: true })
  })
})

describe("Kayenta's outlier detector and percentiles (DetectorSuite, StatisticSuite)", () => {
  it.each(kayenta.iqr.map((c) => ({ name: c.test, c })))('IQR: $name', ({ c }) => {
    expect(iqrOutliers(c.data, c.factor, false)).toEqual(c.truth)
  })

  it.each(kayenta.percentile.map((c) => ({ name: `${c.test}, p${c.p}`, c })))('percentile: $name', ({ c }) => {
    expect(Math.abs(percentile(c.data, c.p) - c.expected)).toBeLessThanOrEqual(c.tolerance + 1e-12)
  })

  it('widens the fences to the 1st and 99th percentiles in the judge (hand-computed)', () => {
    // 90 × 10 then 11 … 20: Q1 = Q3 = 10, so Tukey's fences are [10, 10] and drop all ten others;
    // p99 = sorted[98] + 0.01 × (sorted[99] − sorted[98]) = 19.01, so the judge drops only 20.
    const data = [...Array<number>(90).fill(10), 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    expect(percentile(data, 99)).toBeCloseTo(19.01, 12)
    expect(data.filter((_, i) => iqrOutliers(data, 3, false)[i])).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    expect(data.filter((_, i) => iqrOutliers(data, 3)[i])).toEqual([20])
    expect(() => iqrOutliers(data, 0)).toThrow('outlierFactor must be greater than zero')
  })
})

describe("Kayenta's scorer cases (ScorerSuite.scala, replayed from the fixture)", () => {
  it.each(kayenta.scorer.map((c) => ({ name: c.test, c })))('$name', ({ c }) => {
    const result = scoreMetrics(c.metrics, { groupWeights: c.groupWeights, thresholds: { pass: 95, marginal: 75 } })
    if (c.expectedSummary !== null) expect(result.score).toBe(c.expectedSummary)
    if (c.expectedGroupScoresSorted) expect(result.groups.map((g) => g.score).sort((a, b) => a - b)).toEqual(c.expectedGroupScoresSorted)
  })
})

// ---- canary-gate's rules, hand-computed -----------------------------------------------------

const around = (center: number, spread: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => center + spread * (((i * 37) % n) / n - 0.5))

describe('minimum sample size (canary-gate)', () => {
  const base: KayentaMetricConfig = { name: 'p99', minSamples: 20 }

  it('is Nodata "insufficient data" below the minimum, never Pass, even for identical samples', () => {
    const seven = [1, 2, 3, 4, 5, 6, 7]
    const result = classifyMetric(seven, around(4, 6, 30), base)
    expect(result).toMatchObject({ classification: 'Nodata', critical: false, insufficient: { canary: 7, baseline: 30, minimum: 20 } })
    expect(result.reason).toMatch(/^insufficient data: 7 canary samples < 20; canary mean 4 is \d+ % of the baseline's/)
    expect(classifyMetric(seven, seven, base).classification).toBe('Nodata')
    expect(classifyMetric(seven, [3], base).reason).toMatch(/^insufficient data: 7 canary and 1 baseline samples < 20/)
  })

  it('counts samples after NaN removal and outlier removal', () => {
    const canary = [...around(10, 2, 20), NaN, NaN]
    expect(classifyMetric(canary, around(10, 2, 20), base).classification).toBe('Pass')
    const shortOfOne = [...around(10, 2, 19), NaN]
    expect(classifyMetric(shortOfOne, around(10, 2, 20), base).insufficient).toEqual({ canary: 19, baseline: 20, minimum: 20 })
    expect(classifyMetric(shortOfOne, around(10, 2, 20), { ...base, nanStrategy: 'replace' }).insufficient).toBeUndefined()
  })

  it('follows mustHaveData and critical like no data: NodataFailMetric, or a critical failure', () => {
    expect(classifyMetric([1, 2], around(5, 1, 30), { ...base, mustHaveData: true })).toMatchObject({ classification: 'NodataFailMetric', critical: false })
    expect(classifyMetric([1, 2], around(5, 1, 30), { ...base, critical: true })).toMatchObject({ classification: 'Nodata', critical: true })
  })

  it('defaults to 10 per side', () => {
    expect(classifyMetric(around(10, 1, 9), around(10, 1, 30), { name: 'm' }).insufficient?.minimum).toBe(10)
    expect(classifyMetric(around(10, 1, 10), around(10, 1, 30), { name: 'm' }).insufficient).toBeUndefined()
  })
})

describe('classification details', () => {
  it('explains a High with the numbers: means, ratio, shift, interval, tolerance band', () => {
    const result = classifyMetric(around(412, 40, 30), around(241, 40, 30), { name: 'p99', unit: 'ms', critical: true, effectSize: { criticalIncrease: 1.5 } })
    expect(result.classification).toBe('High')
    expect(result.critical).toBe(true)
    expect(result.ratio).toBeCloseTo(412 / 241, 2)
    expect(result.reason).toMatch(
      /^canary mean 41\d(\.\d+)? ms is 171 % of the baseline's 24\d(\.\d+)? ms \(n 30\/30\); shift \+1\d\d(\.\d+)? ms \[\+1\d\d(\.\d+)? ms, \+1\d\d(\.\d+)? ms\] at 98 % confidence lies above \+4\d(\.\d+)? ms \(25 % of \|shift\|\) → High; the mean ratio 171 % reaches the critical increase 150 % → critical failure$/
    )
  })

  it('lets a significant but small effect pass when the ratio is under the allowed increase', () => {
    const result = classifyMetric(around(105, 4, 60), around(100, 4, 60), { name: 'latency', effectSize: { allowedIncrease: 1.1 } })
    expect(result.classification).toBe('Pass')
    expect(result.test!.lower).toBeGreaterThan(0.25 * Math.abs(result.test!.estimate))
    expect(result.reason).toContain('but the mean ratio 105 % is below the allowed increase 110 % → Pass')
  })

  it('passes when the interval does not clear the tolerance band, and says so', () => {
    const result = classifyMetric(around(101, 8, 30), around(100, 8, 30), { name: 'latency', unit: 'ms' })
    expect(result.classification).toBe('Pass')
    expect(result.test!.lower).toBeLessThan(0)
    expect(result.reason).toMatch(/at 98 % confidence does not clear ±\d+(\.\d+)? ms \(25 % of \|shift\|\) → Pass$/)
  })

  it('ignores a decrease for a metric whose direction is increase', () => {
    const result = classifyMetric(around(50, 4, 30), around(100, 4, 30), { name: 'latency', unit: 'ms', direction: 'increase' })
    expect(result.classification).toBe('Pass')
    expect(result.reason).toMatch(/lies below −12.5 ms \(25 % of \|shift\|\), but only an increase counts → Pass$/)
    expect(classifyMetric(around(50, 4, 30), around(100, 4, 30), { name: 'latency' }).classification).toBe('Low')
  })

  it('adds reproducible noise when each side is one repeated value, and classifies the shift', () => {
    const canary = Array<number>(12).fill(10)
    const baseline = Array<number>(12).fill(1)
    const first = classifyMetric(canary, baseline, { name: 'm' })
    const again = classifyMetric(canary, baseline, { name: 'm' })
    expect(first).toMatchObject({ classification: 'High', noiseAdded: true })
    expect(again.test).toEqual(first.test)
    expect(first.reason).toContain('tie-breaking noise added')
    const noised = addTieBreakingNoise(canary, baseline, 7)
    expect(addTieBreakingNoise(canary, baseline, 7)).toEqual(noised)
    expect(addTieBreakingNoise(canary, baseline, 8)).not.toEqual(noised)
    // σ = value × 1e-5: the noise stays tiny relative to each value.
    expect(Math.max(...noised.canary.map((v) => Math.abs(v - 10)))).toBeLessThan(10 * 1e-5 * 6)
    expect(new Set(noised.canary).size).toBe(12)
  })

  it('treats an empty sample as no data whatever the NaN strategy (Kayenta passes it with replace)', () => {
    for (const nanStrategy of ['remove', 'replace'] as const) {
      expect(classifyMetric([], [1, 2, 3], { name: 'm', nanStrategy, minSamples: 1 })).toMatchObject({ classification: 'Nodata', reason: 'no data: the canary has no samples' })
    }
    expect(classifyMetric([NaN, NaN], around(1, 1, 20), { name: 'm', nanStrategy: 'replace', minSamples: 2 }).canary).toEqual({ count: 2, mean: 0, nan: 2, outliers: 0 })
  })

  it('is an Error, critical for a critical metric, when the samples hold infinities', () => {
    const result = classifyMetric([...around(1, 1, 20), Infinity], around(1, 1, 20), { name: 'm', critical: true })
    expect(result).toMatchObject({ classification: 'Error', critical: true })
    expect(result.reason).toMatch(/^error: the samples hold values that are not finite numbers/)
  })

  it('measures the effect as a mean ratio or as the common-language effect size', () => {
    expect(meanRatio([10, 10], [5, 5])).toBe(2)
    expect(meanRatio([10, 10], [0, 0])).toBeNaN()
    expect(cles([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toBe(0.5)
    expect(cles([3, 4], [1, 2])).toBe(1)
    expect(cles([1, 3], [2, 2])).toBe(0.5)
  })
})

describe('scoring (WeightedSumScorer), hand-computed', () => {
  const m = (name: string, classification: MetricLabel, groups: string[], extra: Partial<ScoredMetric> = {}): ScoredMetric => ({
    name,
    classification,
    critical: false,
    groups,
    ...extra
  })
  const thresholds = { pass: 75, marginal: 50 }

  it('shares the rest of 100 among unweighted groups and classifies against the thresholds', () => {
    // errors: 1 of 2 pass → 50, weight 40; latency: 2 of 2 → 100; saturation: 0 of 1 → 0.
    // Unweighted latency and saturation share 60: 50 × 0.4 + 100 × 0.3 + 0 × 0.3 = 50 → Marginal.
    const metrics = [m('5xx', 'Pass', ['errors']), m('4xx', 'High', ['errors']), m('p50', 'Pass', ['latency']), m('p99', 'Pass', ['latency']), m('cpu', 'High', ['saturation'])]
    const result = scoreMetrics(metrics, { groupWeights: { errors: 40 }, thresholds })
    expect(result.score).toBe(50)
    expect(result.classification).toBe('Marginal')
    expect(result.groups.map((g) => [g.name, g.score, g.weight])).toEqual([['errors', 50, 40], ['latency', 100, 30], ['saturation', 0, 30]])
  })

  it('does not count Nodata and Error, counts NodataFailMetric against the group, and scores an empty group 100', () => {
    const metrics = [m('a', 'Pass', ['g1']), m('b', 'Error', ['g1']), m('c', 'NodataFailMetric', ['g1']), m('d', 'Nodata', ['g2']), m('e', 'Pass', ['g3'])]
    const result = scoreMetrics(metrics, { thresholds })
    // g1: 1 / (1 + 1) = 50; g2: no countable metric → 100 in the sum; g3: 100. Equal thirds.
    expect(result.score).toBe(83.33)
    expect(result.groups.find((g) => g.name === 'g2')).toMatchObject({ noData: true, score: 0 })
    expect(result.classification).toBe('Pass')
  })

  it('is 0 on a critical failure, and says whether it was a regression or missing data', () => {
    const regression = scoreMetrics([m('a', 'Pass', ['g']), m('p99', 'High', ['g'], { critical: true, reason: 'p99 171 %' })], { thresholds })
    expect(regression).toMatchObject({ score: 0, classification: 'Fail', reason: 'critical metric p99 is High: p99 171 %', zeroedBy: { kind: 'critical', metrics: ['p99'], missingData: false } })
    const missing = scoreMetrics([m('a', 'Pass', ['g']), m('p99', 'Nodata', ['g'], { critical: true })], { thresholds })
    expect(missing.zeroedBy).toEqual({ kind: 'critical', metrics: ['p99'], missingData: true })
    // A critical metric that passes is not a failure.
    expect(scoreMetrics([m('a', 'Pass', ['g'], { critical: true })], { thresholds }).score).toBe(100)
  })

  it('is 0 when half or more of the metrics are Nodata (insufficient data included)', () => {
    const half = scoreMetrics([m('a', 'Pass', ['g']), m('b', 'Nodata', ['g'])], { thresholds })
    expect(half).toMatchObject({ score: 0, zeroedBy: { kind: 'nodata', percent: 50 }, reason: '1 of 2 metrics have no data (≥ 50 %)' })
    expect(scoreMetrics([m('a', 'Pass', ['g']), m('b', 'Pass', ['g']), m('c', 'Nodata', ['g'])], { thresholds }).score).toBe(100)
  })

  it('leaves muted metrics out and puts metrics without a group in "default"', () => {
    const result = scoreMetrics([m('a', 'Pass', []), m('b', 'High', ['g'], { muted: true }), m('c', 'Nodata', [], { muted: true })], { thresholds })
    expect(result.score).toBe(100)
    expect(result.groups.map((g) => g.name)).toEqual(['default'])
  })

  it('rounds to two decimals half up, as Commons Math does', () => {
    const third = scoreMetrics([m('a', 'Pass', ['g']), m('b', 'High', ['g']), m('c', 'Low', ['g'])], { thresholds })
    expect(third.score).toBe(33.33)
    const twoThirds = scoreMetrics([m('a', 'Pass', ['g']), m('b', 'Pass', ['g']), m('c', 'Low', ['g'])], { thresholds })
    expect(twoThirds.score).toBe(66.67)
  })

  it('rejects weights that are negative or add up to more than 100, and inverted thresholds', () => {
    expect(() => scoreMetrics([], { groupWeights: { a: -1 }, thresholds })).toThrow('group weight of a must be a number ≥ 0, got -1')
    expect(() => scoreMetrics([], { groupWeights: { a: 60, b: 50 }, thresholds })).toThrow('group weights add up to 110, more than 100')
    expect(() => scoreMetrics([], { thresholds: { pass: 50, marginal: 75 } })).toThrow('thresholds need 0 ≤ marginal ≤ pass ≤ 100')
  })
})
