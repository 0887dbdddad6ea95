import { describe, expect, it } from '@jest/globals'
import {
  classifyMetric,
  judgeMeans,
  judgeRates,
  meanJudgement,
  rateJudgement,
  scoreMetrics,
  scoreVerdict,
  sequentialVerdict,
  startMeans,
  startRates,
  stepMeans,
  stepRates,
  summarize,
  type MeanInterval,
  type RateInterval
} from '../../src/analysis/judges/index.js'

const spread = (center: number, width: number, n: number): number[] => Array.from({ length: n }, (_, i) => center + width * ((((i * 7) % n) / n) - 0.5))

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value as object).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

describe('the judges API: Kayenta-style analysis to a phase', () => {
  const thresholds = { pass: 95, marginal: 75 }
  const latency = { name: 'p99', unit: 'ms', critical: true, effectSize: { allowedIncrease: 1.1, criticalIncrease: 1.5 } }

  it('fails a slow critical metric, passes a healthy one, and says why', () => {
    const slow = classifyMetric(spread(412, 60, 30), spread(241, 40, 30), latency)
    const slowScore = scoreMetrics([{ ...slow, groups: ['latency'] }], { thresholds })
    expect(scoreVerdict(slowScore)).toBe('Failed')
    expect(slowScore.reason).toMatch(/^critical metric p99 is High: canary mean 41\d(\.\d+)? ms is 171 % of the baseline's 24\d(\.\d+)? ms/)

    const healthy = classifyMetric(spread(243, 40, 30), spread(241, 40, 30), latency)
    expect(scoreVerdict(scoreMetrics([{ ...healthy, groups: ['latency'] }], { thresholds }))).toBe('Successful')
  })

  it('is Inconclusive, not Failed, when a critical metric has too few samples or most metrics have none', () => {
    const sparse = classifyMetric(spread(412, 60, 7), spread(241, 40, 30), { ...latency, minSamples: 20 })
    expect(sparse.reason).toMatch(/^insufficient data: 7 canary samples < 20/)
    const score = scoreMetrics([{ ...sparse, groups: ['latency'] }], { thresholds })
    expect(score.score).toBe(0)
    expect(scoreVerdict(score)).toBe('Inconclusive')
    const mostlyEmpty = scoreMetrics(
      [
        { ...classifyMetric([], [1, 2], { name: 'a' }), groups: ['g'] },
        { ...classifyMetric(spread(5, 1, 20), spread(5, 1, 20), { name: 'b' }), groups: ['g'] }
      ],
      { thresholds }
    )
    expect(scoreVerdict(mostlyEmpty)).toBe('Inconclusive')
  })

  it('maps a marginal score to Inconclusive (manual review)', () => {
    const marginal = scoreMetrics(
      [
        { name: 'a', classification: 'Pass', critical: false, groups: ['g'] },
        { name: 'b', classification: 'Pass', critical: false, groups: ['g'] },
        { name: 'c', classification: 'Pass', critical: false, groups: ['g'] },
        { name: 'd', classification: 'High', critical: false, groups: ['g'] }
      ],
      { thresholds }
    )
    expect(marginal).toMatchObject({ score: 75, classification: 'Marginal' })
    expect(scoreVerdict(marginal)).toBe('Inconclusive')
  })
})

describe('the judges API: sequential judges to a phase', () => {
  const errors = (canary: number, baseline: number): RateInterval => ({ canary: { events: canary, exposure: 500 }, baseline: { events: baseline, exposure: 4500 } })

  it('maps fail, pass and continue, and the count reached, to phases', () => {
    expect(sequentialVerdict(judgeRates(Array.from({ length: 5 }, () => errors(25, 20))), false)).toBe('Failed')
    const quiet = judgeRates([errors(1, 9)])
    expect(quiet.decision).toBe('continue')
    expect(sequentialVerdict(quiet, false)).toBeUndefined()
    expect(sequentialVerdict(quiet, true)).toBe('Successful')
    expect(sequentialVerdict(judgeRates([errors(1, 9)], { minExposure: 1000 }), true)).toBe('Inconclusive')
    expect(sequentialVerdict(judgeRates([]), true)).toBe('Inconclusive')
    expect(sequentialVerdict({ decision: 'pass', enough: true }, false)).toBe('Successful')
  })

  it('gives Inconclusive at the count for a latency judge that never had minSamples', () => {
    const few: MeanInterval = { canary: summarize([100, 120, 90]), baseline: summarize(spread(100, 20, 40)) }
    const j = judgeMeans([few, few], { minSamples: 30 })
    expect(j).toMatchObject({ decision: 'continue', enough: false })
    expect(sequentialVerdict(j, true)).toBe('Inconclusive')
  })

  it('folds look by look to the same result as the list functions, without touching the input', () => {
    const rates = deepFreeze(Array.from({ length: 8 }, (_, i) => errors(2 + (i % 3), 20 + i)))
    const folded = rates.reduce(stepRates, startRates({ tolerance: 0.2 }))
    expect(rateJudgement(folded)).toEqual(judgeRates(rates, { tolerance: 0.2 }))
    expect(judgeRates(rates, { tolerance: 0.2 })).toEqual(judgeRates(rates, { tolerance: 0.2 }))

    const means: MeanInterval[] = deepFreeze(
      Array.from({ length: 6 }, (_, i) => ({ canary: summarize(spread(103 + i, 30, 40)), baseline: summarize(spread(100, 30, 360)) }))
    )
    const foldedMeans = means.reduce(stepMeans, startMeans())
    expect(meanJudgement(foldedMeans, 'ms')).toEqual(judgeMeans(means, {}, 'ms'))
  })
})
