// The seed team's mock New Relic query API: GET /v1/metrics?app=APP&metric=errorRate&window=5m
// answers {"errorRate": 2.68, "responseTime": 45.2, "throughput": 150}. Their analysis read a 404
// as "0 % errors" and passed a broken canary, so every 404 here stays a real 404 for the client to
// handle.
import { createServer } from 'node:http'
import { closeServer, closingSignal, listen, wait } from '../http.js'

export interface AppMetrics {
  errorRate: number
  responseTime?: number
  throughput?: number
}

export type SeedFault = { kind: 'http'; status: number; body?: string } | { kind: 'hang' } | { kind: 'non-json'; body: string } | { kind: 'empty' }

export interface SeedMetricsServer {
  /** http://127.0.0.1:PORT */
  url: string
  setApp(app: string, metrics: AppMetrics): void
  /** Applies to requests for /v1/metrics: forever, or for the next `times` of them. */
  setFault(f: SeedFault | null, times?: number): void
  requests: Array<{ method: string; url: string; time: number }>
  close(): Promise<void>
}

export interface SeedMetricsOptions {
  apps?: Record<string, AppMetrics>
  /** Delays every answer, for benchmarks. */
  latencyMs?: number
  /** A fixed loopback port (the CI self-test needs a known address); default: any free one. */
  port?: number
}

export async function startSeedMetrics(opts: SeedMetricsOptions = {}): Promise<SeedMetricsServer> {
  const apps = new Map(Object.entries(opts.apps ?? {}))
  const requests: SeedMetricsServer['requests'] = []
  const closing = closingSignal()
  let fault: { f: SeedFault; times: number | undefined } | null = null

  const server = createServer(async (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', time: Date.now() })
    req.resume() // no request here has a body worth reading
    const url = new URL(req.url ?? '/', 'http://x')
    const send = async (status: number, body: string, contentType = 'application/json'): Promise<void> => {
      if ((await wait(opts.latencyMs ?? 0, closing.signal)) && !res.destroyed) {
        res.writeHead(status, { 'content-type': contentType }).end(body)
      }
    }
    if (url.pathname !== '/v1/metrics') return send(404, JSON.stringify({ error: 'not found' }))
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: 'method not allowed' }))

    const f = fault?.f
    if (fault?.times !== undefined && --fault.times <= 0) fault = null
    switch (f?.kind) {
      case 'hang':
        return // close() destroys the socket
      case 'http':
        return send(f.status, f.body ?? JSON.stringify({ error: 'internal error' }))
      case 'non-json':
        return send(200, f.body, 'text/html')
      case 'empty':
        return send(200, '{}')
    }

    const app = url.searchParams.get('app')
    if (!app) return send(400, JSON.stringify({ error: 'missing app' }))
    const metrics = apps.get(app)
    if (!metrics) return send(404, JSON.stringify({ error: 'unknown app' }))
    // The seed answered every figure whatever `metric` asked for; its clients grep out the one they want.
    const { errorRate, responseTime = 45.2, throughput = 150 } = metrics
    return send(200, JSON.stringify({ errorRate, responseTime, throughput }))
  })

  const port = await listen(server, opts.port)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setApp(app, metrics) {
      apps.set(app, metrics)
    },
    setFault(f, times) {
      fault = f === null ? null : { f, times }
    },
    async close() {
      closing.abort()
      await closeServer(server)
    },
  }
}
