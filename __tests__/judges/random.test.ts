import { describe, expect, it } from '@jest/globals'
import { createRandom, hashNumbers } from '../../src/analysis/judges/random.js'
import { normalSf } from '../../src/analysis/judges/special.js'
import { propertySeed } from '../support/property.js'

const SEED = propertySeed()
const N = 200_000

function moments(draw: () => number, n = N): { mean: number; variance: number } {
  let sum = 0
  let squares = 0
  for (let i = 0; i < n; i++) {
    const x = draw()
    sum += x
    squares += x * x
  }
  const mean = sum / n
  return { mean, variance: (squares - n * mean * mean) / (n - 1) }
}

// Each check allows at least 5 standard errors of the estimate, so a correct generator fails about once in
// millions of runs; a biased one (a wrong rejection constant, an off-by-one) is far outside.
describe(`the simulations' generator (seed ${SEED}, ${N} draws per check)`, () => {
  it('draws uniforms on [0, 1) with mean ½ and variance 1/12', () => {
    const { mean, variance } = moments(createRandom(SEED).uniform)
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N))
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N))
  })

  it('draws standard normals: mean 0, variance 1, and 5 % beyond ±1.96', () => {
    const random = createRandom(SEED + 1)
    const draws = Array.from({ length: N }, () => random.normal())
    const { mean, variance } = moments(((i) => () => draws[i++])(0))
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(N))
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N))
    const tail = draws.filter((x) => Math.abs(x) > 1.959963984540054).length / N
    expect(Math.abs(tail - 0.05)).toBeLessThan(5 * Math.sqrt((0.05 * 0.95) / N))
    const far = draws.filter((x) => x > 3).length / N
    expect(Math.abs(far - normalSf(3))).toBeLessThan(5 * Math.sqrt(normalSf(3) / N))
  })

  it.each([0.75, 7.5, 9.99, 10, 75, 712.5, 1500])('draws Poisson counts with mean and variance %p', (lambda) => {
    const random = createRandom(SEED + Math.round(lambda * 100))
    const { mean, variance } = moments(() => random.poisson(lambda))
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / N))
    // Var of the sample variance of a Poisson ≈ (λ + 2λ²)/N.
    expect(Math.abs(variance - lambda)).toBeLessThan(5 * Math.sqrt((lambda + 2 * lambda * lambda) / N))
  })

  it.each([
    [75, 0.005],
    [1425, 0.005],
    [750, 0.01],
    [100_000, 0.005],
    [40, 0.7]
  ])('draws binomial counts: %p trials at p %p', (trials, p) => {
    const random = createRandom(SEED + trials)
    const { mean, variance } = moments(() => random.binomial(trials, p), 50_000)
    const expectedVariance = trials * p * (1 - p)
    expect(Math.abs(mean - trials * p)).toBeLessThan(5 * Math.sqrt(expectedVariance / 50_000))
    expect(Math.abs(variance - expectedVariance) / expectedVariance).toBeLessThan(0.05)
  })

  it('repeats a stream for a seed and separates nearby seeds', () => {
    const a = createRandom(42)
    const b = createRandom(42)
    const c = createRandom(43)
    const first = Array.from({ length: 5 }, () => a.uniform())
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(first)
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(first)
  })

  it('hashes numbers with their list boundaries, for a seed that depends on the data alone', () => {
    expect(hashNumbers([1, 2], [3])).toBe(hashNumbers([1, 2], [3]))
    expect(hashNumbers([1, 2], [])).not.toBe(hashNumbers([1], [2]))
    expect(hashNumbers([0])).not.toBe(hashNumbers([-0]))
  })

  it('rejects impossible parameters', () => {
    const random = createRandom(1)
    expect(() => random.poisson(-1)).toThrow('poisson: mean -1')
    expect(() => random.binomial(2.5, 0.1)).toThrow('binomial: 2.5 trials, p 0.1')
  })
})
