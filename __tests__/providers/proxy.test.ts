// A self-hosted runner behind a corporate proxy: NerdGraph, a real Prometheus and web metrics are
// reached through HTTP_PROXY / HTTPS_PROXY (either case), https targets through a CONNECT tunnel,
// hosts listed in NO_PROXY directly, and a proxy that refuses is an Error that says so.
//
// Everything listens on 127.0.0.1. Targets are addressed by names that only the proxy resolves
// (`*.proxied.test`, as a corporate proxy resolves outside names the runner cannot): an answer for
// such a name can only have come through the proxy, and a name the request went to directly fails to
// resolve. The proxy records every host it was asked for.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import { gaugeSeries, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { closeServer, listen } from '../../emulators/http.js'
import type { MetricSpec } from '../../src/analysis/types.js'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { createProviders } from '../../src/providers/index.js'
import { Secrets } from '../../src/secrets.js'
import { leaks } from '../secrets/leaks.js'
import { measureOnce, outcomeText } from '../support/measure.js'
import { metric } from '../support/metrics.js'
import { startProxy, startSelfSignedServer, type ProxyServer } from '../support/proxy.js'

const KEY = 'NRAK-PROXYTEST0000000000000000000'
const ACCOUNT = 42
const PROXY_PASSWORD = 'c0rp-Pr0xy/pw+9x'
const VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']

let proxy: ProxyServer
let locked: ProxyServer
let nerdgraph: NerdGraphEmulator
let prometheus: PrometheusServer
let seed: SeedMetricsServer
let tls: { port: number; close(): Promise<void> }
let closedPort: number

beforeAll(async () => {
  ;[proxy, locked, nerdgraph, prometheus, seed, tls] = await Promise.all([
    startProxy(),
    startProxy({ credentials: `gate:${PROXY_PASSWORD}` }),
    startNerdGraph({ apiKey: KEY, accountId: ACCOUNT, results: [{ match: 'vote', rows: [{ errorRate: 0.4 }] }] }),
    startPrometheus({ series: [gaugeSeries({ name: 'canary_error_ratio', labels: { app: 'vote' }, minutes: 10, value: 0.004 })] }),
    startSeedMetrics({ apps: { vote: { errorRate: 0.3 } } }),
    startSelfSignedServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"errorRate":0.2}'))
  ])
  // A port where nothing listens: a proxy that is down.
  const probe = createServer()
  closedPort = await listen(probe)
  await closeServer(probe)
})
afterAll(async () => {
  await Promise.all([proxy?.close(), locked?.close(), nerdgraph?.close(), prometheus?.close(), seed?.close(), tls?.close()])
})

// The variables are read at every request: each test sets its own and leaves none behind.
const saved: Record<string, string | undefined> = {}
beforeEach(() => {
  for (const name of VARIABLES) {
    saved[name] = process.env[name]
    delete process.env[name]
  }
  proxy.requests.length = 0
  locked.requests.length = 0
})
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})
const useEnvironment = (variables: Record<string, string>): void => void Object.assign(process.env, variables)

/** The address of a loopback server under another host name. */
const named = (url: string, host: string): string => url.replace('127.0.0.1', host)
const portOf = (url: string): string => new URL(url).port

const nrql = "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'vote'"
const newRelic = (graphqlUrl: string) =>
  measureOnce(metric({ success: 'result.errorRate < 2', provider: { kind: 'newRelic', config: { query: nrql, timeout: 3 } } }), {
    newRelic: { apiKey: KEY, accountId: ACCOUNT, graphqlUrl }
  })
const promQuery = (address: string) =>
  measureOnce(metric({ success: 'result[0] < 0.01', provider: { kind: 'prometheus', config: { address, query: 'canary_error_ratio{app="vote"}', timeout: 3 } } }))
const webSpec = (url: string, insecure = false): MetricSpec =>
  metric({ success: 'result < 2', provider: { kind: 'web', config: { url, jsonPath: '{$.errorRate}', timeoutSeconds: 2, ...(insecure ? { insecure } : {}) } } })
const webQuery = (url: string, insecure = false) => measureOnce(webSpec(url, insecure))
const seedPath = '/v1/metrics?app=vote&metric=errorRate&window=5m'
const asked = (server: ProxyServer) => server.requests.map((r) => `${r.how} ${r.host}`)

describe('http targets go through HTTP_PROXY', () => {
  it.each(['HTTP_PROXY', 'http_proxy'])('NerdGraph, Prometheus and a web metric reach their backends through %s, by names only the proxy resolves', async (variable) => {
    useEnvironment({ [variable]: proxy.url })
    const results = [
      await newRelic(named(nerdgraph.url, 'api.newrelic.proxied.test')),
      await promQuery(named(prometheus.url, 'prometheus.proxied.test')),
      await webQuery(`${named(seed.url, 'metrics.proxied.test')}${seedPath}`)
    ]
    expect(results.map((r) => [r.phase, r.value])).toEqual([
      ['Successful', { errorRate: 0.4 }],
      ['Successful', [0.004]],
      ['Successful', 0.3]
    ])
    expect(asked(proxy)).toEqual([
      `forward api.newrelic.proxied.test:${portOf(nerdgraph.url)}`,
      `forward prometheus.proxied.test:${portOf(prometheus.url)}`,
      `forward metrics.proxied.test:${portOf(seed.url)}`
    ])
    // NerdGraph's API key went to NerdGraph (through the proxy), where the emulator checked it.
    expect(nerdgraph.requests.length).toBeGreaterThan(0)
  })

  it('does not send an http target to HTTPS_PROXY, nor an https target to HTTP_PROXY', async () => {
    useEnvironment({ HTTPS_PROXY: proxy.url })
    expect((await webQuery(`${seed.url}${seedPath}`)).phase).toBe('Successful')
    delete process.env.HTTPS_PROXY
    useEnvironment({ HTTP_PROXY: proxy.url })
    expect((await webQuery(`https://127.0.0.1:${tls.port}/`, true)).phase).toBe('Successful')
    expect(asked(proxy)).toEqual([])
  })

  it('reads the variables at every request: the same providers go direct, through the proxy, then direct again', async () => {
    const providerFor = createProviders({ clock: systemClock, secrets: new Secrets(), prometheusHeaders: [], newRelic: { graphqlUrl: nerdgraph.url } })
    const spec = webSpec(`${named(seed.url, 'localhost')}${seedPath}`)
    const measure = () => providerFor(spec).measure(spec, { clock: systemClock, log: memoryLogger(), signal: new AbortController().signal })
    expect(await measure()).toBe(0.3)
    useEnvironment({ http_proxy: proxy.url })
    expect(await measure()).toBe(0.3)
    delete process.env.http_proxy
    expect(await measure()).toBe(0.3)
    expect(asked(proxy)).toEqual([`forward localhost:${portOf(seed.url)}`])
  })
})

describe('https targets go through HTTPS_PROXY with CONNECT', () => {
  it.each(['HTTPS_PROXY', 'https_proxy'])('an https web metric with a self-signed certificate and insecure: true is tunnelled through %s', async (variable) => {
    useEnvironment({ [variable]: proxy.url })
    const result = await webQuery(`https://metrics.proxied.test:${tls.port}/v1/metrics?app=vote&token=abc123`, true)
    expect(result).toMatchObject({ phase: 'Successful', value: 0.2 })
    // A tunnel: the proxy learns the host and port, never the path, the query or the headers.
    expect(proxy.requests).toEqual([{ how: 'connect', host: `metrics.proxied.test:${tls.port}` }])
  })

  it('still verifies the certificate inside the tunnel when insecure is not set', async () => {
    useEnvironment({ HTTPS_PROXY: proxy.url })
    const result = await webQuery(`https://metrics.proxied.test:${tls.port}/v1/metrics`)
    expect(result.phase).toBe('Error')
    // Node 24 adds a hint of its own inside the parentheses.
    expect(result.message).toMatch(new RegExp(`TLS certificate not trusted \\(self-signed certificate[^)]*\\) \\(through the proxy ${proxy.url} \\(from HTTPS_PROXY\\)\\)`))
    expect(asked(proxy)).toEqual([`connect metrics.proxied.test:${tls.port}`])
  })
})

describe('NO_PROXY', () => {
  it.each(['NO_PROXY', 'no_proxy'])('%s=127.0.0.1 sends that host direct, and only that exact name: localhost still goes through the proxy', async (variable) => {
    useEnvironment({ HTTP_PROXY: proxy.url, [variable]: '127.0.0.1' })
    const direct = await webQuery(`${seed.url}${seedPath}`)
    const byOtherName = await webQuery(`${named(seed.url, 'localhost')}${seedPath}`)
    const outside = await promQuery(named(prometheus.url, 'prometheus.proxied.test'))
    expect([direct.phase, byOtherName.phase, outside.phase]).toEqual(['Successful', 'Successful', 'Successful'])
    expect(asked(proxy)).toEqual([`forward localhost:${portOf(seed.url)}`, `forward prometheus.proxied.test:${portOf(prometheus.url)}`])
  })

  it.each(['.corp.test', '*.corp.test'])('%s sends every host under corp.test direct, but not corp.test itself', async (entry) => {
    useEnvironment({ HTTP_PROXY: proxy.url, NO_PROXY: `example.org, ${entry}` })
    // Direct, a name only the proxy could resolve fails to resolve: the request never reached the proxy.
    const internal = await webQuery(`${named(seed.url, 'prometheus.monitoring.corp.test')}${seedPath}`)
    expect(internal.phase).toBe('Error')
    expect(internal.message).toMatch(/: (host not found \(prometheus\.monitoring\.corp\.test\)|no answer within 2s)$/)
    const parent = await webQuery(`${named(seed.url, 'corp.test')}${seedPath}`)
    expect(parent.phase).toBe('Successful')
    expect(asked(proxy)).toEqual([`forward corp.test:${portOf(seed.url)}`])
  })

  it('host:port sends only that port of the host direct', async () => {
    useEnvironment({ HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${portOf(seed.url)}` })
    const listed = await webQuery(`${seed.url}${seedPath}`)
    const otherPort = await newRelic(nerdgraph.url)
    expect([listed.phase, otherPort.phase]).toEqual(['Successful', 'Successful'])
    expect(asked(proxy)).toEqual([`forward 127.0.0.1:${portOf(nerdgraph.url)}`])
  })

  it.each(['NO_PROXY', 'no_proxy'])('%s=* sends everything direct, https too', async (variable) => {
    useEnvironment({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, [variable]: '*' })
    const results = [await webQuery(`${seed.url}${seedPath}`), await webQuery(`https://127.0.0.1:${tls.port}/`, true), await newRelic(nerdgraph.url)]
    expect(results.map((r) => r.phase)).toEqual(['Successful', 'Successful', 'Successful'])
    expect(asked(proxy)).toEqual([])
  })
})

describe('a proxy that refuses is an Error, never a pass', () => {
  it.each([
    ['HTTP_PROXY', 'forward', () => `${named(seed.url, 'metrics.proxied.test')}${seedPath}`],
    ['HTTPS_PROXY', 'connect', () => `https://metrics.proxied.test:${tls.port}/v1/metrics`]
  ])('a proxy in %s that wants a login (407): a permanent Error saying where to put it', async (variable, how, url) => {
    useEnvironment({ [variable]: locked.url })
    const result = await webQuery(url(), true)
    expect(result).toMatchObject({ phase: 'Error', permanent: true })
    expect(result.message).toMatch(new RegExp(`: HTTP 407 from the proxy ${locked.url} \\(from ${variable}\\): it wants a login: put it in ${variable} \\(http://user:password@host:port\\)$`))
    expect(locked.requests.map((r) => r.how)).toEqual([how])
  })

  it.each(['HTTP_PROXY', 'HTTPS_PROXY'])('logs in with the user and password in %s', async (variable) => {
    useEnvironment({ [variable]: locked.url.replace('//', `//gate:${encodeURIComponent(PROXY_PASSWORD)}@`) })
    const result = variable === 'HTTP_PROXY' ? await webQuery(`${named(seed.url, 'metrics.proxied.test')}${seedPath}`) : await webQuery(`https://metrics.proxied.test:${tls.port}/`, true)
    expect(result.phase).toBe('Successful')
    expect(locked.requests.map((r) => r.authorization)).toEqual([`Basic ${Buffer.from(`gate:${PROXY_PASSWORD}`).toString('base64')}`])
  })

  it('a refused login names the proxy without its password, and the password is written nowhere', async () => {
    const secrets = new Secrets()
    const wrong = `${PROXY_PASSWORD}-old`
    useEnvironment({ HTTPS_PROXY: locked.url.replace('//', `//gate:${encodeURIComponent(wrong)}@`) })
    const result = await measureOnce(webSpec(`https://metrics.proxied.test:${tls.port}/`, true), { secrets })
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(new RegExp(`HTTP 407 from the proxy ${locked.url} \\(from HTTPS_PROXY\\): it refused the user and password in the variable$`))
    expect(leaks(secrets.redact(outcomeText(result.outcome) + result.log.join('\n')), [wrong])).toEqual([])
    expect(leaks(outcomeText(result.outcome) + result.log.join('\n'), [wrong])).toEqual([])
  })

  it('a proxy whose name does not resolve is an Error naming it (the target\'s name is the proxy\'s to resolve)', async () => {
    useEnvironment({ HTTPS_PROXY: 'proxy.corp.test:3128' })
    const result = await webQuery(`https://metrics.proxied.test:${tls.port}/`, true)
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(/: (the proxy http:\/\/proxy\.corp\.test:3128 \(from HTTPS_PROXY\): host not found \(proxy\.corp\.test\)|no answer within 2s)$/)
  })

  it('a SOCKS proxy, which axios cannot speak, is a permanent Error naming the variable', async () => {
    useEnvironment({ ALL_PROXY: 'socks5://gate:secret-pw@127.0.0.1:1080' })
    const result = await webQuery(`${seed.url}${seedPath}`)
    expect(result).toMatchObject({ phase: 'Error', permanent: true })
    expect(result.message).toMatch(/: ALL_PROXY names a socks5 proxy \(socks5:\/\/127\.0\.0\.1:1080\): only http and https proxies are supported$/)
  })

  it.each([
    ['NerdGraph at its real address', 'HTTPS_PROXY', () => newRelic('https://api.newrelic.com/graphql'), 'newRelic'],
    ['Prometheus', 'HTTP_PROXY', () => promQuery(named(prometheus.url, 'prometheus.proxied.test')), 'prometheus'],
    ['a web metric', 'https_proxy', () => webQuery(`https://metrics.proxied.test:${tls.port}/`, true), `web GET https://metrics.proxied.test:\\d+/`]
  ])('%s behind a proxy that is down (%s, connection refused): an Error naming the proxy', async (_name, variable, measure, what) => {
    const down = `http://127.0.0.1:${closedPort}`
    useEnvironment({ [variable]: down })
    const result = await measure()
    expect(result.phase).toBe('Error')
    expect(result.message).toMatch(new RegExp(`^${what}: the proxy ${down} \\(from ${variable}\\) refused the connection$`))
  })
})
