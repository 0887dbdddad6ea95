import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'

const API_KEY = 'NRAK-TESTKEY0000000000000000000'
const ACCOUNT = 1234567
const QUERY =
  'query($accountId: Int!, $nrql: Nrql!, $timeout: Seconds) { actor { account(id: $accountId) { nrql(query: $nrql, timeout: $timeout) { results } } } }'
const ERROR_RATE_NRQL = "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'vote' SINCE 5 minutes ago"

let nr: NerdGraphEmulator

async function post(body: unknown, headers: Record<string, string> = { 'API-Key': API_KEY }): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const res = await fetch(nr.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

const nrql = (query: string, accountId: unknown = ACCOUNT): Promise<Awaited<ReturnType<typeof post>>> =>
  post({ query: QUERY, variables: { accountId, nrql: query, timeout: 30 } })

beforeAll(async () => {
  nr = await startNerdGraph({
    apiKey: API_KEY,
    accountId: ACCOUNT,
    results: [
      { match: "appName = 'vote'", rows: [{ errorRate: 2.68 }] },
      { match: /FACET\s+appName/i, rows: [{ appName: 'vote', count: 10 }, { appName: 'vote-canary', count: 3 }] },
      { match: 'percentile(duration, 99)', rows: [{ 'percentile.duration': { '99': 0.41 } }] },
    ],
  })
})
afterAll(() => nr.close())

describe('NerdGraph emulator: answers', () => {
  it('answers one row for a matching NRQL', async () => {
    const res = await nrql(ERROR_RATE_NRQL)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.text).toBe('{"data":{"actor":{"account":{"nrql":{"results":[{"errorRate":2.68}]}}}}}')
  })

  it('answers a row per facet', async () => {
    const res = await nrql('SELECT count(*) FROM Transaction FACET appName SINCE 5 minutes ago')
    expect(res.json.data.actor.account.nrql.results).toEqual([
      { appName: 'vote', count: 10 },
      { appName: 'vote-canary', count: 3 },
    ])
  })

  it('answers nested percentile keys as configured', async () => {
    const res = await nrql("SELECT percentile(duration, 99) FROM Transaction WHERE appName = 'api' SINCE 5 minutes ago")
    expect(res.json).toEqual({ data: { actor: { account: { nrql: { results: [{ 'percentile.duration': { '99': 0.41 } }] } } } } })
  })

  it('answers an empty list for a query over no data', async () => {
    const res = await nrql("FROM Transaction SELECT count(*) WHERE appName = 'nothing'")
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ data: { actor: { account: { nrql: { results: [] } } } } })
  })

  it('accepts the account and the NRQL inline too', async () => {
    const query = `{ actor { account(id: ${ACCOUNT}) { nrql(query: ${JSON.stringify(ERROR_RATE_NRQL)}, timeout: 10) { results } } } }`
    const res = await post({ query })
    expect(res.json.data.actor.account.nrql.results).toEqual([{ errorRate: 2.68 }])
  })

  it('lets setResults change the answer, the newest setting first', async () => {
    nr.setResults("appName = 'vote'", [{ errorRate: 0.4 }])
    expect((await nrql(ERROR_RATE_NRQL)).json.data.actor.account.nrql.results).toEqual([{ errorRate: 0.4 }])
    nr.setResults(/errorRate/, [{ errorRate: 9 }])
    expect((await nrql(ERROR_RATE_NRQL)).json.data.actor.account.nrql.results).toEqual([{ errorRate: 9 }])
    nr.setResults(/errorRate/, [{ errorRate: 2.68 }])
  })
})

describe('NerdGraph emulator: errors as the real API gives them', () => {
  it('401 for a missing or wrong API key, whatever the header case', async () => {
    const expected = '{"errors":[{"message":"Bad API Key or no API Key provided","extensions":{"error_code":"BAD_API_KEY"}}]}'
    const missing = await post({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL } }, {})
    expect([missing.status, missing.text]).toEqual([401, expected])
    const wrong = await post({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL } }, { 'API-Key': 'NRAK-WRONG' })
    expect([wrong.status, wrong.text]).toEqual([401, expected])
    const lower = await post({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL } }, { 'api-key': API_KEY })
    expect(lower.status).toBe(200)
  })

  it('NRQL syntax error: 200, nrql null, an INVALID_INPUT error', async () => {
    for (const bad of ['SELEKT count(*) FROM Transaction', 'SELECT count(*) FROM Transaction SYNTAX_ERROR']) {
      const res = await nrql(bad)
      expect(res.status).toBe(200)
      expect(res.json.data).toEqual({ actor: { account: { nrql: null } } })
      expect(res.json.errors).toHaveLength(1)
      expect(res.json.errors[0].message).toMatch(/^NRQL Syntax Error: Error at line 1 position \d+, unexpected '/)
      expect(res.json.errors[0].path).toEqual(['actor', 'account', 'nrql'])
      expect(res.json.errors[0].extensions).toEqual({ errorClass: 'INVALID_INPUT' })
    }
  })

  it('unknown account: 200, account null, a FORBIDDEN error', async () => {
    const res = await nrql(ERROR_RATE_NRQL, 999)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      data: { actor: { account: null } },
      errors: [{ message: 'Account 999 not found or not authorized', path: ['actor', 'account'], extensions: { errorClass: 'FORBIDDEN' } }],
    })
  })

  it('missing or mistyped variables: GraphQL errors in a 200, no data', async () => {
    const missing = await post({ query: QUERY, variables: { nrql: ERROR_RATE_NRQL } })
    expect(missing.status).toBe(200)
    expect(missing.json).toEqual({ errors: [{ message: 'Variable "$accountId" of required type "Int!" was not provided.' }] })
    const mistyped = await nrql(ERROR_RATE_NRQL, '1234567')
    expect(mistyped.status).toBe(200)
    expect(mistyped.json.data).toBeUndefined()
    expect(mistyped.json.errors[0].message).toMatch(/^Variable "\$accountId" got invalid value "1234567"/)
    const noNrql = await post({ query: QUERY, variables: { accountId: ACCOUNT } })
    expect(noNrql.json.errors[0].message).toBe('Variable "$nrql" of required type "Nrql!" was not provided.')
  })

  it('a query of another shape is a validation error', async () => {
    const res = await post({ query: '{ actor { user { email } } }' })
    expect(res.status).toBe(200)
    expect(res.json.data).toBeUndefined()
    expect(res.json.errors).toHaveLength(1)
  })

  it('non-JSON body: 400 with a GraphQL errors body', async () => {
    const res = await post('query=not json')
    expect(res.status).toBe(400)
    expect(res.json.errors[0].message).toEqual(expect.any(String))
    const noQuery = await post({ variables: {} })
    expect(noQuery.status).toBe(400)
  })

  it('only POST /graphql', async () => {
    const get = await fetch(nr.url)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(((await get.json()) as { errors: unknown[] }).errors).toHaveLength(1)
    const other = await fetch(nr.url.replace('/graphql', '/v1/metrics'), { method: 'POST', headers: { 'API-Key': API_KEY }, body: '{}' })
    expect(other.status).toBe(404)
    await other.body?.cancel()
  })

  it('429 with Retry-After beyond 25 concurrent requests', async () => {
    const slow = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT, latencyMs: 400 })
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          fetch(slow.url, {
            method: 'POST',
            headers: { 'API-Key': API_KEY, 'Content-Type': 'application/json' },
            body: JSON.stringify({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL } }),
          }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as { errors: Array<{ message: string }> } })),
        ),
      )
      const limited = answers.filter((a) => a.status === 429)
      expect(answers.filter((a) => a.status === 200)).toHaveLength(25)
      expect(limited).toHaveLength(5)
      expect(limited[0].retryAfter).toMatch(/^\d+$/)
      expect(limited[0].body.errors[0].message).toEqual(expect.any(String))
      // Once they are answered, there is room again.
      const after = await fetch(slow.url, {
        method: 'POST',
        headers: { 'API-Key': API_KEY },
        body: JSON.stringify({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL } }),
      })
      expect(after.status).toBe(200)
      await after.body?.cancel()
    } finally {
      await slow.close()
    }
  })
})

describe('NerdGraph emulator: faults', () => {
  it('http: the status and an HTML page by default, or the given body', async () => {
    nr.setFault({ kind: 'http', status: 502 })
    const page = await nrql(ERROR_RATE_NRQL)
    expect(page.status).toBe(502)
    expect(page.headers.get('content-type')).toBe('text/html')
    expect(page.text).toContain('502 Bad Gateway')
    nr.setFault({ kind: 'http', status: 503, body: '{"errors":[{"message":"unavailable"}]}', contentType: 'application/json' })
    const res = await nrql(ERROR_RATE_NRQL)
    expect([res.status, res.headers.get('content-type'), res.json]).toEqual([503, 'application/json', { errors: [{ message: 'unavailable' }] }])
    nr.setFault({ kind: 'http', status: 500 })
    expect((await nrql(ERROR_RATE_NRQL)).status).toBe(500)
    nr.setFault(null)
    expect((await nrql(ERROR_RATE_NRQL)).status).toBe(200)
  })

  it('graphql-error: 200, data null (or nrql null when partial), errorClass in extensions', async () => {
    nr.setFault({ kind: 'graphql-error', errorClass: 'TIMEOUT', message: 'NRDB query duration exceeded the 30 second timeout' })
    const res = await nrql(ERROR_RATE_NRQL)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ data: null, errors: [{ message: 'NRDB query duration exceeded the 30 second timeout', extensions: { errorClass: 'TIMEOUT' } }] })
    nr.setFault({ kind: 'graphql-error', errorClass: 'INTERNAL_SERVER_ERROR', message: 'boom', partial: true })
    const partial = await nrql(ERROR_RATE_NRQL)
    expect(partial.json).toEqual({
      data: { actor: { account: { nrql: null } } },
      errors: [{ message: 'boom', path: ['actor', 'account', 'nrql'], extensions: { errorClass: 'INTERNAL_SERVER_ERROR' } }],
    })
    nr.setFault(null)
  })

  it('rate-limit: 429 with Retry-After', async () => {
    nr.setFault({ kind: 'rate-limit', retryAfterSeconds: 7, times: 1 })
    const res = await nrql(ERROR_RATE_NRQL)
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '7'])
    expect(res.json.errors).toHaveLength(1)
  })

  it('non-json: 200 with an HTML body', async () => {
    nr.setFault({ kind: 'non-json', body: '<html>login</html>', times: 1 })
    const res = await nrql(ERROR_RATE_NRQL)
    expect([res.status, res.text, res.json]).toEqual([200, '<html>login</html>', undefined])
  })

  it('truncated: 200, JSON content type, JSON cut short', async () => {
    nr.setFault({ kind: 'truncated', times: 1 })
    const res = await nrql(ERROR_RATE_NRQL)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(() => JSON.parse(res.text)).toThrow()
    expect(res.text.startsWith('{"data":')).toBe(true)
  })

  it('reset: the connection dies without an answer', async () => {
    nr.setFault({ kind: 'reset', times: 1 })
    await expect(nrql(ERROR_RATE_NRQL)).rejects.toThrow()
    expect((await nrql(ERROR_RATE_NRQL)).status).toBe(200)
  })

  it('null-results: results is null', async () => {
    nr.setFault({ kind: 'null-results', times: 1 })
    expect((await nrql(ERROR_RATE_NRQL)).text).toBe('{"data":{"actor":{"account":{"nrql":{"results":null}}}}}')
  })

  it('times: a fault clears itself after N requests', async () => {
    nr.setFault({ kind: 'http', status: 503, times: 2 })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await nrql(ERROR_RATE_NRQL)).status)
    expect(statuses).toEqual([503, 503, 200, 200])
  })

  it('faults come before the key check: the gateway fails first', async () => {
    nr.setFault({ kind: 'http', status: 502, times: 1 })
    expect((await post({ query: QUERY }, {})).status).toBe(502)
  })

  it('hang: no answer until close, and close does not hang', async () => {
    const hung = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT })
    hung.setFault({ kind: 'hang' })
    const pending = fetch(hung.url, { method: 'POST', headers: { 'API-Key': API_KEY }, body: JSON.stringify({ query: QUERY }) })
    const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('waiting'), 300))])
    expect(outcome).toBe('waiting')
    expect(hung.requests).toHaveLength(1)
    const started = Date.now()
    await hung.close()
    expect(Date.now() - started).toBeLessThan(1000)
    await expect(pending).rejects.toThrow()
  })
})

describe('NerdGraph emulator: recordings', () => {
  it('records method, path, headers with the key redacted, parsed body, time', async () => {
    nr.requests.length = 0
    const before = Date.now()
    await nrql(ERROR_RATE_NRQL)
    await post('not json')
    expect(nr.requests).toHaveLength(2)
    const [first, second] = nr.requests
    expect(first.method).toBe('POST')
    expect(first.path).toBe('/graphql')
    expect(first.headers['api-key']).toBe('[redacted]')
    expect(first.headers['content-type']).toBe('application/json')
    expect(first.body).toEqual({ query: QUERY, variables: { accountId: ACCOUNT, nrql: ERROR_RATE_NRQL, timeout: 30 } })
    expect(first.time).toBeGreaterThanOrEqual(before)
    expect(second.body).toBe('not json')
    expect(JSON.stringify(nr.requests)).not.toContain(API_KEY)
  })

  it('latencyMs delays answers', async () => {
    const slow = await startNerdGraph({ apiKey: API_KEY, accountId: ACCOUNT, latencyMs: 200 })
    try {
      const started = Date.now()
      const res = await fetch(slow.url, { method: 'POST', headers: { 'API-Key': API_KEY }, body: JSON.stringify({ query: QUERY, variables: { accountId: ACCOUNT, nrql: 'SELECT 1' } }) })
      expect(res.status).toBe(200)
      await res.body?.cancel()
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    } finally {
      await slow.close()
    }
  })
})
