// The two-sample Mann-Whitney U test of the canary (x, Kayenta's "experiment") against the baseline
// (y, "control"), as Kayenta's kayenta-mannwhitney module and R's wilcox.test compute it:
// - U and its two-sided p-value by the normal approximation with tie and continuity corrections
//   (the same numbers as scipy.stats.mannwhitneyu(x, y, method="asymptotic"));
// - the Hodges-Lehmann estimate of the shift x − y and its confidence interval: the points where
//   the standardised Wilcoxon statistic of (x − μ, y), as a function of μ over
//   [min x − max y, max x − min y], crosses 0 and ±z(α/2).
//
// That statistic is a step function of μ: it changes only where x_i − μ passes some y_j, that is
// at a pairwise difference d_ij = x_i − y_j. So each crossing lies exactly on a pairwise difference,
// and we find it exactly: a bisection on μ that counts, in linear time over the sorted samples, how
// many differences exceed μ, then snaps to the difference where the count crosses. Kayenta instead
// runs Brent's method with an absolute tolerance of 1e-4 in the metric's own units, so for metrics
// whose differences are near or below 1e-4 (ratios, seconds) its interval is mostly solver noise
// (its own "problem case" test returns an estimate equal to the interval's upper end). Where the
// data's scale is large enough, the two agree to Kayenta's tolerance (see the tests).
//
// With the continuity correction the statistic is exactly 0 over a whole stretch of μ around the
// middle, so "the root at 0" is a set; we report the median of the pairwise differences, which
// always lies in it (the classical Hodges-Lehmann estimator, and R's estimate, which it computes
// without the correction).

import { normalQuantile, normalSf } from './special.js'

export interface MannWhitneyResult {
  ok: true
  /** Sample sizes after whatever the caller removed. */
  n: { canary: number; baseline: number }
  /** U of the canary: pairs (x_i, y_j) with x_i > y_j, ties counting ½ (scipy's statistic). */
  u: number
  /** The standardised statistic of the two-sided test (max(U, nm − U), continuity-corrected). */
  z: number
  /** Two-sided p-value of "no shift", normal approximation with tie and continuity corrections. */
  pValue: number
  /** Hodges-Lehmann estimate of the shift canary − baseline: the median pairwise difference. */
  estimate: number
  /** Confidence interval for the shift, at `confidence`. */
  lower: number
  upper: number
  confidence: number
}

export interface MannWhitneyError {
  ok: false
  error: string
}

interface Ranking {
  ranks: Float64Array
  /** Σ (t³ − t) over groups of t tied values: the tie correction of the variance. */
  tieTerm: number
}

/** Average ranks (1-based) with ties sharing the mean of their positions. */
export function rankWithTies(values: ArrayLike<number>): Ranking {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b])
  const ranks = new Float64Array(values.length)
  let tieTerm = 0
  for (let start = 0; start < order.length; ) {
    let end = start + 1
    while (end < order.length && values[order[end]] === values[order[start]]) end++
    const rank = (start + 1 + end) / 2
    for (let k = start; k < end; k++) ranks[order[k]] = rank
    const t = end - start
    tieTerm += t * t * t - t
    start = end
  }
  return { ranks, tieTerm }
}

/** The standard deviation of U under no shift, with the tie correction. */
function sigmaU(n: number, m: number, tieTerm: number): number {
  const total = n + m
  return Math.sqrt(((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1))))
}

/**
 * Kayenta's `wilcoxonDiff` (R's `wdiff`): the standardised, continuity-corrected Wilcoxon statistic
 * of (x − μ) against y, minus `quantile`. Ranks x − μ and y together, so values tied across the
 * samples at this very μ count as ties. NaN when every observation is tied (σ = 0).
 */
export function wilcoxonDiff(mu: number, quantile: number, x: readonly number[], y: readonly number[]): number {
  const n = x.length
  const m = y.length
  const { ranks, tieTerm } = rankWithTies([...x.map((v) => v - mu), ...y])
  let rankSum = 0
  for (let i = 0; i < n; i++) rankSum += ranks[i]
  const dz = rankSum - (n * (n + 1)) / 2 - (n * m) / 2
  const sigma = sigmaU(n, m, tieTerm)
  if (sigma === 0) return NaN
  return (dz - Math.sign(dz) * 0.5) / sigma - quantile
}

/** U of x against y and the scipy-style asymptotic two-sided p-value. */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): { u: number; z: number; pValue: number } {
  const n = x.length
  const m = y.length
  const { ranks, tieTerm } = rankWithTies([...x, ...y])
  let rankSum = 0
  for (let i = 0; i < n; i++) rankSum += ranks[i]
  const u = rankSum - (n * (n + 1)) / 2
  // Two-sided: the larger of U and its mirror, minus ½ for continuity, doubled tail, capped at 1.
  const z = (Math.max(u, n * m - u) - (n * m) / 2 - 0.5) / sigmaU(n, m, tieTerm)
  return { u, z, pValue: Math.min(1, 2 * normalSf(z)) }
}

// ---- Exact crossings of the step function -------------------------------------------------------

/** #{(i, j) : x_i − y_j > μ}, for ascending xs and ys, in O(n + m). */
function countAbove(xs: Float64Array, ys: Float64Array, mu: number): number {
  let count = 0
  let j = 0
  for (let i = 0; i < xs.length; i++) {
    while (j < ys.length && xs[i] - ys[j] > mu) j++
    count += j
  }
  return count
}

/** The smallest pairwise difference above μ (∞ when none). */
function smallestAbove(xs: Float64Array, ys: Float64Array, mu: number): number {
  let best = Infinity
  let j = 0
  for (let i = 0; i < xs.length; i++) {
    while (j < ys.length && xs[i] - ys[j] > mu) j++
    if (j > 0) best = Math.min(best, xs[i] - ys[j - 1])
  }
  return best
}

/** The largest pairwise difference at or below μ (−∞ when none). */
function largestAtMost(xs: Float64Array, ys: Float64Array, mu: number): number {
  let best = -Infinity
  let j = 0
  for (let i = 0; i < xs.length; i++) {
    while (j < ys.length && xs[i] - ys[j] > mu) j++
    if (j < ys.length) best = Math.max(best, xs[i] - ys[j])
  }
  return best
}

/**
 * The first pairwise difference d at which `before(countAbove(d))` turns false. `before` must be
 * true for small counts' complement, i.e. monotone: true while μ is left of the crossing.
 */
function firstDifferenceWhere(xs: Float64Array, ys: Float64Array, before: (above: number) => boolean): number {
  let lo = xs[0] - ys[ys.length - 1]
  let hi = xs[xs.length - 1] - ys[0]
  if (!before(countAbove(xs, ys, lo))) return lo
  // Invariant: before(lo) and not before(hi); the crossing is a difference in (lo, hi].
  for (let i = 0; i < 2200; i++) {
    const next = smallestAbove(xs, ys, lo)
    if (next >= largestAtMost(xs, ys, hi)) return next
    const mid = lo + (hi - lo) / 2
    if (mid <= lo || mid >= hi) return next
    if (before(countAbove(xs, ys, mid))) lo = mid
    else hi = mid
  }
  return smallestAbove(xs, ys, lo)
}

/** The k-th smallest (1-based) of the n·m pairwise differences, without forming them. */
export function kthPairwiseDifference(x: readonly number[], y: readonly number[], k: number): number {
  const xs = Float64Array.from(x).sort()
  const ys = Float64Array.from(y).sort()
  const total = xs.length * ys.length
  return firstDifferenceWhere(xs, ys, (above) => total - above < k)
}

/** The median of the pairwise differences x_i − y_j: the Hodges-Lehmann shift estimate. */
export function hodgesLehmann(x: readonly number[], y: readonly number[]): number {
  const total = x.length * y.length
  if (total % 2 === 1) return kthPairwiseDifference(x, y, (total + 1) / 2)
  return (kthPairwiseDifference(x, y, total / 2) + kthPairwiseDifference(x, y, total / 2 + 1)) / 2
}

/**
 * Kayenta's `findRoot(zq)`: the μ where the standardised statistic crosses `quantile`, or an end of
 * [min x − max y, max x − min y] when it does not cross inside (Kayenta's and R's end rules).
 */
function crossing(x: readonly number[], y: readonly number[], xs: Float64Array, ys: Float64Array, quantile: number): number {
  const muMin = xs[0] - ys[ys.length - 1]
  const muMax = xs[xs.length - 1] - ys[0]
  if (!(wilcoxonDiff(muMin, quantile, x, y) > 0)) return muMin
  if (!(wilcoxonDiff(muMax, quantile, x, y) < 0)) return muMax
  const n = xs.length
  const m = ys.length
  // Between differences no value of x − μ ties with y: only within-sample ties remain.
  const sigma = sigmaU(n, m, rankWithTies(xs).tieTerm + rankWithTies(ys).tieTerm)
  return firstDifferenceWhere(xs, ys, (above) => {
    const dz = above - (n * m) / 2
    return (dz - Math.sign(dz) * 0.5) / sigma - quantile > 0
  })
}

function singleValued(values: readonly number[]): boolean {
  return values.every((v) => v === values[0])
}

function validate(x: readonly number[], y: readonly number[]): string | undefined {
  if (x.length === 0 || y.length === 0) return 'no data on one side'
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) return 'the samples hold values that are not finite numbers'
  // Each side one repeated value: at the only shift that matters every observation is tied.
  if (singleValued(x) && singleValued(y)) return 'cannot compute confidence interval when all observations are tied'
  return undefined
}

/**
 * The test of canary x against baseline y at `confidence` (Kayenta's judge uses 0.98). An error
 * result when a sample is empty, holds a non-finite value, or each sample is a single repeated
 * value (then the statistic is degenerate at the one possible shift; Kayenta adds noise first).
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  confidence = 0.98
): MannWhitneyResult | MannWhitneyError {
  if (!(confidence > 0 && confidence < 1)) return { ok: false, error: `confidence ${confidence} is not in (0, 1)` }
  const invalid = validate(x, y)
  if (invalid) return { ok: false, error: invalid }
  const xs = Float64Array.from(x).sort()
  const ys = Float64Array.from(y).sort()
  const z = normalQuantile(1 - (1 - confidence) / 2)
  const { u, z: zStatistic, pValue } = mannWhitneyU(x, y)
  return {
    ok: true,
    n: { canary: x.length, baseline: y.length },
    u,
    z: zStatistic,
    pValue,
    estimate: hodgesLehmann(x, y),
    lower: crossing(x, y, xs, ys, z),
    upper: crossing(x, y, xs, ys, -z),
    confidence
  }
}

/**
 * Whether the test rejects the shift μ because the canary is larger ('above') or smaller ('below')
 * than the baseline shifted by μ: the inversion the interval comes from. Off the pairwise
 * differences this is exactly `lower > μ` (or `upper < μ`). On a difference the statistic jumps,
 * and the interval's end alone cannot tell; there the statistic at μ itself, ties counted, decides.
 * That matters for zero-inflated metrics (error rates): most pairs tie at 0, the statistic jumps
 * from +16.6 to −7.8 across μ = 0 in Kayenta's "High Metric (Large Input)" case, the interval
 * collapses to [0, 0], and only the value at 0 (+5.9, p ≈ 3e-9) says the canary is higher. Kayenta
 * reaches the same verdict by its solver's 1e-4 slack landing just right of 0.
 */
export function rejectsShift(
  test: MannWhitneyResult,
  x: readonly number[],
  y: readonly number[],
  mu: number
): 'above' | 'below' | undefined {
  const z = normalQuantile(1 - (1 - test.confidence) / 2)
  if (test.lower > mu || (test.lower === mu && wilcoxonDiff(mu, z, x, y) > 0)) return 'above'
  if (test.upper < mu || (test.upper === mu && wilcoxonDiff(mu, -z, x, y) < 0)) return 'below'
  return undefined
}
