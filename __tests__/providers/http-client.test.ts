// The one HTTP client of the metric backends, seen through a web metric as a user configures it:
// the retry policy and Retry-After within the measurement's budget, cancellation of a stopped run,
// the size cap, bodies sent as written, TLS verification and `insecure`, redirects.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { WebConfig } from '../../src/plan/schema.js'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { createProviders } from '../../src/providers/index.js'
import { Secrets } from '../../src/secrets.js'
import { startFaultServer, type FaultAnswer, type FaultServer } from '../support/fault-server.js'
import { measureOnce } from '../support/measure.js'
import { metric } from '../support/metrics.js'
import { startSelfSignedServer } from '../support/proxy.js'

const HEALTHY: FaultAnswer = { kind: 'answer', status: 200, body: '{"errorRate":0.4}' }
const status = (code: number, headers: Record<string, string> = {}): FaultAnswer => ({ kind: 'answer', status: code, body: `{"error":"status ${code}"}`, headers })

let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer(HEALTHY)
})
afterAll(() => server.close())

const web = (config: Partial<WebConfig> = {}) =>
  metric({ success: 'result.errorRate < 2', provider: { kind: 'web', config: { url: `${server.url}/v1/metrics`, timeoutSeconds: 5, ...config } } })

/** Measures once after setting the answers; also the requests the server saw and the time it took. */
async function measureWith(answers: FaultAnswer[], config: Partial<WebConfig> = {}) {
  server.setAnswers(answers)
  server.requests.length = 0
  const started = Date.now()
  const result = await measureOnce(web(config))
  return { ...result, requests: server.requests.length, ms: Date.now() - started }
}

describe('the retry policy', () => {
  it.each([408, 425, 429, 499, 500, 502, 503, 504])('retries HTTP %i with backoff, then measures', async (code) => {
    const result = await measureWith([status(code), HEALTHY])
    expect(result).toMatchObject({ phase: 'Successful', requests: 2 })
    expect(result.log).toContainEqual(expect.stringMatching(new RegExp(`HTTP ${code}: .*; retry 1 in 500ms$`)))
  })

  it.each([400, 401, 403, 404, 409, 422])('does not retry HTTP %i: one request, an Error with the status', async (code) => {
    const result = await measureWith([status(code), HEALTHY])
    expect(result).toMatchObject({ phase: 'Error', requests: 1 })
    expect(result.message).toMatch(new RegExp(`: HTTP ${code}: \\{"error":"status ${code}"\\}$`))
  })

  it('retries a reset connection', async () => {
    const result = await measureWith([{ kind: 'reset' }, HEALTHY])
    expect(result).toMatchObject({ phase: 'Successful', requests: 2 })
    expect(result.log).toContainEqual(expect.stringMatching(/connection reset before a complete answer; retry 1 in 500ms$/))
  })

  it('waits as long as Retry-After asks, in seconds', async () => {
    const result = await measureWith([status(429, { 'retry-after': '2' }), HEALTHY])
    expect(result).toMatchObject({ phase: 'Successful', requests: 2 })
    expect(result.log).toContainEqual(expect.stringMatching(/HTTP 429: .*; retry 1 in 2000ms$/))
    expect(result.ms).toBeGreaterThanOrEqual(1900)
  })

  it('waits until the time Retry-After names as an HTTP date', async () => {
    // HTTP dates have whole seconds: 3 s ahead is between 2 and 3 s away.
    const result = await measureWith([status(503, { 'retry-after': new Date(Date.now() + 3000).toUTCString() }), HEALTHY])
    expect(result).toMatchObject({ phase: 'Successful', requests: 2 })
    const wait = Number(/retry 1 in (\d+)ms$/.exec(result.log.find((line) => /retry 1 in/.test(line)) ?? '')?.[1])
    expect(wait).toBeGreaterThanOrEqual(1000)
    expect(wait).toBeLessThanOrEqual(3000)
  })

  it('ends the measurement at once, saying so, when Retry-After is past its budget', async () => {
    const result = await measureWith([status(429, { 'retry-after': '120' }), HEALTHY], { timeoutSeconds: 5 })
    expect(result).toMatchObject({ phase: 'Error', requests: 1 })
    expect(result.message).toMatch(/HTTP 429: .*; the server asks to retry after 120s \(Retry-After\), past the [\d.]+s left of this measurement's 5s budget$/)
    expect(result.ms).toBeLessThan(1000)
  })

  it('stops retrying when the next wait would pass the budget, with the last reason', async () => {
    const result = await measureWith([status(503)], { timeoutSeconds: 2 })
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/HTTP 503: \{"error":"status 503"\}$/)
    // 500 ms, then 1000 ms; the next 2000 ms would end past the 2 s budget.
    expect(result.requests).toBe(3)
    expect(result.ms).toBeLessThan(2000)
  })
})

describe('a stopped run', () => {
  it('aborts a request in flight at once, and the backend sees the connection close', async () => {
    server.setAnswer({ kind: 'hang' })
    server.requests.length = 0
    const stop = new AbortController()
    const providerFor = createProviders({ clock: systemClock, secrets: new Secrets(), prometheusHeaders: [], newRelic: { graphqlUrl: `${server.url}/graphql` } })
    const spec = web({ timeoutSeconds: 30 })
    const measuring = providerFor(spec).measure(spec, { clock: systemClock, log: memoryLogger(), signal: stop.signal })
    const outcome = measuring.then(
      () => 'measured',
      (error: unknown) => error
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    const started = Date.now()
    stop.abort(new Error('run cancelled'))
    expect(await outcome).toEqual(new Error('run cancelled'))
    expect(Date.now() - started).toBeLessThan(200)
    // The server learns of the hang-up a moment later.
    for (let i = 0; i < 20 && !server.requests[0]?.closed; i++) await new Promise((resolve) => setTimeout(resolve, 25))
    expect(server.requests.map((r) => r.closed)).toEqual([true])
  })
})

describe('the size cap', () => {
  it('reads a 50 MB answer no further than about its 16 MiB cap, and makes it an Error', async () => {
    const result = await measureWith([{ kind: 'huge', bytes: 50 * 1024 * 1024, head: '{"errorRate":0.4,"pad":"', tail: '"}', chunked: true }])
    expect(result).toMatchObject({ phase: 'Error', requests: 1 })
    expect(result.message).toMatch(/: response larger than 16 MiB$/)
    expect(server.requests[0].sentBytes).toBeLessThan(32 * 1024 * 1024)
  })
})

describe('requests as written', () => {
  it('sends a text body exactly as given, with no content type the plan did not set', async () => {
    server.setAnswer(HEALTHY)
    server.requests.length = 0
    await measureOnce(web({ method: 'POST', body: 'app=vote & window=5m' }))
    await measureOnce(web({ method: 'PUT', body: 'not json', headers: [{ key: 'Content-Type', value: 'application/json' }] }))
    expect(server.requests.map((r) => [r.method, r.body, r.headers['content-type']])).toEqual([
      ['POST', 'app=vote & window=5m', undefined],
      ['PUT', 'not json', 'application/json']
    ])
  })

  it('does not follow a redirect: an Error naming where it points, without its secrets', async () => {
    const result = await measureWith([{ kind: 'answer', status: 302, body: '', headers: { location: 'https://login.example/sso?session_token=s3cr3t-v4lue' } }])
    expect(result).toMatchObject({ phase: 'Error', requests: 1 })
    expect(result.message).toMatch(/: HTTP 302: redirected to https:\/\/login\.example\/sso\?session_token=\*\*\*; redirects are not followed \(give the final address\)$/)
  })

  it('makes an answer cut short an Error, even when what arrived is complete JSON', async () => {
    const result = await measureWith([{ kind: 'truncated', body: '{"errorRate":0.4}' }], { timeoutSeconds: 1 })
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/: connection reset before a complete answer$/)
  })
})

describe('TLS', () => {
  let tls: { port: number; close(): Promise<void> }
  beforeAll(async () => {
    tls = await startSelfSignedServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"errorRate":0.4}'))
  })
  afterAll(() => tls.close())

  it('refuses a self-signed certificate, and says how to trust it', async () => {
    const result = await measureOnce(web({ url: `https://127.0.0.1:${tls.port}/v1/metrics` }))
    expect(result.phase).toBe('Error')
    // Node 24 adds a hint of its own inside the parentheses.
    expect(result.message).toMatch(/: TLS certificate not trusted \(self-signed certificate[^)]*\): trust its CA with NODE_EXTRA_CA_CERTS, or set insecure: true/)
  })

  it('skips verification for a metric with insecure: true, and only for that metric', async () => {
    const insecure = await measureOnce(web({ url: `https://127.0.0.1:${tls.port}/v1/metrics`, insecure: true }))
    expect(insecure).toMatchObject({ phase: 'Successful', value: { errorRate: 0.4 } })
    const verified = await measureOnce(web({ url: `https://127.0.0.1:${tls.port}/v1/metrics` }))
    expect(verified.phase).toBe('Error')
  })
})
