// command run through the bundle with target-kind deployment: a plain Deployment whose traffic the
// gate drives, against the Kubernetes API emulator (real kubectl) with the router emulator splitting
// a stream of requests by the nginx canary Ingress or the HTTPRoute. The analysis reads the canary's
// error rate from the router's own per-version totals, served to the web provider by this test.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { kubectl } from '../../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'
import { startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startRouter, type RouterEmulator, type Via } from '../../emulators/router/server.js'
import { runAction, type ActionRun, type RunActionOptions } from '../../emulators/runner.js'

const NS = 'test'
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0'
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1'
const SCALE = 60

let kube: KubeEmulator | undefined
let router: RouterEmulator | undefined
let metrics: Server | undefined
let prometheus: PrometheusServer | undefined
afterEach(async () => {
  await prometheus?.close()
  prometheus = undefined
  await router?.close()
  await new Promise((resolve) => (metrics ? metrics.close(resolve) : resolve(undefined)))
  await kube?.close()
  kube = router = metrics = undefined
})

/** The cluster as Flagger lays it out, without the canary Deployment (the gate creates it); a stream of requests. */
async function start(via: 'nginx' | 'gateway-api', canaryErrorRatio = 0): Promise<{ url: string; run: (inputs: Record<string, string>, extra?: Partial<RunActionOptions>) => Promise<ActionRun> }> {
  const origin = Date.now()
  kube = await startKubeEmulator({ timeScale: SCALE, origin, readinessSeconds: 10 })
  const objects = canaryObjects({ primaryImage: OLD }).filter((o) => !(o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'podinfo-canary'))
  const applied = await kubectl(kube.env, ['apply', '-f', '-'], { input: toManifest(objects) })
  expect(applied.code).toBe(0)
  router = await startRouter({ cluster: kube })
  router.setBehavior({ image: NEW }, { errorRatio: canaryErrorRatio })
  const stream: Via = via === 'nginx' ? { namespace: NS, ingress: 'podinfo' } : { namespace: NS, httproute: 'podinfo' }
  router.addStream({ via: stream, perMinute: 600 })
  const r = router
  const k = kube
  // The canary's error rate over the last clock minute, as a metrics backend would answer it.
  metrics = createServer((req, res) => {
    const now = k.clock.now()
    const canary = r.traffic.versions(now - 60_000).filter((v) => v.deployment === 'podinfo-canary')
    const count = canary.reduce((s, v) => s + v.count, 0)
    const errors = canary.reduce((s, v) => s + v.errors, 0)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ errorRate: count === 0 ? 0 : (errors / count) * 100, count }))
  })
  await new Promise<void>((resolve) => metrics!.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(metrics.address() as { port: number }).port}`
  return {
    url,
    run: (inputs, extra = {}) =>
      runAction({
        inputs: {
          command: 'run',
          'target-kind': 'deployment',
          deployment: 'podinfo',
          namespace: NS,
          router: via,
          image: `podinfo=${NEW}`,
          plan: 'examples/podinfo/rollout.yaml examples/podinfo/error-rate-web.yaml',
          args: `metrics-url=${url}`,
          'poll-interval': '10s',
          comment: 'false',
          ...inputs
        },
        env: { ...k.env, CANARY_GATE_TIME_SCALE: String(SCALE), CANARY_GATE_TIME_ORIGIN: String(origin), PATH: process.env.PATH ?? '' },
        ...extra
      })
  }
}

const get = (resource: string, name: string): any => kube!.getObject(resource, NS, name) // eslint-disable-line @typescript-eslint/no-explicit-any
const canaryWeight = (): string | undefined => get('ingresses', 'podinfo-canary')?.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']
const routeWeights = (): number[] => get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { weight: number }) => r.weight)

interface ReportShape {
  verdict: string
  outcome: string
  steps: Array<{ result: string; weight?: number }>
  abort?: { canaryWeightBefore: number; canaryWeightAfter?: number; msFromAbortCallToWeightZero?: number }
  rollout: { kind?: string; router?: { kind: string; object: string } }
}

describe('command run on a plain Deployment whose traffic the gate drives', () => {
  it('nginx: a healthy canary goes 20 % → 50 % and is promoted: primary on the new image, canary at 0, weight 0', async () => {
    const { run } = await start('nginx')
    const result = await run({})
    const report = result.report as unknown as ReportShape
    expect(result.stderr).toBe('')
    expect(result.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'passed', 'done', 'passed'])
    expect(report.rollout).toMatchObject({ kind: 'deployment', router: { kind: 'nginx', object: 'ingress podinfo-canary' } })
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(canaryWeight()).toBe('0')
    // the canary really took traffic on the way
    expect(router!.traffic.versions().find((v) => v.deployment === 'podinfo-canary')?.count).toBeGreaterThan(50)
    expect(result.stdout).toContain('ingress podinfo-canary: canary weight 50% (read back)')
    expect(result.summary).toContain('nginx Ingress router (ingress podinfo-canary)')
    // the step timeline and the traffic chart, with the router used
    expect(result.summary).toContain('| Step | Action | Canary weight | Start (UTC) | Duration | Result |')
    expect(result.summary).toContain('Traffic to the new version of podinfo (%) via nginx, ingress podinfo-canary')
  })

  it('nginx: a canary answering 10 % errors is rolled back at the first analysis, weight 0 verified on the Ingress', async () => {
    const { run } = await start('nginx', 0.1)
    const result = await run({})
    const report = result.report as unknown as ReportShape
    expect(result.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'error-rate' })
    expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'failed', 'skipped', 'skipped'])
    expect(report.abort).toMatchObject({ canaryWeightBefore: 20, canaryWeightAfter: 0, msFromAbortCallToWeightZero: expect.any(Number) })
    expect(result.summary).toContain('Traffic to the new version of podinfo (%) via nginx, ingress podinfo-canary')
    expect(result.summary).toMatch(/line \[20(, 20)*, 0\]/)
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(OLD)
    expect(result.stdout).toMatch(/deployment podinfo rolled back: canary traffic 20% → 0% on ingress podinfo-canary \(read back\)/)
    expect(result.summary).toMatch(/## ❌ Failed — deployment podinfo rolled back, canary traffic 20% → 0%: error-rate [\d.]+ &gt; [\d.]+ at step 3\/5\n/)
    expect(result.summary).toMatch(/The gate rolled back deployment podinfo \(canary traffic 20% → 0%\): the abort call went out .* after the failing measurement; the router read back canary weight 0% /)
    expect(result.summary).toContain('| deploy a fixed image | <code>command: run, image: …</code> | — |')
    expect(result.summary).toContain('<code>kubectl get deployments,services,ingresses -n test</code>')
  })

  it("nginx: 10 % errors seen by Flagger's success-rate query on a real Prometheus scraping the router → rolled back at the first analysis", async () => {
    const { run } = await start('nginx', 0.1)
    prometheus = await startPrometheus({ series: [], scrape: { job: 'ingress-nginx', targets: [router!.target], intervalSeconds: 1 } })
    // Prometheus scrapes in real time (every second): a 5-minute pause (5 s at this time scale) gives
    // rate() the samples of the canary's traffic it needs before the first analysis.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-deploy-prom-'))
    const plan = path.join(dir, 'rollout.yaml')
    await writeFile(plan, (await readFile('examples/podinfo/rollout.yaml', 'utf8')).replace('pause: { duration: 1m }', 'pause: { duration: 5m }'))
    const result = await run({ plan: `${plan} examples/podinfo/success-rate-nginx.yaml`, args: `namespace=${NS}\ningress=podinfo`, 'prometheus-url': prometheus.url })
    const report = result.report as unknown as ReportShape
    expect(result.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'request-success-rate' })
    expect(report.steps.map((s) => s.result)).toEqual(['done', 'done', 'failed', 'skipped', 'skipped'])
    expect(report.abort).toMatchObject({ canaryWeightBefore: 20, canaryWeightAfter: 0 })
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    // the success rate Prometheus computed is about 90 %
    expect(result.summary).toMatch(/request-success-rate[\s\S]*\| (8\d|9[0-5])\.\d+ \| ❌ Failed/)
  })

  it('Gateway API: the HTTPRoute backendRefs weights go 80/20, 50/50, then 100/0 at promotion', async () => {
    const { run } = await start('gateway-api')
    const seen = new Set<string>()
    const result = await run({}, { onOutput: () => seen.add(routeWeights().join('/')) })
    expect(result.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(seen.has('80/20')).toBe(true)
    expect(seen.has('50/50')).toBe(true)
    expect(routeWeights()).toEqual([100, 0])
    expect(result.summary).toContain('via Gateway API, httproute podinfo')
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(NEW)
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })

  it('a cancelled workflow (SIGINT) rolls the canary back: weight 0, canary scaled to 0', async () => {
    const { run } = await start('nginx')
    const result = await run({}, { cancel: { when: (log) => /canary weight 20% \(read back\)/.test(log), signal: 'SIGINT' } })
    expect(result.outputs).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
  })

  it('a run past its timeout rolls the canary back: weight 0, canary scaled to 0', async () => {
    const { run } = await start('nginx')
    const result = await run({ timeout: '3m' })
    expect(result.outputs).toMatchObject({ verdict: 'Error', outcome: 'aborted' })
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(get('deployments', 'podinfo-primary').spec.template.spec.containers[0].image).toBe(OLD)
  })

  it('refuses, before touching the cluster, steps a Deployment target cannot run', async () => {
    const { run } = await start('nginx')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-deploy-plan-'))
    const plan = path.join(dir, 'rollout.yaml')
    await writeFile(
      plan,
      (await readFile('examples/podinfo/rollout.yaml', 'utf8')).replace('        - pause: { duration: 1m }\n', '        - pause: {}\n        - setHeaderRoute: { name: beta, match: [{ headerName: x-beta, headerValue: { exact: "1" } }] }\n')
    )
    const result = await run({ plan: `${plan} examples/podinfo/error-rate-web.yaml` })
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ verdict: 'Error', outcome: 'none' })
    expect(result.stdout).toContain('step 2: an indefinite pause waits for a human to promote')
    expect(result.stdout).toContain('step 3: setHeaderRoute is run by the Argo controller')
    expect(get('deployments', 'podinfo-canary')).toBeUndefined()
    expect(canaryWeight()).toBe('0')
  })

  it('the post step rolls back the canary of a main step the runner killed', async () => {
    const { run } = await start('nginx')
    const main = await run({}, { cancel: { signal: 'SIGKILL', when: (log) => /canary weight 20% \(read back\)/.test(log) } })
    expect(main.signal).toBe('SIGKILL')
    expect(canaryWeight()).toBe('20')
    expect(JSON.parse(main.state.canary)).toMatchObject({ rollout: 'podinfo', namespace: NS, deployment: { router: 'nginx' } })
    const post = await run({}, { post: { state: main.state } })
    expect(post.exitCode).toBe(0)
    expect(canaryWeight()).toBe('0')
    expect(get('deployments', 'podinfo-canary').spec.replicas).toBe(0)
    expect(post.summary).toMatch(/so the post step rolled back deployment podinfo in test: canary traffic 20% → 0% on ingress podinfo-canary, podinfo-canary scaled to 0/)
  })
})
