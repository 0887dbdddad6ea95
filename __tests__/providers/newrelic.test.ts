// The New Relic provider against the NerdGraph emulator, which answers as the real API does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import { NRQL_QUERY } from '../../src/providers/newrelic.js'
import { Secrets } from '../../src/secrets.js'
import { startFaultServer, type FaultServer } from '../support/fault-server.js'
import { metric } from '../support/metrics.js'
import { measureOnce, outcomeText, type Settings } from '../support/measure.js'

const KEY = 'NRAK-TESTKEY0123456789ABCDEFGHIJ'
const ACCOUNT = 1234567
let nerdgraph: NerdGraphEmulator
let settings: Settings

const ERROR_RATE = "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'voting01-vote-qa' SINCE 5 minutes ago"

beforeAll(async () => {
  nerdgraph = await startNerdGraph({ apiKey: KEY, accountId: ACCOUNT })
})
afterAll(() => nerdgraph.close())
beforeEach(() => {
  nerdgraph.setFault(null)
  nerdgraph.setResults("appName = 'voting01-vote-qa'", [{ errorRate: 2.68 }])
  nerdgraph.setResults("appName = 'healthy'", [{ errorRate: 0.4 }])
  nerdgraph.setResults('FACET appName', [
    { appName: 'vote-canary', count: 120 },
    { appName: 'vote-stable', count: 980 }
  ])
  nerdgraph.setResults('percentile(duration, 99)', [{ 'percentile.duration': { '99': 0.41 } }])
  nerdgraph.setResults("appName = 'quiet'", [])
  nerdgraph.requests.length = 0
  settings = { newRelic: { apiKey: KEY, accountId: ACCOUNT, graphqlUrl: nerdgraph.url } }
})

const nr = (query: string, success = 'result.errorRate < 2', timeout = 5) =>
  metric({ success, provider: { kind: 'newRelic', config: { query, timeout } }, query })

describe('newRelic provider', () => {
  it('sends the NRQL query to NerdGraph with the key header and the account as an Int', async () => {
    await measureOnce(nr(ERROR_RATE), settings)
    const [request] = nerdgraph.requests
    expect(request.headers['api-key']).toBe('[redacted]')
    expect(request.body).toEqual({ query: NRQL_QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE, timeout: 5 } })
  })

  it("fails the seed's canary at 2.68% errors, and passes a healthy one (one row → a map)", async () => {
    const failing = await measureOnce(nr(ERROR_RATE), settings)
    expect(failing).toMatchObject({ phase: 'Failed', value: { errorRate: 2.68 }, message: '2.68: successCondition result.errorRate < 2 is false' })
    const healthy = await measureOnce(nr(ERROR_RATE.replace('voting01-vote-qa', 'healthy')), settings)
    expect(healthy.phase).toBe('Successful')
  })

  it('hands several rows over as a list, and nested keys stay reachable', async () => {
    const facet = await measureOnce(nr('SELECT count(*) FROM Transaction FACET appName', 'result[0].count < result[1].count'), settings)
    expect(facet.phase).toBe('Successful')
    const p99 = await measureOnce(nr('SELECT percentile(duration, 99) FROM Transaction', "result['percentile.duration']['99'] < 0.5"), settings)
    expect(p99.phase).toBe('Successful')
  })

  it('makes zero rows an Error "no results", never 0%', async () => {
    const quiet = await measureOnce(nr(ERROR_RATE.replace('voting01-vote-qa', 'quiet')), settings)
    expect(quiet).toMatchObject({ phase: 'Error', verdict: 'Error', message: 'newRelic: no results: the query returned no rows (no data for this window?)' })
  })

  it('makes a bad key a permanent Error that never shows the key', async () => {
    const result = await measureOnce(nr(ERROR_RATE), { newRelic: { ...settings.newRelic!, apiKey: 'NRAK-WRONG-KEY-000000000000000' } })
    expect(result.phase).toBe('Error')
    expect(result.permanent).toBe(true)
    expect(result.message).toBe('newRelic: HTTP 401: Bad API Key or no API Key provided (check newrelic-api-key: a User key, NRAK-…)')
    expect(outcomeText(result.outcome)).not.toContain('NRAK-WRONG')
  })

  it('makes an NRQL syntax error inside a 200 a permanent Error with New Relic\'s message', async () => {
    const result = await measureOnce(nr('SELEC nonsense'), settings)
    expect(result.phase).toBe('Error')
    expect(result.permanent).toBe(true)
    expect(result.message).toMatch(/^newRelic: NRQL Syntax Error/)
  })

  it('names an account the key cannot read', async () => {
    const result = await measureOnce(nr(ERROR_RATE), { newRelic: { ...settings.newRelic!, accountId: 999 } })
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/account 999|Account 999/)
  })

  it('retries a 429 and a GraphQL TIMEOUT with backoff inside the budget, then measures', async () => {
    nerdgraph.setFault({ kind: 'rate-limit', retryAfterSeconds: 0, times: 1 })
    const limited = await measureOnce(nr(ERROR_RATE), settings)
    expect(limited.phase).toBe('Failed')
    expect(limited.log.some((line) => /HTTP 429 rate limited.*retry 1 in/.test(line))).toBe(true)
    nerdgraph.setFault({ kind: 'graphql-error', errorClass: 'TIMEOUT', message: 'NRDB query timed out', times: 2 })
    const slow = await measureOnce(nr(ERROR_RATE), settings)
    expect(slow.phase).toBe('Failed')
    expect(nerdgraph.requests.filter((r) => r.path === '/graphql').length).toBe(2 + 3)
  })

  it('ends as Error when the retryable failure lasts past the budget', async () => {
    nerdgraph.setFault({ kind: 'graphql-error', errorClass: 'INTERNAL_SERVER_ERROR', message: 'boom' })
    const result = await measureOnce(nr(ERROR_RATE, 'result.errorRate < 2', 2), settings)
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/^newRelic: (boom \(INTERNAL_SERVER_ERROR\)|no answer within 2s)/)
  })

  it.each([
    ['a hanging API', { kind: 'hang' as const }, /^newRelic: no answer within 1s$/],
    ['an HTML error page', { kind: 'non-json' as const, body: '<html><body>Bad gateway</body></html>' }, /^newRelic: the answer is not JSON: Bad gateway/],
    ['a truncated answer', { kind: 'truncated' as const }, /^newRelic: (the answer is not JSON|connection reset)/],
    ['a reset connection', { kind: 'reset' as const }, /^newRelic: (connection reset|no answer within 1s|socket hang up)/],
    ['results: null', { kind: 'null-results' as const }, /^newRelic: the answer's results are null/],
    ['HTTP 502', { kind: 'http' as const, status: 502, body: '<h1>502 Bad Gateway</h1>', contentType: 'text/html' }, /^newRelic: (HTTP 502: 502 Bad Gateway|no answer within 1s)/]
  ])('makes %s an Error measurement', async (_name, fault, message) => {
    nerdgraph.setFault(fault)
    const result = await measureOnce(nr(ERROR_RATE, 'result.errorRate < 2', 1), settings)
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(message)
  })

  it('keeps the key out of every message, even when the API echoes it', async () => {
    const secrets = new Secrets()
    secrets.add(KEY)
    nerdgraph.setFault({ kind: 'http', status: 500, body: `upstream said: key ${KEY} invalid` })
    const result = await measureOnce(nr(ERROR_RATE, 'result.errorRate < 2', 1), { ...settings, secrets })
    expect(secrets.redact(result.message)).not.toContain(KEY)
    expect(secrets.redact(JSON.stringify(result.log))).not.toContain(KEY)
  })
})

describe('newRelic answers NerdGraph clients refuse', () => {
  let server: FaultServer
  beforeAll(async () => {
    server = await startFaultServer({ kind: 'hang' })
  })
  afterAll(() => server.close())
  const ROWS = '{"actor":{"account":{"nrql":{"results":[{"errorRate":0.4}]}}}}'
  const at = (body: string) => {
    server.setAnswer({ kind: 'answer', status: 200, body })
    return measureOnce(nr(ERROR_RATE, 'result.errorRate < 2', 1), { newRelic: { apiKey: KEY, accountId: ACCOUNT, graphqlUrl: `${server.url}/graphql` } })
  }

  it.each([
    ['an object', '{"message":"shard failed"}', 'newRelic: malformed answer: "errors" is an object, not a list: {"message":"shard failed"}'],
    ['a string', '"shard failed"', 'newRelic: malformed answer: "errors" is a string, not a list: "shard failed"'],
    ['a number', '500', 'newRelic: malformed answer: "errors" is a number, not a list: 500'],
    ['a list holding a string', '["shard failed"]', 'newRelic: malformed answer: errors[0] is a string, not an object: "shard failed"'],
    ['a list holding null', '[{"message":"a"},null]', 'newRelic: malformed answer: errors[1] is null, not an object: null']
  ])('makes an errors field that is %s an Error, even beside good data', async (_name, errors, message) => {
    expect(await at(`{"data":${ROWS},"errors":${errors}}`)).toMatchObject({ phase: 'Error', message })
  })

  it('makes errors beside data a partial answer, an Error with the errors on one line', async () => {
    const result = await at(`{"data":${ROWS},"errors":[{"message":"1 of 3 shards failed\\n::set-output name=verdict::Successful","extensions":{"errorClass":"PARTIAL\\r\\n::warning::x"}}]}`)
    expect(result).toMatchObject({ phase: 'Error', message: 'newRelic: partial answer (errors beside data): 1 of 3 shards failed ::set-output name=verdict::Successful (PARTIAL ::warning::x)' })
  })

  it('reads errors: null and errors: [] as no errors, as the Go client does', async () => {
    expect((await at(`{"data":${ROWS},"errors":null}`)).phase).toBe('Successful')
    expect((await at(`{"data":${ROWS},"errors":[]}`)).phase).toBe('Successful')
  })

  it.each([
    ['a row that is a number', '[0.4]', 'newRelic: malformed answer: row 0 is a number, not an object: 0.4'],
    ['a row that is null beside a good one', '[{"errorRate":0.4},null]', 'newRelic: malformed answer: row 1 is null, not an object: null'],
    ['results that are an object', '{"errorRate":0.4}', "newRelic: the answer's results are an object, not a list of rows"]
  ])('makes %s an Error', async (_name, rows, message) => {
    expect(await at(`{"data":{"actor":{"account":{"nrql":{"results":${rows}}}}}}`)).toMatchObject({ phase: 'Error', message })
  })

  it.each([
    ['-1e400', '{"errorRate":-1e400}', 'newRelic: number -1e400 is out of range for a 64-bit float'],
    ['a value nested 65 levels deep beside the rate', `{"errorRate":0.4,"facet":${'['.repeat(65)}${']'.repeat(65)}}`, 'newRelic: answer nested deeper than 64 levels']
  ])('refuses a row holding %s, which Go\'s encoding/json would refuse', async (_name, row, message) => {
    const result = await at(`{"data":{"actor":{"account":{"nrql":{"results":[${row}]}}}}}`)
    expect(result.phase).toBe('Error')
    expect(result.message.startsWith(`${message}: `)).toBe(true)
  })

  it('has no data and no errors: an Error, not an unknown account', async () => {
    expect(await at('{"data":null}')).toMatchObject({ phase: 'Error', message: 'newRelic: the answer has data that is null and no errors' })
  })
})
