// The cluster of the Flagger scenarios (command run with a Flagger Canary, through the bundle): the
// Kubernetes API emulator (real kubectl) holding the cluster as Flagger lays it out, the router
// emulator splitting streams of requests by the nginx canary Ingress or the HTTPRoute, a real
// Prometheus scraping the router (Flagger's builtin queries read it), and a load tester on loopback
// that records the Canary's webhook payloads.
import { afterEach, expect } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { kubectl } from '../../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../../emulators/kube/server.js'
import { startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { canaryObjects, toManifest } from '../../emulators/router/fixtures.js'
import { startRouter, type RouterEmulator, type StreamOptions } from '../../emulators/router/server.js'
import { runAction, type ActionRun, type RunActionOptions } from '../../emulators/runner.js'

export const NS = 'test'
export const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0'
export const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1'
const SCALE = 60

let kube: KubeEmulator | undefined
let router: RouterEmulator | undefined
/** The router of the running scenario. */
export const currentRouter = (): RouterEmulator => router!
let prometheus: PrometheusServer | undefined
let loadTester: Server | undefined
afterEach(async () => {
  await prometheus?.close()
  await router?.close()
  await new Promise((resolve) => (loadTester ? loadTester.close(resolve) : resolve(undefined)))
  await kube?.close()
  kube = router = prometheus = loadTester = undefined
})

export interface Hook {
  name: string
  phase: string
  checksum: string
  metadata?: Record<string, string>
}

/** The cluster without the canary Deployment (the gate creates it), requests, Prometheus and a load tester. */
export async function start(options: { canaryErrorRatio?: number; streams: Array<Omit<StreamOptions, 'via'> & { via: 'nginx' | 'gateway-api' }>; canary: string; hookStatus?: (hook: Hook) => number }) {
  const origin = Date.now()
  kube = await startKubeEmulator({ timeScale: SCALE, origin, readinessSeconds: 10 })
  const objects = canaryObjects({ primaryImage: OLD }).filter((o) => !(o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'podinfo-canary'))
  expect((await kubectl(kube.env, ['apply', '-f', '-'], { input: toManifest(objects) })).code).toBe(0)
  router = await startRouter({ cluster: kube })
  // p99 about 230 ms: well inside Flagger's request-duration limit of 500 ms (the emulator's default p99 is the limit itself)
  router.setBehavior({ image: NEW }, { errorRatio: options.canaryErrorRatio ?? 0, latency: [[0.05, 0.5], [0.1, 0.9], [0.25, 0.995], [0.5, 1], [Infinity, 1]] })
  for (const { via, ...stream } of options.streams) router.addStream({ ...stream, via: via === 'nginx' ? { namespace: NS, ingress: 'podinfo' } : { namespace: NS, httproute: 'podinfo' } })
  prometheus = await startPrometheus({ series: [], scrape: { job: 'ingress-nginx', targets: [router.target], intervalSeconds: 0.5 } })
  const hooks: Hook[] = []
  loadTester = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const hook = JSON.parse(body) as Hook
      hooks.push(hook)
      res.writeHead(options.hookStatus?.(hook) ?? 200)
      res.end(options.hookStatus && options.hookStatus(hook) >= 300 ? 'command failed: exit status 1' : 'ok')
    })
  })
  await new Promise<void>((resolve) => loadTester!.listen(0, '127.0.0.1', resolve))
  const testerUrl = `http://127.0.0.1:${(loadTester.address() as { port: number }).port}/`
  // The Canary as Flagger's tutorial writes it; only the load tester's address is this test's.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-flagger-'))
  const plan = path.join(dir, 'canary.yaml')
  await writeFile(plan, (await readFile(options.canary, 'utf8')).replaceAll('http://flagger-loadtester.test/', testerUrl))
  const k = kube
  const p = prometheus
  return {
    hooks,
    run: (inputs: Record<string, string> = {}, extra: Partial<RunActionOptions> = {}): Promise<ActionRun> =>
      runAction({
        inputs: { command: 'run', 'target-kind': 'deployment', namespace: NS, image: `podinfo=${NEW}`, plan, 'prometheus-url': p.url, 'poll-interval': '10s', comment: 'false', ...inputs },
        env: { ...k.env, CANARY_GATE_TIME_SCALE: String(SCALE), CANARY_GATE_TIME_ORIGIN: String(origin), PATH: process.env.PATH ?? '' },
        ...extra
      })
  }
}

export const get = (resource: string, name: string): any => kube!.getObject(resource, NS, name) // eslint-disable-line @typescript-eslint/no-explicit-any
export const annotations = (): Record<string, string> => get('ingresses', 'podinfo-canary')?.metadata.annotations ?? {}
export const canaryWeight = (): string | undefined => annotations()['nginx.ingress.kubernetes.io/canary-weight']
export const routeWeights = (): number[] => get('httproutes', 'podinfo').spec.rules[0].backendRefs.map((r: { weight: number }) => r.weight)

export interface ReportShape {
  verdict: string
  outcome: string
  reasons: string[]
  steps: Array<{ kind: string; result: string; weight?: number; description: string }>
  abort?: { canaryWeightBefore: number; canaryWeightAfter?: number }
  rollout: { kind?: string; router?: { kind: string; object: string } }
}

