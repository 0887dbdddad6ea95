// The benchmark's traffic simulator has the rates it states: checked against the stated parameters
// with tolerances computed here from the Poisson and binomial laws, over many minutes and seeds.
import { describe, expect, it } from '@jest/globals'
import { DRIFT, SimulatedTraffic, STEPS, type TrafficModel } from '../../scripts/simulator/traffic.js'

const model = (overrides: Partial<TrafficModel> = {}): TrafficModel => ({
  perMinute: 1500,
  baseErrorRate: 0.005,
  latency: { medianMs: 120, sigma: 0.5 },
  steps: [{ fromMinute: 0, weight: 0.2 }],
  regression: { errors: 1, latency: 1 },
  ...overrides
})

/** Within k standard deviations: wide enough that a correct simulator fails about never. */
const K = 4.5

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

describe('requests', () => {
  it.each([1500, 15])('are Poisson at %d per minute: the mean and the variance of a minute both match', (perMinute) => {
    const traffic = new SimulatedTraffic(11, model({ perMinute }))
    const minutes = 3000
    const totals = Array.from({ length: minutes }, (_, m) => {
      const minute = traffic.minute(m)
      return minute.canary.requests + minute.baseline.requests
    })
    const total = sum(totals)
    expect(Math.abs(total - perMinute * minutes)).toBeLessThan(K * Math.sqrt(perMinute * minutes))
    // Poisson: variance = mean. (n − 1)·s²/λ is close to χ²(n − 1): mean n − 1, sd √(2(n − 1)).
    const mean = total / minutes
    const variance = sum(totals.map((t) => (t - mean) ** 2)) / (minutes - 1)
    const statistic = ((minutes - 1) * variance) / perMinute
    expect(Math.abs(statistic - (minutes - 1))).toBeLessThan(K * Math.sqrt(2 * (minutes - 1)))
  })

  it('split between the arms by the step weight of each minute', () => {
    const steps = STEPS
    // Given a minute's total, the canary's requests are binomial with its weight.
    for (const [from, to, weight] of [
      [0, 10, 0.1],
      [10, 20, 0.25],
      [20, 40, 0.5]
    ]) {
      let canary = 0
      let total = 0
      for (let seed = 0; seed < 40; seed++) {
        const traffic = new SimulatedTraffic(seed, model({ steps }))
        for (let m = from; m < to; m++) {
          const minute = traffic.minute(m)
          expect(minute.weight).toBe(weight)
          canary += minute.canary.requests
          total += minute.canary.requests + minute.baseline.requests
        }
      }
      expect(Math.abs(canary - weight * total)).toBeLessThan(K * Math.sqrt(total * weight * (1 - weight)))
    }
  })

  it('leave the canary without traffic before its first step', () => {
    const traffic = new SimulatedTraffic(3, model({ steps: [{ fromMinute: 5, weight: 0.3 }] }))
    for (let m = 0; m < 5; m++) expect(traffic.minute(m).canary.requests).toBe(0)
    expect(traffic.requests('canary', 10, 5)).toBeGreaterThan(0)
  })
})

describe('errors', () => {
  it.each([
    ['the base rate on both arms', 1, 0.005],
    ['the regression factor on the canary only', 2, 0.01]
  ])('fail requests independently at %s', (_name, factor, canaryRate) => {
    const traffic = new SimulatedTraffic(5, model({ regression: { errors: factor, latency: 1 } }))
    const minutes = Array.from({ length: 2000 }, (_, m) => traffic.minute(m))
    for (const [arm, rate] of [
      ['canary', canaryRate],
      ['baseline', 0.005]
    ] as const) {
      const requests = sum(minutes.map((m) => m[arm].requests))
      const errors = sum(minutes.map((m) => m[arm].errors))
      expect(Math.abs(errors - rate * requests)).toBeLessThan(K * Math.sqrt(requests * rate * (1 - rate)))
    }
  })
})

describe('latency', () => {
  it('is log-normal with the stated median and σ, scaled by the regression on the canary only', () => {
    const traffic = new SimulatedTraffic(8, model({ regression: { errors: 1, latency: 2 } }))
    for (const [arm, median] of [
      ['canary', 240],
      ['baseline', 120]
    ] as const) {
      const logs = Array.from({ length: 60 }, (_, m) => Array.from(traffic.latenciesOf(arm, m), Math.log)).flat()
      const n = logs.length
      expect(n).toBe(traffic.requests(arm, 60, 60))
      const mean = sum(logs) / n
      const sd = Math.sqrt(sum(logs.map((x) => (x - mean) ** 2)) / (n - 1))
      // The mean of n normals has sd σ/√n; the sample sd of n normals about σ/√(2n).
      expect(Math.abs(mean - Math.log(median))).toBeLessThan((K * 0.5) / Math.sqrt(n))
      expect(Math.abs(sd - 0.5)).toBeLessThan((K * 0.5) / Math.sqrt(2 * n))
    }
  })

  it('holds one latency per request, and bounded samples are drawn from them', () => {
    const traffic = new SimulatedTraffic(9, model())
    const all = traffic.latenciesOf('baseline', 3)
    expect(all.length).toBe(traffic.minute(3).baseline.requests)
    const sample = traffic.latencySample('baseline', 4, 1, 200)
    expect(sample).toHaveLength(200)
    const known = new Set(all)
    for (const value of sample) expect(known.has(value)).toBe(true)
    expect(new Set(sample).size).toBe(200)
  })
})

describe('drift', () => {
  /** One arm's errors, requests and median log-latency over minutes [from, from + 5). */
  const window = (traffic: SimulatedTraffic, arm: 'canary' | 'baseline', from: number): { requests: number; errors: number; logMedian: number } => {
    const logs = Array.from({ length: 5 }, (_, i) => Array.from(traffic.latenciesOf(arm, from + i), Math.log)).flat().sort((a, b) => a - b)
    return { requests: traffic.requests(arm, from + 5, 5), errors: traffic.errors(arm, from + 5, 5), logMedian: logs[Math.floor(logs.length / 2)] }
  }

  it('moves both arms alike: the slow dependency doubles error rates and adds 60 % latency from its onset', () => {
    for (const arm of ['canary', 'baseline'] as const) {
      let before = { requests: 0, errors: 0 }
      let after = { requests: 0, errors: 0 }
      const shift: number[] = []
      for (let seed = 0; seed < 120 && shift.length < 60; seed++) {
        const traffic = new SimulatedTraffic(seed, model({ steps: STEPS, drift: DRIFT }))
        const onset = traffic.slowFrom
        if (onset < 5) continue
        // Rates and medians, not counts: the canary's weight may step at the onset.
        const a = window(traffic, arm, onset - 5)
        const b = window(traffic, arm, onset)
        before = { requests: before.requests + a.requests, errors: before.errors + a.errors }
        after = { requests: after.requests + b.requests, errors: after.errors + b.errors }
        shift.push(b.logMedian - a.logMedian)
      }
      expect(shift.length).toBe(60)
      const rateBefore = before.errors / before.requests
      const rateAfter = after.errors / after.requests
      // The ratio of two rates estimated from k errors each: relative sd about √(1/k₁ + 1/k₂).
      const relative = Math.sqrt(1 / before.errors + 1 / after.errors)
      expect(Math.abs(rateAfter / rateBefore - 2)).toBeLessThan(K * 2 * relative)
      // The diurnal swing moves little in five minutes: the median latency's shift is about ln 1.6.
      const meanShift = sum(shift) / shift.length
      expect(Math.abs(meanShift - Math.log(1.6))).toBeLessThan(0.05)
    }
  })

  it('starts the slow dependency at a minute drawn per canary, before, during or after its analysis', () => {
    const { earliest, latest } = DRIFT.slowDependency
    const onsets = Array.from({ length: 900 }, (_, seed) => new SimulatedTraffic(seed, model({ drift: DRIFT })).slowFrom)
    for (const onset of onsets) {
      expect(Number.isInteger(onset)).toBe(true)
      expect(onset).toBeGreaterThanOrEqual(earliest)
      expect(onset).toBeLessThan(latest)
    }
    // Uniform over the whole minutes of [earliest, latest): mean and variance of a discrete uniform.
    const count = latest - earliest
    const mean = (earliest + latest - 1) / 2
    const sd = Math.sqrt((count * count - 1) / 12)
    expect(Math.abs(sum(onsets) / onsets.length - mean)).toBeLessThan((K * sd) / Math.sqrt(onsets.length))
    expect(new SimulatedTraffic(1, model()).slowFrom).toBe(Infinity)
  })

  it('swings both arms with the time of day the canary started at', () => {
    // Runs whose first hour falls on the diurnal peak against runs on its trough.
    const peak = { canary: [0, 0], baseline: [0, 0] }
    const trough = { canary: [0, 0], baseline: [0, 0] }
    for (let seed = 0; seed < 400; seed++) {
      const traffic = new SimulatedTraffic(seed, model({ drift: { ...DRIFT, slowDependency: { earliest: 1e9, latest: 1e9 + 1, errors: 1, latency: 1 } } }))
      const phase = Math.sin((2 * Math.PI * (traffic.startOfDay + 7)) / DRIFT.diurnal.periodMinutes)
      const into = phase > 0.7 ? peak : phase < -0.7 ? trough : undefined
      if (!into) continue
      for (const arm of ['canary', 'baseline'] as const) {
        into[arm][0] += traffic.errors(arm, 15, 15)
        into[arm][1] += traffic.requests(arm, 15, 15)
      }
    }
    for (const arm of ['canary', 'baseline'] as const) {
      const high = peak[arm][0] / peak[arm][1]
      const low = trough[arm][0] / trough[arm][1]
      // Peak ≥ 1 + 0.4·0.7 and trough ≤ 1 − 0.4·0.7 of the base rate: at least 1.28/0.72 apart.
      expect(high / low).toBeGreaterThan(1.4)
      expect(high).toBeGreaterThan(0.005 * 1.2)
      expect(low).toBeLessThan(0.005 * 0.8)
    }
  })

  it('leaves the traffic alone in the scenarios without it', () => {
    const traffic = new SimulatedTraffic(1, model())
    for (const m of [0, 14, 15, 300]) {
      expect(traffic.errorRateAt('baseline', m)).toBe(0.005)
      expect(traffic.medianLatencyAt('canary', m)).toBe(120)
    }
  })
})

describe('a seed', () => {
  const snapshot = (traffic: SimulatedTraffic, order: number[]): string =>
    JSON.stringify(order.map((m) => [traffic.minute(m), Array.from(traffic.latenciesOf('canary', m)), Array.from(traffic.latenciesOf('baseline', m))]).sort())

  it('reproduces the same traffic exactly, whatever order the minutes are asked in', () => {
    const forwards = snapshot(new SimulatedTraffic(42, model({ steps: STEPS, drift: DRIFT })), [0, 1, 2, 3, 17, 18])
    const backwards = snapshot(new SimulatedTraffic(42, model({ steps: STEPS, drift: DRIFT })), [18, 17, 3, 2, 1, 0])
    expect(backwards).toBe(forwards)
    expect(new SimulatedTraffic(42, model({ drift: DRIFT })).startOfDay).toBe(new SimulatedTraffic(42, model({ drift: DRIFT })).startOfDay)
  })

  it('and another seed gives other traffic', () => {
    const a = snapshot(new SimulatedTraffic(42, model()), [0, 1, 2])
    const b = snapshot(new SimulatedTraffic(43, model()), [0, 1, 2])
    expect(b).not.toBe(a)
  })
})
