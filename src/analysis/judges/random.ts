// A small seeded generator, so that whatever the judges randomise (Kayenta's tie-breaking noise) is
// reproducible: the same inputs and seed give the same verdict on every run and every machine.
// sfc32 (Chris Doty-Humphrey's Small Fast Counter, public domain) passes PractRand and needs only
// 32-bit integer arithmetic, which JavaScript does exactly. The simulations in the tests use it too.

// Bound once: inside a vm context (Jest runs tests in one) every `Math.x` lookup goes through the
// context's global object, which made these hot loops 25× slower.
const { exp, log, log1p, sqrt, floor, abs, imul } = Math
// Global names (Math.PI, undefined, Infinity) are lookups there too, so the hot paths avoid them.
const TWO_PI = 2 * Math.PI
const LN_SQRT_2PI = 0.5 * log(TWO_PI)

export interface Random {
  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number
  /** A standard normal draw (Marsaglia's polar method, both halves used). */
  normal(): number
  /** A Poisson draw with the given mean. */
  poisson(mean: number): number
  /** A binomial draw: successes in `trials` independent trials of probability `p`. */
  binomial(trials: number, p: number): number
}

// splitmix32: spreads any integer seed over the four words of state, so nearby seeds give unrelated
// streams.
function splitmix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = imul(z ^ (z >>> 16), 0x85ebca6b)
    z = imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

function sfc32(seed: number): () => number {
  const mix = splitmix32(seed)
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** FNV-1a over the IEEE-754 bytes of the numbers: a seed that depends on the data alone. */
export function hashNumbers(...lists: ReadonlyArray<ArrayLike<number>>): number {
  let hash = 0x811c9dc5
  const view = new DataView(new ArrayBuffer(8))
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      view.setFloat64(0, list[i])
      for (let byte = 0; byte < 8; byte++) hash = imul(hash ^ view.getUint8(byte), 0x01000193)
    }
    hash = imul(hash ^ 0xff, 0x01000193) // a list boundary, so [1, 2] [] ≠ [1] [2]
  }
  return hash >>> 0
}

// ln k! by table below 256 (the Poisson sampler's acceptance test needs it exactly).
const LOG_FACTORIAL: number[] = [0]
for (let k = 1; k < 256; k++) LOG_FACTORIAL.push(LOG_FACTORIAL[k - 1] + log(k))

function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL.length) return LOG_FACTORIAL[k]
  // Stirling's series; at k ≥ 256 the omitted terms are below 1e-12.
  const inv = 1 / k
  return (k + 0.5) * log(k) - k + LN_SQRT_2PI + inv / 12 - (inv * inv * inv) / 360
}

export function createRandom(seed: number): Random {
  const next = sfc32(seed)
  let spare = 0
  let hasSpare = false

  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992

  // Marsaglia's polar method: a point uniform in the unit disc gives two independent normals with
  // one log and one square root (no sine or cosine); 21 % of points are rejected.
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false
      return spare
    }
    let u = 0
    let v = 0
    let s = 0
    do {
      // 32 random bits per coordinate: ample for a normal draw, and half the work of uniform().
      u = next() * 4.656612873077393e-10 - 1 // 2^−31
      v = next() * 4.656612873077393e-10 - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const scale = sqrt((-2 * log(s)) / s)
    spare = v * scale
    hasSpare = true
    return u * scale
  }

  // Small means: multiply uniforms until the product drops below e^(−mean) (Knuth).
  const poissonSmall = (mean: number): number => {
    const limit = exp(-mean)
    let count = 0
    let product = uniform()
    while (product > limit) {
      count++
      product *= uniform()
    }
    return count
  }

  // Large means: Hörmann's transformed rejection with squeeze (PTRS, 1993), exact.
  const poissonLarge = (mean: number): number => {
    const root = sqrt(mean)
    const b = 0.931 + 2.53 * root
    const a = -0.059 + 0.02483 * b
    const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
    const vr = 0.9277 - 3.6224 / (b - 2)
    for (;;) {
      const u = uniform() - 0.5
      const v = uniform()
      const us = 0.5 - abs(u)
      const k = floor(((2 * a) / us + b) * u + mean + 0.43)
      if (us >= 0.07 && v <= vr) return k
      if (k < 0 || (us < 0.013 && v > us)) continue
      const lhs = log(v) + log(inverseAlpha) - log(a / (us * us) + b)
      if (lhs <= -mean + k * log(mean) - logFactorial(k)) return k
    }
  }

  const poisson = (mean: number): number => {
    if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson: mean ${mean}`)
    return mean < 10 ? poissonSmall(mean) : poissonLarge(mean)
  }

  // Inversion walking up the probabilities from 0; used with small expected counts (errors).
  // For larger means it switches to the exact sum of two halves, keeping each walk short.
  const binomial = (trials: number, p: number): number => {
    if (!Number.isInteger(trials) || trials < 0 || !(p >= 0 && p <= 1)) {
      throw new RangeError(`binomial: ${trials} trials, p ${p}`)
    }
    if (p > 0.5) return trials - binomial(trials, 1 - p)
    if (trials === 0 || p === 0) return 0
    if (trials * p > 200) {
      const half = floor(trials / 2)
      return binomial(half, p) + binomial(trials - half, p)
    }
    const odds = p / (1 - p)
    let probability = exp(trials * log1p(-p))
    let cumulative = probability
    const target = uniform()
    let k = 0
    while (target >= cumulative && k < trials) {
      probability *= (odds * (trials - k)) / (k + 1)
      k++
      cumulative += probability
    }
    return k
  }

  return { uniform, normal, poisson, binomial }
}
