// The simulated service behind every benchmark canary: requests, errors and latencies minute by
// minute for the canary and its baseline (the stable version), from one seed.
//
// - Requests: a Poisson process at `perMinute` across both arms, split by the canary's step weight
//   (two independent Poisson processes, which is what thinning one gives).
// - Errors: each request fails independently with the base rate × drift × (on the canary) the
//   scenario's error factor, so a minute's errors are binomial.
// - Latencies: log-normal, median × drift × (on the canary) the scenario's latency factor; a factor
//   scales every request, so median, mean and p99 move by the same ratio.
// - Drift moves both arms alike: a diurnal swing (each canary starts at a random time of day) and a
//   slow dependency that makes everything worse from a random minute on — its trouble has nothing to
//   do with the canary's timeline, so it may start before the canary, during its analysis or after.
//   (A fixed onset would hide it from any judge that has stopped looking by then.)
//
// Minute `m` is [m, m + 1) minutes after the canary first got traffic. Every minute draws from its
// own stream, derived from the seed and the minute, so what a minute holds does not depend on which
// queries were asked before, nor in what order: one seed gives the same traffic to every judge.
import { createRandom, hashNumbers } from '../../src/analysis/judges/random.js'

// Bound once: these run in hot loops, and inside Jest's vm context every `Math.x` is a slow lookup.
const { exp, log, sin, min, floor, PI } = Math

export interface Step {
  /** Minute of the canary's life from which this weight holds. */
  fromMinute: number
  /** The canary's share of requests, 0–1. */
  weight: number
}

export interface Drift {
  /** ×(1 + amplitude · sin(2π (start + minute) / period)) on both arms; `start` is seeded per canary. */
  diurnal: { errorAmplitude: number; latencyAmplitude: number; periodMinutes: number }
  /**
   * From its onset on, both arms' error rate × `errors` and latencies × `latency`; the onset is a
   * whole minute drawn uniformly from [earliest, latest) per canary.
   */
  slowDependency: { earliest: number; latest: number; errors: number; latency: number }
}

export interface TrafficModel {
  /** Requests per minute across both arms. */
  perMinute: number
  /** The probability that a request fails, before drift and regression. */
  baseErrorRate: number
  /** Log-normal latencies: ln(latency) ~ Normal(ln(medianMs), sigma²). */
  latency: { medianMs: number; sigma: number }
  steps: readonly Step[]
  drift?: Drift
  /** What the canary does worse than the baseline: error-rate factor, latency factor (1: nothing). */
  regression: { errors: number; latency: number }
}

/** The canary's weights: 10 % for ten minutes, 25 % for ten more, then 50 %. */
export const STEPS: readonly Step[] = [
  { fromMinute: 0, weight: 0.1 },
  { fromMinute: 10, weight: 0.25 },
  { fromMinute: 20, weight: 0.5 }
]

/** The drift of the "A/A with drift" scenario. */
export const DRIFT: Drift = {
  diurnal: { errorAmplitude: 0.4, latencyAmplitude: 0.2, periodMinutes: 24 * 60 },
  slowDependency: { earliest: -30, latest: 60, errors: 2, latency: 1.6 }
}

export const BASE = {
  baseErrorRate: 0.005,
  latency: { medianMs: 120, sigma: 0.5 },
  steps: STEPS
} as const

export interface TrafficLevel {
  id: string
  title: string
  perMinute: number
}

export const TRAFFIC_LEVELS: readonly TrafficLevel[] = [
  { id: 'qa', title: '15 req/min', perMinute: 15 },
  { id: 'prod', title: '1,500 req/min', perMinute: 1500 }
]

export interface Scenario {
  id: string
  title: string
  /** Whether the canary is worse than its baseline: a rollback is then a catch, otherwise a false rollback. */
  regression: boolean
  drift: boolean
  errors: number
  latency: number
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'aa', title: 'A/A', regression: false, drift: false, errors: 1, latency: 1 },
  { id: 'aa-drift', title: 'A/A with drift', regression: false, drift: true, errors: 1, latency: 1 },
  { id: 'errors-1.5', title: 'errors ×1.5', regression: true, drift: false, errors: 1.5, latency: 1 },
  { id: 'errors-2', title: 'errors ×2', regression: true, drift: false, errors: 2, latency: 1 },
  { id: 'errors-5', title: 'errors ×5', regression: true, drift: false, errors: 5, latency: 1 },
  { id: 'p99-30', title: 'p99 +30 %', regression: true, drift: false, errors: 1, latency: 1.3 },
  { id: 'p99-100', title: 'p99 +100 %', regression: true, drift: false, errors: 1, latency: 2 }
]

export function modelFor(scenario: Scenario, level: TrafficLevel): TrafficModel {
  return {
    ...BASE,
    perMinute: level.perMinute,
    drift: scenario.drift ? DRIFT : undefined,
    regression: { errors: scenario.errors, latency: scenario.latency }
  }
}

export type Arm = 'canary' | 'baseline'

export interface ArmMinute {
  requests: number
  errors: number
}

export interface Minute {
  minute: number
  /** The canary's share of requests in this minute. */
  weight: number
  /** Both arms' error-rate and latency multipliers from drift in this minute (1 without drift). */
  drift: { errors: number; latency: number }
  canary: ArmMinute
  baseline: ArmMinute
}

/** The canary's weight at a minute of its life (0 before its first step). */
export function weightAt(steps: readonly Step[], minute: number): number {
  let weight = 0
  for (const step of steps) if (minute >= step.fromMinute) weight = step.weight
  return weight
}

// Stream tags, so a minute's request stream and latency stream never coincide.
const REQUESTS = 1
const LATENCIES = 2
const TIME_OF_DAY = 3
const ONSET = 4

export class SimulatedTraffic {
  /** Minute of the day at which this canary started (drives the diurnal swing). */
  readonly startOfDay: number
  /** The minute of the canary's life from which the slow dependency is slow (drift only). */
  readonly slowFrom: number
  private readonly minutes = new Map<number, Minute>()
  private readonly latencies = new Map<string, Float64Array>()

  constructor(
    readonly seed: number,
    readonly model: TrafficModel
  ) {
    const period = model.drift?.diurnal.periodMinutes ?? 24 * 60
    this.startOfDay = floor(createRandom(hashNumbers([seed, TIME_OF_DAY])).uniform() * period)
    const slow = model.drift?.slowDependency
    this.slowFrom = slow ? slow.earliest + floor(createRandom(hashNumbers([seed, ONSET])).uniform() * (slow.latest - slow.earliest)) : Infinity
  }

  /** Drift multipliers of a minute, the same for both arms. */
  driftAt(minute: number): { errors: number; latency: number } {
    const drift = this.model.drift
    if (!drift) return { errors: 1, latency: 1 }
    const { diurnal, slowDependency } = drift
    const phase = sin((2 * PI * (this.startOfDay + minute)) / diurnal.periodMinutes)
    const slow = minute >= this.slowFrom
    return {
      errors: (1 + diurnal.errorAmplitude * phase) * (slow ? slowDependency.errors : 1),
      latency: (1 + diurnal.latencyAmplitude * phase) * (slow ? slowDependency.latency : 1)
    }
  }

  /** The probability that a request of this arm fails in this minute. */
  errorRateAt(arm: Arm, minute: number): number {
    const factor = arm === 'canary' ? this.model.regression.errors : 1
    return min(1, this.model.baseErrorRate * this.driftAt(minute).errors * factor)
  }

  /** The median latency (ms) of this arm in this minute. */
  medianLatencyAt(arm: Arm, minute: number): number {
    const factor = arm === 'canary' ? this.model.regression.latency : 1
    return this.model.latency.medianMs * this.driftAt(minute).latency * factor
  }

  minute(m: number): Minute {
    if (!Number.isInteger(m)) throw new RangeError(`minute ${m} is not a whole minute`)
    let found = this.minutes.get(m)
    if (found) return found
    const random = createRandom(hashNumbers([this.seed, REQUESTS, m]))
    const weight = weightAt(this.model.steps, m)
    const arm = (name: Arm, share: number): ArmMinute => {
      const requests = random.poisson(this.model.perMinute * share)
      return { requests, errors: random.binomial(requests, this.errorRateAt(name, m)) }
    }
    found = { minute: m, weight, drift: this.driftAt(m), canary: arm('canary', weight), baseline: arm('baseline', 1 - weight) }
    this.minutes.set(m, found)
    return found
  }

  /** Every request's latency (ms) of one arm in one minute, drawn only when first asked for. */
  latenciesOf(arm: Arm, m: number): Float64Array {
    const key = `${arm}:${m}`
    let found = this.latencies.get(key)
    if (found) return found
    const count = this.minute(m)[arm].requests
    const random = createRandom(hashNumbers([this.seed, LATENCIES, m, arm === 'canary' ? 0 : 1]))
    const level = log(this.medianLatencyAt(arm, m))
    const sigma = this.model.latency.sigma
    found = new Float64Array(count)
    for (let i = 0; i < count; i++) found[i] = exp(level + sigma * random.normal())
    this.latencies.set(key, found)
    return found
  }

  /** Whole minutes in the window [to − length, to) that the canary has lived through. */
  minutesIn(to: number, length: number): number[] {
    const last = floor(to) - 1
    const first = Math.max(0, floor(to) - length)
    const out: number[] = []
    for (let m = first; m <= last; m++) out.push(m)
    return out
  }

  requests(arm: Arm, to: number, length: number): number {
    return this.minutesIn(to, length).reduce((sum, m) => sum + this.minute(m)[arm].requests, 0)
  }

  errors(arm: Arm, to: number, length: number): number {
    return this.minutesIn(to, length).reduce((sum, m) => sum + this.minute(m)[arm].errors, 0)
  }

  /** Every latency of the arm in the window, oldest minute first. */
  windowLatencies(arm: Arm, to: number, length: number): Float64Array {
    const parts = this.minutesIn(to, length).map((m) => this.latenciesOf(arm, m))
    if (parts.length === 1) return parts[0]
    const all = new Float64Array(parts.reduce((sum, p) => sum + p.length, 0))
    let at = 0
    for (const part of parts) {
      all.set(part, at)
      at += part.length
    }
    return all
  }

  /**
   * At most `limit` of the window's latencies, as a tracing backend samples them: the observations
   * are independent, so evenly spaced ones are as random a subset as any.
   */
  latencySample(arm: Arm, to: number, length: number, limit: number): number[] {
    const all = this.windowLatencies(arm, to, length)
    if (all.length <= limit) return Array.from(all)
    const out: number[] = []
    for (let i = 0; i < limit; i++) out.push(all[floor((i * all.length) / limit)])
    return out
  }
}

/** The q-quantile of the values by nearest rank (NaN when there are none). */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
