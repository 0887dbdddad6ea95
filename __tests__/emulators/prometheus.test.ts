import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import {
  canaryTraffic,
  counterSeries,
  findPrometheus,
  gaugeSeries,
  startPrometheus,
  toOpenMetrics,
  type PrometheusServer,
} from '../../emulators/prometheus/server.js'

let prom: PrometheusServer
let startupMs = 0
const now = Date.now()

const ratio = (version: string): string =>
  `sum(rate(http_requests_total{app="vote",version="${version}",code="500"}[5m])) / sum(rate(http_requests_total{app="vote",version="${version}"}[5m]))`

async function query(params: Record<string, string>, path = '/api/v1/query'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${prom.url}${path}?${new URLSearchParams(params)}`)
  return { status: res.status, body: await res.json() }
}

beforeAll(async () => {
  const started = Date.now()
  prom = await startPrometheus({
    series: [
      ...canaryTraffic({ app: 'vote', version: 'stable', requestsPerSecond: 50, errorRatio: 0.005, minutes: 30, now }),
      ...canaryTraffic({ app: 'vote', version: 'canary', requestsPerSecond: 10, errorRatio: 0.0268, minutes: 30, now }),
      gaugeSeries({ name: 'broken_ratio', labels: { app: 'vote' }, value: NaN, minutes: 10, now }),
      gaugeSeries({ name: 'edge_values', labels: { sign: 'plus' }, value: Infinity, minutes: 10, now }),
      gaugeSeries({ name: 'edge_values', labels: { sign: 'minus' }, value: -Infinity, minutes: 10, now }),
      // An idle app: its counters do not move, so its error ratio is 0/0.
      counterSeries({ name: 'http_requests_total', labels: { app: 'idle', version: 'canary', code: '200' }, perSecond: 0, start: 42, minutes: 30, now }),
      counterSeries({ name: 'http_requests_total', labels: { app: 'idle', version: 'canary', code: '500' }, perSecond: 0, minutes: 30, now }),
      // History from a day ago must be queryable too (promtool cuts it into other blocks).
      gaugeSeries({ name: 'yesterday', labels: {}, value: 7, minutes: 10, now: now - 86_400_000 }),
    ],
  })
  startupMs = Date.now() - started
})
afterAll(() => prom?.close())

describe('real Prometheus with backfilled history', () => {
  it('finds the binary and starts within a few seconds', () => {
    expect(findPrometheus()).toMatch(/prometheus$/)
    expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(startupMs).toBeLessThan(10_000)
  })

  it('instant queries at now give each version its error ratio', async () => {
    for (const [version, expected] of [
      ['stable', 0.005],
      ['canary', 0.0268],
    ] as const) {
      const { status, body } = await query({ query: ratio(version) })
      expect(status).toBe(200)
      expect(body.status).toBe('success')
      expect(body.data.resultType).toBe('vector')
      expect(body.data.result).toHaveLength(1)
      const [t, v] = body.data.result[0].value
      expect(typeof t).toBe('number')
      expect(typeof v).toBe('string')
      expect(Number(v)).toBeCloseTo(expected, 6)
    }
  })

  it('request rates and the latency histogram come out as generated', async () => {
    const rate = await query({ query: 'sum(rate(http_requests_total{app="vote",version="canary"}[5m]))' })
    expect(Number(rate.body.data.result[0].value[1])).toBeCloseTo(10, 6)
    const p99 = await query({ query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="vote",version="canary"}[5m])))' })
    expect(Number(p99.body.data.result[0].value[1])).toBeCloseTo(0.5, 6)
    const count = await query({ query: 'sum(rate(http_request_duration_seconds_count{app="vote",version="stable"}[5m]))' })
    expect(Number(count.body.data.result[0].value[1])).toBeCloseTo(50, 6)
  })

  it('a query at a time with no sample in the 5 minute lookback is empty', async () => {
    const before = await query({ query: 'http_requests_total{app="vote"}', time: String((now - 45 * 60_000) / 1000) })
    expect(before.body.data.result).toEqual([])
  })

  it('a range query gives a matrix', async () => {
    const { status, body } = await query(
      { query: ratio('canary'), start: String(Math.floor(now / 1000) - 600), end: String(Math.floor(now / 1000)), step: '60' },
      '/api/v1/query_range',
    )
    expect(status).toBe(200)
    expect(body.data.resultType).toBe('matrix')
    expect(body.data.result).toHaveLength(1)
    const values: Array<[number, string]> = body.data.result[0].values
    expect(values.length).toBeGreaterThanOrEqual(10)
    for (const [, v] of values) expect(Number(v)).toBeCloseTo(0.0268, 6)
  })

  it('a missing series gives an empty vector', async () => {
    const { status, body } = await query({ query: 'sum(rate(http_requests_total{app="nope"}[5m]))' })
    expect(status).toBe(200)
    expect(body).toEqual({ status: 'success', data: { resultType: 'vector', result: [] } })
  })

  it('NaN and infinities are spelled "NaN", "+Inf", "-Inf"', async () => {
    const nan = await query({ query: 'broken_ratio{app="vote"}' })
    expect(nan.body.data.result[0].value[1]).toBe('NaN')
    const edges = await query({ query: 'edge_values' })
    const bySign = Object.fromEntries(edges.body.data.result.map((r: any) => [r.metric.sign, r.value[1]]))
    expect(bySign).toEqual({ plus: '+Inf', minus: '-Inf' })
  })

  it('0/0 is NaN, as a scalar and from idle counters', async () => {
    const scalar = await query({ query: '0/0' })
    expect(scalar.body.data.resultType).toBe('scalar')
    expect(scalar.body.data.result[1]).toBe('NaN')
    const idle = await query({
      query: 'sum(rate(http_requests_total{app="idle",code="500"}[5m])) / sum(rate(http_requests_total{app="idle"}[5m]))',
    })
    expect(idle.body.data.result).toHaveLength(1)
    expect(idle.body.data.result[0].value[1]).toBe('NaN')
  })

  it('old history is kept and queryable at its own time', async () => {
    const { body } = await query({ query: 'yesterday', time: String((now - 86_400_000) / 1000) })
    expect(body.data.result[0].value[1]).toBe('7')
  })

  it('bad PromQL: HTTP 400, status error, errorType bad_data', async () => {
    const { status, body } = await query({ query: 'sum(rate(http_requests_total[5m])' })
    expect(status).toBe(400)
    expect(body.status).toBe('error')
    expect(body.errorType).toBe('bad_data')
    expect(body.error).toMatch(/^invalid parameter "query": /)
  })

  it('POST with a form body works too', async () => {
    const res = await fetch(`${prom.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: ratio('stable') }) })
    const body = (await res.json()) as any
    expect(Number(body.data.result[0].value[1])).toBeCloseTo(0.005, 6)
  })
})

describe('OpenMetrics writing', () => {
  it('types families by name, sorts samples, spells special values, ends with # EOF', () => {
    const text = toOpenMetrics([
      { name: 'req_total', labels: { path: 'a"b\\c\nd' }, samples: [{ t: 2_000, v: 2 }, { t: 1_500, v: 1 }] },
      { name: 'lat_bucket', labels: { le: '+Inf' }, samples: [{ t: 1_000, v: 3 }] },
      { name: 'lat_count', labels: {}, samples: [{ t: 1_000, v: 3 }] },
      { name: 'temp', labels: {}, samples: [{ t: 1_000, v: NaN }, { t: 2_000, v: -Infinity }] },
    ])
    expect(text).toBe(
      [
        '# TYPE req counter',
        'req_total{path="a\\"b\\\\c\\nd"} 1 1.500',
        'req_total{path="a\\"b\\\\c\\nd"} 2 2',
        '# TYPE lat histogram',
        'lat_bucket{le="+Inf"} 3 1',
        'lat_count 3 1',
        '# TYPE temp gauge',
        'temp NaN 1',
        'temp -Inf 2',
        '# EOF',
        '',
      ].join('\n'),
    )
    expect(() => toOpenMetrics([{ name: 'bad-name', labels: {}, samples: [] }])).toThrow(/invalid metric name/)
  })

  it('close stops the server and removes its data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'))
    const own = await startPrometheus({ series: [gaugeSeries({ name: 'x', labels: { a: 'b' }, value: 1, minutes: 1 })], dir })
    const ready = await fetch(`${own.url}/-/ready`)
    expect(ready.status).toBe(200)
    await ready.body?.cancel()
    expect(readdirSync(dir)).toHaveLength(1)
    await own.close()
    await own.close() // twice is fine
    expect(readdirSync(dir)).toHaveLength(0)
    await expect(fetch(`${own.url}/-/ready`)).rejects.toThrow()
    rmSync(dir, { recursive: true })
    expect(existsSync(dir)).toBe(false)
  })
})

describe('when prometheus is missing or broken', () => {
  // A fake binary first on PATH stands in for a broken install; promtool is still the real one.
  async function withPath<T>(path: string, run: () => Promise<T>): Promise<T> {
    const saved = process.env.PATH
    process.env.PATH = path
    try {
      return await run()
    } finally {
      process.env.PATH = saved
    }
  }
  const series = [gaugeSeries({ name: 'x', labels: {}, value: 1, minutes: 1 })]

  it('missing: says how to install it', async () => {
    await withPath('/nonexistent', async () => {
      expect(findPrometheus()).toBeNull()
      await expect(startPrometheus({ series })).rejects.toThrow(/apt-get install -y prometheus/)
    })
  })

  it('dies at start: the error carries the end of its log, and the data directory goes', async () => {
    const fakeDir = mkdtempSync(join(tmpdir(), 'fake-prometheus-'))
    const dataParent = mkdtempSync(join(tmpdir(), 'prometheus-data-'))
    writeFileSync(join(fakeDir, 'prometheus'), '#!/bin/sh\necho "level=error msg=\\"opening storage failed\\"" >&2\nexit 1\n', { mode: 0o755 })
    try {
      await withPath(`${fakeDir}${delimiter}${process.env.PATH}`, async () => {
        await expect(startPrometheus({ series, dir: dataParent })).rejects.toThrow(/exited with 1[\s\S]*opening storage failed/)
      })
      expect(readdirSync(dataParent)).toEqual([])
    } finally {
      rmSync(fakeDir, { recursive: true })
      rmSync(dataParent, { recursive: true })
    }
  })

  it('never ready: gives up after timeoutMs and kills it', async () => {
    const fakeDir = mkdtempSync(join(tmpdir(), 'fake-prometheus-'))
    writeFileSync(join(fakeDir, 'prometheus'), '#!/bin/sh\necho "still loading" >&2\nexec sleep 60\n', { mode: 0o755 })
    try {
      const started = Date.now()
      await withPath(`${fakeDir}${delimiter}${process.env.PATH}`, async () => {
        await expect(startPrometheus({ series, timeoutMs: 500 })).rejects.toThrow(/not serving the data after 500 ms[\s\S]*still loading/)
      })
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      rmSync(fakeDir, { recursive: true })
    }
  })
})
