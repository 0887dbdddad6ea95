// The New Relic provider against the NerdGraph emulator, which answers as the real API does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import { NRQL_QUERY } from '../../src/providers/newrelic.js'
import { Secrets } from '../../src/secrets.js'
import { metric } from '../support/metrics.js'
import { measureOnce, type Settings } from '../support/measure.js'

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
    expect(JSON.stringify(result.outcome)).not.toContain('NRAK-WRONG')
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
