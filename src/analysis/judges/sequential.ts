// The sequential judge for rates (errors per request): an always-valid test and confidence sequence
// on the ratio θ = canary rate / baseline rate, after Lindon & Malek (NeurIPS 2022, arXiv 2011.03567),
// extended to a traffic split that changes from interval to interval.
//
// Model. In interval i the canary serves n_i requests and the baseline m_i; their errors X_i and Y_i
// are Poisson with means θ·λ_i·n_i and λ_i·m_i. The baseline rate λ_i may drift in any way (a
// traffic peak, a slow dependency) as long as it moves both arms alike.
//
// Conditioning removes λ_i. Given the interval's total T_i = X_i + Y_i,
//     X_i | T_i ~ Binomial(T_i, p_i(θ)),   p_i(θ) = θ n_i / (θ n_i + m_i),
// so logit p_i(θ) = ln θ + ln(n_i / m_i): the split enters as a known offset, the drift not at all.
// The likelihood of θ after t intervals is ℓ_t(θ) = Σ_i [X_i ln p_i(θ) + (T_i − X_i) ln(1 − p_i(θ))].
//
// The test. H0: θ ≤ θ0 = 1 + tolerance ("the canary's error rate is at most (1 + tolerance) × the
// baseline's"). For one alternative θ1 > θ0 the likelihood ratio R_t(θ1) = exp(ℓ_t(θ1) − ℓ_t(θ0))
// has, given everything before interval i and that interval's T_i, n_i, m_i,
//     E_θ[R_i / R_{i−1}] = (p_i(θ)·a_i + (1 − p_i(θ))·b_i)^{T_i},
//     a_i = p_i(θ1)/p_i(θ0) > 1 > b_i = (1 − p_i(θ1))/(1 − p_i(θ0)).
// That is 1 at θ = θ0 and below 1 for every θ < θ0 (p_i is increasing in θ and a_i > b_i), so R_t(θ1)
// is a nonnegative supermartingale under every θ in H0, whatever the splits and the drift, since both
// are known before the interval's errors are drawn (the split is set by the rollout step; the request
// counts do not depend on the error outcomes: client retries of failed requests would break that, so
// count first attempts where they can be told apart). A mixture over θ1 > θ0 with fixed weights summing to 1
// is again one (Fubini). Ville's inequality gives P_H0(∃t: M_t ≥ 1/α) ≤ α, so the always-valid p-value
// p_t = min(p_{t−1}, 1/M_t) keeps the false-rollback rate at α however often the gate looks.
// Per-request Bernoulli errors instead of Poisson ones: given T_i the canary's errors are then
// hypergeometric (equal rates), which is smaller in convex order than the binomial (Hoeffding 1963);
// R_i/R_{i−1} is convex in X_i, so the expectation only drops and the argument stands for A/A.
//
// The mixture. The weights are a grid prior on η = ln θ, in steps of `gridStep` over
// ln θ0 ± `gridHalfWidth`: the Beta(k·q0, k·(1 − q0)) prior of Lindon & Malek on the canary's share of
// errors at a reference split ρ (q0 = θ0ρ / (θ0ρ + 1 − ρ), the share the null expects), carried over to
// η and normalised on the grid. A discrete prior is an exact mixture, so validity does not depend on
// how well the grid approximates the integral. With a fixed split equal to ρ the two-sided version
// of this mixture is Lindon & Malek's closed form up to the grid's quadrature error:
//     ln BF = ln B(kq0 + c, k(1 − q0) + b) − ln B(kq0, k(1 − q0)) − c ln q0 − b ln(1 − q0)
// for totals c (canary) and b (baseline); the tests check this against Python. The test uses the
// part of the prior above θ0, renormalised (mass below θ0 would not be a supermartingale under H0).
//
// The confidence sequence. With the two-sided prior centred on θ = 1, the mixture's marginal
// likelihood m_t = Σ_j w_j e^{ℓ_t(θ_j)} gives, for every θ', a martingale m_t / e^{ℓ_t(θ')} under θ';
// so C_t = {θ' : ℓ_t(θ') ≥ ln m_t + ln α} covers the true ratio at all times with probability ≥ 1 − α
// (savvi's construction). ℓ_t is concave in η, so C_t is an interval; on the grid we widen it to the
// first excluded grid point on each side (conservative), and intersect over time.
//
// Decisions: `fail` when p_t ≤ α and the estimate is above θ0 (the canary is worse); `pass` when the
// confidence sequence's upper end is below 1 + passTolerance; otherwise `continue`. A false pass needs
// the sequence to miss the true ratio, so it too has probability ≤ α.

import { logBeta, logSumExp, softplus } from './special.js'
import { percent, probability } from './format.js'

// Bound once: inside a vm context (Jest runs tests in one) every `Math.x` lookup goes through the
// context's global object, which made these hot loops 25× slower.
const { exp, log, log1p } = Math
// Likewise the global `Infinity`, compared on every grid point.
const NONE = -Infinity

/** One interval's counts per arm: errors (events) and requests (exposure). */
export interface RateCounts {
  /** Events in the interval (errors); Prometheus' extrapolated increases are rounded to integers. */
  events: number
  /** Exposure in the interval (requests); only the ratio between the arms matters. */
  exposure: number
}

export interface RateInterval {
  canary: RateCounts
  baseline: RateCounts
}

export interface RateJudgeOptions {
  /** Bound on the false-rollback (and false-pass) probability over all looks. Default 0.01. */
  alpha?: number
  /** Fail when the ratio is shown above 1 + tolerance. Default 0.1. */
  tolerance?: number
  /** Pass when the ratio is shown below 1 + passTolerance. Default: tolerance. */
  passTolerance?: number
  /** Prior concentration k of Lindon & Malek (savvi's default is 100). Default 10. */
  concentration?: number
  /** The canary's exposure share ρ at which the Beta prior is placed. Default 0.5. */
  referenceShare?: number
  /** Grid step in ln θ. Default 0.01 (1 % ratio steps). */
  gridStep?: number
  /** Grid half-width in ln θ around ln θ0. Default 6 (ratios from θ0·e^−6 ≈ θ0/400 to 400·θ0). */
  gridHalfWidth?: number
  /** No decision before both arms have this much cumulative exposure. Default 0. */
  minExposure?: number
}

type Resolved = Required<RateJudgeOptions>

export const RATE_DEFAULTS: Resolved = {
  alpha: 0.01,
  tolerance: 0.1,
  passTolerance: 0.1,
  concentration: 10,
  referenceShare: 0.5,
  gridStep: 0.01,
  gridHalfWidth: 6,
  minExposure: 0
}

export interface RateGrid {
  /** η_j = ln θ0 + (j − center)·step. */
  eta: Float64Array
  /** θ_j = e^{η_j}. */
  theta: Float64Array
  /** Index of η = ln θ0. */
  center: number
  /** ln weights of the one-sided prior (θ > θ0, renormalised); −∞ elsewhere. */
  logUpper: Float64Array
  /** ln weights of the two-sided prior centred on θ = 1, for the confidence sequence. */
  logTwoSided: Float64Array
  /** The same two priors as plain weights (weights below e^−745 are 0: a sub-probability mixture). */
  upper: Float64Array
  twoSided: Float64Array
}

export interface RateState {
  options: Resolved
  grid: RateGrid
  /** ℓ_t(θ_j): the conditional log-likelihood on the grid, up to a constant. */
  logLikelihood: Float64Array
  /** The running minimum of 1/M_t. */
  pValue: number
  /** The intersected confidence sequence, in η (±∞ when open at the grid's edge). */
  lowerEta: number
  upperEta: number
  totals: { canary: RateCounts; baseline: RateCounts }
  /** Intervals that carried information (both arms exposed). */
  intervals: number
  looks: number
}

export type Decision = 'fail' | 'pass' | 'continue'

export interface RateJudgement {
  decision: Decision
  /** Always-valid p-value of H0: ratio ≤ 1 + tolerance (running minimum). */
  pValue: number
  /** ln of the current one-sided mixture likelihood ratio against θ0. */
  logBayesFactor: number
  /** Conditional maximum-likelihood ratio canary rate / baseline rate (drift-free); null without events. */
  ratio: number | null
  /** Time-uniform confidence sequence for the ratio at 1 − α (0 and Infinity when open). */
  interval: { lower: number; upper: number }
  canary: RateCounts & { rate: number | null }
  baseline: RateCounts & { rate: number | null }
  intervals: number
  /** Data enough for a decision: an interval with both arms exposed, and minExposure on each arm. */
  enough: boolean
  reason: string
}

function resolve(options: RateJudgeOptions): Resolved {
  const d = RATE_DEFAULTS
  const tolerance = options.tolerance ?? d.tolerance
  const o: Resolved = {
    alpha: options.alpha ?? d.alpha,
    tolerance,
    passTolerance: options.passTolerance ?? tolerance,
    concentration: options.concentration ?? d.concentration,
    referenceShare: options.referenceShare ?? d.referenceShare,
    gridStep: options.gridStep ?? d.gridStep,
    gridHalfWidth: options.gridHalfWidth ?? d.gridHalfWidth,
    minExposure: options.minExposure ?? d.minExposure
  }
  if (!(o.alpha > 0 && o.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${o.alpha}`)
  if (!(o.tolerance > -1) || !(o.passTolerance > -1)) throw new RangeError('tolerances must be greater than −1 (a ratio above 0)')
  if (!(o.concentration > 0)) throw new RangeError(`concentration must be positive, got ${o.concentration}`)
  if (!(o.referenceShare > 0 && o.referenceShare < 1)) throw new RangeError(`referenceShare must be in (0, 1), got ${o.referenceShare}`)
  if (!(o.gridStep > 0) || !(o.gridHalfWidth >= o.gridStep)) throw new RangeError('the grid needs 0 < gridStep ≤ gridHalfWidth')
  if (!(o.minExposure >= 0)) throw new RangeError(`minExposure must be ≥ 0, got ${o.minExposure}`)
  return o
}

/**
 * ln density on η = ln θ of the Beta(k·q0, k(1 − q0)) prior on the error share at split ρ, centred
 * where the share equals q0 (θ = θ0): a·ln q + b·ln(1 − q) − ln B(a, b) with q the share at η.
 */
function betaPriorOnEta(thetaCenter: number, k: number, rho: number): (eta: number) => number {
  const offset = log(rho / (1 - rho))
  const q0 = 1 / (1 + exp(-(log(thetaCenter) + offset)))
  const a = k * q0
  const b = k * (1 - q0)
  const normaliser = logBeta(a, b)
  return (eta) => -a * softplus(-(eta + offset)) - b * softplus(eta + offset) - normaliser
}

function normalised(logWeights: Float64Array): Float64Array {
  const total = logSumExp(logWeights)
  return logWeights.map((w) => w - total)
}

function buildGrid(o: Resolved): RateGrid {
  const theta0 = 1 + o.tolerance
  const half = Math.round(o.gridHalfWidth / o.gridStep)
  const eta = Float64Array.from({ length: 2 * half + 1 }, (_, j) => log(theta0) + (j - half) * o.gridStep)
  const centredOnNull = betaPriorOnEta(theta0, o.concentration, o.referenceShare)
  const centredOnOne = betaPriorOnEta(1, o.concentration, o.referenceShare)
  const logUpper = normalised(eta.map((e, j) => (j > half ? centredOnNull(e) : NONE)))
  const logTwoSided = normalised(eta.map(centredOnOne))
  return { eta, theta: eta.map(exp), center: half, logUpper, logTwoSided, upper: logUpper.map(exp), twoSided: logTwoSided.map(exp) }
}

// Grids depend only on the options and are never mutated, so looks and runs can share them.
const grids = new Map<string, RateGrid>()

/** The grid and both priors for the given options (θ0 = 1 + tolerance). */
export function rateGrid(options: RateJudgeOptions = {}): RateGrid {
  const o = resolve(options)
  const key = [o.tolerance, o.concentration, o.referenceShare, o.gridStep, o.gridHalfWidth].join('|')
  let grid = grids.get(key)
  if (!grid) {
    if (grids.size >= 16) grids.clear()
    grid = buildGrid(o)
    grids.set(key, grid)
  }
  return grid
}

/** ln Σ_j e^{a_j + b_j}, in two passes without allocating (it runs at every look on every grid point). */
function logSumExpOfSum(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = NONE
  for (let j = 0; j < a.length; j++) if (a[j] + b[j] > max) max = a[j] + b[j]
  if (max === NONE) return max
  let sum = 0
  for (let j = 0; j < a.length; j++) if (b[j] !== NONE) sum += exp(a[j] + b[j] - max)
  return max + log(sum)
}

/**
 * ln of the mixture likelihood ratio Σ_j w_j e^{ℓ(θ_j) − ℓ(θ0)} for any grid prior: the quantity
 * both the test (one-sided weights) and the fixed-split reduction (two-sided weights) need.
 */
export function mixtureLogRatio(logLikelihood: ArrayLike<number>, logWeights: ArrayLike<number>, nullIndex: number): number {
  return logSumExpOfSum(logLikelihood, logWeights) - logLikelihood[nullIndex]
}

/** The two-sided mixture centred on θ0, exposed for the check against Lindon & Malek's closed form. */
export function twoSidedLogBayesFactor(intervals: readonly RateInterval[], options: RateJudgeOptions = {}): number {
  const o = resolve(options)
  const grid = rateGrid(o)
  const centred = normalised(grid.eta.map(betaPriorOnEta(1 + o.tolerance, o.concentration, o.referenceShare)))
  const state = intervals.reduce(stepRates, startRates(o))
  return mixtureLogRatio(state.logLikelihood, centred, grid.center)
}

const zeroCounts = (): RateCounts => ({ events: 0, exposure: 0 })

export function startRates(options: RateJudgeOptions = {}): RateState {
  const o = resolve(options)
  const grid = rateGrid(o)
  return {
    options: o,
    grid,
    logLikelihood: new Float64Array(grid.eta.length),
    pValue: 1,
    lowerEta: -Infinity,
    upperEta: Infinity,
    totals: { canary: zeroCounts(), baseline: zeroCounts() },
    intervals: 0,
    looks: 0
  }
}

function checked(counts: RateCounts, arm: string): RateCounts {
  const { events, exposure } = counts
  if (!(events >= 0) || !Number.isFinite(events)) throw new RangeError(`${arm} events must be a finite number ≥ 0, got ${events}`)
  if (!(exposure >= 0) || !Number.isFinite(exposure)) throw new RangeError(`${arm} exposure must be a finite number ≥ 0, got ${exposure}`)
  if (exposure === 0 && Math.round(events) > 0) throw new RangeError(`${arm} has ${events} events without exposure`)
  return { events: Math.round(events), exposure }
}

/**
 * Adds interval i's term X_i·(η + o_i) − T_i·ln(1 + e^{η + o_i}) to every grid point, with
 * o_i = ln(n_i/m_i); e^{η + o_i} = θ_j·n_i/m_i needs no exponential.
 */
function addInterval(logLikelihood: Float64Array, grid: RateGrid, canary: RateCounts, baseline: RateCounts): Float64Array {
  const total = canary.events + baseline.events
  if (total === 0) return logLikelihood // no events, no information (and states are never mutated)
  const next = new Float64Array(logLikelihood)
  const ratio = canary.exposure / baseline.exposure
  const offset = log(ratio)
  const { eta, theta } = grid
  for (let j = 0; j < eta.length; j++) next[j] += canary.events * (eta[j] + offset) - total * log1p(theta[j] * ratio)
  return next
}

/**
 * ln Σ_j w_j e^{ℓ_j} for both priors in one pass (one exponential per grid point); falls back to
 * the log-space sum if the plain one underflows.
 */
function mixtureSums(l: Float64Array, grid: RateGrid): { logUpper: number; logTwoSided: number } {
  let max = NONE
  for (let j = 0; j < l.length; j++) if (l[j] > max) max = l[j]
  let upper = 0
  let twoSided = 0
  for (let j = 0; j < l.length; j++) {
    const e = exp(l[j] - max)
    upper += grid.upper[j] * e
    twoSided += grid.twoSided[j] * e
  }
  return {
    logUpper: upper > 0 ? max + log(upper) : logSumExpOfSum(l, grid.logUpper),
    logTwoSided: twoSided > 0 ? max + log(twoSided) : logSumExpOfSum(l, grid.logTwoSided)
  }
}

/** The conservative confidence set on the grid: η of the first excluded point on each side. */
function confidenceSet(l: Float64Array, grid: RateGrid, logTwoSided: number, alpha: number): { lowerEta: number; upperEta: number } {
  const threshold = logTwoSided + log(alpha) // ln m_t + ln α
  let lo = 0
  while (lo < l.length && l[lo] < threshold) lo++
  let hi = l.length - 1
  while (hi > lo && l[hi] < threshold) hi--
  return {
    lowerEta: lo === 0 ? NONE : grid.eta[lo - 1],
    upperEta: hi === l.length - 1 ? -NONE : grid.eta[hi + 1]
  }
}

/** One look: fold in an interval's counts and update the p-value and the confidence sequence. */
export function stepRates(state: RateState, interval: RateInterval): RateState {
  const canary = checked(interval.canary, 'canary')
  const baseline = checked(interval.baseline, 'baseline')
  const informative = canary.exposure > 0 && baseline.exposure > 0
  const logLikelihood = informative ? addInterval(state.logLikelihood, state.grid, canary, baseline) : state.logLikelihood
  const add = (a: RateCounts, b: RateCounts): RateCounts => ({ events: a.events + b.events, exposure: a.exposure + b.exposure })
  const totals = { canary: add(state.totals.canary, canary), baseline: add(state.totals.baseline, baseline) }
  const intervals = state.intervals + (informative ? 1 : 0)
  // No events, no new information: the p-value and the sequence stay as they were.
  if (logLikelihood === state.logLikelihood) return { ...state, totals, intervals, looks: state.looks + 1 }
  const sums = mixtureSums(logLikelihood, state.grid)
  const logBF = sums.logUpper - logLikelihood[state.grid.center]
  const set = confidenceSet(logLikelihood, state.grid, sums.logTwoSided, state.options.alpha)
  let lowerEta = Math.max(state.lowerEta, set.lowerEta)
  let upperEta = Math.min(state.upperEta, set.upperEta)
  // An empty intersection has probability ≤ α and says the model does not fit; keep the latest set.
  if (lowerEta > upperEta) ({ lowerEta, upperEta } = set)
  return { ...state, logLikelihood, pValue: Math.min(state.pValue, exp(-logBF), 1), lowerEta, upperEta, totals, intervals, looks: state.looks + 1 }
}

/** The maximiser of ℓ on the grid, refined by a parabola through its neighbours. */
function estimate(state: RateState): number | null {
  const { canary, baseline } = state.totals
  if (canary.events + baseline.events === 0 || state.intervals === 0) return null
  if (canary.events === 0) return 0
  if (baseline.events === 0) return Infinity
  const l = state.logLikelihood
  let best = 0
  for (let j = 1; j < l.length; j++) if (l[j] > l[best]) best = j
  if (best === 0 || best === l.length - 1) return exp(state.grid.eta[best])
  const curvature = l[best - 1] - 2 * l[best] + l[best + 1]
  const shift = curvature < 0 ? (l[best - 1] - l[best + 1]) / (2 * curvature) : 0
  return exp(state.grid.eta[best] + shift * state.options.gridStep)
}

const rateOf = (c: RateCounts): number | null => (c.exposure > 0 ? c.events / c.exposure : null)

function describe(j: Omit<RateJudgement, 'reason'>, o: Resolved): string {
  const fmtRatio = (r: number): string => (r === Infinity ? '∞' : percent(r))
  const interval = `[${fmtRatio(j.interval.lower)}, ${fmtRatio(j.interval.upper)}]`
  const estimateText = j.ratio === null ? 'no errors yet' : `error rate ratio ${fmtRatio(j.ratio)}`
  const counts = `canary ${j.canary.events}/${j.canary.exposure}, baseline ${j.baseline.events}/${j.baseline.exposure} over ${j.intervals} interval${j.intervals === 1 ? '' : 's'}`
  const base = `${estimateText} (${counts}); ${percent(1 - o.alpha)} confidence sequence ${interval}; always-valid p ${probability(j.pValue)} for ratio ≤ ${percent(1 + o.tolerance)}`
  if (j.decision === 'fail') return `${base} ≤ α ${o.alpha} → fail`
  if (j.decision === 'pass') return `${base}; the sequence lies below ${percent(1 + o.passTolerance)} → pass`
  const tooEarly = Math.min(j.canary.exposure, j.baseline.exposure) < o.minExposure
  return `${base}${tooEarly ? `; fewer than ${o.minExposure} requests on an arm` : ''} → continue`
}

function enoughData(state: RateState): boolean {
  return state.intervals > 0 && Math.min(state.totals.canary.exposure, state.totals.baseline.exposure) >= state.options.minExposure
}

/** The decision alone (what a simulation needs at every look): see the header for the rules. */
export function rateDecision(state: RateState): Decision {
  const o = state.options
  if (!enoughData(state)) return 'continue'
  const ratio = estimate(state)
  if (state.pValue <= o.alpha && ratio !== null && ratio > 1 + o.tolerance) return 'fail'
  return exp(state.upperEta) < 1 + o.passTolerance ? 'pass' : 'continue'
}

/** The judgement after the looks folded into `state`. */
export function rateJudgement(state: RateState): RateJudgement {
  const judgement = {
    decision: rateDecision(state),
    pValue: state.pValue,
    logBayesFactor: mixtureLogRatio(state.logLikelihood, state.grid.logUpper, state.grid.center),
    ratio: estimate(state),
    interval: { lower: exp(state.lowerEta), upper: exp(state.upperEta) },
    canary: { ...state.totals.canary, rate: rateOf(state.totals.canary) },
    baseline: { ...state.totals.baseline, rate: rateOf(state.totals.baseline) },
    intervals: state.intervals,
    enough: enoughData(state)
  }
  return { ...judgement, reason: describe(judgement, state.options) }
}

/**
 * Judges the canary's error rate from all intervals so far (oldest first): the fold of stepRates.
 * Call it at every interval with the accumulated list; the result depends only on the list.
 */
export function judgeRates(intervals: readonly RateInterval[], options: RateJudgeOptions = {}): RateJudgement {
  return rateJudgement(intervals.reduce(stepRates, startRates(options)))
}
