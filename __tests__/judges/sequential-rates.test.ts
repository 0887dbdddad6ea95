import { describe, expect, it } from '@jest/globals'
import {
  judgeRates,
  rateDecision,
  rateJudgement,
  startRates,
  stepRates,
  twoSidedLogBayesFactor,
  type RateInterval,
  type RateJudgeOptions
} from '../../src/analysis/judges/sequential.js'
import { normalQuantile } from '../../src/analysis/judges/special.js'
import { propertySeed } from '../support/property.js'
import { fixture, short } from './fixtures.js'
import { errorTraffic, firstDecision, rateText, timeText, type Traffic } from './traffic.js'

interface ReductionCase {
  baseline: number
  canary: number
  share: number
  concentration: number
  tolerance: number
  intervals: RateInterval[]
  logBayesFactor: number
}

const reduction = fixture<{ lindonMalek: ReductionCase[] }>('sequential.json').lindonMalek
const SEED = propertySeed()

const optionsOf = (c: ReductionCase, extra: RateJudgeOptions = {}): RateJudgeOptions => ({
  tolerance: c.tolerance,
  concentration: c.concentration,
  referenceShare: c.share,
  ...extra
})
// A grid wide enough to hold the whole prior: Beta(1, 9) on the share, for one, leaves
// 9·e^−8.2 ≈ 2.5e-3 of its mass beyond the default ±6 in ln θ.
const wideErrors = reduction.map((c) => Math.abs(twoSidedLogBayesFactor(c.intervals, optionsOf(c, { gridHalfWidth: 30 })) - c.logBayesFactor))
const defaultPrior = reduction.filter((c) => c.share === 0.5 && c.concentration === 10)
const defaultErrors = defaultPrior.map((c) => Math.abs(twoSidedLogBayesFactor(c.intervals, optionsOf(c)) - c.logBayesFactor))

describe("the rate judge's mixture, with a fixed split, is Lindon & Malek's closed form (computed in Python)", () => {
  it(`on ${reduction.length} cases (0 to 10 200 events, shares 5–50 %, k 2–100, tolerance 0–100 %), worst |Δ ln BF| ${short(Math.max(...wideErrors))} (limit 1e-8)`, () => {
    expect(Math.max(...wideErrors)).toBeLessThan(1e-8)
  })

  // The default grid's ±6 in ln θ leaves ~1e-8 of Beta(6.7, 3.3)'s mass (tolerance 100 %) outside.
  it(`with the default grid and prior (k 10, share 50 %): worst |Δ ln BF| ${short(Math.max(...defaultErrors))} on ${defaultPrior.length} cases (limit 1e-7)`, () => {
    expect(defaultPrior.length).toBeGreaterThanOrEqual(4)
    expect(Math.max(...defaultErrors)).toBeLessThan(1e-7)
  })

  it('only the split enters: scaling both arms\' exposure in an interval changes nothing', () => {
    const c = reduction.find((r) => r.baseline === 300)!
    const scaled = c.intervals.map((i, n) => ({
      canary: { ...i.canary, exposure: i.canary.exposure * (n + 2) },
      baseline: { ...i.baseline, exposure: i.baseline.exposure * (n + 2) }
    }))
    expect(twoSidedLogBayesFactor(scaled, optionsOf(c))).toBeCloseTo(twoSidedLogBayesFactor(c.intervals, optionsOf(c)), 10)
  })
})

// ---- Simulations --------------------------------------------------------------------------------

const rampWithDrift: Traffic = { perMinute: 1500, minutes: 30, withDrift: true }

function simulate(runs: number, traffic: Traffic, ratio: number, options: RateJudgeOptions, seedOffset: number) {
  const outcomes = Array.from({ length: runs }, (_, run) =>
    firstDecision(errorTraffic(SEED + seedOffset + run, traffic, 0.005, ratio), startRates(options), stepRates, rateDecision)
  )
  const count = (decision: string): number => outcomes.filter((o) => o.decision === decision).length
  return { fails: count('fail'), passes: count('pass'), failMinutes: outcomes.filter((o) => o.decision === 'fail').map((o) => o.minute) }
}

/** The naive alternative: a one-sided two-proportion z-test on cumulative counts, at every look. */
function peekingZTest(runs: number, traffic: Traffic, alpha: number, seedOffset: number): number {
  const critical = normalQuantile(1 - alpha)
  let rejected = 0
  for (let run = 0; run < runs; run++) {
    let c = { events: 0, exposure: 0 }
    let b = { events: 0, exposure: 0 }
    for (const interval of errorTraffic(SEED + seedOffset + run, traffic, 0.005, 1)) {
      c = { events: c.events + interval.canary.events, exposure: c.exposure + interval.canary.exposure }
      b = { events: b.events + interval.baseline.events, exposure: b.exposure + interval.baseline.exposure }
      const pooled = (c.events + b.events) / (c.exposure + b.exposure)
      const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.exposure + 1 / b.exposure))
      if (se > 0 && (c.events / c.exposure - b.events / b.exposure) / se > critical) {
        rejected++
        break
      }
    }
  }
  return rejected
}

const AA_RUNS = 2000
const ALPHA = 0.05
const aa = simulate(AA_RUNS, rampWithDrift, 1, { alpha: ALPHA, tolerance: 0 }, 0)
const naive = peekingZTest(AA_RUNS, rampWithDrift, ALPHA, 0)
const boundary = simulate(1000, rampWithDrift, 1.1, { alpha: ALPHA, tolerance: 0.1 }, 100_000)
const lowTraffic = simulate(AA_RUNS, { perMinute: 15, minutes: 60, withDrift: true }, 1, { alpha: ALPHA, tolerance: 0 }, 200_000)
const longRamp: Traffic = { perMinute: 1500, minutes: 60, withDrift: true }
const POWER_RUNS = 500
const doubled = simulate(POWER_RUNS, longRamp, 2, { alpha: 0.01, tolerance: 0.1 }, 300_000)
const fivefold = simulate(POWER_RUNS, longRamp, 5, { alpha: 0.01, tolerance: 0.1 }, 400_000)
const lowFivefold = simulate(POWER_RUNS, { perMinute: 15, minutes: 60, withDrift: true }, 5, { alpha: 0.01, tolerance: 0.1 }, 500_000)

describe(`the rate judge in simulation (seed ${SEED}; split 5 % → 50 % in 5-minute steps, Poisson requests, binomial errors at 0.5 %, drift ±40 % and ×2 from minute 15 on both arms, a look every minute)`, () => {
  it(`A/A at 1 500 req/min, 30 looks, α ${ALPHA}, tolerance 0: false rollbacks ${rateText(aa.fails, AA_RUNS)} ≤ α`, () => {
    expect(aa.fails / AA_RUNS).toBeLessThanOrEqual(ALPHA)
  })

  it(`A/A: false passes (the sequence excluding the true ratio 1 from above) ${rateText(aa.passes, AA_RUNS)} ≤ α`, () => {
    expect(aa.passes / AA_RUNS).toBeLessThanOrEqual(ALPHA)
  })

  it(`the same runs through a two-proportion z-test peeking at every look reject ${rateText(naive, AA_RUNS)}: the simulation can see an inflated rate`, () => {
    expect(naive / AA_RUNS).toBeGreaterThan(2 * ALPHA)
  })

  it(`at the null's edge (canary rate exactly 110 %, tolerance 10 %): false rollbacks ${rateText(boundary.fails, 1000)} ≤ α`, () => {
    expect(boundary.fails / 1000).toBeLessThanOrEqual(ALPHA)
  })

  it(`A/A at 15 req/min (about 0.075 errors a minute), 60 looks: false rollbacks ${rateText(lowTraffic.fails, AA_RUNS)} ≤ α`, () => {
    expect(lowTraffic.fails / AA_RUNS).toBeLessThanOrEqual(ALPHA)
  })

  it(`catches ×2 errors at 1 500 req/min (α 0.01, tolerance 10 %, ramp then 50 % to 60 min): ${rateText(doubled.fails, POWER_RUNS)}, ${timeText(doubled.failMinutes)}`, () => {
    expect(doubled.fails / POWER_RUNS).toBeGreaterThanOrEqual(0.99)
  })

  it(`catches ×5 errors at 1 500 req/min: ${rateText(fivefold.fails, POWER_RUNS)}, ${timeText(fivefold.failMinutes)}`, () => {
    expect(fivefold.fails).toBe(POWER_RUNS)
    expect(fivefold.failMinutes.reduce((a, b) => a + b, 0) / POWER_RUNS).toBeLessThan(doubled.failMinutes.reduce((a, b) => a + b, 0) / doubled.failMinutes.length)
  })

  it(`at 15 req/min what is reachable in an hour: ×5 errors caught in ${rateText(lowFivefold.fails, POWER_RUNS)}, ${timeText(lowFivefold.failMinutes)}`, () => {
    // About 4.5 canary errors an hour at 5–50 % share: evidence the gate can act on arrives rarely.
    expect(lowFivefold.fails / POWER_RUNS).toBeGreaterThan(0)
    expect(lowFivefold.fails / POWER_RUNS).toBeLessThan(doubled.fails / POWER_RUNS)
  })
})

// ---- Behaviour ----------------------------------------------------------------------------------

const interval = (canaryEvents: number, canaryExposure: number, baselineEvents: number, baselineExposure: number): RateInterval => ({
  canary: { events: canaryEvents, exposure: canaryExposure },
  baseline: { events: baselineEvents, exposure: baselineExposure }
})

describe('the rate judge, look by look', () => {
  it('fails a canary with ten times the errors, with the numbers in the reason', () => {
    const looks = Array.from({ length: 5 }, () => interval(20, 400, 18, 3600))
    const j = judgeRates(looks, { alpha: 0.01, tolerance: 0.1 })
    expect(j.decision).toBe('fail')
    expect(j.ratio).toBeCloseTo((100 / 2000) / (90 / 18000), 2)
    expect(j.interval.lower).toBeGreaterThan(1.1)
    expect(j.pValue).toBeLessThanOrEqual(0.01)
    expect(j.reason).toMatch(/^error rate ratio 10\d\d % \(canary 100\/2000, baseline 90\/18000 over 5 intervals\); 99 % confidence sequence \[\d+ %, \d+ %\]; always-valid p .+ for ratio ≤ 110 % ≤ α 0.01 → fail$/)
  })

  it('passes once the sequence is below 1 + passTolerance, and continues before', () => {
    const look = interval(50, 10_000, 50, 10_000)
    const early = judgeRates([look], { tolerance: 1, passTolerance: 0.5 })
    expect(early.decision).toBe('continue')
    const many = judgeRates(Array.from({ length: 20 }, () => look), { tolerance: 1, passTolerance: 0.5 })
    expect(many.decision).toBe('pass')
    expect(many.interval.upper).toBeLessThan(1.5)
    expect(many.interval.lower).toBeLessThan(1)
    expect(many.reason).toMatch(/the sequence lies below 150 % → pass$/)
  })

  it('estimates the ratio by conditional maximum likelihood: (c/ρ_c)/(b/ρ_b) for a fixed split', () => {
    const j = judgeRates([interval(30, 1000, 200, 9000), interval(12, 500, 95, 4500)])
    expect(j.ratio!).toBeCloseTo((42 / 0.1) / (295 / 0.9), 3)
    expect(j.canary).toEqual({ events: 42, exposure: 1500, rate: 0.028 })
  })

  it('is immune to drift that moves both arms: the same canary share of errors gives the same verdict', () => {
    // Per interval the canary gets 1/4 of the errors at a 1/5 exposure share; the base rate varies 20×.
    const steady = judgeRates(Array.from({ length: 6 }, () => interval(10, 1000, 30, 4000)), { tolerance: 0 })
    const drifting = judgeRates([1, 20, 3, 7, 2, 11].map((f) => interval(10 * f, 1000, 30 * f, 4000)), { tolerance: 0 })
    const steadyTotal = judgeRates([interval(60 * 6.5, 6000, 180 * 6.5, 24_000)], { tolerance: 0 })
    expect(drifting.ratio).toBeCloseTo(steadyTotal.ratio!, 6)
    expect(steady.ratio).toBeCloseTo(drifting.ratio!, 6)
  })

  it('skips intervals where an arm has no traffic, and says why it continues', () => {
    const j = judgeRates([interval(0, 0, 5, 1000), interval(3, 100, 20, 900)], { minExposure: 500 })
    expect(j.intervals).toBe(1)
    expect(j.decision).toBe('continue')
    expect(j.reason).toMatch(/fewer than 500 requests on an arm → continue$/)
    expect(judgeRates([])).toMatchObject({ decision: 'continue', ratio: null, pValue: 1, interval: { lower: 0, upper: Infinity } })
  })

  it('keeps the p-value as a running minimum and the sequence as a running intersection', () => {
    let state = startRates({ tolerance: 0 })
    const ps: number[] = []
    const widths: number[] = []
    for (const look of [interval(9, 500, 20, 4500), interval(1, 500, 25, 4500), interval(0, 500, 22, 4500), interval(6, 500, 21, 4500)]) {
      state = stepRates(state, look)
      const j = rateJudgement(state)
      ps.push(j.pValue)
      widths.push(Math.log(j.interval.upper) - Math.log(j.interval.lower))
    }
    for (let i = 1; i < ps.length; i++) {
      expect(ps[i]).toBeLessThanOrEqual(ps[i - 1])
      expect(widths[i]).toBeLessThanOrEqual(widths[i - 1])
    }
  })

  it('rounds extrapolated counts, and rejects impossible ones', () => {
    expect(judgeRates([interval(2.4, 100.5, 7.6, 900.2)]).canary.events).toBe(2)
    expect(() => judgeRates([interval(-1, 100, 1, 100)])).toThrow('canary events must be a finite number ≥ 0, got -1')
    expect(() => judgeRates([interval(3, 0, 1, 100)])).toThrow('canary has 3 events without exposure')
    expect(() => judgeRates([], { alpha: 1 })).toThrow('alpha must be in (0, 1), got 1')
  })
})
