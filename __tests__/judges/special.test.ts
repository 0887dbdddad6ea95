import { describe, expect, it } from '@jest/globals'
import { logBeta, logGamma, logSumExp, normalCdf, normalPdf, normalQuantile, normalSf, softplus } from '../../src/analysis/judges/special.js'
import { fixture, relativeError, short } from './fixtures.js'

interface Special {
  normal: Array<{ x: number; cdf: number; sf: number; pdf: number }>
  quantiles: Array<{ p: number; x: number }>
  logGamma: Array<{ x: number; value: number }>
  logBeta: Array<{ a: number; b: number; value: number }>
}

const reference = fixture<Special>('special-functions.json')

const worst = <T>(rows: T[], error: (row: T) => number): number => Math.max(...rows.map(error))

// Tolerances: relative, against scipy (scripts/fixtures/special_functions.py).
const tails = worst(reference.normal, (r) => Math.max(relativeError(normalSf(r.x), r.sf), relativeError(normalCdf(r.x), r.cdf)))
const densities = worst(reference.normal, (r) => relativeError(normalPdf(r.x), r.pdf))
const quantiles = worst(reference.quantiles, (r) => relativeError(normalQuantile(r.p), r.x, 1))
const gammas = worst(reference.logGamma, (r) => Math.abs(logGamma(r.x) - r.value) / Math.max(1, Math.abs(r.value)))
const betas = worst(reference.logBeta, (r) => Math.abs(logBeta(r.a, r.b) - r.value) / Math.max(1, Math.abs(r.value)))

describe('special functions against scipy', () => {
  it(`normal tails Φ and Q, x in [−37, 37]: worst relative error ${short(tails)} (limit 1e-12)`, () => {
    expect(tails).toBeLessThan(1e-12)
  })

  it(`normal density: worst relative error ${short(densities)} (limit 1e-14)`, () => {
    expect(densities).toBeLessThan(1e-14)
  })

  it(`normal quantile, p from 1e-300 to 1 − 1e-10: worst error relative to max(1, |x|) ${short(quantiles)} (limit 1e-12)`, () => {
    expect(quantiles).toBeLessThan(1e-12)
  })

  it(`ln Γ and ln B up to 1e8: worst error ${short(Math.max(gammas, betas))} relative to max(1, |value|) (limit 1e-13)`, () => {
    expect(gammas).toBeLessThan(1e-13)
    expect(betas).toBeLessThan(1e-13)
  })

  it('keeps the quantile and the distribution inverse to each other', () => {
    for (const p of [1e-12, 0.01, 0.3, 0.5, 0.77, 0.999]) expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-13)
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(normalQuantile(1)).toBe(Infinity)
    expect(normalQuantile(1.5)).toBeNaN()
  })

  it('sums exponentials without overflow and softplus without loss', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 12)
    expect(logSumExp([-1000, -1000 + Math.log(3)])).toBeCloseTo(-1000 + Math.log(4), 12)
    expect(logSumExp([])).toBe(-Infinity)
    expect(softplus(800)).toBe(800)
    expect(relativeError(softplus(-700), Math.exp(-700))).toBeLessThan(1e-12)
    expect(softplus(0)).toBeCloseTo(Math.log(2), 15)
  })
})
