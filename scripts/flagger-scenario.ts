// A Flagger `Canary` used as it is, on the emulated cluster: the Kubernetes API emulator (real kubectl)
// holding the cluster as Flagger lays it out (podinfo-primary, the Services, the Ingress and the
// HTTPRoute; the gate creates podinfo-canary), the router emulator splitting streams of requests by
// the nginx canary Ingress or the HTTPRoute, a real Prometheus (Debian's `prometheus`) scraping the
// router so Flagger's builtin queries read the traffic each version really served, and a load tester
// on loopback that records the Canary's webhook payloads. Behind the Flagger tests and `npm run demo`.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { kubectl } from '../emulators/kube/kubectl.js'
import { startKubeEmulator, type KubeEmulator } from '../emulators/kube/server.js'
import { startPrometheus, type PrometheusServer } from '../emulators/prometheus/server.js'
import { canaryObjects, toManifest } from '../emulators/router/fixtures.js'
import { startRouter, type RouterEmulator, type StreamOptions } from '../emulators/router/server.js'
import { runAction, type ActionRun, type RunActionOptions } from '../emulators/runner.js'

export const FLAGGER_NS = 'test'
export const PODINFO_OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0'
export const PODINFO_NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1'

/** A webhook call as Flagger's load tester receives it. */
export interface Hook {
  name: string
  phase: string
  checksum: string
  metadata?: Record<string, string>
}

export interface FlaggerScenarioOptions {
  /** The Canary file (examples/flagger/…); its load tester address is replaced by the recording one. */
  canary: string
  streams: Array<Omit<StreamOptions, 'via'> & { via: 'nginx' | 'gateway-api' }>
  /** The new version's share of 500s (default 0). */
  canaryErrorRatio?: number
  /** The load tester's answer to a hook (default 200). */
  hookStatus?: (hook: Hook) => number
  /** How many times faster than real time (default 30: Flagger's 1m interval takes two seconds, time enough for Prometheus to scrape the canary's first requests). */
  speed?: number
}

export interface FlaggerScenario {
  kube: KubeEmulator
  router: RouterEmulator
  prometheus: PrometheusServer
  hooks: Hook[]
  /** The bundle's `run` of the Canary to the new image, with these inputs over the defaults. */
  run(inputs?: Record<string, string>, extra?: Partial<RunActionOptions>): Promise<ActionRun>
  close(): Promise<void>
}

export async function startFlaggerScenario(options: FlaggerScenarioOptions): Promise<FlaggerScenario> {
  const speed = options.speed ?? 30
  const origin = Date.now()
  const kube = await startKubeEmulator({ timeScale: speed, origin, readinessSeconds: 10 })
  const closers: Array<() => Promise<unknown>> = [() => kube.close()]
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch(() => {})
  }
  try {
    const objects = canaryObjects({ primaryImage: PODINFO_OLD }).filter((o) => !(o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'podinfo-canary'))
    const applied = await kubectl(kube.env, ['apply', '-f', '-'], { input: toManifest(objects) })
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`)
    const router = await startRouter({ cluster: kube })
    closers.push(() => router.close())
    // p99 about 230 ms: well inside Flagger's request-duration limit of 500 ms (the emulator's default p99 is the limit itself)
    router.setBehavior({ image: PODINFO_NEW }, { errorRatio: options.canaryErrorRatio ?? 0, latency: [[0.05, 0.5], [0.1, 0.9], [0.25, 0.995], [0.5, 1], [Infinity, 1]] })
    for (const { via, ...stream } of options.streams) {
      router.addStream({ ...stream, via: via === 'nginx' ? { namespace: FLAGGER_NS, ingress: 'podinfo' } : { namespace: FLAGGER_NS, httproute: 'podinfo' } })
    }
    const prometheus = await startPrometheus({ series: [], scrape: { job: 'ingress-nginx', targets: [router.target], intervalSeconds: 1 } })
    closers.push(() => prometheus.close())
    const hooks: Hook[] = []
    const loadTester: Server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        const hook = JSON.parse(body) as Hook
        hooks.push(hook)
        const status = options.hookStatus?.(hook) ?? 200
        res.writeHead(status)
        res.end(status >= 300 ? 'command failed: exit status 1' : 'ok')
      })
    })
    await new Promise<void>((resolve) => loadTester.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => loadTester.close(resolve)))
    const testerUrl = `http://127.0.0.1:${(loadTester.address() as { port: number }).port}/`
    // The Canary as Flagger's tutorial writes it; only the load tester's address is the scenario's.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-flagger-'))
    const plan = path.join(dir, 'canary.yaml')
    await writeFile(plan, (await readFile(options.canary, 'utf8')).replaceAll('http://flagger-loadtester.test/', testerUrl))
    return {
      kube,
      router,
      prometheus,
      hooks,
      close,
      run: (inputs = {}, extra = {}) =>
        runAction({
          inputs: { command: 'run', 'target-kind': 'deployment', namespace: FLAGGER_NS, image: `podinfo=${PODINFO_NEW}`, plan, 'prometheus-url': prometheus.url, 'poll-interval': '10s', comment: 'false', ...inputs },
          env: { ...kube.env, CANARY_GATE_TIME_SCALE: String(speed), CANARY_GATE_TIME_ORIGIN: String(origin), PATH: process.env.PATH ?? '' },
          ...extra
        })
    }
  } catch (error) {
    await close()
    throw error
  }
}
