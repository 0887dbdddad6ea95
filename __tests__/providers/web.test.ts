// The web provider against a stand-in for the seed team's /v1/metrics endpoint, including the 404
// their curl fallback once read as "0% errors".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { closeServer, listen, readBody } from '../../emulators/http.js'
import type { WebConfig } from '../../src/plan/schema.js'
import { startFaultServer, type FaultServer } from '../support/fault-server.js'
import { metric } from '../support/metrics.js'
import { measureOnce } from '../support/measure.js'

let seed: SeedMetricsServer
beforeAll(async () => {
  seed = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 }, healthy: { errorRate: 0.3 } } })
})
afterAll(() => seed.close())
beforeEach(() => seed.setFault(null))

const web = (config: Partial<WebConfig>, success = 'result.errorRate < 2') =>
  metric({ success, provider: { kind: 'web', config: { url: `${seed.url}/v1/metrics?app=voting01-vote-qa&metric=errorRate&window=5m`, timeoutSeconds: 2, ...config } }, query: 'GET' })

describe('web provider on the seed metrics endpoint', () => {
  it('fails at 2.68% and passes a healthy app, reading the whole JSON body by default', async () => {
    expect(await measureOnce(web({}))).toMatchObject({ phase: 'Failed', value: { errorRate: 2.68, responseTime: 45.2, throughput: 150 } })
    expect((await measureOnce(web({ url: `${seed.url}/v1/metrics?app=healthy&metric=errorRate&window=5m` }))).phase).toBe('Successful')
  })

  it('reads one field with jsonPath', async () => {
    const result = await measureOnce(web({ jsonPath: '{$.errorRate}' }, 'result < 2'))
    expect(result).toMatchObject({ phase: 'Failed', value: 2.68 })
  })

  it('turns the seed bug around: a 404 is an Error, never 0% errors', async () => {
    const unknown = await measureOnce(web({ url: `${seed.url}/v1/metrics?app=nobody&metric=errorRate` }))
    expect(unknown.phase).toBe('Error')
    expect(unknown.message).toMatch(/HTTP 404: \{"error":"unknown app"\}$/)
    const wrongPath = await measureOnce(web({ url: `${seed.url}/v2/metrics?app=voting01-vote-qa` }))
    expect(wrongPath.phase).toBe('Error')
  })

  it.each([
    ['an empty JSON object', { kind: 'empty' as const }, /no key "errorRate"/],
    ['an HTML page', { kind: 'non-json' as const, body: '<html>maintenance</html>' }, /successCondition result\.errorRate < 2: .*string/],
    ['HTTP 500', { kind: 'http' as const, status: 500 }, /HTTP 500/],
    ['a hang', { kind: 'hang' as const }, /no answer within 2s/]
  ])('makes %s an Error', async (_name, fault, message) => {
    seed.setFault(fault)
    const result = await measureOnce(web({}))
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(message)
  })

  it('names a jsonPath that matches nothing', async () => {
    const result = await measureOnce(web({ jsonPath: '{$.data.errorRate}' }, 'result < 2'))
    expect(result.message).toMatch(/^web GET .*: jsonPath \{\$\.data\.errorRate\} matched nothing/)
  })
})

describe('web provider requests', () => {
  let server: Server
  let url = ''
  const seen: Array<{ method?: string; headers: Record<string, unknown>; body: string }> = []
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req)
      seen.push({ method: req.method, headers: req.headers, body })
      if (req.url === '/text') res.writeHead(200, { 'content-type': 'text/plain' }).end('I am OK\n')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true, "successPercent": 0.97}')
    })
    url = `http://127.0.0.1:${await listen(server)}`
  })
  afterAll(() => closeServer(server))

  it('POSTs a JSON body with headers, and combines fields in the condition', async () => {
    seen.length = 0
    const result = await measureOnce(
      metric({
        success: 'result.ok && result.successPercent >= 0.90',
        provider: { kind: 'web', config: { url, method: 'POST', jsonBody: { app: 'vote' }, headers: [{ key: 'X-Team', value: 'platform' }] } }
      })
    )
    expect(result.phase).toBe('Successful')
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"app":"vote"}', headers: { 'x-team': 'platform', 'content-type': 'application/json' } })
  })

  it('compares a body that is not JSON as a string', async () => {
    const result = await measureOnce(metric({ success: 'result == "I am OK"', provider: { kind: 'web', config: { url: `${url}/text` } } }))
    expect(result).toMatchObject({ phase: 'Successful', value: 'I am OK' })
  })
})

describe('web jsonPath matches and answers Go would refuse', () => {
  let server: FaultServer
  beforeAll(async () => {
    server = await startFaultServer({ kind: 'hang' })
  })
  afterAll(() => server.close())
  const at = (body: string, jsonPath: string | undefined, success: string) => {
    server.setAnswer({ kind: 'answer', status: 200, body })
    return measureOnce(metric({ success, provider: { kind: 'web', config: { url: `${server.url}/v1/metrics`, timeoutSeconds: 1, ...(jsonPath ? { jsonPath } : {}) } } }))
  }
  const TWO = '{"items":[{"v":1},{"v":7}],"canary":{"v":1}}'

  it.each([
    ['{$.items[*].v}', [1, 7]],
    ['{$..v}', [1, 7, 1]],
    ['{$.canary.*}', [1]],
    ['{.items[1].v}', 7],
    ["{$['canary']['v']}", 1]
  ])('hands %s over as %j (several-match paths as the list of every match)', async (jsonPath, value) => {
    expect((await at(TWO, jsonPath, 'true')).value).toEqual(value)
  })

  it('judges every match: all() sees the failing one, and comparing the list as a number is an Error', async () => {
    expect((await at(TWO, '{$.items[*].v}', 'all(result, {# < 5})')).phase).toBe('Failed')
    expect((await at('{"items":[{"v":1},{"v":2}]}', '{$.items[*].v}', 'all(result, {# < 5})')).phase).toBe('Successful')
    const compared = await at(TWO, '{$..v}', 'result < 5')
    expect(compared.phase).toBe('Error')
  })

  it('makes a path that matches nothing an Error, for a several-match path too', async () => {
    const result = await at('{"items":[]}', '{$.items[*].v}', 'all(result, {# < 5})')
    expect(result).toMatchObject({ phase: 'Error', message: expect.stringMatching(/jsonPath \{\$\.items\[\*\]\.v\} matched nothing in \{"items":\[\]\}$/) })
  })

  it.each([
    ['-1e400', '{"errorRate":-1e400}', /: number -1e400 is out of range for a 64-bit float: \{"errorRate":-1e400\}$/],
    ['1e400 in a field the path does not read', '{"errorRate":0.4,"total":1e400}', /: number 1e400 is out of range for a 64-bit float: /],
    ['65 levels', `{"errorRate":0.4,"h":${'['.repeat(65)}${']'.repeat(65)}}`, /: answer nested deeper than 64 levels: /],
    ['100 000 levels', `{"errorRate":0.4,"h":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, /: answer nested deeper than 64 levels: /]
  ])('refuses a body holding %s, as Go\'s encoding/json would', async (_name, body, message) => {
    const result = await at(body, '{$.errorRate}', 'result < 2')
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(message)
  })

  it('keeps the last of duplicate keys, as Go does', async () => {
    expect((await at('{"errorRate":5,"errorRate":0.4}', '{$.errorRate}', 'result < 2')).phase).toBe('Successful')
    expect((await at('{"errorRate":0.4,"errorRate":5}', '{$.errorRate}', 'result < 2')).phase).toBe('Failed')
  })

  it('shows an error body on one line, so an injected workflow command never starts a line', async () => {
    server.setAnswer({ kind: 'answer', status: 500, body: 'upstream failed\n::set-output name=verdict::Successful\n' })
    const result = await measureOnce(metric({ success: 'result < 2', provider: { kind: 'web', config: { url: server.url, timeoutSeconds: 1 } } }))
    expect(result.message).toMatch(/HTTP 500: upstream failed ::set-output name=verdict::Successful$/)
  })
})
