// The emulated nginx / Gateway: requests split by the cluster's canary Ingress and HTTPRoute, served by
// ready pods, counted in the metrics Flagger's builtin queries read.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { kubectl, waitUntil } from '../../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'
import { startRouter, type RouterEmulator } from '../../emulators/router/server.js'

const NS = 'test'
const CANARY = `${NS}-podinfo-canary-80`
const CANARY_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.0.1'
const viaIngress = { namespace: NS, ingress: 'podinfo' }
let emu: KubeEmulator
let router: RouterEmulator
const k = (args: string[]) => kubectl(emu.env, args)
const annotate = (...pairs: string[]) => k(['annotate', 'ingress', 'podinfo-canary', '-n', NS, '--overwrite', ...pairs.map((p) => `nginx.ingress.kubernetes.io/${p}`)])
const canaryCount = (): number => router.traffic.requests.sum({ canary: CANARY })
/** 4.5 standard deviations of a binomial(n, p). */
const tolerance = (n: number, p: number): number => 4.5 * Math.sqrt(n * p * (1 - p))

beforeAll(async () => {
  emu = await startKubeEmulator({ timeScale: 20, readinessSeconds: 2 })
  await kubectl(emu.env, ['apply', '-f', '-'], { input: toManifest(canaryObjects()) })
  await waitUntil('both ready', () => ['podinfo-primary', 'podinfo-canary'].every((d) => (emu.getObject('deployments', NS, d) as any)?.status?.readyReplicas === 2), 10_000)
  router = await startRouter({ cluster: emu, seed: 7 })
})
afterAll(async () => {
  await router?.close()
  await emu?.close()
})

describe('nginx canary Ingress', () => {
  it('at weight 20 about 20 % of requests go to the canary', async () => {
    await annotate('canary-weight=20')
    const before = canaryCount()
    router.send(viaIngress, 4000)
    expect(Math.abs(canaryCount() - before - 800)).toBeLessThan(tolerance(4000, 0.2))
    expect(router.traffic.requests.sum({ ingress: 'podinfo', canary: '' })).toBeGreaterThan(3000)
  })

  it('header, then cookie, then weight', async () => {
    await annotate('canary-weight=0', 'canary-by-header=X-Canary', 'canary-by-header-value=insider', 'canary-by-cookie=canary')
    let before = canaryCount()
    router.send(viaIngress, 100, { headers: { 'x-canary': 'insider' } })
    expect(canaryCount() - before).toBe(100)
    before = canaryCount()
    router.send(viaIngress, 100, { headers: { 'x-canary': 'other' } })
    router.send(viaIngress, 100)
    expect(canaryCount() - before).toBe(0)
    router.send(viaIngress, 100, { cookies: { canary: 'always' } })
    expect(canaryCount() - before).toBe(100)
    await annotate('canary-by-header-value-', 'canary-by-header-pattern=^ins.*')
    await k(['annotate', 'ingress', 'podinfo-canary', '-n', NS, 'nginx.ingress.kubernetes.io/canary-by-header-value-'])
    before = canaryCount()
    router.send(viaIngress, 50, { headers: { 'X-Canary': 'inside' } })
    expect(canaryCount() - before).toBe(50)
    await k(['annotate', 'ingress', 'podinfo-canary', '-n', NS, 'nginx.ingress.kubernetes.io/canary-by-header-pattern-'])
    // Without a value or pattern, "never" decides before the cookie is read.
    before = canaryCount()
    router.send(viaIngress, 50, { headers: { 'X-Canary': 'never' }, cookies: { canary: 'always' } })
    expect(canaryCount() - before).toBe(0)
  })

  it("a bad canary's errors grow with its weight; the primary's stay at zero", async () => {
    router.setBehavior({ image: CANARY_IMAGE }, { errorRatio: 0.3 })
    const errors: number[] = []
    for (const weight of [10, 30, 60]) {
      await annotate(`canary-weight=${weight}`)
      const before = router.traffic.requests.sum({ canary: CANARY, status: '500' })
      router.send(viaIngress, 3000)
      const grown = router.traffic.requests.sum({ canary: CANARY, status: '500' }) - before
      const p = (weight / 100) * 0.3
      expect(Math.abs(grown - 3000 * p)).toBeLessThan(tolerance(3000, p))
      errors.push(grown)
    }
    expect(errors[0]).toBeLessThan(errors[1])
    expect(errors[1]).toBeLessThan(errors[2])
    expect(router.traffic.requests.sum({ canary: '', status: '500' })).toBe(0)
    const versions = router.traffic.versions()
    const canary = versions.find((v) => v.deployment === 'podinfo-canary')
    // Per-version totals (what NerdGraph rows are made from) agree with the nginx counters.
    expect(canary?.errors).toBe(router.traffic.requests.sum({ canary: CANARY, status: '500' }))
    expect(canary?.count).toBe(canaryCount())
    expect(versions.find((v) => v.deployment === 'podinfo-primary')?.errors).toBe(0)
  })

  it('an unready canary receives nothing (nginx), while the HTTPRoute sends its share to a 503', async () => {
    emu.setPodReadiness((pod) => (pod.spec.containers[0].image === 'podinfo:broken' ? null : 2))
    await k(['scale', 'deployment/podinfo-canary', '-n', NS, '--replicas=0'])
    await k(['set', 'image', 'deployment/podinfo-canary', '-n', NS, 'podinfo=podinfo:broken'])
    await k(['scale', 'deployment/podinfo-canary', '-n', NS, '--replicas=2'])
    await waitUntil('2 unready canary pods', () => emu.listObjects('pods', NS).filter((p: any) => p.metadata.labels.app === 'podinfo-canary').length === 2, 10_000)
    await annotate('canary-weight=50')
    const before = canaryCount()
    router.send(viaIngress, 500)
    expect(canaryCount() - before).toBe(0)

    await k(['patch', 'httproute', 'podinfo', '-n', NS, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":50},{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":50}]'])
    const podCount = (re: RegExp) => emu.listObjects('pods', NS).filter((p: any) => re.test(p.metadata.name)).length
    expect(podCount(/^podinfo-primary-/)).toBe(2)
    router.send({ namespace: NS, httproute: 'podinfo' }, 1000)
    // Served requests land on primary pods only; the canary's share is Envoy's "no healthy upstream".
    const text = await (await fetch(`${router.url}/metrics`)).text()
    const canaryPodLines = text.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('kubernetes_pod_name="podinfo-canary-'))
    const primaryServed = text
      .split('\n')
      .filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('kubernetes_pod_name="podinfo-primary-'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
    expect(canaryPodLines.every((l) => !/podinfo:broken/.test(l))).toBe(true)
    expect(primaryServed).toBeGreaterThan(0)
  })
})

describe('/metrics', () => {
  it('serves the text format 0.0.4 with HELP, TYPE and cumulative histograms', async () => {
    const answer = await fetch(`${router.url}/metrics`)
    expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await answer.text()
    expect(text).toContain('# TYPE nginx_ingress_controller_requests counter')
    expect(text).toContain('# TYPE nginx_ingress_controller_response_duration_seconds histogram')
    expect(text).toContain('# TYPE http_request_duration_seconds histogram')
    const line = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?(\d+(\.\d+)?([eE][-+]?\d+)?|\+Inf|NaN)$/
    for (const l of text.trimEnd().split('\n')) if (!l.startsWith('#')) expect(l).toMatch(line)
    expect(text).toMatch(new RegExp(`nginx_ingress_controller_requests\\{canary="${CANARY}",[^}]*ingress="podinfo",[^}]*namespace="${NS}",[^}]*service="podinfo-canary",status="500"\\} \\d+`))
  })
})
