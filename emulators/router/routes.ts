// Where one request goes, read from the objects in the emulated cluster, as the two routers decide:
// - ingress-nginx (rootfs/etc/nginx/lua/balancer.lua, route_to_alternative_balancer): the main Ingress
//   and the canary Ingress (annotation nginx.ingress.kubernetes.io/canary: "true", same host) in the same
//   namespace. A canary backend without ready endpoints gets nothing (nginx has no balancer for it).
//   Otherwise canary-by-header first — with canary-by-header-value: equal → canary; with
//   canary-by-header-pattern: regex found → canary; without either: "always" → canary, "never" → main —
//   then canary-by-cookie ("always" / "never"), then canary-weight out of canary-weight-total (100).
// - Gateway API HTTPRoute: the rule whose match holds (PathPrefix / Exact path, Exact or
//   RegularExpression headers) with the most header matches, ties to the first; a backendRef is picked by
//   weight (default 1). All weights 0 → 500; a backend without ready endpoints → 503 (Envoy's "no
//   healthy upstream").

import type { KObject } from '../kube/store.js'

/** What the router reads from the cluster: the kube emulator satisfies it. */
export interface ClusterView {
  listObjects(resource: string, namespace?: string): KObject[]
  getObject(resource: string, namespace: string, name: string): KObject | undefined
}

export interface RequestShape {
  path?: string
  method?: string
  /** Header names in any case. */
  headers?: Record<string, string>
  cookies?: Record<string, string>
}

export type Via = { namespace: string; ingress: string } | { namespace: string; httproute: string }

export interface Backend {
  service: string
  port: number
  /** Ready pods behind the service. */
  pods: KObject[]
  /** nginx: the canary upstream name (NAMESPACE-SERVICE-PORT) when the canary Ingress took it, else ''. */
  canaryUpstream: string
}

export type Decision = { backend: Backend } | { status: 404 | 500 | 503; service: string }

/** A router frozen on the cluster's objects at one moment: decides request after request. */
export interface Topology {
  via: Via
  host: string
  decide(request: RequestShape, random: () => number): Decision
}

const NGINX = 'nginx.ingress.kubernetes.io/'

function isReady(pod: KObject): boolean {
  return pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True')
}

/** The ready pods a Service selects. */
export function readyEndpoints(cluster: ClusterView, namespace: string, service: string): KObject[] {
  const selector: Record<string, string> | undefined = cluster.getObject('services', namespace, service)?.spec?.selector
  if (!selector || Object.keys(selector).length === 0) return []
  return cluster.listObjects('pods', namespace).filter((p) => isReady(p) && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v))
}

function backendOf(cluster: ClusterView, namespace: string, service: string, port: number, canaryUpstream = ''): Backend {
  return { service, port, pods: readyEndpoints(cluster, namespace, service), canaryUpstream }
}

function header(request: RequestShape, name: string): string | undefined {
  const wanted = name.toLowerCase()
  return Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1]
}

function ingressBackend(ingress: KObject): { host: string; service: string; port: number } {
  const rule = ingress.spec?.rules?.[0] ?? {}
  const backend = rule.http?.paths?.[0]?.backend?.service ?? ingress.spec?.defaultBackend?.service
  if (!backend?.name) throw new Error(`ingress ${ingress.metadata.name} has no backend service`)
  return { host: rule.host ?? '', service: backend.name, port: Number(backend.port?.number ?? 80) }
}

/** Should the canary Ingress take this request (balancer.lua's route_to_alternative_balancer)? */
export function nginxTakesCanary(annotations: Record<string, string>, request: RequestShape, random: () => number): boolean {
  const byHeader = annotations[`${NGINX}canary-by-header`]
  if (byHeader) {
    const value = header(request, byHeader)
    if (value !== undefined) {
      const exact = annotations[`${NGINX}canary-by-header-value`]
      const pattern = annotations[`${NGINX}canary-by-header-pattern`]
      if (exact) {
        if (value === exact) return true
      } else if (pattern) {
        if (new RegExp(pattern).test(value)) return true
      } else if (value === 'always') return true
      else if (value === 'never') return false
    }
  }
  const byCookie = annotations[`${NGINX}canary-by-cookie`]
  const cookie = byCookie ? request.cookies?.[byCookie] : undefined
  if (cookie === 'always') return true
  if (cookie === 'never') return false
  const weight = Number(annotations[`${NGINX}canary-weight`] ?? 0)
  const total = Number(annotations[`${NGINX}canary-weight-total`] ?? 100)
  // math.random(total) <= weight, with math.random(total) uniform on 1..total.
  return weight > 0 && Math.floor(random() * total) + 1 <= weight
}

function nginxTopology(cluster: ClusterView, namespace: string, name: string): Topology {
  const main = cluster.getObject('ingresses', namespace, name)
  if (!main) throw new Error(`ingress ${namespace}/${name} not found`)
  const primary = ingressBackend(main)
  const canaryIngress = cluster
    .listObjects('ingresses', namespace)
    .find((i) => i.metadata.name !== name && i.metadata.annotations?.[`${NGINX}canary`] === 'true' && ingressBackend(i).host === primary.host)
  const primaryBackend = backendOf(cluster, namespace, primary.service, primary.port)
  const canary = canaryIngress ? ingressBackend(canaryIngress) : undefined
  const canaryBackend = canary ? backendOf(cluster, namespace, canary.service, canary.port, `${namespace}-${canary.service}-${canary.port}`) : undefined
  return {
    via: { namespace, ingress: name },
    host: primary.host,
    decide(request, random) {
      if (canaryIngress && canaryBackend && canaryBackend.pods.length > 0 && nginxTakesCanary(canaryIngress.metadata.annotations ?? {}, request, random)) {
        return { backend: canaryBackend }
      }
      return primaryBackend.pods.length > 0 ? { backend: primaryBackend } : { status: 503, service: primary.service }
    }
  }
}

function matchHolds(match: KObject, request: RequestShape): boolean {
  const path = request.path ?? '/'
  const wanted = match.path ?? { type: 'PathPrefix', value: '/' }
  if (wanted.type === 'Exact' && path !== wanted.value) return false
  if (wanted.type === 'PathPrefix' && !(wanted.value === '/' || path === wanted.value || path.startsWith(`${String(wanted.value).replace(/\/$/, '')}/`))) return false
  if (wanted.type === 'RegularExpression' && !new RegExp(`^${wanted.value}$`).test(path)) return false
  if (match.method && match.method !== (request.method ?? 'GET')) return false
  return ((match.headers ?? []) as KObject[]).every((h) => {
    const value = header(request, h.name)
    if (value === undefined) return false
    return h.type === 'RegularExpression' ? new RegExp(h.value).test(value) : value === h.value
  })
}

function gatewayTopology(cluster: ClusterView, namespace: string, name: string): Topology {
  const route = cluster.getObject('httproutes', namespace, name)
  if (!route) throw new Error(`httproute ${namespace}/${name} not found`)
  const rules = ((route.spec?.rules ?? []) as KObject[]).map((rule) => ({
    matches: (rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]) as KObject[],
    backends: ((rule.backendRefs ?? []) as KObject[]).map((ref) => ({
      weight: Number(ref.weight ?? 1),
      backend: backendOf(cluster, ref.namespace ?? namespace, ref.name, Number(ref.port ?? 80))
    }))
  }))
  return {
    via: { namespace, httproute: name },
    host: route.spec?.hostnames?.[0] ?? '',
    decide(request, random) {
      let best: { rule: (typeof rules)[number]; headers: number } | undefined
      for (const rule of rules) {
        for (const match of rule.matches) {
          const headers = (match.headers ?? []).length
          if (matchHolds(match, request) && (!best || headers > best.headers)) best = { rule, headers }
        }
      }
      if (!best) return { status: 404, service: '' } // Envoy: no route
      const total = best.rule.backends.reduce((sum, b) => sum + b.weight, 0)
      if (total <= 0) return { status: 500, service: best.rule.backends[0]?.backend.service ?? '' }
      let pick = random() * total
      const chosen = best.rule.backends.find((b) => (pick -= b.weight) < 0) ?? best.rule.backends[best.rule.backends.length - 1]
      return chosen.backend.pods.length > 0 ? { backend: chosen.backend } : { status: 503, service: chosen.backend.service }
    }
  }
}

/** Reads the router's configuration for `via` from the cluster now. */
export function topology(cluster: ClusterView, via: Via): Topology {
  return 'ingress' in via ? nginxTopology(cluster, via.namespace, via.ingress) : gatewayTopology(cluster, via.namespace, via.httproute)
}
