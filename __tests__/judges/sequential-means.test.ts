import { describe, expect, it } from '@jest/globals'
import { bestRho, logNormalMixture, normalMixtureBound } from '../../src/analysis/judges/normal-mixture.js'
import { createRandom } from '../../src/analysis/judges/random.js'
import {
  judgeMeans,
  meanDecision,
  meanJudgement,
  startMeans,
  stepMeans,
  summarize,
  type MeanInterval,
  type MeanJudgeOptions
} from '../../src/analysis/judges/sequential-means.js'
import { propertySeed } from '../support/property.js'
import { fixture, relativeError, short } from './fixtures.js'
import { firstDecision, latencyTraffic, rateText, timeText, type Traffic } from './traffic.js'

interface MixtureRow {
  alpha: number
  tuneAt: number
  rho: number
  v: number
  bound: number
  logMixtureAtBound: number
  logMixtureAtHalf: number
}
const mixture = fixture<{ normalMixture: { rows: MixtureRow[]; walk: { crossed: number; runs: number; alpha: number } } }>('sequential.json').normalMixture
const SEED = propertySeed()

const rhoError = Math.max(...mixture.rows.map((r) => relativeError(bestRho(r.tuneAt, r.alpha), r.rho)))
const boundError = Math.max(...mixture.rows.map((r) => relativeError(normalMixtureBound(r.v, r.rho, r.alpha), r.bound)))
const logMError = Math.max(
  ...mixture.rows.map((r) => Math.max(Math.abs(logNormalMixture(r.bound, r.v, r.rho) - r.logMixtureAtBound), Math.abs(logNormalMixture(r.bound / 2, r.v, r.rho) - r.logMixtureAtHalf)))
)

/** A standard Gaussian walk (V_t = t) looked at every step: how often it ever crosses u(t). */
function walkCrossings(runs: number, steps: number, alpha: number): number {
  const random = createRandom(SEED)
  const rho = bestRho(500, alpha)
  const bound = Float64Array.from({ length: steps }, (_, t) => normalMixtureBound(t + 1, rho, alpha))
  let crossed = 0
  for (let run = 0; run < runs; run++) {
    let sum = 0
    for (let t = 0; t < steps; t++) {
      sum += random.normal()
      if (Math.abs(sum) >= bound[t]) {
        crossed++
        break
      }
    }
  }
  return crossed
}
const WALKS = 2000
const walked = walkCrossings(WALKS, 5000, 0.05)

describe('the normal-mixture boundary (Howard et al. 2021) against the formula in Python', () => {
  it(`u(V), ρ and ln M on ${mixture.rows.length} points (α 0.001–0.1, V 0–1e7): worst relative error ${short(Math.max(boundError, rhoError))}, ln M within ${short(logMError)} (limits 1e-13, 1e-12)`, () => {
    expect(boundError).toBeLessThan(1e-13)
    expect(rhoError).toBeLessThan(1e-13)
    expect(logMError).toBeLessThan(1e-12)
  })

  it('puts ln M at exactly ln(1/α) on the boundary: the boundary is where the p-value 1/M reaches α', () => {
    for (const r of mixture.rows) expect(logNormalMixture(normalMixtureBound(r.v, r.rho, r.alpha), r.v, r.rho)).toBeCloseTo(Math.log(1 / r.alpha), 9)
  })

  it(`a Gaussian walk looked at on each of 5 000 steps crosses it in ${rateText(walked, WALKS)} of runs ≤ α 5 % (Python's own walk: ${rateText(mixture.walk.crossed, mixture.walk.runs)})`, () => {
    expect(walked / WALKS).toBeLessThanOrEqual(0.05)
    expect(mixture.walk.crossed / mixture.walk.runs).toBeLessThanOrEqual(mixture.walk.alpha)
  })
})

// ---- Simulations --------------------------------------------------------------------------------

function simulate(runs: number, traffic: Traffic, sigma: number, factor: number, options: MeanJudgeOptions, seedOffset: number) {
  const outcomes = Array.from({ length: runs }, (_, run) =>
    firstDecision(latencyTraffic(SEED + seedOffset + run, traffic, 100, sigma, factor), startMeans(options), stepMeans, meanDecision)
  )
  const count = (decision: string): number => outcomes.filter((o) => o.decision === decision).length
  return { fails: count('fail'), passes: count('pass'), failMinutes: outcomes.filter((o) => o.decision === 'fail').map((o) => o.minute) }
}

const ALPHA = 0.05
const RUNS = 2000
const busy: Traffic = { perMinute: 1500, minutes: 30, withDrift: true }
const sixty: Traffic = { perMinute: 60, minutes: 30, withDrift: true }
const quiet: Traffic = { perMinute: 15, minutes: 60, withDrift: true }
const aa = simulate(RUNS, busy, 1, 1, { alpha: ALPHA, tolerance: 0 }, 0)
const aaSixty = simulate(RUNS, sixty, 1, 1, { alpha: ALPHA, tolerance: 0 }, 100_000)
const plainSixty = simulate(RUNS, sixty, 1, 1, { alpha: ALPHA, tolerance: 0, variance: 'plain' }, 100_000)
const aaQuiet = simulate(RUNS, quiet, 1, 1, { alpha: ALPHA, tolerance: 0 }, 200_000)
const edge = simulate(1000, sixty, 1, 1.1, { alpha: ALPHA, tolerance: 0.1 }, 300_000)
const POWER = 300
const slower = simulate(POWER, busy, 0.5, 1.3, { alpha: 0.01, tolerance: 0.1 }, 400_000)
const slowerHeavy = simulate(POWER, busy, 1, 1.3, { alpha: 0.01, tolerance: 0.1 }, 500_000)
const doubledQuiet = simulate(POWER, quiet, 1, 2, { alpha: 0.01, tolerance: 0.1 }, 600_000)

describe(`the latency judge in simulation (seed ${SEED}; log-normal latencies, median 100 ms, split 5 % → 50 % in 5-minute steps, drift ±40 % and ×2 from minute 15 on both arms, a look every minute)`, () => {
  it(`A/A at 1 500 req/min, σ_log 1 (heavy tail), α ${ALPHA}, tolerance 0: false rollbacks ${rateText(aa.fails, RUNS)}, all misses of the sequence ${rateText(aa.fails + aa.passes, RUNS)}, both ≤ α`, () => {
    expect(aa.fails / RUNS).toBeLessThanOrEqual(ALPHA)
    expect((aa.fails + aa.passes) / RUNS).toBeLessThanOrEqual(ALPHA)
  })

  it(`A/A at 60 req/min: misses ${rateText(aaSixty.fails + aaSixty.passes, RUNS)} ≤ α; each arm's own variance (no floor) would miss ${rateText(plainSixty.fails + plainSixty.passes, RUNS)}, mostly as false passes (${plainSixty.passes})`, () => {
    expect((aaSixty.fails + aaSixty.passes) / RUNS).toBeLessThanOrEqual(ALPHA)
    // Why the floor exists: the plain plug-in misses several times as often (above α with this seed).
    expect(plainSixty.fails + plainSixty.passes).toBeGreaterThan(3 * (aaSixty.fails + aaSixty.passes))
  })

  it(`A/A at 15 req/min, 60 looks: false rollbacks ${rateText(aaQuiet.fails, RUNS)}, misses ${rateText(aaQuiet.fails + aaQuiet.passes, RUNS)} ≤ α`, () => {
    expect((aaQuiet.fails + aaQuiet.passes) / RUNS).toBeLessThanOrEqual(ALPHA)
  })

  it(`at the null's edge (canary mean exactly 110 %, tolerance 10 %, 60 req/min): false rollbacks ${rateText(edge.fails, 1000)} ≤ α`, () => {
    expect(edge.fails / 1000).toBeLessThanOrEqual(ALPHA)
  })

  it(`catches a mean 30 % slower at 1 500 req/min (α 0.01, tolerance 10 %): σ_log 0.5 ${rateText(slower.fails, POWER)}, ${timeText(slower.failMinutes)}; σ_log 1 ${rateText(slowerHeavy.fails, POWER)}, ${timeText(slowerHeavy.failMinutes)}`, () => {
    expect(slower.fails / POWER).toBeGreaterThanOrEqual(0.99)
    expect(slowerHeavy.fails / POWER).toBeGreaterThanOrEqual(0.99)
  })

  it(`at 15 req/min catches a mean twice as slow within an hour in ${rateText(doubledQuiet.fails, POWER)}, ${timeText(doubledQuiet.failMinutes)}`, () => {
    expect(doubledQuiet.fails / POWER).toBeGreaterThanOrEqual(0.95)
  })
})

// ---- Behaviour ----------------------------------------------------------------------------------

const summary = (count: number, mean: number, sd: number) => ({ count, mean, variance: sd * sd })
const look = (canary: ReturnType<typeof summary>, baseline: ReturnType<typeof summary>): MeanInterval => ({ canary, baseline })

describe('the latency judge, look by look', () => {
  it('summarises raw observations (Welford): count, mean, sample variance', () => {
    expect(summarize([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ count: 8, mean: 5, variance: 32 / 7 })
    expect(summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]).variance).toBeCloseTo(1, 9)
    expect(summarize([3])).toEqual({ count: 1, mean: 3, variance: 0 })
    expect(summarize([])).toEqual({ count: 0, mean: 0, variance: 0 })
  })

  it('fails a canary at 150 % of the baseline, with the numbers in the reason', () => {
    const looks = Array.from({ length: 4 }, () => look(summary(200, 150, 40), summary(1800, 100, 40)))
    const j = judgeMeans(looks, { alpha: 0.01, tolerance: 0.1 }, 'ms')
    expect(j.decision).toBe('fail')
    expect(j.difference!.lower).toBeGreaterThan(0)
    expect(j.reason).toMatch(
      /^canary mean 150 ms vs baseline 100 ms \(150 %\), n 800\/7200 over 4 intervals; difference \+50 ms in \[\+4\d(\.\d+)? ms, \+5\d(\.\d+)? ms\] \(99 % confidence sequence\); always-valid p .+ for mean ≤ 110 % of the baseline's ≤ α 0.01 → fail$/
    )
  })

  it('computes the precision-weighted difference and its half-width u(V′)·s/V′ by hand', () => {
    // One interval, σ² = 100 on both arms, n = 100 and m = 400: v = 100/100 + 100/400 = 1.25,
    // so V = 0.8; s² = 200, V′ = 160; ρ = bestRho(500, 0.05); half-width = u(160)·√200 / 160.
    const j = judgeMeans([look(summary(100, 52, 10), summary(400, 50, 10))], { alpha: 0.05, minSamples: 0 })
    const halfWidth = (normalMixtureBound(160, bestRho(500, 0.05), 0.05) * Math.sqrt(200)) / 160
    expect(j.difference!.estimate).toBeCloseTo(2, 12)
    expect(j.difference!.upper - j.difference!.estimate).toBeCloseTo(halfWidth, 10)
  })

  it('passes a canary shown below 1 + passTolerance, and waits for minSamples first', () => {
    const same = look(summary(300, 100, 20), summary(2700, 100, 20))
    const early = judgeMeans([look(summary(20, 100, 20), summary(180, 100, 20))], { tolerance: 0.1, minSamples: 30 })
    expect(early.decision).toBe('continue')
    expect(early.reason).toMatch(/fewer than 30 observations on an arm → continue$/)
    const j = judgeMeans([same, same, same], { tolerance: 0.1 })
    expect(j.decision).toBe('pass')
    expect(j.reason).toMatch(/shown below 110 % of the baseline's → pass$/)
  })

  it('is not moved by drift that shifts both arms alike in an interval', () => {
    const steady = judgeMeans([look(summary(100, 105, 10), summary(900, 100, 10)), look(summary(100, 105, 10), summary(900, 100, 10))], { tolerance: 0 })
    const drifting = judgeMeans([look(summary(100, 105, 10), summary(900, 100, 10)), look(summary(100, 305, 10), summary(900, 300, 10))], { tolerance: 0 })
    expect(drifting.difference!.estimate).toBeCloseTo(steady.difference!.estimate, 12)
    expect(drifting.difference!.upper).toBeCloseTo(steady.difference!.upper, 12)
  })

  it('waits for a variance: fewer than two degrees of freedom on an arm gives no sequence yet', () => {
    const j = judgeMeans([look(summary(1, 100, 0), summary(50, 100, 10))], { minSamples: 0 })
    expect(j.difference).toBeNull()
    expect(j.reason).toMatch(/not enough observations for a variance → continue$/)
  })

  it('keeps the p-value as a running minimum across looks', () => {
    let state = startMeans({ tolerance: 0, minSamples: 0 })
    let previous = 1
    for (const mean of [130, 100, 95, 100]) {
      state = stepMeans(state, look(summary(50, mean, 30), summary(450, 100, 30)))
      const p = meanJudgement(state).pValue
      expect(p).toBeLessThanOrEqual(previous)
      previous = p
    }
  })

  it('rejects impossible input and options', () => {
    expect(() => judgeMeans([look(summary(-1, 1, 1), summary(1, 1, 1))])).toThrow('canary count must be an integer ≥ 0, got -1')
    expect(() => judgeMeans([look(summary(3, NaN, 1), summary(1, 1, 1))])).toThrow('canary mean must be finite, got NaN')
    expect(() => judgeMeans([], { tuneAt: 0 })).toThrow('tuneAt must be positive, got 0')
  })
})
