// The Prometheus provider against a real Prometheus server holding a healthy and a degraded canary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { canaryTraffic, gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { listen, closeServer } from '../../emulators/http.js'
import { startFaultServer, type FaultServer } from '../support/fault-server.js'
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

describe('prometheus answers the real server would never pass', () => {
  const VECTOR = (value: string) => `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":"vote"},"value":[1700000000.1,${value}]}]}}`
  let server: FaultServer
  beforeAll(async () => {
    server = await startFaultServer({ kind: 'hang' })
  })
  afterAll(() => server.close())
  const answer = (body: string, status = 200) => server.setAnswer({ kind: 'answer', status, body })
  const at = (conditions?: { success?: string; failure?: string }, config: Partial<PrometheusConfig> = {}) =>
    measureOnce(prom({ query: 'canary_error_ratio', address: server.url, timeout: 1, ...config }, conditions))

  it.each([
    ['"0.02"', 0.02],
    ['"1e-3"', 0.001],
    ['"-0"', -0],
    ['".5"', 0.5],
    ['"+Inf"', Infinity],
    ['"-Inf"', -Infinity],
    ['"NaN"', NaN]
  ])('reads the sample %s as Go\'s strconv.ParseFloat does', async (text, value) => {
    answer(VECTOR(text))
    expect((await at()).value).toEqual([value])
  })

  it.each([
    ['"0x0"', 'sample value "0x0" is not a number'],
    ['"0b0"', 'sample value "0b0" is not a number'],
    ['" 0.01 "', 'sample value " 0.01 " is not a number'],
    ['""', 'sample value "" is not a number'],
    ['"1_000"', 'sample value "1_000" is not a number'],
    ['"1e400"', 'sample value "1e400" is out of range for a 64-bit float'],
    ['0.001', 'sample value 0.001 is not a quoted string']
  ])('makes the sample %s an Error naming the value, never a number', async (text, message) => {
    answer(VECTOR(text))
    const result = await at()
    expect(result).toMatchObject({ phase: 'Error', verdict: 'Error', message: `prometheus: ${message}` })
  })

  it('makes warnings (a partial answer) a retried Error carrying them, on one line', async () => {
    answer(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"]}]},"warnings":["remote store eu-1 unreachable\\n::set-output name=verdict::Successful"]}`)
    const result = await at()
    expect(result.phase).toBe('Error')
    expect(result.message).toBe('prometheus: partial answer: warnings: remote store eu-1 unreachable ::set-output name=verdict::Successful')
    expect(result.log.some((line) => /partial answer: warnings: .*; retry 1 in/.test(line))).toBe(true)
  })

  it('logs infos (Prometheus 3, informational) on one line and measures as usual', async () => {
    answer('{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"]}]},"infos":["PromQL info: metric might not be a counter\\nsecond line"]}')
    const result = await at()
    expect(result.phase).toBe('Successful')
    expect(result.log).toContain('error-ratio: prometheus infos: PromQL info: metric might not be a counter second line')
  })

  it('falls back to GET when something in front refuses POST (405), as Prometheus\' own client does', async () => {
    server.setAnswers([
      { kind: 'answer', status: 405, body: 'Method Not Allowed', contentType: 'text/plain' },
      { kind: 'answer', status: 200, body: VECTOR('"0.002"') }
    ])
    server.requests.length = 0
    expect(await at()).toMatchObject({ phase: 'Successful', value: [0.002] })
    expect(server.requests.map((r) => [r.method, r.url.split('?')[0], new URLSearchParams(r.url.split('?')[1] ?? r.body).get('query')])).toEqual([
      ['POST', '/api/v1/query', 'canary_error_ratio'],
      ['GET', '/api/v1/query', 'canary_error_ratio']
    ])
  })

  it('makes a range query answered with a vector an Error', async () => {
    answer(VECTOR('"0.001"'))
    const result = await at({ success: 'all(result, {# < 0.01})' }, { rangeQuery: { start: 'now() - duration("5m")', end: 'now()', step: '1m' } })
    expect(result).toMatchObject({ phase: 'Error', message: 'prometheus: a range query answered resultType "vector", not "matrix"' })
  })

  it.each([
    ['a status other than success or error', '{"status":"partial","data":{"resultType":"vector","result":[]}}', 'prometheus: the answer\'s status is "partial", not "success" or "error"'],
    ['no data', '{"status":"success"}', 'prometheus: the answer has no "data", not an object with resultType and result'],
    ['a vector sample without value', '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":"vote"}}]}}', 'prometheus: series 0 has no "value": {"metric":{"app":"vote"}}'],
    ['a native histogram', '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{"count":"3"}]}]}}', 'prometheus: series 0 holds native histogram samples, not numbers (use histogram_quantile() or histogram_count() in the query)'],
    ['a vector that is not a list', '{"status":"success","data":{"resultType":"vector","result":{"metric":{}}}}', 'prometheus: the vector result is an object, not a list: {"metric":{}}'],
    ['a timestamp out of range', '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[-1e400,"0.001"]}]}}', expect.stringMatching(/^prometheus: number -1e400 is out of range for a 64-bit float: /)],
    ['a 100 000-level body', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, expect.stringMatching(/^prometheus: answer nested deeper than 64 levels: \[\[\[/)],
    ['an error text with an injected command', '{"status":"error","errorType":"execution\\n::warning::x","error":"bad\\n::set-output name=verdict::Successful"}', 'prometheus execution ::warning::x (HTTP 422): bad ::set-output name=verdict::Successful']
  ])('makes %s an Error that says so', async (_name, body, message) => {
    answer(body, body.includes('"status":"error"') ? 422 : 200)
    const result = await at()
    expect(result).toMatchObject({ phase: 'Error', message })
  })
})
