// A Provider answering the benchmark templates' queries from the simulated traffic, in process.
// It plays the backends a metric names — Prometheus, the seed's metrics endpoint, a tracing API —
// and hands their answers to the real providers' parsing, so `result` (and `baseline`) reach the
// conditions and judges exactly as from the real thing. Which arm is asked for comes from the query
// itself (`version="canary"`, `app=vote-canary`), as it would for a real backend: the engine measures
// the baseline by asking the same query with the baseline's args.
//
//   prometheus  the PromQL subset of promql.ts
//   web         GET …/v1/metrics?app=vote-canary&metric=errorRate&window=5m  (the seed's endpoint:
//                 {"errorRate": %, "responseTime": mean ms, "throughput": req/min}; errorRate null
//                 when the window holds no request)
//               GET …/api/v1/durations?service=vote&version=canary&window=1m&limit=200  (a tracing
//                 API: {"durations": [ms, …]}, at most `limit` of the window's requests)
import type { MetricSpec } from '../../src/analysis/types.js'
import type { Clock } from '../../src/clock.js'
import { parseDuration } from '../../src/plan/duration.js'
import { parseJsonPath, type PathStep } from '../../src/providers/jsonpath.js'
import { resultFromAnswer } from '../../src/providers/prometheus.js'
import { MeasurementError, type MeasureContext, type Provider } from '../../src/providers/provider.js'
import { resultFromBody } from '../../src/providers/web.js'
import { answerQuery, UnsupportedQuery } from './promql.js'
import type { Arm, SimulatedTraffic } from './traffic.js'

/** Maps the run's clock onto the canary's life: the analysis starts `startMinute` minutes in. */
export interface Timeline {
  /** Clock time at which the analysis starts. */
  originMs: number
  /** The canary's minute of life when the analysis starts. */
  startMinute: number
}

export function canaryMinute(timeline: Timeline, clock: Pick<Clock, 'now'>): number {
  return timeline.startMinute + (clock.now() - timeline.originMs) / 60_000
}

/** The seed's app names and the tracing API's versions, by arm. */
const APPS: Record<string, Arm> = { 'vote-canary': 'canary', 'vote-stable': 'baseline' }
const VERSIONS: Record<string, Arm> = { canary: 'canary', stable: 'baseline' }

/** The most observations the tracing API returns for one query. */
export const SAMPLE_LIMIT = 200

export interface SimulatedQuery {
  /** The canary's minute of life at which it was asked. */
  minute: number
  kind: MetricSpec['provider']['kind']
  query: string
  result: unknown
}

export class SimulatedProvider implements Provider {
  private readonly paths = new Map<string, PathStep[]>()
  /** Every query answered, when asked for (tests); off in the benchmark's hot loop. */
  readonly answered: SimulatedQuery[] | undefined

  constructor(
    private readonly traffic: SimulatedTraffic,
    private readonly timeline: Timeline,
    options: { record?: boolean } = {}
  ) {
    this.answered = options.record ? [] : undefined
  }

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    const minute = canaryMinute(this.timeline, context.clock)
    const result = this.answer(metric, minute, context.clock.now())
    this.answered?.push({ minute, kind: metric.provider.kind, query: metric.query, result })
    return result
  }

  private answer(metric: MetricSpec, minute: number, now: number): unknown {
    const { provider } = metric
    try {
      switch (provider.kind) {
        case 'prometheus':
          return resultFromAnswer(answerQuery(provider.config.query, { traffic: this.traffic, minute }, now / 1000))
        case 'web':
          return this.web(provider.config.url, provider.config.jsonPath, minute)
        default:
          throw new UnsupportedQuery(`the ${provider.kind} provider is not simulated`)
      }
    } catch (error) {
      if (error instanceof UnsupportedQuery) {
        // A template asking what the simulator cannot answer is a mistake in the benchmark: never retried.
        throw new MeasurementError(`simulator: ${error.message} in ${metric.query}`, { permanent: true })
      }
      throw error
    }
  }

  private web(address: string, jsonPath: string | undefined, minute: number): unknown {
    const url = new URL(address)
    const window = parseDuration(url.searchParams.get('window') ?? '')
    if (window === undefined || window <= 0 || window % 60_000 !== 0) throw new UnsupportedQuery(`window= must be whole minutes in ${address}`)
    const minutes = window / 60_000
    let body: unknown
    if (url.pathname === '/v1/metrics') {
      const arm = APPS[url.searchParams.get('app') ?? '']
      if (!arm) throw new UnsupportedQuery(`app= must be one of ${Object.keys(APPS).join(', ')}`)
      const requests = this.traffic.requests(arm, minute, minutes)
      const errors = this.traffic.errors(arm, minute, minutes)
      const latencies = this.traffic.windowLatencies(arm, minute, minutes)
      body = {
        errorRate: requests === 0 ? null : (100 * errors) / requests,
        responseTime: latencies.length === 0 ? null : latencies.reduce((sum, x) => sum + x, 0) / latencies.length,
        throughput: requests / minutes
      }
    } else if (url.pathname === '/api/v1/durations') {
      const arm = VERSIONS[url.searchParams.get('version') ?? '']
      if (!arm) throw new UnsupportedQuery(`version= must be one of ${Object.keys(VERSIONS).join(', ')}`)
      const limit = Math.min(SAMPLE_LIMIT, Number(url.searchParams.get('limit') ?? SAMPLE_LIMIT))
      body = { durations: this.traffic.latencySample(arm, minute, minutes, limit) }
    } else {
      throw new UnsupportedQuery(`no simulated endpoint at ${url.pathname}`)
    }
    return resultFromBody(JSON.stringify(body), jsonPath, this.stepsFor(jsonPath))
  }

  private stepsFor(jsonPath: string | undefined): PathStep[] {
    if (jsonPath === undefined) return []
    let steps = this.paths.get(jsonPath)
    if (!steps) {
      steps = parseJsonPath(jsonPath)
      this.paths.set(jsonPath, steps)
    }
    return steps
  }
}
