// A seeded traffic simulator for the sequential judges' tests: Poisson requests per minute, the
// canary's share following the rollout's step weights, binomial errors per request, log-normal
// latencies, and drift that moves both arms alike (a diurnal swing and a slow dependency).
import { createRandom, type Random } from '../../src/analysis/judges/random.js'
import type { MeanSummary } from '../../src/analysis/judges/sequential-means.js'
import type { RateInterval } from '../../src/analysis/judges/sequential.js'
import { normalQuantile } from '../../src/analysis/judges/special.js'

// Bound once: inside a vm context (Jest runs tests in one) every `Math.x` lookup goes through the
// context's global object, which made these hot loops 25× slower.
const { exp, log, min } = Math

/** Step weights 5 % → 50 %, five one-minute intervals each, then 50 % onwards. */
export const STEPS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
export const canaryShare = (minute: number): number => STEPS[min(Math.floor(minute / 5), STEPS.length - 1)]

/** The base level's multiplier in a minute: a ±40 % swing and, from minute 15, a dependency twice as bad. */
export function drift(minute: number): number {
  return (1 + 0.4 * Math.sin(minute / 4)) * (minute >= 15 ? 2 : 1)
}

export interface Traffic {
  /** Requests per minute across both arms. */
  perMinute: number
  minutes: number
  withDrift: boolean
}

/** One minute's requests per arm: a Poisson total thinned by the canary's share. */
function requests(random: Random, traffic: Traffic, minute: number): { canary: number; baseline: number } {
  const share = canaryShare(minute)
  return { canary: random.poisson(traffic.perMinute * share), baseline: random.poisson(traffic.perMinute * (1 - share)) }
}

/**
 * A canary's error counts minute by minute: base rate × drift on both arms, × ratio on the canary.
 * Lazy, so a run that decides early does not pay for the minutes it never looks at.
 */
export function* errorTraffic(seed: number, traffic: Traffic, baseRate: number, ratio: number): Generator<RateInterval> {
  const random = createRandom(seed)
  for (let minute = 0; minute < traffic.minutes; minute++) {
    const { canary, baseline } = requests(random, traffic, minute)
    const rate = baseRate * (traffic.withDrift ? drift(minute) : 1)
    yield {
      canary: { events: random.binomial(canary, min(1, rate * ratio)), exposure: canary },
      baseline: { events: random.binomial(baseline, rate), exposure: baseline }
    }
  }
}

function logNormalSummary(random: Random, count: number, logMean: number, sigma: number): MeanSummary {
  // Plain sums suffice here: values near 100 with n ≤ a few thousand lose nothing to cancellation.
  let sum = 0
  let squares = 0
  for (let i = 0; i < count; i++) {
    const value = exp(logMean + sigma * random.normal())
    sum += value
    squares += value * value
  }
  const mean = count ? sum / count : 0
  return { count, mean, variance: count > 1 ? Math.max(0, (squares - count * mean * mean) / (count - 1)) : 0 }
}

/** Latencies minute by minute: log-normal around `medianMs` (× drift), the canary's × factor. Lazy too. */
export function* latencyTraffic(
  seed: number,
  traffic: Traffic,
  medianMs: number,
  sigma: number,
  factor: number
): Generator<{ canary: MeanSummary; baseline: MeanSummary }> {
  const random = createRandom(seed)
  for (let minute = 0; minute < traffic.minutes; minute++) {
    const { canary, baseline } = requests(random, traffic, minute)
    const level = log(medianMs * (traffic.withDrift ? drift(minute) : 1))
    yield { canary: logNormalSummary(random, canary, level + log(factor), sigma), baseline: logNormalSummary(random, baseline, level, sigma) }
  }
}

/**
 * Looks at every interval, as the gate does: folds the intervals one by one into a judge's state and
 * returns the first decision that is not continue, with the minute it came.
 */
export function firstDecision<T, S>(
  intervals: Iterable<T>,
  start: S,
  step: (state: S, interval: T) => S,
  decide: (state: S) => string
): { decision: string; minute: number } {
  let state = start
  let minute = 0
  for (const interval of intervals) {
    minute++
    state = step(state, interval)
    const decision = decide(state)
    if (decision !== 'continue') return { decision, minute }
  }
  return { decision: 'continue', minute }
}

/** Wilson's 95 % score interval for k successes in n trials. */
export function wilson(k: number, n: number): [number, number] {
  const z = normalQuantile(0.975)
  const p = k / n
  const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n)
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))
  // At k = 0 (k = n) the lower (upper) end is exactly 0 (1); rounding would leave 1e-17.
  return [k === 0 ? 0 : Math.max(0, center - half), k === n ? 1 : min(1, center + half)]
}

/** `0.85 % [0.55, 1.3] (17/2000)`: a simulated rate for a test name. */
export function rateText(k: number, n: number): string {
  const [lo, hi] = wilson(k, n)
  const pct = (x: number): string => String(Number((100 * x).toPrecision(2)))
  return `${pct(k / n)} % [${pct(lo)}, ${pct(hi)}] (${k}/${n})`
}

/** Median and 95th percentile of the minutes at which runs decided. */
export function timeText(minutes: readonly number[]): string {
  if (minutes.length === 0) return 'never'
  const sorted = [...minutes].sort((a, b) => a - b)
  const at = (q: number): number => sorted[min(sorted.length - 1, Math.floor(q * sorted.length))]
  return `median ${at(0.5)} min, p95 ${at(0.95)} min`
}
