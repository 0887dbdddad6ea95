// The Prometheus provider against a real Prometheus server holding a healthy and a degraded canary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { canaryTraffic, gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { listen, closeServer } from '../../emulators/http.js'
import { metric } from '../support/metrics.js'
import { measureOnce } from '../support/measure.js'
import type { PrometheusConfig } from '../../src/plan/schema.js'

let prometheus: PrometheusServer
const errorRatio = (app: string) =>
  `sum(rate(http_requests_total{app="${app}",version="canary",code="500"}[5m])) / sum(rate(http_requests_total{app="${app}",version="canary"}[5m]))`

beforeAll(async () => {
  prometheus = await startPrometheus({
    series: [
      ...canaryTraffic({ app: 'healthy', version: 'canary', requestsPerSecond: 20, errorRatio: 0.005, minutes: 20 }),
      ...canaryTraffic({ app: 'degraded', version: 'canary', requestsPerSecond: 20, errorRatio: 0.0268, minutes: 20 }),
      gaugeSeries({ name: 'canary_score', labels: { app: 'broken' }, minutes: 10, value: NaN })
    ]
  })
})
afterAll(async () => {
  await prometheus?.close()
})

const prom = (config: Partial<PrometheusConfig> & { query: string }, conditions: { success?: string; failure?: string } = { success: 'result[0] < 0.01' }) =>
  metric({ name: 'error-ratio', ...conditions, provider: { kind: 'prometheus', config: { address: prometheus.url, ...config } }, query: config.query })

describe('prometheus provider on a real server', () => {
  it('passes a healthy canary: the vector arrives as a list of numbers', async () => {
    const result = await measureOnce(prom({ query: errorRatio('healthy') }))
    expect(result.phase).toBe('Successful')
    expect((result.value as number[])[0]).toBeCloseTo(0.005, 4)
  })

  it('fails a degraded canary at 2.68% errors, with the value in the reason', async () => {
    const result = await measureOnce(prom({ query: errorRatio('degraded') }))
    expect(result.phase).toBe('Failed')
    expect(result.message).toBe('0.0268: successCondition result[0] < 0.01 is false')
  })

  it('never passes an empty vector: indexing it is an Error, and the len()==0 idiom is Inconclusive', async () => {
    const empty = await measureOnce(prom({ query: errorRatio('no-such-app') }))
    expect(empty.value).toEqual([])
    expect(empty.phase).toBe('Error')
    expect(empty.message).toMatch(/index 0 out of range.*no data/)
    const lenient = await measureOnce(prom({ query: errorRatio('no-such-app') }, { success: 'len(result) == 0 || result[0] < 0.01' }))
    expect(lenient.phase).toBe('Inconclusive')
    expect(lenient.verdict).toBe('Inconclusive')
  })

  it('never passes NaN, whether the series holds NaN or the query divides 0 by 0', async () => {
    const stored = await measureOnce(prom({ query: 'canary_score{app="broken"}' }, { failure: 'result[0] > 0.05' }))
    expect(stored.phase).toBe('Error')
    expect(stored.message).toMatch(/NaN/)
    const scalar = await measureOnce(prom({ query: 'scalar(vector(0)) / 0 * 0' }, { success: 'result < 1' }))
    expect(scalar.value).toBeNaN()
    expect(scalar.phase).toBe('Error')
  })

  it('runs range queries: the matrix arrives flattened and all() checks every sample', async () => {
    const result = await measureOnce(
      prom({ query: errorRatio('healthy'), rangeQuery: { start: 'now() - duration("5m")', end: 'now()', step: '1m' } }, { success: 'all(result, {# < 0.01})' })
    )
    expect(result.phase).toBe('Successful')
    expect((result.value as number[]).length).toBeGreaterThanOrEqual(5)
    const degraded = await measureOnce(
      prom({ query: errorRatio('degraded'), rangeQuery: { start: 'now() - duration("5m")', end: 'now()', step: '1m' } }, { success: 'all(result, # < 0.01)' })
    )
    expect(degraded.phase).toBe('Failed')
  })

  it('reports an invalid query as a permanent Error with Prometheus\' own message', async () => {
    const result = await measureOnce(prom({ query: 'sum(rate(' }))
    expect(result.phase).toBe('Error')
    expect(result.permanent).toBe(true)
    expect(result.message).toMatch(/^prometheus bad_data \(HTTP 400\): invalid parameter "query"/)
  })

  it('reports an address where nothing listens as an Error after retrying within the timeout', async () => {
    const result = await measureOnce(prom({ query: 'up', address: 'http://127.0.0.1:9', timeout: 2 }))
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/^prometheus: (connection refused|no answer within 2s)/)
    expect(result.log.some((line) => /retry 1 in/.test(line))).toBe(true)
  })
})

describe('prometheus headers', () => {
  let server: Server
  let url = ''
  const seen: IncomingHttpHeaders[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers)
      req.resume()
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"]}]}}')
    })
    url = `http://127.0.0.1:${await listen(server)}`
  })
  afterAll(() => closeServer(server))

  it('sends prometheus-headers to the prometheus-url only, and the metric\'s own headers always', async () => {
    seen.length = 0
    const headers = [{ key: 'Authorization', value: 'Bearer input-token' }]
    await measureOnce(prom({ query: 'up', address: url }), { prometheusUrl: url, prometheusHeaders: headers })
    await measureOnce(prom({ query: 'up', address: url, headers: [{ key: 'X-Scope-OrgID', value: 'team-a' }] }), { prometheusUrl: 'http://elsewhere.example:9090', prometheusHeaders: headers })
    expect(seen[0].authorization).toBe('Bearer input-token')
    expect(seen[1].authorization).toBeUndefined()
    expect(seen[1]['x-scope-orgid']).toBe('team-a')
  })

  it('sends basic auth from the metric', async () => {
    seen.length = 0
    await measureOnce(prom({ query: 'up', address: url, authentication: { basicAuth: { username: 'u', password: 'p' } } }))
    expect(seen[0].authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
  })
})
