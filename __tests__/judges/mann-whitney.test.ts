import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  hodgesLehmann,
  kthPairwiseDifference,
  mannWhitney,
  rejectsShift,
  mannWhitneyU,
  wilcoxonDiff,
  type MannWhitneyResult
} from '../../src/analysis/judges/mann-whitney.js'
import { normalQuantile } from '../../src/analysis/judges/special.js'
import { propertySeed } from '../support/property.js'
import { fixture, relativeError, short } from './fixtures.js'

interface Reference {
  kind: string
  confidence: number
  u: number
  pValue: number
  hodgesLehmann: number
  lower: number
  upper: number
}
interface Generated extends Reference {
  x: number[]
  y: number[]
}
interface KayentaSample extends Reference {
  kayentaTest: string
}
interface KayentaMannWhitneyCase {
  test: string
  arrays: Record<string, number[]>
  scalars: Record<string, number>
  call: { x: string; y: string; confidence: number } | null
}

const reference = fixture<{ cases: Generated[]; kayentaSamples: KayentaSample[] }>('mann-whitney.json')
const kayenta = fixture<{ mannWhitney: KayentaMannWhitneyCase[] }>('kayenta-cases.json').mannWhitney
const kayentaCase = (name: string): KayentaMannWhitneyCase => {
  const found = kayenta.find((c) => c.test === name)
  if (!found) throw new Error(`no Kayenta case "${name}" in the fixture`)
  return found
}

function ok(result: ReturnType<typeof mannWhitney>): MannWhitneyResult {
  if (!result.ok) throw new Error(result.error)
  return result
}

const results = reference.cases.map((c) => ({ c, r: ok(mannWhitney(c.x, c.y, c.confidence)) }))
const scaleOf = (c: Generated): number => Math.max(...c.x, ...c.y) - Math.min(...c.x, ...c.y) || 1
const pError = Math.max(...results.map(({ c, r }) => relativeError(r.pValue, c.pValue)))
const hlError = Math.max(...results.map(({ c, r }) => Math.abs(r.estimate - c.hodgesLehmann) / scaleOf(c)))
const ciError = Math.max(
  ...results.map(({ c, r }) => Math.max(Math.abs(r.lower - c.lower), Math.abs(r.upper - c.upper)) / scaleOf(c))
)
const withTies = reference.cases.filter((c) => new Set([...c.x, ...c.y]).size < c.x.length + c.y.length).length
const unequal = reference.cases.filter((c) => c.x.length !== c.y.length).length

describe(`Mann-Whitney against scipy and an independent Python implementation (${reference.cases.length} generated cases, ${withTies} with ties, ${unequal} of unequal sizes)`, () => {
  it('computes U exactly as scipy.stats.mannwhitneyu', () => {
    for (const { c, r } of results) expect({ kind: c.kind, u: r.u }).toEqual({ kind: c.kind, u: c.u })
  })

  it(`computes the asymptotic two-sided p-value: worst relative error ${short(pError)} (limit 1e-10)`, () => {
    expect(pError).toBeLessThan(1e-10)
  })

  it(`estimates the shift as the median pairwise difference: worst error ${short(hlError)} of the data's range (limit 1e-12)`, () => {
    expect(hlError).toBeLessThan(1e-12)
  })

  it(`finds the interval's ends where the Python enumeration of R's wdiff does: worst error ${short(ciError)} of the range (limit 1e-12)`, () => {
    expect(ciError).toBeLessThan(1e-12)
  })

  it('agrees on Kayenta\'s own samples with the independent implementation (to the last bit: both land on a pairwise difference)', () => {
    for (const sample of reference.kayentaSamples) {
      const source = kayentaCase(sample.kayentaTest)
      const [x, y] = source.call ? [source.arrays[source.call.x], source.arrays[source.call.y]] : [source.arrays.x, source.arrays.y]
      const r = ok(mannWhitney(x, y, sample.confidence))
      expect({ test: sample.kayentaTest, u: r.u, lower: r.lower, upper: r.upper, estimate: r.estimate }).toEqual({
        test: sample.kayentaTest,
        u: sample.u,
        lower: sample.lower,
        upper: sample.upper,
        estimate: sample.hodgesLehmann
      })
      expect(relativeError(r.pValue, sample.pValue)).toBeLessThan(1e-10)
    }
  })
})

describe("Mann-Whitney against Kayenta's unit tests (MannWhitneySuite.scala)", () => {
  const E = 1e-6 // Kayenta's own tolerance

  it('reproduces wilcoxonDiff values on the 850-sample case', () => {
    const { x, y } = kayentaCase('Wilcoxon Diff Function').arrays
    expect(wilcoxonDiff(0, 0, x, y)).toBeCloseTo(-1.229416, 6)
    expect(wilcoxonDiff(5, 0, x, y)).toBeCloseTo(-35.80606, 5)
  })

  it('reproduces the intermediate values R gave for the 210-sample case', () => {
    const source = kayentaCase('Mann-Whitney Intermediate Values / Variables')
    const { x, y } = source.arrays
    const s = source.scalars
    const muMin = Math.min(...x) - Math.max(...y)
    const muMax = Math.max(...x) - Math.min(...y)
    const zq = -normalQuantile(0.025)
    expect(Math.abs(muMin - s.rMumin)).toBeLessThan(E)
    expect(Math.abs(muMax - s.rMumax)).toBeLessThan(E)
    expect(Math.abs(zq - s.rZqLower)).toBeLessThan(E)
    expect(Math.abs(wilcoxonDiff(muMin, zq, x, y) - s.rFlower1)).toBeLessThan(E)
    expect(Math.abs(wilcoxonDiff(muMax, zq, x, y) - s.rFupper1)).toBeLessThan(E)
    expect(Math.abs(wilcoxonDiff(muMin, -zq, x, y) - s.rFlower2)).toBeLessThan(E)
    expect(Math.abs(wilcoxonDiff(muMax, -zq, x, y) - s.rFupper2)).toBeLessThan(E)
  })

  it('gives the interval [6, 39] and estimate 22.5 of the four-sample case', () => {
    const { experimentData, controlData } = kayentaCase('Mann-Whitney Confidence Interval & Estimate').arrays
    const r = ok(mannWhitney(experimentData, controlData, 0.95))
    expect([r.lower, r.upper, r.estimate]).toEqual([6, 39, 22.5])
  })

  // R's uniroot (and Kayenta's Brent copy) stop at an absolute tolerance of 1e-4, so R's printed
  // values sit within 1e-4 of the crossing, which is a pairwise difference; ours is that difference.
  it.each([
    'Mann-Whitney Confidence Interval & Estimate: Tie out with R Version',
    'Mann-Whitney Confidence Interval & Estimate: Tie out with R Version (Large)',
    'Mann-Whitney Intermediate Values / Variables'
  ])('agrees with R\'s wilcox.test values within R\'s solver tolerance 1e-4: %s', (name) => {
    const source = kayentaCase(name)
    const [x, y, confidence] = source.call
      ? [source.arrays[source.call.x], source.arrays[source.call.y], source.call.confidence]
      : [source.arrays.x, source.arrays.y, source.scalars.confidenceLevel]
    const r = ok(mannWhitney(x, y, confidence))
    const s = source.scalars
    const [low, high, estimate] = 'rCiLow' in s ? [s.rCiLow, s.rCiHigh, s.rEst] : [s.rCil, s.rCiu, s.rEst]
    expect(Math.abs(r.lower - low)).toBeLessThan(1e-4)
    expect(Math.abs(r.upper - high)).toBeLessThan(1e-4)
    expect(Math.abs(r.estimate - estimate)).toBeLessThan(1e-4)
  })
})

describe('Mann-Whitney properties', () => {
  const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 25 })
  const notBothConstant = ([x, y]: [number[], number[]]): boolean => new Set(x).size > 1 || new Set(y).size > 1
  const pairs = fc.tuple(sample, sample).filter(notBothConstant)

  it('puts the estimate at a root of Kayenta\'s equation and inside the interval, whose ends are pairwise differences', () => {
    fc.assert(
      fc.property(pairs, ([x, y]) => {
        const r = ok(mannWhitney(x, y, 0.9))
        const differences = new Set(x.flatMap((a) => y.map((b) => a - b)))
        expect(differences.has(r.lower) && differences.has(r.upper)).toBe(true)
        expect(r.lower).toBeLessThanOrEqual(r.estimate)
        expect(r.estimate).toBeLessThanOrEqual(r.upper)
        // Integer data: differences are integers, so ±0.25 lies strictly between differences.
        expect(wilcoxonDiff(r.estimate - 0.25, 0, x, y)).toBeGreaterThanOrEqual(0)
        expect(wilcoxonDiff(r.estimate + 0.25, 0, x, y)).toBeLessThanOrEqual(0)
      }),
      { seed: propertySeed(), numRuns: 300 }
    )
  })

  it('moves with a shift of the canary and mirrors when the samples swap', () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: -50, max: 50 }), ([x, y], shift) => {
        const r = ok(mannWhitney(x, y))
        const shifted = ok(mannWhitney(x.map((v) => v + shift), y))
        expect([shifted.lower, shifted.estimate, shifted.upper]).toEqual([r.lower + shift, r.estimate + shift, r.upper + shift])
        const swapped = ok(mannWhitney(y, x))
        const noNegativeZero = (values: number[]): number[] => values.map((v) => v + 0)
        expect(noNegativeZero([swapped.lower, swapped.estimate, swapped.upper])).toEqual(noNegativeZero([-r.upper, -r.estimate, -r.lower]))
        expect(swapped.pValue).toBeCloseTo(r.pValue, 12)
      }),
      { seed: propertySeed(), numRuns: 200 }
    )
  })

  it('selects order statistics of the pairwise differences', () => {
    fc.assert(
      fc.property(fc.tuple(sample, sample), fc.nat(), ([x, y], pick) => {
        const sorted = x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b)
        const k = (pick % sorted.length) + 1
        expect(kthPairwiseDifference(x, y, k)).toBe(sorted[k - 1])
      }),
      { seed: propertySeed(), numRuns: 300 }
    )
    expect(hodgesLehmann([1, 2, 3], [0])).toBe(2)
  })

  it('rejects a shift exactly when the interval excludes it, away from the pairwise differences', () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: -45, max: 45 }), ([x, y], k) => {
        const r = ok(mannWhitney(x, y, 0.9))
        const mu = k + 0.5 // integer data: never a pairwise difference
        const expected = r.lower > mu ? 'above' : r.upper < mu ? 'below' : undefined
        expect(rejectsShift(r, x, y, mu)).toBe(expected)
      }),
      { seed: propertySeed(), numRuns: 300 }
    )
  })

  it('decides on the jump itself with the tie-counted statistic (zero-inflated error rates)', () => {
    const { x, y } = kayentaCase('Mann-Whitney Intermediate Values / Variables').arrays
    const r = ok(mannWhitney(x, y, 0.95))
    // The interval collapses onto 0, where the statistic jumps from +16.6 to −7.8; at 0 it is +5.9.
    expect([r.lower, r.estimate, r.upper]).toEqual([0, 0, 0])
    expect(wilcoxonDiff(-1e-9, 0, x, y)).toBeGreaterThan(16)
    expect(wilcoxonDiff(1e-9, 0, x, y)).toBeLessThan(-7)
    expect(rejectsShift(r, x, y, 0)).toBe('above')
    expect(rejectsShift(ok(mannWhitney(y, x, 0.95)), y, x, 0)).toBe('below')
  })

  it('widens as the confidence grows', () => {
    const x = [3.1, 4.7, 5.2, 6.8, 7.4, 8.9, 9.3, 10.1]
    const y = [2.2, 3.5, 4.1, 5.9, 6.3, 7.7, 8.2]
    const widths = [0.8, 0.9, 0.95, 0.98, 0.99].map((c) => {
      const r = ok(mannWhitney(x, y, c))
      return r.upper - r.lower
    })
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeGreaterThanOrEqual(widths[i - 1])
    expect(widths[4]).toBeGreaterThan(widths[0])
  })

  it('returns an error for all-tied samples, empty samples, non-finite values and a bad confidence', () => {
    expect(mannWhitney([2, 2, 2], [2, 2])).toEqual({ ok: false, error: 'cannot compute confidence interval when all observations are tied' })
    expect(mannWhitney([2, 2, 2], [3, 3]).ok).toBe(false)
    expect(mannWhitney([], [1, 2])).toEqual({ ok: false, error: 'no data on one side' })
    expect(mannWhitney([1, Infinity], [1, 2]).ok).toBe(false)
    expect(mannWhitney([1, 2], [1, 3], 1).ok).toBe(false)
  })

  it('matches scipy on the U statistic symmetry U(x, y) + U(y, x) = n·m', () => {
    const x = [1, 1, 2, 3, 5, 8]
    const y = [1, 2, 2, 4]
    expect(mannWhitneyU(x, y).u + mannWhitneyU(y, x).u).toBe(24)
  })
})
