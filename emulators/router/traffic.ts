// Requests through the emulated router: each one is routed (routes.ts), served by a ready pod picked
// round-robin, and answered as that pod's version behaves (an error ratio and a latency distribution,
// chosen by the test per image, deployment or pod-template hash, so a bad image stays bad wherever it
// runs). Every request counts in
// - nginx_ingress_controller_requests{namespace, ingress, service, canary, status, …} and
//   nginx_ingress_controller_response_duration_seconds (when it came through an Ingress), and
// - http_request_duration_seconds{kubernetes_namespace, kubernetes_pod_name, status} (the app's own
//   histogram, which Flagger's Gateway API / HTTP observer reads) when a pod served it,
// - per-version totals by clock minute, for NerdGraph answers.

import { DEFAULT_LATENCY } from '../prometheus/server.js'
import type { KObject } from '../kube/store.js'
import { Counter, Histogram } from './metrics.js'
import { topology, type ClusterView, type RequestShape, type Via } from './routes.js'

export interface Behavior {
  /** Share of requests answered 500, 0..1. */
  errorRatio: number
  /** Cumulative shares by upper bound in seconds, ending with [Infinity, 1] (default: p50 ≈ 50 ms, p99 = 0.5 s). */
  latency?: Array<[le: number, share: number]>
}

/** Which pods a behaviour is for; every given field must hold. */
export interface VersionMatch {
  image?: string
  deployment?: string
  podTemplateHash?: string
  namespace?: string
}

export interface VersionTotals {
  namespace: string
  deployment: string
  podTemplateHash: string
  image: string
  count: number
  errors: number
  /** Percent, as NRQL's percentage(count(*), WHERE error IS true). */
  errorRate: number
  /** Seconds. */
  averageDuration: number
  p99: number
}

interface Served {
  namespace: string
  deployment: string
  podTemplateHash: string
  image: string
}

/** mulberry32: a small seeded generator, so a test's traffic is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function sampleLatency(latency: Array<[number, number]>, random: () => number): number {
  const u = random()
  for (let i = 0; i < latency.length; i++) {
    const [le, share] = latency[i]
    if (u <= share) {
      const lower = i === 0 ? 0 : latency[i - 1][0]
      const upper = Number.isFinite(le) ? le : lower * 2
      return lower + (upper - lower) * random()
    }
  }
  return latency[latency.length - 2]?.[0] ?? 0
}

export class Traffic {
  readonly requests = new Counter('nginx_ingress_controller_requests', 'The total number of client requests')
  readonly nginxDuration = new Histogram('nginx_ingress_controller_response_duration_seconds', 'The time spent on receiving the response from the upstream server')
  readonly podDuration = new Histogram('http_request_duration_seconds', 'Duration of HTTP requests in seconds, by the serving pod')
  private readonly behaviors: Array<{ match: VersionMatch; behavior: Behavior }> = []
  private readonly minutes = new Map<string, { served: Served; count: number; errors: number; durations: number[] }>()
  private turn = 0

  constructor(
    private readonly cluster: ClusterView,
    private readonly now: () => number,
    readonly random: () => number
  ) {}

  /** The newest setting for the same match replaces the older one; the newest matching setting wins. */
  setBehavior(match: VersionMatch, behavior: Behavior): void {
    const same = this.behaviors.findIndex((b) => JSON.stringify(b.match) === JSON.stringify(match))
    if (same >= 0) this.behaviors.splice(same, 1)
    this.behaviors.unshift({ match, behavior })
  }

  private served(pod: KObject): Served {
    const namespace = pod.metadata.namespace
    const rsName = (pod.metadata.ownerReferences ?? []).find((o: KObject) => o.kind === 'ReplicaSet')?.name
    const rs = rsName ? this.cluster.getObject('replicasets', namespace, rsName) : undefined
    const deployment = (rs?.metadata.ownerReferences ?? []).find((o: KObject) => o.kind === 'Deployment')?.name ?? rsName ?? pod.metadata.name
    return { namespace, deployment, podTemplateHash: pod.metadata.labels?.['pod-template-hash'] ?? '', image: pod.spec?.containers?.[0]?.image ?? '' }
  }

  private behaviorOf(served: Served): Behavior {
    const found = this.behaviors.find(({ match }) => Object.entries(match).every(([k, v]) => served[k as keyof Served] === v))
    return found?.behavior ?? { errorRatio: 0 }
  }

  /** Sends `count` requests shaped like `request` through `via`, against the cluster as it is now. */
  send(via: Via, count: number, request: RequestShape = {}): void {
    if (count <= 0) return
    const routes = topology(this.cluster, via)
    const minute = Math.floor(this.now() / 60_000)
    const method = request.method ?? 'GET'
    const path = request.path ?? '/'
    for (let i = 0; i < count; i++) {
      const decision = routes.decide(request, this.random)
      let status: string
      let seconds: number
      let service: string
      let canary = ''
      if ('backend' in decision) {
        const { backend } = decision
        const pod = backend.pods[this.turn++ % backend.pods.length]
        const served = this.served(pod)
        const behavior = this.behaviorOf(served)
        seconds = sampleLatency(behavior.latency ?? DEFAULT_LATENCY, this.random)
        status = this.random() < behavior.errorRatio ? '500' : '200'
        service = backend.service
        canary = backend.canaryUpstream
        this.podDuration.observe({ kubernetes_namespace: served.namespace, kubernetes_pod_name: pod.metadata.name, method, path, status }, seconds)
        this.record(minute, served, status, seconds)
      } else {
        status = String(decision.status)
        seconds = 0.001
        service = decision.service
      }
      if ('ingress' in via) {
        const labels = {
          canary,
          controller_class: 'k8s.io/ingress-nginx',
          controller_namespace: 'ingress-nginx',
          controller_pod: 'ingress-nginx-controller-emulated',
          host: routes.host,
          ingress: via.ingress,
          method,
          namespace: via.namespace,
          path,
          service,
          status
        }
        this.requests.inc(labels)
        this.nginxDuration.observe(labels, seconds)
      }
    }
  }

  private record(minute: number, served: Served, status: string, seconds: number): void {
    const key = JSON.stringify([minute, served.namespace, served.deployment, served.podTemplateHash, served.image])
    const entry = this.minutes.get(key) ?? { served, count: 0, errors: 0, durations: [] }
    entry.count++
    if (status.startsWith('5')) entry.errors++
    entry.durations.push(seconds)
    this.minutes.set(key, entry)
  }

  /** Totals per version (namespace, deployment, hash, image) over the clock minutes from `sinceMs` (default: all). */
  versions(sinceMs = 0, untilMs = Infinity): VersionTotals[] {
    const byVersion = new Map<string, { served: Served; count: number; errors: number; durations: number[] }>()
    for (const [key, entry] of this.minutes) {
      const minute = (JSON.parse(key) as [number])[0] * 60_000
      if (minute + 60_000 <= sinceMs || minute >= untilMs) continue
      const versionKey = JSON.stringify(entry.served)
      const total = byVersion.get(versionKey) ?? { served: entry.served, count: 0, errors: 0, durations: [] }
      total.count += entry.count
      total.errors += entry.errors
      total.durations.push(...entry.durations)
      byVersion.set(versionKey, total)
    }
    return [...byVersion.values()].map(({ served, count, errors, durations }) => {
      const sorted = durations.sort((a, b) => a - b)
      return {
        ...served,
        count,
        errors,
        errorRate: count === 0 ? 0 : (errors / count) * 100,
        averageDuration: count === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / count,
        p99: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0
      }
    })
  }
}
