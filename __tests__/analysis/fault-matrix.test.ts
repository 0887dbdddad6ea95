// The promise the seed team needed: no failure shape of any backend ever yields Successful. Every
// provider meets every way its backend can break — HTTP statuses, GraphQL errors inside a 200,
// malformed errors fields, partial answers, warnings, odd numerals, out-of-range numbers, NaN/Inf,
// nulls and empties at any depth, non-JSON, truncated, reset, stalled, hanging, huge and deep bodies,
// several jsonPath matches, duplicate keys, injected workflow commands — under every form of condition
// people write (success only, failure only, both, lenient, thresholdRange, no-data idioms), through
// the real engine and the real HTTP clients. Every measurement must also carry a one-line message.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { AnalysisOutcome, Measurement, ProviderSpec } from '../../src/analysis/types.js'
import { startNerdGraph } from '../../emulators/newrelic/server.js'
import { gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startFaultServer, type FaultAnswer } from '../support/fault-server.js'
import { analyse, type Settings } from '../support/measure.js'
import { metric } from '../support/metrics.js'

interface Form {
  name: string
  success?: string
  failure?: string
  thresholdRange?: { min?: number; max?: number }
  /** web only: the metric's jsonPath (default: the whole body). */
  jsonPath?: string
}

/** Forms over one NRQL row or a web body: `{"errorRate": …}`. */
const MAP_FORMS: Form[] = [
  { name: 'success only', success: 'result.errorRate < 2' },
  { name: 'failure only', failure: 'result.errorRate >= 2' },
  { name: 'both', success: 'result.errorRate < 1', failure: 'result.errorRate >= 2' },
  { name: 'lenient', success: '(result.errorRate ?? 0) < 2' },
  { name: 'nil idiom', success: 'result.errorRate == nil || result.errorRate < 2' },
  { name: 'thresholdRange', thresholdRange: { max: 2 } }
]
/** Forms over a Prometheus vector. */
const VECTOR_FORMS: Form[] = [
  { name: 'success only', success: 'result[0] < 0.01' },
  { name: 'failure only', failure: 'result[0] > 0.05' },
  { name: 'both', success: 'result[0] < 0.01', failure: 'result[0] > 0.05' },
  { name: 'thresholdRange', thresholdRange: { max: 0.01 } },
  { name: 'no-data idiom', success: 'len(result) == 0 || result[0] < 0.01' },
  { name: 'NaN idiom', success: 'isNaN(result[0]) || result[0] < 0.01' },
  { name: 'all', success: 'all(result, {# < 0.01})' }
]
/** The web forms: the map forms on the whole body, and both kinds of jsonPath. */
const WEB_FORMS: Form[] = [
  ...MAP_FORMS,
  { name: 'definite path + thresholdRange', jsonPath: '{$.errorRate}', thresholdRange: { max: 2 } },
  { name: 'definite path + success', jsonPath: '{$.errorRate}', success: 'result < 2' },
  { name: 'definite path + failure', jsonPath: '{$.errorRate}', failure: 'result >= 2' },
  { name: 'all matches + all()', jsonPath: '{$..errorRate}', success: 'all(result, {# < 2})' },
  { name: 'all matches + success', jsonPath: '{$..errorRate}', success: 'result < 2' }
]

type Backend = 'newRelic' | 'web' | 'prometheus'
const FORMS: Record<Backend, Form[]> = { newRelic: MAP_FORMS, web: WEB_FORMS, prometheus: VECTOR_FORMS }

interface Served {
  provider: (form: Form) => ProviderSpec
  settings: Settings
  close(): Promise<void>
}

interface Shape {
  backend: Backend
  name: string
  serve: () => Promise<Served>
}

const NR_KEY = 'NRAK-FAULTMATRIX000000000000000000'
const SEED_PATH = '/v1/metrics?app=voting01-vote-qa&metric=errorRate&window=5m'
const INJECTION = '\n::set-output name=verdict::Successful\n::warning::all good\n'

const json = (status: number, body: string, headers?: Record<string, string>): FaultAnswer => ({ kind: 'answer', status, body, headers })
const text = (status: number, body: string, contentType = 'text/html'): FaultAnswer => ({ kind: 'answer', status, body, contentType })
const deepList = (levels: number, inner = '0.4'): string => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`
const deepObject = (levels: number, inner: string): string => `${'{"level":'.repeat(levels)}${inner}${'}'.repeat(levels)}`
const HUGE: FaultAnswer = { kind: 'huge', bytes: 50 * 1024 * 1024, head: '{"errorRate":0.4,"pad":"' }
/**
 * A healthy answer (`healthy` is its JSON object without the closing brace) padded to 50 MB: sent
 * without Content-Length, so its size shows only while it is read, or as about 50 kB of gzip. Read
 * whole, it would pass: only the size cap makes it an Error.
 */
const hugeChunked = (healthy: string): FaultAnswer => ({ kind: 'huge', bytes: 50 * 1024 * 1024, head: `${healthy},"pad":"`, tail: '"}', chunked: true })
const hugeGzip = (healthy: string): FaultAnswer => ({ kind: 'compressed', bytes: 50 * 1024 * 1024, head: `${healthy},"pad":"`, tail: '"}' })

/** A NerdGraph answer whose results are `rows` (JSON text, so it can hold what JSON.stringify cannot write). */
const nrRows = (rows: string): FaultAnswer => json(200, `{"data":{"actor":{"account":{"nrql":{"results":${rows}}}}}}`)
/** A Prometheus instant-vector answer with one sample (JSON text). */
const promSample = (value: string): FaultAnswer => json(200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":"vote"},"value":${value}}]}}`)
const promData = (data: string, extra = ''): FaultAnswer => json(200, `{"status":"success","data":${data}${extra}}`)
const HEALTHY_VECTOR = '{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.001"]}]}'
const HEALTHY_ROWS = '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}}'

function newRelicAnswer(name: string, answer: FaultAnswer): Shape {
  return {
    backend: 'newRelic',
    name,
    serve: async () => {
      const server = await startFaultServer(answer)
      return {
        provider: () => ({ kind: 'newRelic', config: { query: "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'vote'", timeout: 1 } }),
        settings: { newRelic: { apiKey: NR_KEY, accountId: 42, graphqlUrl: `${server.url}/graphql` } },
        close: () => server.close()
      }
    }
  }
}

/** A shape of the NerdGraph emulator, which answers bad keys, unknown accounts and NRQL errors as the real API does. */
function newRelicEmulated(name: string, options: { query?: string; apiKey?: string; accountId?: number }): Shape {
  return {
    backend: 'newRelic',
    name,
    serve: async () => {
      const nerdgraph = await startNerdGraph({ apiKey: NR_KEY, accountId: 42, results: [{ match: 'vote', rows: [{ errorRate: 0.4 }] }] })
      return {
        provider: () => ({ kind: 'newRelic', config: { query: options.query ?? "SELECT 1 FROM Transaction WHERE appName = 'vote'", timeout: 1 } }),
        settings: { newRelic: { apiKey: options.apiKey ?? NR_KEY, accountId: options.accountId ?? 42, graphqlUrl: nerdgraph.url } },
        close: () => nerdgraph.close()
      }
    }
  }
}

function webAnswer(name: string, answer: FaultAnswer | 'refused'): Shape {
  return {
    backend: 'web',
    name,
    serve: async () => {
      const server = answer === 'refused' ? undefined : await startFaultServer(answer)
      const base = server?.url ?? 'http://127.0.0.1:9'
      return {
        provider: (form) => ({ kind: 'web', config: { url: `${base}${SEED_PATH}`, timeoutSeconds: 1, ...(form.jsonPath ? { jsonPath: form.jsonPath } : {}) } }),
        settings: {},
        close: async () => server?.close()
      }
    }
  }
}

function prometheusAnswer(name: string, answer: FaultAnswer): Shape {
  return {
    backend: 'prometheus',
    name,
    serve: async () => {
      const server = await startFaultServer(answer)
      return {
        provider: () => ({ kind: 'prometheus', config: { address: server.url, query: 'canary_error_ratio', timeout: 1 } }),
        settings: {},
        close: () => server.close()
      }
    }
  }
}

let prometheus: PrometheusServer | undefined
function prometheusReal(name: string, query: string): Shape {
  return {
    backend: 'prometheus',
    name: `real Prometheus: ${name}`,
    serve: async () => ({
      provider: () => ({ kind: 'prometheus', config: { address: prometheus!.url, query, timeout: 2 } }),
      settings: {},
      close: async () => {}
    })
  }
}

const SHAPES: Shape[] = [
  // ---- New Relic NerdGraph ----
  newRelicAnswer('HTTP 500', json(500, '{"errors":[{"message":"internal"}]}')),
  newRelicAnswer('HTTP 502 HTML', text(502, '<html><body><h1>502 Bad Gateway</h1></body></html>')),
  newRelicAnswer('HTTP 503 with Retry-After', json(503, '{"errors":[{"message":"unavailable"}]}', { 'retry-after': '0' })),
  newRelicAnswer('HTTP 504 empty body', text(504, '')),
  newRelicAnswer('HTTP 400 errors list', json(400, '{"errors":[{"message":"Must provide query string.","extensions":{"errorClass":"BAD_REQUEST"}}]}')),
  newRelicAnswer('HTTP 403', json(403, '{"errors":[{"message":"Forbidden"}]}')),
  newRelicAnswer('HTTP 404', json(404, '{"errors":[{"message":"Not Found"}]}')),
  newRelicAnswer('HTTP 301 redirect', { kind: 'answer', status: 301, body: '', headers: { location: 'http://127.0.0.1:9/graphql' } }),
  newRelicAnswer('HTTP 204 no content', text(204, '')),
  newRelicAnswer('HTTP 429 rate limit', json(429, '{"errors":[{"message":"Too many concurrent requests","extensions":{"errorClass":"TOO_MANY_REQUESTS"}}]}', { 'retry-after': '0' })),
  newRelicEmulated('bad API key (HTTP 401)', { apiKey: 'NRAK-WRONG' }),
  newRelicEmulated('NRQL syntax error in a 200', { query: 'SELEC x' }),
  newRelicEmulated('unknown account in a 200', { accountId: 7 }),
  newRelicAnswer('GraphQL TIMEOUT in a 200, data null', json(200, '{"data":null,"errors":[{"message":"NRDB timed out","extensions":{"errorClass":"TIMEOUT"}}]}')),
  newRelicAnswer('GraphQL INTERNAL_SERVER_ERROR, nrql null', json(200, '{"data":{"actor":{"account":{"nrql":null}}},"errors":[{"message":"boom","path":["actor","account","nrql"],"extensions":{"errorClass":"INTERNAL_SERVER_ERROR"}}]}')),
  newRelicAnswer('partial answer: errors beside results', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":[{"message":"1 of 3 shards failed"}]}')),
  newRelicAnswer('errors is an object beside results', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":{"message":"shard failed"}}')),
  newRelicAnswer('errors is a string beside results', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":"shard failed"}')),
  newRelicAnswer('errors is a number beside results', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":1}')),
  newRelicAnswer('errors is true beside results', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":true}')),
  newRelicAnswer('errors holds a string entry', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":["shard failed"]}')),
  newRelicAnswer('errors holds a null entry', json(200, '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}},"errors":[null]}')),
  newRelicAnswer('error message with an injected workflow command', json(200, JSON.stringify({ data: null, errors: [{ message: `NRDB failed${INJECTION}`, extensions: { errorClass: `TIMEOUT${INJECTION}` } }] }))),
  newRelicAnswer('data null without errors', json(200, '{"data":null}')),
  newRelicAnswer('data missing', json(200, '{}')),
  newRelicAnswer('data.actor null', json(200, '{"data":{"actor":null}}')),
  newRelicAnswer('account a string', json(200, '{"data":{"actor":{"account":"42"}}}')),
  newRelicAnswer('nrql null without errors', json(200, '{"data":{"actor":{"account":{"nrql":null}}}}')),
  newRelicAnswer('results null', nrRows('null')),
  newRelicAnswer('results an object', nrRows('{"errorRate":0.4}')),
  newRelicAnswer('results a string', nrRows('"0.4"')),
  newRelicAnswer('no rows', nrRows('[]')),
  newRelicAnswer('a null row', nrRows('[null]')),
  newRelicAnswer('a number row', nrRows('[0.4]')),
  newRelicAnswer('a list row', nrRows('[[0.4]]')),
  newRelicAnswer('a healthy row beside a null row', nrRows('[{"errorRate":0.4},null]')),
  newRelicAnswer('an empty row', nrRows('[{}]')),
  newRelicAnswer('errorRate null (no traffic)', nrRows('[{"errorRate":null}]')),
  newRelicAnswer('errorRate "NaN"', nrRows('[{"errorRate":"NaN"}]')),
  newRelicAnswer('errorRate as text', nrRows('[{"errorRate":"0.4"}]')),
  newRelicAnswer('errorRate -1e400', nrRows('[{"errorRate":-1e400}]')),
  newRelicAnswer('errorRate 1e400', nrRows('[{"errorRate":1e400}]')),
  newRelicAnswer('an out-of-range number in another field', nrRows('[{"errorRate":0.4,"count":-1e400}]')),
  newRelicAnswer('errorRate nested one level down', nrRows('[{"errorRate":{"value":0.4}}]')),
  newRelicAnswer('the key under another name', nrRows('[{"percentage.count":0.4}]')),
  newRelicAnswer('two rows, one without data', nrRows('[{"errorRate":0.4},{"errorRate":null}]')),
  newRelicAnswer('duplicate keys, the last null', nrRows('[{"errorRate":0.4,"errorRate":null}]')),
  newRelicAnswer('duplicate keys, the last failing', nrRows('[{"errorRate":0.4,"errorRate":5}]')),
  newRelicAnswer('a healthy row beside a 65-level value', nrRows(`[{"errorRate":0.4,"facets":${deepList(65)}}]`)),
  newRelicAnswer('a 100 000-level body', json(200, deepList(100_000))),
  newRelicAnswer('non-JSON 200', text(200, 'OK', 'text/plain')),
  newRelicAnswer('HTML login page in a 200', text(200, '<html><body>Sign in to New Relic</body></html>')),
  newRelicAnswer('empty 200', text(200, '', 'application/json')),
  newRelicAnswer('JSON null', json(200, 'null')),
  newRelicAnswer('JSON list', json(200, '[]')),
  newRelicAnswer('JSON number', json(200, '0')),
  newRelicAnswer('a byte-order mark before the JSON', json(200, `\ufeff{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}}}`)),
  newRelicAnswer('truncated JSON', { kind: 'truncated', body: '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRa' }),
  newRelicAnswer('connection reset', { kind: 'reset' }),
  newRelicAnswer('hang (timeout)', { kind: 'hang' }),
  newRelicAnswer('stalled body', { kind: 'stall', body: '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}' }),
  newRelicAnswer('50 MB body', HUGE),
  newRelicAnswer('a healthy answer padded to 50 MB, chunked', hugeChunked(HEALTHY_ROWS)),
  newRelicAnswer('a healthy answer padded to 50 MB, in 50 kB of gzip', hugeGzip(HEALTHY_ROWS)),

  // ---- web (the seed endpoint shape) ----
  webAnswer('HTTP 404 (the seed bug)', json(404, '{"error":"not found"}')),
  webAnswer('HTTP 500', json(500, '{"error":"internal"}')),
  webAnswer('HTTP 503 HTML', text(503, '<html>unavailable</html>')),
  webAnswer('HTTP 401 empty', text(401, '')),
  webAnswer('HTTP 429', json(429, '{"errorRate":0.4}', { 'retry-after': '0' })),
  webAnswer('HTTP 302 redirect', { kind: 'answer', status: 302, body: '{"errorRate":0.4}', headers: { location: '/login' } }),
  webAnswer('HTTP 204 no content', text(204, '')),
  webAnswer('HTTP 500 with an injected workflow command', text(500, `upstream failed${INJECTION}`, 'text/plain')),
  webAnswer('nothing listening', 'refused'),
  webAnswer('empty body', json(200, '')),
  webAnswer('whitespace body', json(200, ' \n\t ')),
  webAnswer('empty object', json(200, '{}')),
  webAnswer('JSON null', json(200, 'null')),
  webAnswer('empty list', json(200, '[]')),
  webAnswer('a list of an empty object', json(200, '[{}]')),
  webAnswer('a list of null rows', json(200, '[{"errorRate":null},{"errorRate":null}]')),
  webAnswer('errorRate null', json(200, '{"errorRate":null}')),
  webAnswer('errorRate as text', json(200, '{"errorRate":"0.4"}')),
  webAnswer('errorRate "NaN"', json(200, '{"errorRate":"NaN"}')),
  webAnswer('errorRate hex text "0x0"', json(200, '{"errorRate":"0x0"}')),
  webAnswer('errorRate -1e400', json(200, '{"errorRate":-1e400}')),
  webAnswer('errorRate 1e999', json(200, '{"errorRate":1e999}')),
  webAnswer('an out-of-range number elsewhere', json(200, '{"errorRate":0.4,"throughput":-1e400}')),
  webAnswer('errorRate true', json(200, '{"errorRate":true}')),
  webAnswer('errorRate an empty list', json(200, '{"errorRate":[]}')),
  webAnswer('errorRate a list of two', json(200, '{"errorRate":[0.4,5]}')),
  webAnswer('errorRate an empty object', json(200, '{"errorRate":{}}')),
  webAnswer('errorRate nested one level down', json(200, '{"errorRate":{"value":0.4}}')),
  webAnswer('duplicate keys, the last null', json(200, '{"errorRate":0.4,"errorRate":null}')),
  webAnswer('duplicate keys, the last failing', json(200, '{"errorRate":0.4,"errorRate":5}')),
  webAnswer('several matches, one failing', json(200, '{"canary":{"errorRate":0.4},"stable":{"errorRate":5}}')),
  webAnswer('several matches, one null', json(200, '{"canary":{"errorRate":0.4},"stable":{"errorRate":null}}')),
  webAnswer('several matches, one "NaN"', json(200, '{"canary":{"errorRate":0.4},"stable":{"errorRate":"NaN"}}')),
  webAnswer('a healthy value 65 levels down', json(200, deepObject(65, '{"errorRate":0.4}'))),
  webAnswer('a healthy value beside 65-level nesting', json(200, `{"errorRate":0.4,"history":${deepList(65)}}`)),
  webAnswer('a 100 000-level body', json(200, deepList(100_000))),
  webAnswer('a 100 000-level object', json(200, deepObject(100_000, '{"errorRate":0.4}'))),
  webAnswer('HTML 200', text(200, '<html>login</html>')),
  webAnswer('plain text "OK"', text(200, 'OK', 'text/plain')),
  webAnswer('plain text "NaN"', text(200, 'NaN', 'text/plain')),
  webAnswer('plain text "-Infinity"', text(200, '-Infinity', 'text/plain')),
  webAnswer('a bare "NaN" string', json(200, '"NaN"')),
  webAnswer('a bare null inside a list', json(200, '[null]')),
  webAnswer('plain text with an injected workflow command', text(200, `status: ok${INJECTION}`, 'text/plain')),
  webAnswer('line and paragraph separators', json(200, '{"errorRate":"0.4\u2028::set-output name=x::y\u2029"}')),
  webAnswer('truncated JSON', { kind: 'truncated', body: '{"errorRate": 0.' }),
  webAnswer('connection reset', { kind: 'reset' }),
  webAnswer('hang (timeout)', { kind: 'hang' }),
  webAnswer('stalled body', { kind: 'stall', body: '{"errorRate":0.4' }),
  webAnswer('50 MB body', HUGE),
  webAnswer('a healthy answer padded to 50 MB, chunked', hugeChunked('{"errorRate":0.4')),
  webAnswer('a healthy answer padded to 50 MB, in 50 kB of gzip', hugeGzip('{"errorRate":0.4')),

  // ---- Prometheus ----
  prometheusReal('an empty vector (no series)', 'canary_error_ratio{app="absent"}'),
  prometheusReal('a NaN sample', 'canary_error_ratio{app="nan"}'),
  prometheusReal('NaN from 0/0', 'vector(0) / vector(0)'),
  prometheusReal('+Inf from 1/0', 'vector(1) / 0'),
  prometheusReal('a range of NaN samples', 'canary_error_ratio{app="nan"}[1m]'),
  prometheusReal('a string result', '"0.001"'),
  prometheusReal('an invalid query (bad_data)', 'sum(rate('),
  prometheusReal('an execution error', 'vector(1) + on(x) group_left label_replace(vector(1), "x", "a", "", "") or label_replace(vector(1), "x", "a", "", "")'),
  prometheusAnswer('HTTP 503 timeout error', json(503, '{"status":"error","errorType":"timeout","error":"query timed out"}')),
  prometheusAnswer('HTTP 422 execution error', json(422, '{"status":"error","errorType":"execution","error":"many-to-many"}')),
  prometheusAnswer('HTTP 422 error with an injected workflow command', json(422, JSON.stringify({ status: 'error', errorType: `execution${INJECTION}`, error: `bad${INJECTION}` }))),
  prometheusAnswer('HTTP 400 bad_data', json(400, '{"status":"error","errorType":"bad_data","error":"parse error"}')),
  prometheusAnswer('HTTP 499 canceled', json(499, '{"status":"error","errorType":"canceled","error":"canceled"}')),
  prometheusAnswer('HTTP 500 internal', json(500, '{"status":"error","errorType":"internal","error":"x"}')),
  prometheusAnswer('HTTP 502 from a proxy', text(502, '<html>bad gateway</html>')),
  prometheusAnswer('HTTP 401 from a proxy', text(401, 'unauthorized', 'text/plain')),
  prometheusAnswer('HTTP 403 from a proxy', text(403, 'forbidden', 'text/plain')),
  prometheusAnswer('HTTP 404', text(404, '404 page not found', 'text/plain')),
  prometheusAnswer('HTTP 429', text(429, 'slow down', 'text/plain')),
  prometheusAnswer('HTTP 204 no content', text(204, '')),
  prometheusAnswer('status error in a 200', json(200, '{"status":"error","errorType":"internal","error":"x"}')),
  prometheusAnswer('status "partial" in a 200', json(200, `{"status":"partial","data":${HEALTHY_VECTOR}}`)),
  prometheusAnswer('status missing', json(200, `{"data":${HEALTHY_VECTOR}}`)),
  prometheusAnswer('status true', json(200, `{"status":true,"data":${HEALTHY_VECTOR}}`)),
  prometheusAnswer('duplicate status keys, the last "error"', json(200, `{"status":"success","data":${HEALTHY_VECTOR},"status":"error","errorType":"internal","error":"x"}`)),
  prometheusAnswer('data missing', json(200, '{"status":"success"}')),
  prometheusAnswer('data null', json(200, '{"status":"success","data":null}')),
  prometheusAnswer('data a list', json(200, `{"status":"success","data":[${HEALTHY_VECTOR}]}`)),
  prometheusAnswer('warnings beside a healthy vector (partial answer)', promData(HEALTHY_VECTOR, ',"warnings":["remote store eu-1 unreachable: results are partial"]')),
  prometheusAnswer('warnings with an injected workflow command', promData(HEALTHY_VECTOR, `,"warnings":${JSON.stringify([`partial${INJECTION}`])}`)),
  prometheusAnswer('warnings a string', promData(HEALTHY_VECTOR, ',"warnings":"partial"')),
  prometheusAnswer('warnings an object', promData(HEALTHY_VECTOR, ',"warnings":{"shard":"down"}')),
  prometheusAnswer('infos a number', promData(HEALTHY_VECTOR, ',"infos":1')),
  prometheusAnswer('a login page in a 200', text(200, '<html>sign in</html>')),
  prometheusAnswer('non-JSON 200', text(200, 'OK', 'text/plain')),
  prometheusAnswer('empty 200', json(200, '')),
  prometheusAnswer('JSON null', json(200, 'null')),
  prometheusAnswer('JSON string', json(200, '"success"')),
  prometheusAnswer('an unknown result type', promData('{"resultType":"weird","result":[]}')),
  prometheusAnswer('resultType missing', promData('{"result":[{"metric":{},"value":[1,"0.001"]}]}')),
  prometheusAnswer('a vector result that is an object', promData('{"resultType":"vector","result":{"metric":{},"value":[1,"0.001"]}}')),
  prometheusAnswer('a vector result that is null', promData('{"resultType":"vector","result":null}')),
  prometheusAnswer('an empty vector', promData('{"resultType":"vector","result":[]}')),
  prometheusAnswer('a vector sample without value', promData('{"resultType":"vector","result":[{"metric":{}}]}')),
  prometheusAnswer('a healthy sample beside one without value', promData('{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"]},{"metric":{}}]}')),
  prometheusAnswer('a null series', promData('{"resultType":"vector","result":[null]}')),
  prometheusAnswer('a native histogram sample', promData('{"resultType":"vector","result":[{"metric":{},"histogram":[1,{"count":"10","sum":"1","buckets":[]}]}]}')),
  prometheusAnswer('a malformed sample [t]', promSample('[1]')),
  prometheusAnswer('a sample of three', promSample('[1,"0.001","x"]')),
  prometheusAnswer('a sample that is null', promSample('null')),
  prometheusAnswer('a sample that is a number', promSample('0.001')),
  prometheusAnswer('a non-numeric sample', promSample('[1,"abc"]')),
  prometheusAnswer('sample "0x0"', promSample('[1,"0x0"]')),
  prometheusAnswer('sample "0b0"', promSample('[1,"0b0"]')),
  prometheusAnswer('sample " 0.01 "', promSample('[1," 0.001 "]')),
  prometheusAnswer('sample ""', promSample('[1,""]')),
  prometheusAnswer('sample "1_000"', promSample('[1,"1_000"]')),
  prometheusAnswer('sample "0.001x"', promSample('[1,"0.001x"]')),
  prometheusAnswer('sample unquoted 0.001', promSample('[1,0.001]')),
  prometheusAnswer('sample null', promSample('[1,null]')),
  prometheusAnswer('sample "1e400" (out of range)', promSample('[1,"1e400"]')),
  prometheusAnswer('sample "NaN"', promSample('[1,"NaN"]')),
  prometheusAnswer('sample "+Inf"', promSample('[1,"+Inf"]')),
  prometheusAnswer('sample time as text', promSample('["1700000000","0.001"]')),
  prometheusAnswer('sample time -1e400', promSample('[-1e400,"0.001"]')),
  prometheusAnswer('duplicate value keys, the last NaN', promData('{"resultType":"vector","result":[{"metric":{},"value":[1,"0.001"],"value":[1,"NaN"]}]}')),
  prometheusAnswer('a matrix series without values', promData('{"resultType":"matrix","result":[{"metric":{}}]}')),
  prometheusAnswer('a matrix whose values are an object', promData('{"resultType":"matrix","result":[{"metric":{},"values":{"1":"0.001"}}]}')),
  prometheusAnswer('a matrix of native histograms', promData('{"resultType":"matrix","result":[{"metric":{},"histograms":[[1,{"count":"1"}]]}]}')),
  prometheusAnswer('a matrix with a "0x0" sample', promData('{"resultType":"matrix","result":[{"metric":{},"values":[[1,"0.001"],[2,"0x0"]]}]}')),
  prometheusAnswer('a malformed scalar', promData('{"resultType":"scalar","result":[1]}')),
  prometheusAnswer('a scalar "NaN"', promData('{"resultType":"scalar","result":[1,"NaN"]}')),
  prometheusAnswer('a string result', promData('{"resultType":"string","result":[1,"0.001"]}')),
  prometheusAnswer('labels 65 levels deep beside a healthy sample', promData(`{"resultType":"vector","result":[{"metric":${deepObject(65, '{}')},"value":[1,"0.001"]}]}`)),
  prometheusAnswer('a 100 000-level body', json(200, deepList(100_000))),
  prometheusAnswer('truncated JSON', { kind: 'truncated', body: '{"status":"success","data":{"resultType":"vec' }),
  prometheusAnswer('connection reset', { kind: 'reset' }),
  prometheusAnswer('hang (timeout)', { kind: 'hang' }),
  prometheusAnswer('stalled body', { kind: 'stall', body: '{"status":"success","data":' }),
  prometheusAnswer('50 MB body', HUGE),
  prometheusAnswer('a healthy answer padded to 50 MB, chunked', hugeChunked(`{"status":"success","data":${HEALTHY_VECTOR}`)),
  prometheusAnswer('a healthy answer padded to 50 MB, in 50 kB of gzip', hugeGzip(`{"status":"success","data":${HEALTHY_VECTOR}`))
]

interface Run {
  form: string
  verdict: AnalysisOutcome['verdict']
  measurements: Measurement[]
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++])
    })
  )
}

/** Every form of the shape's backend, each as its own analysis, concurrently. */
async function runShape(shape: Shape): Promise<Run[]> {
  const served = await shape.serve()
  try {
    const forms = FORMS[shape.backend]
    const outcomes = await Promise.all(
      forms.map((form) =>
        analyse(
          [
            metric({
              name: `${shape.name} / ${form.name}`,
              success: form.success,
              failure: form.failure,
              thresholdRange: form.thresholdRange,
              provider: served.provider(form),
              count: 1,
              consecutiveErrorLimit: 0
            })
          ],
          served.settings
        )
      )
    )
    return outcomes.map((outcome, i) => ({ form: forms[i].name, verdict: outcome.verdict, measurements: outcome.metrics[0].tally.measurements }))
  } finally {
    await served.close()
  }
}

const key = (shape: Shape): string => `${shape.backend}: ${shape.name}`
const runs = new Map<string, Run[]>()
const metricsInMatrix = SHAPES.reduce((n, shape) => n + FORMS[shape.backend].length, 0)

beforeAll(async () => {
  prometheus = await startPrometheus({ series: [gaugeSeries({ name: 'canary_error_ratio', labels: { app: 'nan' }, minutes: 10, value: NaN })] })
  await pool(SHAPES, 12, async (shape) => {
    runs.set(key(shape), await runShape(shape))
  })
}, 240_000)
afterAll(async () => {
  await prometheus?.close()
})

describe(`fault matrix: ${SHAPES.length} fault shapes × condition forms (${metricsInMatrix} metrics)`, () => {
  it('names every shape once', () => {
    const names = SHAPES.map(key)
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([])
    expect(SHAPES.length).toBeGreaterThanOrEqual(100)
  })

  it.each(SHAPES.map((shape) => [key(shape), shape] as const))('%s is never Successful, and says why on one line', (name) => {
    const shapeRuns = runs.get(name)!
    expect(shapeRuns).toHaveLength(FORMS[SHAPES.find((s) => key(s) === name)!.backend].length)
    const passed = shapeRuns.filter((run) => run.verdict === 'Successful')
    expect(passed.map((run) => `${run.form}: ${run.measurements.map((m) => m.message).join(' | ')}`)).toEqual([])
    for (const run of shapeRuns) {
      expect(run.measurements.length).toBeGreaterThan(0)
      for (const measurement of run.measurements) {
        expect(measurement.message).toBeTruthy()
        // Backend text must never start a line of the step log (where `::command` lines run); the
        // runner splits its output at \r and \n.
        expect(measurement.message).not.toMatch(/[\r\n]/)
      }
    }
  })
})

// The controls: the same forms pass a healthy answer, so the matrix can tell a pass from a failure.
describe('fault matrix controls', () => {
  it('passes a healthy NerdGraph row under every map form', async () => {
    const shape = newRelicAnswer('control', nrRows('[{"errorRate":0.4}]'))
    // thresholdRange needs a single number, and a row is a map.
    expect((await runShape(shape)).map((run) => [run.form, run.verdict])).toEqual(MAP_FORMS.map((form) => [form.name, form.thresholdRange ? 'Error' : 'Successful']))
  })

  it('passes a healthy web body under every web form but thresholdRange on the whole map and the list compared as a number', async () => {
    const verdicts = (await runShape(webAnswer('control', json(200, '{"errorRate":0.4}')))).map((run) => [run.form, run.verdict])
    expect(verdicts).toEqual(
      WEB_FORMS.map((form) => [form.name, form.name === 'thresholdRange' || form.name === 'all matches + success' ? 'Error' : 'Successful'])
    )
  })

  it('passes a healthy vector from a fault-free answer and from the real Prometheus under every vector form', async () => {
    const fake = await runShape(prometheusAnswer('control', promData(HEALTHY_VECTOR)))
    const real = await runShape(prometheusReal('control', 'vector(0.001)'))
    expect([...fake, ...real].map((run) => run.verdict)).toEqual([...VECTOR_FORMS, ...VECTOR_FORMS].map(() => 'Successful'))
  })
})
