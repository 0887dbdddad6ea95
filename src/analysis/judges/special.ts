// The few special functions the judges need, written out because the action bundles no statistics
// library: the normal distribution (tails to full relative precision, since the sequential judges
// work with probabilities far below 1e-10), its quantile, log-gamma and log-beta, and log-sum-exp.
// Each is checked against scipy's values in __tests__/fixtures/statistics/special-functions.json.

// Bound once: inside a vm context (Jest runs tests in one) every `Math.x` lookup goes through the
// context's global object, which made these hot loops 25× slower.
const { exp, log, log1p, sqrt, abs } = Math

const SQRT_2PI = sqrt(2 * Math.PI)
const LN_SQRT_2PI = 0.5 * log(2 * Math.PI)

/** The standard normal density. */
export function normalPdf(x: number): number {
  return exp(-0.5 * x * x) / SQRT_2PI
}

// Φ(x) − ½ = φ(x)·Σ x^(2n+1)/(1·3·…·(2n+1)): every term is positive, so below the switch point the
// sum is exact to rounding; the upper tail is then ½ minus it, which keeps ~13 significant digits

// down to Q(2.5) ≈ 6e-3.
function centralSeries(x: number): number {
  let term = x
  let sum = x
  const x2 = x * x
  for (let k = 1; k < 200 && abs(term) > 1e-17 * abs(sum); k++) {
    term *= x2 / (2 * k + 1)
    sum += term
  }
  return normalPdf(x) * sum
}

// Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))) for x > 0 (Laplace's continued fraction for the
// Mills ratio), evaluated from the bottom up. It keeps full relative precision deep in the tail,
// where 1 − Φ(x) would round to zero.
function tailFraction(x: number): number {
  let denominator = x
  for (let k = 120; k >= 1; k--) denominator = x + k / denominator
  return normalPdf(x) / denominator
}

const SWITCH = 2.5

/** Upper tail Q(x) = P(Z > x) of the standard normal, with full relative precision for large x. */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return NaN
  if (x === Infinity) return 0
  if (x === -Infinity) return 1
  if (x >= SWITCH) return tailFraction(x)
  if (x <= -SWITCH) return 1 - tailFraction(-x)
  return 0.5 - centralSeries(x)
}

/** Φ(x) = P(Z ≤ x). */
export function normalCdf(x: number): number {
  return normalSf(-x)
}

// A starting point within 4.5e-4 (Abramowitz & Stegun 26.2.23), for the lower tail p ≤ ½.
function roughLowerQuantile(p: number): number {
  const t = sqrt(-2 * log(p))
  const numerator = 2.515517 + 0.802853 * t + 0.010328 * t * t
  const denominator = 1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t
  return -(t - numerator / denominator)
}

/**
 * The standard normal quantile Φ⁻¹(p): the rough start refined by Halley steps on the accurate Φ,
 * so its precision is that of normalCdf (relative ~1e-15 in the tails).
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  if (p > 0.5) return -normalQuantile(1 - p)
  let x = roughLowerQuantile(p)
  for (let i = 0; i < 4; i++) {
    const error = normalCdf(x) - p
    const u = (error / normalPdf(x)) || 0
    const next = x - u / (1 + (x * u) / 2)
    if (next === x) break
    x = next
  }
  return x
}

// ln Γ(x) for x ≥ 15 by Stirling's series; the first omitted term is below 2e-14 there.
function stirlingLogGamma(x: number): number {
  const inv = 1 / x
  const inv2 = inv * inv
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
  return (x - 0.5) * log(x) - x + LN_SQRT_2PI + series
}

/** ln Γ(x) for x > 0 (the judges need it only there); NaN otherwise. */
export function logGamma(x: number): number {
  if (!(x > 0)) return NaN
  if (x === Infinity) return Infinity
  if (x >= 15) return stirlingLogGamma(x)
  // Γ(x) = Γ(x + n) / (x (x + 1) … (x + n − 1)): shift up into Stirling's range.
  let product = 1
  let y = x
  while (y < 15) {
    product *= y
    y += 1
  }
  return stirlingLogGamma(y) - log(product)
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b)
}

/** ln(1 + eˣ) without overflow or loss for large |x|. */
export function softplus(x: number): number {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
}

/** ln Σ exp(vᵢ), exact for sums that would overflow or underflow; −∞ for an empty list. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i]
  if (max === -Infinity || max === Infinity) return max
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += exp(values[i] - max)
  return max + log(sum)
}
