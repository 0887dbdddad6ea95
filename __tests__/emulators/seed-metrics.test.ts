import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'

let seed: SeedMetricsServer

const metrics = (app: string): Promise<Response> => fetch(`${seed.url}/v1/metrics?app=${encodeURIComponent(app)}&metric=errorRate&window=5m`)

beforeAll(async () => {
  seed = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 }, healthy: { errorRate: 0.3, responseTime: 12.5, throughput: 900 } } })
})
afterAll(() => seed.close())

describe('seed metrics emulator', () => {
  it('answers the app figures, with the seed defaults for responseTime and throughput', async () => {
    const res = await metrics('voting01-vote-qa')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ errorRate: 2.68, responseTime: 45.2, throughput: 150 })
    expect(await (await metrics('healthy')).json()).toEqual({ errorRate: 0.3, responseTime: 12.5, throughput: 900 })
  })

  it('setApp adds or changes an app', async () => {
    seed.setApp('new-app', { errorRate: 5 })
    expect(await (await metrics('new-app')).json()).toEqual({ errorRate: 5, responseTime: 45.2, throughput: 150 })
  })

  it('unknown app: 404 {"error":"unknown app"}', async () => {
    const res = await metrics('nope')
    expect(res.status).toBe(404)
    expect(await res.text()).toBe('{"error":"unknown app"}')
  })

  it('any other path: a real 404', async () => {
    const res = await fetch(`${seed.url}/v1/metric?app=voting01-vote-qa`)
    expect(res.status).toBe(404)
    await res.body?.cancel()
  })

  it('missing app: 400; not GET: 405', async () => {
    const missing = await fetch(`${seed.url}/v1/metrics?metric=errorRate`)
    expect(missing.status).toBe(400)
    await missing.body?.cancel()
    const post = await fetch(`${seed.url}/v1/metrics?app=voting01-vote-qa`, { method: 'POST' })
    expect(post.status).toBe(405)
    await post.body?.cancel()
  })

  it('faults: http, non-json, empty, each for N requests or until cleared', async () => {
    seed.setFault({ kind: 'http', status: 500, body: 'Internal Server Error' }, 1)
    const failed = await metrics('voting01-vote-qa')
    expect([failed.status, await failed.text()]).toEqual([500, 'Internal Server Error'])
    expect((await metrics('voting01-vote-qa')).status).toBe(200)

    seed.setFault({ kind: 'non-json', body: '<html>502</html>' })
    for (let i = 0; i < 2; i++) {
      const res = await metrics('voting01-vote-qa')
      expect([res.status, await res.text()]).toEqual([200, '<html>502</html>'])
    }
    seed.setFault({ kind: 'empty' }, 1)
    const empty = await metrics('voting01-vote-qa')
    expect([empty.status, await empty.text()]).toEqual([200, '{}'])
    seed.setFault(null)
    expect((await metrics('voting01-vote-qa')).status).toBe(200)
  })

  it('records requests', async () => {
    seed.requests.length = 0
    await (await metrics('healthy')).body?.cancel()
    expect(seed.requests).toEqual([{ method: 'GET', url: '/v1/metrics?app=healthy&metric=errorRate&window=5m', time: expect.any(Number) }])
  })

  it('hang: no answer until close, and close does not hang', async () => {
    const hung = await startSeedMetrics({ apps: { a: { errorRate: 1 } }, latencyMs: 10 })
    hung.setFault({ kind: 'hang' })
    const pending = fetch(`${hung.url}/v1/metrics?app=a`)
    const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('waiting'), 300))])
    expect(outcome).toBe('waiting')
    const started = Date.now()
    await hung.close()
    expect(Date.now() - started).toBeLessThan(1000)
    await expect(pending).rejects.toThrow()
  })
})
