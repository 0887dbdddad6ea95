// The promise the seed team needed: no failure shape of any backend ever yields Successful. Every
// provider meets every way its backend can break, under every form of condition (success only,
// failure only, both, thresholdRange), through the real engine and the real HTTP clients.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { MetricSpec, ProviderSpec } from '../../src/analysis/types.js'
import { startNerdGraph, type NerdGraphEmulator, type NerdGraphFault } from '../../emulators/newrelic/server.js'
import { gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startFaultServer, type FaultAnswer, type FaultServer } from '../support/fault-server.js'
import { analyse } from '../support/measure.js'
import { metric } from '../support/metrics.js'

interface ConditionForm {
  name: string
  success?: string
  failure?: string
  thresholdRange?: { min?: number; max?: number }
}

/** Condition forms over a map answer (New Relic, web) and over a Prometheus vector. */
const MAP_FORMS: ConditionForm[] = [
  { name: 'success only', success: 'result.errorRate < 2' },
  { name: 'failure only', failure: 'result.errorRate >= 2' },
  { name: 'both', success: 'result.errorRate < 1', failure: 'result.errorRate >= 2' },
  { name: 'lenient', success: 'default(result.errorRate, 0) < 2' }
]
const VECTOR_FORMS: ConditionForm[] = [
  { name: 'success only', success: 'result[0] < 0.01' },
  { name: 'failure only', failure: 'result[0] > 0.05' },
  { name: 'both', success: 'result[0] < 0.01', failure: 'result[0] > 0.05' },
  { name: 'thresholdRange', thresholdRange: { max: 0.01 } },
  { name: 'no-data idiom', success: 'len(result) == 0 || result[0] < 0.01' },
  { name: 'NaN idiom', success: 'isNaN(result[0]) || result[0] < 0.01' }
]

function specs(forms: ConditionForm[], provider: ProviderSpec, fault: string): MetricSpec[] {
  return forms.map((form) =>
    metric({
      name: `${fault} / ${form.name}`,
      success: form.success,
      failure: form.failure,
      thresholdRange: form.thresholdRange,
      provider,
      count: 1,
      consecutiveErrorLimit: 0
    })
  )
}

/** Runs every metric as its own analysis, concurrently, and returns the verdict of each. */
async function verdicts(metrics: MetricSpec[], settings: Parameters<typeof analyse>[1]) {
  const outcomes = await Promise.all(metrics.map((m) => analyse([m], settings)))
  return outcomes.map((outcome, i) => ({ name: metrics[i].name, verdict: outcome.verdict, measurement: outcome.metrics[0].tally.measurements[0] }))
}

function expectNeverSuccessful(results: Awaited<ReturnType<typeof verdicts>>): void {
  const passed = results.filter((r) => r.verdict === 'Successful')
  expect(passed.map((r) => `${r.name}: ${r.measurement?.message}`)).toEqual([])
  for (const r of results) expect(r.measurement?.message).toBeTruthy()
}

describe('fault matrix: newRelic through NerdGraph', () => {
  const KEY = 'NRAK-FAULTMATRIX000000000000000000'
  const faults: Array<[string, NerdGraphFault | null, string]> = [
    ['HTTP 500', { kind: 'http', status: 500 }, 'normal'],
    ['HTTP 502 HTML', { kind: 'http', status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' }, 'normal'],
    ['HTTP 503', { kind: 'http', status: 503 }, 'normal'],
    ['GraphQL TIMEOUT in a 200', { kind: 'graphql-error', errorClass: 'TIMEOUT', message: 'NRDB timed out' }, 'normal'],
    ['GraphQL INTERNAL_SERVER_ERROR', { kind: 'graphql-error', errorClass: 'INTERNAL_SERVER_ERROR', message: 'boom', partial: true }, 'normal'],
    ['429 rate limit', { kind: 'rate-limit', retryAfterSeconds: 0 }, 'normal'],
    ['hang (timeout)', { kind: 'hang' }, 'normal'],
    ['non-JSON 200', { kind: 'non-json', body: 'OK' }, 'normal'],
    ['truncated JSON', { kind: 'truncated' }, 'normal'],
    ['connection reset', { kind: 'reset' }, 'normal'],
    ['results: null', { kind: 'null-results' }, 'normal'],
    ['no rows', null, 'empty'],
    ['null value (no traffic)', null, 'null'],
    ['string "NaN"', null, 'nan-string'],
    ['missing key', null, 'other-key'],
    ['NRQL syntax error', null, 'syntax'],
    ['bad API key', null, 'bad-key'],
    ['unknown account', null, 'bad-account']
  ]
  const emulators: NerdGraphEmulator[] = []
  afterAll(() => Promise.all(emulators.map((e) => e.close())))

  it.each(faults)('%s is never Successful', async (name, fault, mode) => {
    const nerdgraph = await startNerdGraph({
      apiKey: KEY,
      accountId: 42,
      results: [
        { match: 'empty', rows: [] },
        { match: 'null', rows: [{ errorRate: null }] },
        { match: 'nan-string', rows: [{ errorRate: 'NaN' }] },
        { match: 'other-key', rows: [{ 'percentage.count': 0.4 }] },
        { match: 'normal', rows: [{ errorRate: 0.4 }] }
      ]
    })
    emulators.push(nerdgraph)
    nerdgraph.setFault(fault)
    const query = mode === 'syntax' ? 'SELEC x' : `SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = '${mode === 'bad-key' || mode === 'bad-account' ? 'normal' : mode}'`
    const provider: ProviderSpec = { kind: 'newRelic', config: { query, timeout: 1 } }
    const results = await verdicts(specs(MAP_FORMS, provider, name), {
      newRelic: { apiKey: mode === 'bad-key' ? 'NRAK-WRONG' : KEY, accountId: mode === 'bad-account' ? 7 : 42, graphqlUrl: nerdgraph.url }
    })
    expectNeverSuccessful(results)
  })

  it('passes the healthy control case, so the matrix can tell a pass from a failure', async () => {
    const nerdgraph = await startNerdGraph({ apiKey: KEY, accountId: 42, results: [{ match: 'normal', rows: [{ errorRate: 0.4 }] }] })
    emulators.push(nerdgraph)
    const provider: ProviderSpec = { kind: 'newRelic', config: { query: "SELECT 1 FROM Transaction WHERE appName = 'normal'", timeout: 1 } }
    const results = await verdicts(specs(MAP_FORMS.slice(0, 1), provider, 'control'), { newRelic: { apiKey: KEY, accountId: 42, graphqlUrl: nerdgraph.url } })
    expect(results.map((r) => r.verdict)).toEqual(['Successful'])
  })
})

describe('fault matrix: web (the seed endpoint shape)', () => {
  const answers: Array<[string, FaultAnswer]> = [
    ['HTTP 404 (the seed bug)', { kind: 'answer', status: 404, body: '{"error":"not found"}' }],
    ['HTTP 500', { kind: 'answer', status: 500, body: '{"error":"internal"}' }],
    ['HTTP 503 HTML', { kind: 'answer', status: 503, body: '<html>unavailable</html>', contentType: 'text/html' }],
    ['HTTP 401', { kind: 'answer', status: 401, body: '' }],
    ['HTTP 429', { kind: 'answer', status: 429, body: '' }],
    ['empty body', { kind: 'answer', status: 200, body: '' }],
    ['empty object', { kind: 'answer', status: 200, body: '{}' }],
    ['null', { kind: 'answer', status: 200, body: 'null' }],
    ['errorRate null', { kind: 'answer', status: 200, body: '{"errorRate": null}' }],
    ['errorRate as text', { kind: 'answer', status: 200, body: '{"errorRate": "0.4"}' }],
    ['errorRate "NaN"', { kind: 'answer', status: 200, body: '{"errorRate": "NaN"}' }],
    ['HTML 200', { kind: 'answer', status: 200, body: '<html>login</html>', contentType: 'text/html' }],
    ['a list instead of a map', { kind: 'answer', status: 200, body: '[]' }],
    ['hang (timeout)', { kind: 'hang' }],
    ['connection reset', { kind: 'reset' }],
    ['truncated JSON', { kind: 'truncated', body: '{"errorRate": 0.' }]
  ]
  const servers: FaultServer[] = []
  afterAll(() => Promise.all(servers.map((s) => s.close())))

  it.each(answers)('%s is never Successful', async (name, answer) => {
    const server = await startFaultServer(answer)
    servers.push(server)
    const url = `${server.url}/v1/metrics?app=voting01-vote-qa&metric=errorRate&window=5m`
    const whole: ProviderSpec = { kind: 'web', config: { url, timeoutSeconds: 1 } }
    const field: ProviderSpec = { kind: 'web', config: { url, timeoutSeconds: 1, jsonPath: '{$.errorRate}' } }
    const results = await verdicts(
      [...specs(MAP_FORMS, whole, name), ...specs([{ name: 'jsonPath + thresholdRange', thresholdRange: { max: 2 } }, { name: 'jsonPath + success', success: 'result < 2' }], field, name)],
      {}
    )
    expectNeverSuccessful(results)
  })

  it('nothing listening is never Successful', async () => {
    const provider: ProviderSpec = { kind: 'web', config: { url: 'http://127.0.0.1:9/v1/metrics?app=x', timeoutSeconds: 1 } }
    expectNeverSuccessful(await verdicts(specs(MAP_FORMS, provider, 'refused'), {}))
  })
})

describe('fault matrix: prometheus', () => {
  let prometheus: PrometheusServer
  const servers: FaultServer[] = []
  beforeAll(async () => {
    prometheus = await startPrometheus({ series: [gaugeSeries({ name: 'canary_error_ratio', labels: { app: 'nan' }, minutes: 10, value: NaN })] })
  })
  afterAll(async () => {
    await prometheus?.close()
    await Promise.all(servers.map((s) => s.close()))
  })

  it.each([
    ['an empty vector (no series)', 'canary_error_ratio{app="absent"}'],
    ['a NaN sample', 'canary_error_ratio{app="nan"}'],
    ['NaN from 0/0', 'vector(0) / vector(0)'],
    ['an invalid query (bad_data)', 'sum(rate('],
    ['an execution error', 'vector(1) + on(x) group_left label_replace(vector(1), "x", "a", "", "") or label_replace(vector(1), "x", "a", "", "")']
  ])('%s from a real Prometheus is never Successful', async (name, query) => {
    const provider: ProviderSpec = { kind: 'prometheus', config: { address: prometheus.url, query, timeout: 2 } }
    expectNeverSuccessful(await verdicts(specs(VECTOR_FORMS, provider, name), {}))
  })

  it.each([
    ['HTTP 503 timeout error', { kind: 'answer', status: 503, body: '{"status":"error","errorType":"timeout","error":"query timed out"}' }],
    ['HTTP 422 execution error', { kind: 'answer', status: 422, body: '{"status":"error","errorType":"execution","error":"many-to-many"}' }],
    ['HTTP 502 from a proxy', { kind: 'answer', status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' }],
    ['HTTP 401 from a proxy', { kind: 'answer', status: 401, body: 'unauthorized', contentType: 'text/plain' }],
    ['status error in a 200', { kind: 'answer', status: 200, body: '{"status":"error","errorType":"internal","error":"x"}' }],
    ['a login page in a 200', { kind: 'answer', status: 200, body: '<html>sign in</html>', contentType: 'text/html' }],
    ['an unknown result type', { kind: 'answer', status: 200, body: '{"status":"success","data":{"resultType":"weird","result":[]}}' }],
    ['a malformed sample', { kind: 'answer', status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}' }],
    ['a non-numeric sample', { kind: 'answer', status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}' }],
    ['a hang', { kind: 'hang' }],
    ['a reset', { kind: 'reset' }],
    ['truncated JSON', { kind: 'truncated', body: '{"status":"success","data":{"resultType":"vec' }]
  ] as Array<[string, FaultAnswer]>)('%s is never Successful', async (name, answer) => {
    const server = await startFaultServer(answer)
    servers.push(server)
    const provider: ProviderSpec = { kind: 'prometheus', config: { address: server.url, query: 'x', timeout: 1 } }
    expectNeverSuccessful(await verdicts(specs(VECTOR_FORMS, provider, name), {}))
  })

  it('passes the healthy control case', async () => {
    const provider: ProviderSpec = { kind: 'prometheus', config: { address: prometheus.url, query: 'vector(0.001)', timeout: 2 } }
    const results = await verdicts(specs(VECTOR_FORMS, provider, 'control'), {})
    expect(results.map((r) => r.verdict)).toEqual(VECTOR_FORMS.map(() => 'Successful'))
  })
})
