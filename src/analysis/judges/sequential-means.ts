// The sequential judge for continuous metrics (latency): a confidence sequence for the difference
// of means, canary − baseline, that stays valid however often the gate looks, with the two-sided
// normal mixture of Howard et al. 2021 (normal-mixture.ts).
//
// The relative tolerance. "The canary's mean latency is at most (1 + tolerance) × the baseline's"
// is the linear contrast δ(θ0) = μ_c − θ0·μ_b ≤ 0 with θ0 = 1 + tolerance, so we build the sequence
// for the contrast directly rather than divide by an estimated baseline mean. θ = 1 is the plain
// difference of means, reported beside the decision.
//
// The sum. In interval i the canary has n_i observations with mean a_i and the baseline m_i with
// mean b_i; D_i = a_i − θ·b_i has mean δ(θ) and variance v_i = σ_c²/n_i + θ²σ_b²/m_i. With weights
// w_i = 1/v_i (precision weighting, the best use of unequal and changing arm sizes), the sum
// S_t = Σ w_i (D_i − δ) has independent, mean-zero increments of variance w_i, so its variance
// process is V_t = Σ w_i and the estimate is δ̂_t = Σ w_i D_i / V_t. The per-interval means are near
// Gaussian by the central limit theorem, so S_t is treated as a Gaussian martingale and
//     δ ∈ δ̂_t ± u(V_t) / V_t    for all t at once, with probability ≥ 1 − α.
// To make ρ a property of the data rather than of the metric's units, everything is measured in
// effective pairs: V' = s²·V with s² = σ_c² + θ²σ_b² (for equal variances and θ = 1, an interval
// counts the harmonic mean of n_i and m_i), S' = s·S, and ρ = bestRho(tuneAt, α).
//
// The variance (an approximation, stated). σ_c² and σ_b² are unknown. At each look each arm's
// variance is the larger of (a) its own pooled within-interval variance, Σ(n_i − 1)s_i² / Σ(n_i − 1)
// over all data so far, and (b) the same pooled over both arms together. Pooling within intervals
// keeps the drift of the whole service (which moves interval means) out of the variance. The floor
// (b) is there because latencies are heavy-tailed: a small canary sample that missed the rare slow
// requests has both a low mean and a low variance, so the plain plug-in turns exactly those samples
// into confident "the canary is faster" verdicts. Measured with log-normal latencies (σ = 1) in A/A,
// looking every minute for 30 minutes: the plain plug-in's sequence missed in 5.4 % of runs at
// α = 5 % (1 500 req/min) and 6.6 % at 60 req/min (17 % when looks before minSamples, below, still
// counted); with the floor, 0.4 % and 0.35 %. The floor is what both arms share when the canary is
// no different, and it never narrows the sequence below the plain plug-in. The guarantee stays
// asymptotic (it holds as the variance estimates settle: the "asymptotic confidence sequences" of
// Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas 2021), not exact. So looks before each arm has
// `minSamples` observations (default 30) are not used at all, not even for the running minimum of
// the p-value, and the tests print the simulated false-rollback rate.
//
// Decisions: `fail` when the always-valid p-value of δ(1 + tolerance) = 0 is ≤ α and the estimate is
// above it (the canary is worse); `pass` when the sequence for δ(1 + passTolerance) lies below 0;
// otherwise `continue`. Higher is worse (latency); negate a metric for which lower is worse.

import { amount, percent, probability, signed } from './format.js'
import { bestRho, logNormalMixture, normalMixtureBound } from './normal-mixture.js'

// Bound once (see sequential.ts): Jest's vm context makes global lookups slow in simulations.
const { exp } = Math

/** One arm's observations in one interval, summarised. */
export interface MeanSummary {
  count: number
  mean: number
  /** Sample variance with divisor count − 1 (0 when count < 2). */
  variance: number
}

export interface MeanInterval {
  canary: MeanSummary
  baseline: MeanSummary
}

export interface MeanJudgeOptions {
  /** Bound on the false-rollback (and false-pass) probability over all looks. Default 0.01. */
  alpha?: number
  /** Fail when the canary's mean is shown above (1 + tolerance) × the baseline's. Default 0.1. */
  tolerance?: number
  /** Pass when it is shown below (1 + passTolerance) × the baseline's. Default: tolerance. */
  passTolerance?: number
  /** Effective pairs at which the boundary is tightest (sets ρ). Default 500. */
  tuneAt?: number
  /** No decision before each arm has this many observations. Default 30. */
  minSamples?: number
  /**
   * floored (default): each arm's variance is at least the two arms' pooled variance; plain: each
   * arm's own. Plain is kept to reproduce why the floor exists (see above), not for use.
   */
  variance?: 'floored' | 'plain'
}

type Resolved = Required<MeanJudgeOptions>

export const MEAN_DEFAULTS: Resolved = { alpha: 0.01, tolerance: 0.1, passTolerance: 0.1, tuneAt: 500, minSamples: 30, variance: 'floored' }

/** Count, mean and sample variance of raw observations (Welford's update, stable for large means). */
export function summarize(values: readonly number[]): MeanSummary {
  let mean = 0
  let m2 = 0
  values.forEach((value, i) => {
    const delta = value - mean
    mean += delta / (i + 1)
    m2 += delta * (value - mean)
  })
  return { count: values.length, mean: values.length ? mean : 0, variance: values.length > 1 ? m2 / (values.length - 1) : 0 }
}

export interface ContrastSequence {
  /** The contrast's ratio θ: δ = μ_c − θ·μ_b. */
  theta: number
  estimate: number
  lower: number
  upper: number
}

/** Running sums for one arm: observations, Σ n·mean, and the pooled variance's Σ(n − 1)s² and Σ(n − 1). */
interface ArmSums {
  count: number
  sum: number
  squares: number
  freedom: number
}

export interface MeanState {
  options: Resolved
  history: MeanInterval[]
  sums: { canary: ArmSums; baseline: ArmSums }
  /** Running minimum of 1/M_t for δ(1 + tolerance) = 0. */
  pValue: number
  /** Running intersections for θ = 1 (difference), 1 + tolerance and 1 + passTolerance. */
  difference: ContrastSequence | null
  failContrast: ContrastSequence | null
  passContrast: ContrastSequence | null
  lastEstimate: number | null
}

export interface MeanJudgement {
  decision: 'fail' | 'pass' | 'continue'
  /** Always-valid p-value of "canary mean = (1 + tolerance) × baseline mean" (running minimum). */
  pValue: number
  /** Difference of means canary − baseline with its confidence sequence (null before any variance). */
  difference: ContrastSequence | null
  /** Weighted means per arm and their ratio. */
  canary: { count: number; mean: number | null; sd: number | null }
  baseline: { count: number; mean: number | null; sd: number | null }
  ratio: number | null
  /** Intervals with observations on both arms. */
  intervals: number
  /** Data enough for a decision: minSamples observations and a variance on each arm. */
  enough: boolean
  reason: string
}

function resolve(options: MeanJudgeOptions): Resolved {
  const tolerance = options.tolerance ?? MEAN_DEFAULTS.tolerance
  const o: Resolved = {
    alpha: options.alpha ?? MEAN_DEFAULTS.alpha,
    tolerance,
    passTolerance: options.passTolerance ?? tolerance,
    tuneAt: options.tuneAt ?? MEAN_DEFAULTS.tuneAt,
    minSamples: options.minSamples ?? MEAN_DEFAULTS.minSamples,
    variance: options.variance ?? MEAN_DEFAULTS.variance
  }
  if (!(o.alpha > 0 && o.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${o.alpha}`)
  if (!(o.tolerance > -1) || !(o.passTolerance > -1)) throw new RangeError('tolerances must be greater than −1')
  if (!(o.tuneAt > 0)) throw new RangeError(`tuneAt must be positive, got ${o.tuneAt}`)
  if (!(o.minSamples >= 0)) throw new RangeError(`minSamples must be ≥ 0, got ${o.minSamples}`)
  return o
}

function checked(s: MeanSummary, arm: string): MeanSummary {
  if (!Number.isInteger(s.count) || s.count < 0) throw new RangeError(`${arm} count must be an integer ≥ 0, got ${s.count}`)
  if (s.count > 0 && !Number.isFinite(s.mean)) throw new RangeError(`${arm} mean must be finite, got ${s.mean}`)
  if (!(s.variance >= 0) || !Number.isFinite(s.variance)) throw new RangeError(`${arm} variance must be finite and ≥ 0, got ${s.variance}`)
  return s
}

function addToSums(sums: ArmSums, s: MeanSummary): ArmSums {
  return {
    count: sums.count + s.count,
    sum: sums.sum + s.count * s.mean,
    squares: sums.squares + (s.count > 1 ? (s.count - 1) * s.variance : 0),
    freedom: sums.freedom + (s.count > 1 ? s.count - 1 : 0)
  }
}

/** Pooled within-interval variance from running sums; null while fewer than two degrees of freedom. */
function pooled(...arms: ArmSums[]): number | null {
  const squares = arms.reduce((total, a) => total + a.squares, 0)
  const freedom = arms.reduce((total, a) => total + a.freedom, 0)
  return freedom >= 2 ? squares / freedom : null
}

interface Variances {
  canary: number
  baseline: number
}

/** The contrast's estimate, variance process in effective pairs, and the sum at δ = 0. */
function contrastSums(history: readonly MeanInterval[], variances: Variances, theta: number): { estimate: number; v: number; s0: number } | null {
  const scale2 = variances.canary + theta * theta * variances.baseline
  let weights = 0
  let weighted = 0
  for (const { canary, baseline } of history) {
    if (canary.count === 0 || baseline.count === 0) continue
    const w = 1 / (variances.canary / canary.count + (theta * theta * variances.baseline) / baseline.count)
    weights += w
    weighted += w * (canary.mean - theta * baseline.mean)
  }
  if (weights === 0 || !(scale2 > 0)) return null
  const scale = Math.sqrt(scale2)
  return { estimate: weighted / weights, v: scale2 * weights, s0: scale * weighted }
}

/** The confidence sequence for δ(θ) at this look: δ̂ ± u(V') / (s·V). */
function contrastAt(history: readonly MeanInterval[], variances: Variances, theta: number, o: Resolved): (ContrastSequence & { logM: number }) | null {
  const sums = contrastSums(history, variances, theta)
  if (!sums) return null
  const rho = bestRho(o.tuneAt, o.alpha)
  // |Σ w_i (D_i − δ)|·s ≤ u(V')  ⟺  |δ̂ − δ| ≤ u(V')/(s·V) = u(V')·s/V', since V' = s²·V.
  const s = Math.sqrt(variances.canary + theta * theta * variances.baseline)
  const halfWidth = (normalMixtureBound(sums.v, rho, o.alpha) * s) / sums.v
  return { theta, estimate: sums.estimate, lower: sums.estimate - halfWidth, upper: sums.estimate + halfWidth, logM: logNormalMixture(sums.s0, sums.v, rho) }
}

function intersect(previous: ContrastSequence | null, current: ContrastSequence | null): ContrastSequence | null {
  if (!current) return previous
  if (!previous) return current
  const lower = Math.max(previous.lower, current.lower)
  const upper = Math.min(previous.upper, current.upper)
  // Empty: probability ≤ α under the model; keep the latest look's sequence.
  return lower <= upper ? { ...current, lower, upper } : current
}

const noSums = (): ArmSums => ({ count: 0, sum: 0, squares: 0, freedom: 0 })

export function startMeans(options: MeanJudgeOptions = {}): MeanState {
  return {
    options: resolve(options),
    history: [],
    sums: { canary: noSums(), baseline: noSums() },
    pValue: 1,
    difference: null,
    failContrast: null,
    passContrast: null,
    lastEstimate: null
  }
}

/** One look: append the interval, re-estimate the variances, update the p-value and the sequences. */
export function stepMeans(state: MeanState, interval: MeanInterval): MeanState {
  const current = { canary: checked(interval.canary, 'canary'), baseline: checked(interval.baseline, 'baseline') }
  const history = [...state.history, current]
  const sums = { canary: addToSums(state.sums.canary, current.canary), baseline: addToSums(state.sums.baseline, current.baseline) }
  const o = state.options
  const canary = pooled(sums.canary)
  const baseline = pooled(sums.baseline)
  const both = pooled(sums.canary, sums.baseline)
  // Looks before each arm has minSamples do not count at all, not even towards the running
  // minimum of the p-value: they are where the plug-in approximation is weakest.
  const ready = Math.min(sums.canary.count, sums.baseline.count) >= o.minSamples
  if (!ready || canary === null || baseline === null || both === null) return { ...state, history, sums }
  const floor = o.variance === 'floored' ? both : 0
  const variances = { canary: Math.max(canary, floor), baseline: Math.max(baseline, floor) }
  const fail = contrastAt(history, variances, 1 + o.tolerance, o)
  return {
    ...state,
    history,
    sums,
    pValue: fail ? Math.min(state.pValue, exp(-fail.logM), 1) : state.pValue,
    difference: intersect(state.difference, contrastAt(history, variances, 1, o)),
    failContrast: intersect(state.failContrast, fail),
    passContrast: intersect(state.passContrast, contrastAt(history, variances, 1 + o.passTolerance, o)),
    lastEstimate: fail ? fail.estimate : state.lastEstimate
  }
}

function armSummary(sums: ArmSums): { count: number; mean: number | null; sd: number | null } {
  const variance = pooled(sums)
  return { count: sums.count, mean: sums.count ? sums.sum / sums.count : null, sd: variance === null ? null : Math.sqrt(variance) }
}

function describe(j: Omit<MeanJudgement, 'reason'>, o: Resolved, unit?: string): string {
  const c = j.canary
  const b = j.baseline
  const means =
    c.mean !== null && b.mean !== null
      ? `canary mean ${amount(c.mean, unit)} vs baseline ${amount(b.mean, unit)}${j.ratio !== null ? ` (${percent(j.ratio)})` : ''}`
      : 'no data yet'
  const counts = `n ${c.count}/${b.count} over ${j.intervals} interval${j.intervals === 1 ? '' : 's'}`
  if (Math.min(c.count, b.count) < o.minSamples) return `${means}, ${counts}; fewer than ${o.minSamples} observations on an arm → continue`
  if (!j.difference) return `${means}, ${counts}; not enough observations for a variance → continue`
  const d = j.difference
  const base = `${means}, ${counts}; difference ${signed(d.estimate, unit)} in [${signed(d.lower, unit)}, ${signed(d.upper, unit)}] (${percent(1 - o.alpha)} confidence sequence); always-valid p ${probability(j.pValue)} for mean ≤ ${percent(1 + o.tolerance)} of the baseline's`
  if (j.decision === 'fail') return `${base} ≤ α ${o.alpha} → fail`
  if (j.decision === 'pass') return `${base}; shown below ${percent(1 + o.passTolerance)} of the baseline's → pass`
  return `${base} → continue`
}

function enoughData(state: MeanState): boolean {
  return state.difference !== null
}

/** The decision alone (what a simulation needs at every look): see the header for the rules. */
export function meanDecision(state: MeanState): MeanJudgement['decision'] {
  const o = state.options
  if (!enoughData(state)) return 'continue'
  if (state.pValue <= o.alpha && state.lastEstimate !== null && state.lastEstimate > 0) return 'fail'
  return state.passContrast !== null && state.passContrast.upper < 0 ? 'pass' : 'continue'
}

export function meanJudgement(state: MeanState, unit?: string): MeanJudgement {
  const canary = armSummary(state.sums.canary)
  const baseline = armSummary(state.sums.baseline)
  const ratio = canary.mean !== null && baseline.mean ? canary.mean / baseline.mean : null
  const intervals = state.history.filter((i) => i.canary.count > 0 && i.baseline.count > 0).length
  const judgement = { decision: meanDecision(state), pValue: state.pValue, difference: state.difference, canary, baseline, ratio, intervals, enough: enoughData(state) }
  return { ...judgement, reason: describe(judgement, state.options, unit) }
}

/** Judges the canary's mean from all intervals so far (oldest first); `unit` only labels the reason. */
export function judgeMeans(intervals: readonly MeanInterval[], options: MeanJudgeOptions = {}, unit?: string): MeanJudgement {
  return meanJudgement(intervals.reduce(stepMeans, startMeans(options)), unit)
}
