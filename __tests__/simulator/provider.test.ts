// The fake provider answers every query of the benchmark's templates, for each arm, with what the
// simulated traffic holds — checked here against sums and quantiles computed from the traffic's
// minutes directly.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import type { MetricSpec } from '../../src/analysis/types.js'
import { substitute, type ArgValues } from '../../src/plan/instantiate.js'
import { MeasurementError, type MeasureContext } from '../../src/providers/provider.js'
import { JUDGES, loadJudge, ROOT } from '../../scripts/simulator/judges.js'
import { SimulatedProvider } from '../../scripts/simulator/provider.js'
import { SimulatedTraffic, STEPS, type Arm, type TrafficModel } from '../../scripts/simulator/traffic.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { metric } from '../support/metrics.js'

const model = (perMinute: number): TrafficModel => ({
  perMinute,
  baseErrorRate: 0.005,
  latency: { medianMs: 120, sigma: 0.5 },
  steps: STEPS,
  // Canary and baseline differ, so an answer for the wrong arm shows.
  regression: { errors: 3, latency: 1.5 }
})

const quietLog = { info() {}, notice() {}, warning() {}, error() {}, debug() {}, group: <T>(_n: string, body: () => Promise<T>) => body() }

/** Asks `spec` of a provider whose canary is `minute` minutes into its life. */
async function ask(traffic: SimulatedTraffic, spec: MetricSpec, minute: number): Promise<unknown> {
  const clock = new VirtualClock(0)
  const provider = new SimulatedProvider(traffic, { originMs: 0, startMinute: minute })
  const context: MeasureContext = { clock, log: quietLog, signal: new AbortController().signal }
  return provider.measure(spec, context)
}

// What the traffic holds, computed from its minutes (not through the simulator's window helpers).
const span = (to: number, length: number): number[] => Array.from({ length }, (_, i) => to - length + i)
const requests = (t: SimulatedTraffic, arm: Arm, to: number, length: number): number => span(to, length).reduce((s, m) => s + t.minute(m)[arm].requests, 0)
const errors = (t: SimulatedTraffic, arm: Arm, to: number, length: number): number => span(to, length).reduce((s, m) => s + t.minute(m)[arm].errors, 0)
const latencies = (t: SimulatedTraffic, arm: Arm, to: number, length: number): number[] => span(to, length).flatMap((m) => Array.from(t.latenciesOf(arm, m)))
function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.ceil(0.99 * sorted.length) - 1]
}

type Expect = (traffic: SimulatedTraffic, arm: Arm, minute: number, result: unknown) => void

const errorPercent = (length: number): Expect => (t, arm, m, result) => expect(result).toBeCloseTo((100 * errors(t, arm, m, length)) / requests(t, arm, m, length), 9)
const requestCount = (length: number): Expect => (t, arm, m, result) => expect(result).toBe(requests(t, arm, m, length))
const durations: Expect = (t, arm, m, result) => {
  const all = latencies(t, arm, m, 1)
  expect(Array.isArray(result)).toBe(true)
  const list = result as number[]
  expect(list).toHaveLength(Math.min(200, all.length))
  const known = new Set(all)
  for (const value of list) expect(known.has(value)).toBe(true)
}

/** Every metric of every contract template, with what its query (and sampleSize query) must answer. */
const EXPECTED: Record<string, Record<string, { result: Expect; sampleSize?: Expect }>> = {
  'ratio-rules.yaml': {
    'p99-latency': { result: (t, arm, m, result) => expect(result).toBeCloseTo(p99(latencies(t, arm, m, 5)), 9), sampleSize: requestCount(5) },
    'error-rate': { result: errorPercent(5), sampleSize: requestCount(5) }
  },
  'mann-whitney.yaml': {
    latency: { result: durations },
    'error-rate': { result: errorPercent(1) }
  },
  'sequential.yaml': {
    'error-rate': { result: (t, arm, m, result) => expect(result).toBe(errors(t, arm, m, 1)), sampleSize: requestCount(1) },
    latency: { result: durations }
  }
}

interface RawMetric {
  name: string
  provider: Record<string, Record<string, unknown>>
  baseline?: { args: Array<{ name: string; value: string }> }
  sampleSize?: { query?: string }
}

const argValues = (entries: Array<[string, string]>): ArgValues => new Map(entries.map(([name, value]) => [name, { value, secret: false, source: 'test' }]))

/**
 * The queries a template's metric makes for one arm: its provider with the template's args (the
 * canary) or with the baseline's args over them (the baseline), and its sampleSize query the same way.
 */
function queriesOf(file: string): Array<{ metric: string; arm: Arm; result: MetricSpec; sampleSize?: MetricSpec }> {
  const template = parse(readFileSync(path.join(ROOT, 'scripts/simulator/templates', file), 'utf8')) as {
    spec: { args: Array<{ name: string; value: string }>; metrics: RawMetric[] }
  }
  const defaults = template.spec.args.map((a): [string, string] => [a.name, a.value])
  return template.spec.metrics.flatMap((raw) =>
    (['canary', 'baseline'] as const).map((arm) => {
      const args = argValues(arm === 'canary' ? defaults : [...defaults, ...(raw.baseline?.args ?? []).map((a): [string, string] => [a.name, a.value])])
      const fill = <T>(value: T): T =>
        substitute(value, {
          args,
          report: (_path, message) => {
            throw new Error(message)
          }
        }) as T
      const [kind] = Object.keys(raw.provider) as Array<'prometheus' | 'web'>
      const config = fill(raw.provider[kind])
      const result = metric({ name: raw.name, provider: { kind, config } as MetricSpec['provider'], query: JSON.stringify(config) })
      const sampleQuery = raw.sampleSize?.query
      const sampleSize = sampleQuery
        ? metric({ name: `${raw.name} sampleSize`, provider: { kind: 'prometheus', config: { query: fill(sampleQuery) } }, query: fill(sampleQuery) })
        : undefined
      return { metric: raw.name, arm, result, sampleSize }
    })
  )
}

describe('the contract templates', () => {
  it.each(Object.keys(EXPECTED))('%s: every query answers for the arm its args name', async (file) => {
    const traffic = new SimulatedTraffic(17, model(1500))
    const queries = queriesOf(file)
    // A metric added to a template without an expectation here is a gap in this test.
    expect([...new Set(queries.map((q) => q.metric))].sort()).toEqual(Object.keys(EXPECTED[file]).sort())
    for (const minute of [7, 12, 23]) {
      const answers = new Map<Arm, unknown>()
      for (const query of queries) {
        const expected = EXPECTED[file][query.metric]
        const result = await ask(traffic, query.result, minute)
        expected.result(traffic, query.arm, minute, result)
        if (query.metric === queries[0].metric) answers.set(query.arm, result)
        expect(Boolean(query.sampleSize)).toBe(Boolean(expected.sampleSize))
        if (query.sampleSize && expected.sampleSize) expected.sampleSize(traffic, query.arm, minute, await ask(traffic, query.sampleSize, minute))
      }
      // The two arms' traffic differs, so the same query with the baseline's args must answer otherwise.
      expect(answers.get('baseline')).not.toEqual(answers.get('canary'))
    }
  })

  it('answers no data the way the backends do: NaN for an error rate over no requests', async () => {
    const traffic = new SimulatedTraffic(2, model(15))
    const quiet = Array.from({ length: 60 }, (_, m) => m).find((m) => m > 0 && traffic.minute(m - 1).canary.requests === 0)
    expect(quiet).toBeDefined()
    const errorRate = queriesOf('mann-whitney.yaml').find((q) => q.metric === 'error-rate' && q.arm === 'canary')!
    expect(await ask(traffic, errorRate.result, quiet!)).toBeNaN()
    const latency = queriesOf('mann-whitney.yaml').find((q) => q.metric === 'latency' && q.arm === 'canary')!
    expect(await ask(traffic, latency.result, quiet!)).toEqual([])
  })
})

describe("the seed's template, read through the plan code", () => {
  it('answers result.errorRate, in percent over the last 5 minutes, for the app it names', async () => {
    const loaded = await loadJudge(JUDGES.find((j) => j.id === 'fixed')!)
    const [spec] = loaded.metrics
    const traffic = new SimulatedTraffic(23, model(1500))
    for (const minute of [5, 9, 31]) {
      const result = (await ask(traffic, spec, minute)) as { errorRate: number; throughput: number }
      expect(result.errorRate).toBeCloseTo((100 * errors(traffic, 'canary', minute, 5)) / requests(traffic, 'canary', minute, 5), 9)
      expect(result.throughput).toBe(requests(traffic, 'canary', minute, 5) / 5)
    }
    // The same metric for the stable app reads the baseline.
    const stable = { ...spec, provider: { kind: 'web', config: { url: (spec.provider.config as { url: string }).url.replace('app=vote-canary', 'app=vote-stable') } } } as MetricSpec
    const result = (await ask(traffic, stable, 12)) as { errorRate: number }
    expect(result.errorRate).toBeCloseTo((100 * errors(traffic, 'baseline', 12, 5)) / requests(traffic, 'baseline', 12, 5), 9)
  })

  it('says "no data" (null) for a window without requests, never 0 %', async () => {
    const loaded = await loadJudge(JUDGES.find((j) => j.id === 'fixed')!)
    // Before the canary's first step it has had no traffic at all.
    const traffic = new SimulatedTraffic(23, { ...model(1500), steps: [{ fromMinute: 10, weight: 0.1 }] })
    expect(await ask(traffic, loaded.metrics[0], 5)).toMatchObject({ errorRate: null, throughput: 0 })
  })
})

describe('queries the simulator does not model', () => {
  it.each([
    ['an unknown metric', 'sum(increase(http_requests_count{version="canary"}[1m]))'],
    ['no arm', 'sum(increase(http_requests_total{app="vote"}[1m]))'],
    ['an unmodelled label', 'sum(increase(http_requests_total{version="canary",status="200"}[1m]))'],
    ['a grouping', 'sum by (pod) (increase(http_requests_total{version="canary"}[1m]))'],
    ['a window in seconds', 'sum(increase(http_requests_total{version="canary"}[90s]))'],
    ['an unknown function', 'avg_over_time(http_requests_total{version="canary"}[1m])']
  ])('refuses %s as a permanent error naming the query', async (_name, query) => {
    const traffic = new SimulatedTraffic(1, model(1500))
    const spec = metric({ provider: { kind: 'prometheus', config: { query } }, query })
    const failure = await ask(traffic, spec, 12).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(failure).toBeInstanceOf(MeasurementError)
    expect((failure as MeasurementError).permanent).toBe(true)
    expect((failure as MeasurementError).message).toContain(query)
  })

  it('answers arithmetic as Prometheus does: a scalar from scalar(), an empty side leaves no series', async () => {
    const traffic = new SimulatedTraffic(1, model(1500))
    const ask1 = (query: string): Promise<unknown> => ask(traffic, metric({ provider: { kind: 'prometheus', config: { query } }, query }), 12)
    const count = requests(traffic, 'canary', 12, 1)
    expect(await ask1('sum(increase(http_requests_total{version="canary"}[1m]))')).toEqual([count])
    expect(await ask1('scalar(sum(rate(http_requests_total{version="canary"}[1m]))) * 60 - 1')).toBeCloseTo(count - 1, 9)
    expect(await ask1('2 * (3 + 4) / 7')).toBe(2)
  })
})
