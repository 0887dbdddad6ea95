// Each way a secret used to leak through a provider, end to end: the real providers and engine
// against a server that echoes what it was sent. "What is produced" is what the writers print: every
// measurement message, value display and log line, passed through the run's redact(), as the log,
// summary, comment, check and report writers do. No secret, no derived form and no prefix of 8 or
// more characters of either may be in it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { MetricSpec } from '../../src/analysis/types.js'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { HttpClient } from '../../src/providers/http-client.js'
import { TokenCache } from '../../src/providers/oauth2.js'
import { Secrets } from '../../src/secrets.js'
import { leaks } from '../secrets/leaks.js'
import { startFaultServer, type FaultServer } from '../support/fault-server.js'
import { analyse, type Settings } from '../support/measure.js'
import { metric } from '../support/metrics.js'

const TOKEN = 'tok_9fQ2xL7mN4pR8sV1wY6zB3cD5'
const PASSWORD = 'Tr0ub4dor&3 horse/battery+staple'
const ARG = 'team S3cr3t/+=?<>"é-ab12cd34'
const KEY = 'NRAK-7QX2M9ZKC4W8B1N6R3T5Y0PLDFGH'

let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer({ kind: 'hang' })
})
afterAll(() => server.close())

/** Everything the writers would print about the analysis, redacted as they redact it. */
async function produced(metrics: MetricSpec[], secrets: Secrets, settings: Settings = {}): Promise<string> {
  const outcome = await analyse(metrics, { ...settings, secrets })
  const texts = [...outcome.log]
  for (const m of outcome.metrics) {
    for (const measurement of m.tally.measurements) texts.push(measurement.message, measurement.display ?? '')
  }
  return secrets.redact(texts.join('\n'))
}

const web = (url: string, extra: Partial<Extract<MetricSpec['provider'], { kind: 'web' }>['config']> = {}) =>
  metric({ success: 'result.errorRate < 2', count: 1, consecutiveErrorLimit: 0, provider: { kind: 'web', config: { url, timeoutSeconds: 1, ...extra } } })

describe('secrets never leak through a provider', () => {
  it('a URL that does not parse is shown without its userinfo and its ?token= value', async () => {
    const secrets = new Secrets()
    const url = `ht!tp://reader:${TOKEN}@metrics example.com/v1/metrics?app=vote&token=${TOKEN}`
    const text = await produced([web(url)], secrets)
    expect(text).toMatch(/invalid URL/)
    expect(leaks(text, [TOKEN])).toEqual([])
  })

  it('a secret arg in a URL keeps the form it was registered in when the URL is displayed', async () => {
    const secrets = new Secrets()
    secrets.add(ARG) // as the plan registers a secret arg
    server.setAnswer({ kind: 'answer', status: 500, body: '{"error":"internal"}' })
    const text = await produced([web(`${server.url}/v1/metrics?team=${ARG}&token=abc123456`)], secrets)
    expect(text).toMatch(/HTTP 500/)
    expect(leaks(text, [ARG, 'abc123456'])).toEqual([])
  })

  it('basic-auth credentials echoed by a server are redacted in their base64 form', async () => {
    const secrets = new Secrets()
    secrets.add(PASSWORD) // as the plan registers a basic-auth password
    server.setAnswer({ kind: 'echo', status: 500, body: (request) => `rejected authorization: ${request.headers.authorization}` })
    const spec = metric({
      success: 'result[0] < 0.01',
      count: 1,
      consecutiveErrorLimit: 0,
      provider: { kind: 'prometheus', config: { address: server.url, query: 'up', timeout: 1, authentication: { basicAuth: { username: 'reader', password: PASSWORD } } } }
    })
    const text = await produced([spec], secrets)
    expect(text).toMatch(/rejected authorization: Basic \*\*\*/)
    expect(leaks(text, [PASSWORD, Buffer.from(`reader:${PASSWORD}`).toString('base64')])).toEqual([])
  })

  it('a ?token= value the server echoes back is redacted, though nothing registered it before', async () => {
    const secrets = new Secrets()
    server.setAnswer({ kind: 'echo', status: 502, body: (request) => `no upstream for ${request.url}` })
    const text = await produced([web(`${server.url}/v1/metrics?app=vote&api_key=${TOKEN}`)], secrets)
    expect(text).toMatch(/no upstream for \/v1\/metrics\?app=vote&api_key=\*\*\*/)
    expect(leaks(text, [TOKEN])).toEqual([])
  })

  it('an excerpt cut through a key keeps no prefix of it', async () => {
    const secrets = new Secrets()
    secrets.add(KEY) // as the inputs register newrelic-api-key
    // The key starts at character 96 of the body: a cut at 120 before redaction would keep 24 characters of it.
    server.setAnswer({ kind: 'answer', status: 500, body: `${'e'.repeat(94)} ${KEY} was refused`, headers: {} })
    const spec = metric({ success: 'result.errorRate < 2', count: 1, consecutiveErrorLimit: 0, provider: { kind: 'newRelic', config: { query: 'SELECT 1', timeout: 1 } } })
    const text = await produced([spec], secrets, { newRelic: { apiKey: KEY, accountId: 1, graphqlUrl: `${server.url}/graphql` } })
    expect(text).toMatch(/HTTP 500: e{94} \*\*\*/)
    expect(leaks(text, [KEY])).toEqual([])
  })

  it.each([
    ['encodeURIComponent', encodeURIComponent(ARG)],
    ['lower-case hex', encodeURIComponent(ARG).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['form encoding', new URLSearchParams({ q: ARG }).toString().slice(2)],
    ['JSON escaping', JSON.stringify(ARG).slice(1, -1)]
  ])('a secret a server echoes in %s is redacted', async (_name, echoed) => {
    const secrets = new Secrets()
    secrets.add(ARG)
    server.setAnswer({ kind: 'answer', status: 500, body: `bad team ${echoed}` })
    const text = await produced([web(`${server.url}/v1/metrics`, { headers: [{ key: 'X-Team-Secret', value: ARG }] })], secrets)
    expect(text).toMatch(/HTTP 500: bad team \*\*\*/)
    expect(leaks(text, [ARG])).toEqual([])
  })

  it('an OAuth2 token URL carrying a secret parameter, the client secret and the token are registered when the token is fetched', async () => {
    const secrets = new Secrets()
    server.setAnswer({ kind: 'answer', status: 200, body: `{"access_token":"${TOKEN}-access","expires_in":60}` })
    const tokens = new TokenCache(systemClock, secrets)
    const context = { clock: systemClock, log: memoryLogger(), signal: new AbortController().signal }
    const config = { tokenUrl: `${server.url}/token?tenant=t1&client_assertion_sig=${TOKEN}`, clientId: 'gate', clientSecret: PASSWORD }
    await new HttpClient(systemClock, secrets).measure(web(server.url), context, 'web', 2000, (exchange) => tokens.token(config, exchange))
    const text = secrets.redact(`${TOKEN} ${encodeURIComponent(PASSWORD)} Bearer ${TOKEN}-access`)
    expect(leaks(text, [TOKEN, PASSWORD, `${TOKEN}-access`])).toEqual([])
  })
})
