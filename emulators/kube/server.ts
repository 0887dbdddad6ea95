// A Kubernetes API server on loopback, with an Argo Rollouts controller and a Job controller behind it,
// for driving the real kubectl (and the stand-in `kubectl argo rollouts` plugin in ./plugin) in tests and
// in the demo. Node built-ins only.
//
// What kubectl needs, found by running kubectl 1.32 against it (see __tests__/emulators/kube.test.ts):
// - /usr/bin/kubectl from the Google Cloud SDK is a dispatcher: it first GETs /version?timeout=5s
//   (User-Agent kubectl-dispatcher/v1.0, no credentials) and execs kubectl.1.MINOR for the server's minor
//   version (1.27 … 1.33 are installed; anything else runs 1.32). It caches that answer in
//   $KUBECACHEDIR/http (default ~/.kube/cache/http), keyed by URL, and does not ask again. This server
//   reports 1.32.
// - kubectl then reads /api and /apis asking for aggregated discovery (apidiscovery.k8s.io v2 / v2beta1)
//   and caches it in $KUBECACHEDIR/discovery/127.0.0.1_PORT; with plain JSON answers it reads
//   /api/v1 and /apis/GROUP/VERSION instead. get, patch, delete and logs need nothing else.
// - create and apply (default --validate=strict) first read /openapi/v3 and the group version's document
//   to learn whether the server validates fields; with both /openapi/v3 and /openapi/v2 missing they fail
//   ("failed to download openapi"). See openapi.ts.
// - kubectl's generators (`kubectl create job NAME --image=…`) send protobuf bodies: answered with 415.
// - client-go sends no bearer token over plain http, so the token in the kubeconfig is never checked.
// The emulator's `env` points KUBECACHEDIR at a private directory, so a stale cache from an earlier
// server on the same port cannot leak in; KUBECONFIG alone works too.

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { scaledClock, TIME_ORIGIN_ENV, TIME_SCALE_ENV, type Clock } from '../../src/clock.js'
import { closeServer, closingSignal, listen, readBody } from '../http.js'
import { ApiError, handleResource, notFound, parseResourceRequest, reasonForCode, sendError, type ApiContext, type ResourceRequest } from './api.js'
import { RolloutController, podTemplateHash, type ControllerEvent } from './controller.js'
import { DeploymentController, deploymentPodHash, type PodReadiness } from './deployments.js'
import { JobController, PodLogs, timestamp, type JobOutcome } from './jobs.js'
import { openApiGroupVersion, openApiRoot } from './openapi.js'
import { deepEqual } from './patch.js'
import { aggregatedDiscovery, apiGroupDocument, apiGroupList, apiResourceList, apiVersions, qualifiedName } from './resources.js'
import { Store, type KObject } from './store.js'

export { deploymentPodHash, podTemplateHash, type ControllerEvent, type JobOutcome, type PodReadiness }

/** Absolute path of the folder holding the stand-in `kubectl-argo-rollouts` plugin: put it first on PATH. */
export const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'plugin')

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:01:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64'
}

export interface KubeEmulatorOptions {
  /** Time runs this many times faster (shared with the action under test through CANARY_GATE_TIME_SCALE / CANARY_GATE_TIME_ORIGIN); default 1. */
  timeScale?: number
  /** Epoch ms origin of the scaled clock; default Date.now() at start. */
  origin?: number
  /** How often the controller reconciles, in REAL ms (default 50). */
  reconcileMs?: number
  /** Serve aggregated discovery when kubectl asks for it (default true); false forces the per-group documents. */
  aggregatedDiscovery?: boolean
  /** Delete finished Jobs after spec.ttlSecondsAfterFinished of clock time, as Kubernetes does (default true). */
  jobTtl?: boolean
  /** Clock seconds a Deployment's new pod takes to become ready (default 5); see setPodReadiness. */
  readinessSeconds?: number
}

export interface RecordedRequest {
  method: string
  path: string
  query: string
  contentType?: string
  /** Parsed JSON when the body is JSON, else the text; undefined when empty. */
  body?: unknown
  /** Epoch ms, real. */
  time: number
  userAgent?: string
}

interface FaultMatch {
  verb?: 'get' | 'list' | 'watch' | 'patch' | 'update' | 'create' | 'delete'
  /** 'rollouts' matches every subresource too; 'rollouts/status' or 'pods/log' only that subresource. */
  resource?: string
  name?: string
  namespace?: string
  /** Only requests whose Content-Type contains this (e.g. 'json-patch' for kubectl patch --type=json). */
  contentType?: string
  /** Only requests whose body matches (e.g. /"abort":true/ for the abort patch). */
  body?: RegExp
  /** How many matching requests the fault hits before it clears itself; default: every one. */
  times?: number
}

/**
 * A failure injected into resource requests (never into /version or discovery, so kubectl gets as far as
 * the request under test): a Status error, a request that is accepted and never answered, or a reset.
 */
export type KubeFault = FaultMatch &
  (
    | { kind: 'status'; code: number; reason?: string; message?: string; /** Sends Retry-After; client-go then retries. */ retryAfterSeconds?: number }
    | { kind: 'hang' }
    | { kind: 'reset' }
    /** Answers (and applies the request) only after `ms` real milliseconds: a write still in flight. */
    | { kind: 'delay'; ms: number }
  )

export interface KubeEmulator {
  /** http://127.0.0.1:PORT */
  url: string
  /** Kubeconfig: cluster "emulator" (server: url), user with a token, context "emulator" (current), and context "other" pointing at a closed port. */
  kubeconfig: string
  /** KUBECONFIG and a private KUBECACHEDIR, to merge into a child process's environment. */
  env: { KUBECONFIG: string; KUBECACHEDIR: string }
  /** CANARY_GATE_TIME_SCALE and CANARY_GATE_TIME_ORIGIN: give them to the action so it shares this clock. */
  timeEnv: Record<string, string>
  /** The emulator's (scaled) clock. */
  clock: Clock
  requests: RecordedRequest[]
  events: ControllerEvent[]
  /** Creates or replaces a Rollout from a manifest object; a new one starts Healthy at its template (stable = current, step index = steps.length). Namespaces are created on demand. A replaced one keeps its status unless the manifest has one. */
  applyRollout(manifest: Record<string, unknown>): void
  getRollout(namespace: string, name: string): Record<string, unknown> | undefined
  /** Any stored object ('jobs', 'pods', 'secrets', 'rollouts', ...); namespace '' for cluster-scoped ones. */
  getObject(resource: string, namespace: string, name: string): Record<string, unknown> | undefined
  listObjects(resource: string, namespace?: string): Record<string, unknown>[]
  /** Decides how a Job's pod ends: called when a Job is created. Default: exit 0, log "ok". */
  setJobBehavior(fn: (job: Record<string, unknown>) => JobOutcome): void
  /** Canary pods of the given pod-template hash (or of every new revision when hash is '*') crash-loop: the controller degrades the rollout after spec.progressDeadlineSeconds (default 600) of progressing (not while paused), with message "ProgressDeadlineExceeded: ReplicaSet \"NAME-HASH\" has timed out progressing." */
  setCanaryCrashLoop(hash: string | '*', crashing: boolean): void
  /** Decides, for each new pod of a Deployment, its readiness time in clock seconds (null: never ready). Default: readinessSeconds. */
  setPodReadiness(fn: PodReadiness): void
  setFault(fault: KubeFault | null): void
  /** Adds a Secret (data base64-encoded for you). */
  addSecret(namespace: string, name: string, data: Record<string, string>): void
  /** Runs one reconcile of every controller now. */
  reconcile(): void
  close(): Promise<void>
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined
  if (/json|yaml/.test(contentType ?? '') || /^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text)
    } catch {
      // not JSON after all: keep the text
    }
  }
  return text
}

/** A port nothing listens on (for the kubeconfig's unreachable context). */
async function closedPort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe)
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

function kubeconfigText(url: string, otherUrl: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: emulator',
    '  cluster:',
    `    server: ${url}`,
    '- name: other',
    '  cluster:',
    `    server: ${otherUrl}`,
    'users:',
    '- name: emulator',
    '  user:',
    '    token: emulator-token',
    'contexts:',
    '- name: emulator',
    '  context:',
    '    cluster: emulator',
    '    user: emulator',
    '- name: other',
    '  context:',
    '    cluster: other',
    '    user: emulator',
    'current-context: emulator',
    ''
  ].join('\n')
}

function faultMatches(fault: KubeFault, request: ResourceRequest, contentType: string | undefined, body: string): boolean {
  const resource = request.info.resource
  const withSub = request.subresource ? `${resource}/${request.subresource}` : resource
  if (fault.verb !== undefined && fault.verb !== request.verb) return false
  if (fault.resource !== undefined && fault.resource !== resource && fault.resource !== withSub) return false
  if (fault.name !== undefined && fault.name !== request.name) return false
  if (fault.namespace !== undefined && fault.namespace !== request.namespace) return false
  if (fault.contentType !== undefined && !(contentType ?? '').includes(fault.contentType)) return false
  if (fault.body !== undefined && !fault.body.test(body)) return false
  return true
}

/** The message a real API server would give for `code` on this request. */
function faultMessage(code: number, request: ResourceRequest): string {
  const { info, name, namespace, verb, subresource } = request
  const what = `${info.resource}${subresource ? `/${subresource}` : ''}`
  switch (code) {
    case 401:
      return 'Unauthorized'
    case 403:
      return `${name ? `${qualifiedName(info)} "${name}"` : qualifiedName(info)} is forbidden: User "system:serviceaccount:ci:canary-gate" cannot ${verb} resource "${what}" in API group "${info.group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`
    case 404:
      return notFound(info, name ?? '').message
    case 409:
      return `Operation cannot be fulfilled on ${qualifiedName(info)} "${name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`
    case 429:
      return 'Too many requests, please try again later.'
    case 500:
      return 'Internal error occurred: injected by the emulator'
    case 503:
      return 'the server is currently unable to handle the request'
    case 504:
      return 'Timeout: request did not complete within requested timeout - context deadline exceeded'
    default:
      return `the server responded with the status code ${code} but did not return more information`
  }
}

export async function startKubeEmulator(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const timeScale = options.timeScale ?? 1
  const origin = options.origin ?? Date.now()
  const clock = scaledClock(timeScale, origin)
  const reconcileMs = options.reconcileMs ?? 50
  const aggregated = options.aggregatedDiscovery ?? true
  const closing = closingSignal()
  const store = new Store()
  const logs = new PodLogs()
  const jobs = new JobController(store, clock, logs, options.jobTtl ?? true)
  const rollouts = new RolloutController(store, clock)
  const readinessSeconds = options.readinessSeconds ?? 5
  const deployments = new DeploymentController(store, clock, () => readinessSeconds)
  const requests: RecordedRequest[] = []
  let fault: KubeFault | null = null
  let closed = false

  const reconcile = (): void => {
    if (closed) return
    jobs.reconcile()
    rollouts.reconcileAll()
    deployments.reconcile()
  }
  // A controller reacts to a write right after the response has gone out, as a watch-driven one would.
  let reconcileQueued = false
  const reconcileSoon = (): void => {
    if (reconcileQueued) return
    reconcileQueued = true
    setImmediate(() => {
      reconcileQueued = false
      reconcile()
    })
  }

  const ensureNamespace = (name: string): void => {
    if (store.get('namespaces', '', name)) return
    store.save('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: randomUUID(), creationTimestamp: timestamp(clock.now()), labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' }
    })
  }
  for (const name of ['default', 'kube-system', 'kube-public']) ensureNamespace(name)

  const context: ApiContext = {
    store,
    clock,
    logs,
    closing: closing.signal,
    afterWrite(resource, before, after, propagationPolicy) {
      if (resource === 'rollouts') rollouts.clientWrote(before, after)
      if (resource === 'jobs' && !before && after) jobs.jobCreated(after)
      if (resource === 'jobs' && before && !after) jobs.jobDeleted(before, propagationPolicy)
      reconcileSoon()
    }
  }

  let url = ''
  const send = (res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  /** The answer for /version, health, discovery and OpenAPI paths; undefined for any other path. */
  const nonResource = (req: IncomingMessage, path: string): { body: unknown; contentType?: string } | undefined => {
    const accept = req.headers.accept ?? ''
    const discoveryVersion = /g=apidiscovery\.k8s\.io;\s*v=v2(;|,|$)/.test(accept) ? 'v2' : /g=apidiscovery\.k8s\.io;\s*v=v2beta1/.test(accept) ? 'v2beta1' : undefined
    const segments = path.split('/').filter(Boolean)
    const found = (body: unknown) => (body === undefined ? undefined : { body })
    if (path === '/version') return { body: SERVER_VERSION }
    if (['/healthz', '/livez', '/readyz'].includes(path)) return { body: 'ok', contentType: 'text/plain' }
    if (path === '/openapi/v3') return { body: openApiRoot() }
    if (path.startsWith('/openapi/v3/')) return found(openApiGroupVersion(path.slice('/openapi/v3/'.length)))
    if ((path === '/api' || path === '/apis') && aggregated && discoveryVersion) {
      return { body: aggregatedDiscovery(path === '/api', discoveryVersion), contentType: `application/json;g=apidiscovery.k8s.io;v=${discoveryVersion};as=APIGroupDiscoveryList` }
    }
    if (path === '/api') return { body: apiVersions(url.replace('http://', '')) }
    if (path === '/apis') return { body: apiGroupList() }
    if (segments[0] === 'api' && segments.length === 2) return found(apiResourceList('', segments[1]))
    if (segments[0] === 'apis' && segments.length === 2) return found(apiGroupDocument(segments[1]))
    if (segments[0] === 'apis' && segments.length === 3) return found(apiResourceList(segments[1], segments[2]))
    return undefined
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const parsed = new URL(req.url ?? '/', 'http://emulator')
      const path = parsed.pathname.replace(/\/+$/, '') || '/'
      requests.push({
        method: req.method ?? 'GET',
        path,
        query: parsed.search.replace(/^\?/, ''),
        contentType: req.headers['content-type'],
        body: parseBody(body, req.headers['content-type']),
        time: Date.now(),
        userAgent: req.headers['user-agent']
      })
      const document = req.method === 'GET' ? nonResource(req, path) : undefined
      if (document) return send(res, 200, document.body, document.contentType)

      const request = parseResourceRequest(req.method ?? 'GET', path, parsed.searchParams)
      if (!request) return sendError(res, new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}))

      if (fault && faultMatches(fault, request, req.headers['content-type'], body)) {
        const active = fault
        if (active.times !== undefined && --active.times <= 0) fault = null
        if (active.kind === 'hang') return // accepted, never answered: close() destroys the socket
        if (active.kind === 'reset') return req.socket.destroy()
        if (active.kind === 'delay') {
          await new Promise((resolve) => setTimeout(resolve, active.ms))
          if (closed) return
          return handleResource(context, request, req, res, body, parsed.searchParams)
        }
        const retry = active.retryAfterSeconds !== undefined ? { 'retry-after': String(active.retryAfterSeconds) } : undefined
        const error = new ApiError(active.code, active.reason ?? reasonForCode(active.code), active.message ?? faultMessage(active.code, request))
        return sendError(res, error, retry)
      }
      await handleResource(context, request, req, res, body, parsed.searchParams)
    })().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${String(error)}`))
    })
  })

  const port = await listen(server)
  url = `http://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'kube-emulator-'))
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(kubeconfig, kubeconfigText(url, `http://127.0.0.1:${await closedPort()}`))
  const env = { KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') }

  const timer = setInterval(reconcile, reconcileMs)
  timer.unref()

  return {
    url,
    kubeconfig,
    env,
    timeEnv: { [TIME_SCALE_ENV]: String(timeScale), [TIME_ORIGIN_ENV]: String(origin) },
    clock,
    requests,
    events: rollouts.events,
    applyRollout(manifest) {
      const metadata = (manifest.metadata ?? {}) as KObject
      if (typeof metadata.name !== 'string') throw new Error('applyRollout: the manifest has no metadata.name')
      const namespace: string = metadata.namespace ?? 'default'
      ensureNamespace(namespace)
      const existing = store.get('rollouts', namespace, metadata.name)
      const object: KObject = { ...structuredClone(manifest), apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' }
      object.metadata = { ...object.metadata, namespace }
      if (!existing) {
        Object.assign(object.metadata, { uid: randomUUID(), creationTimestamp: timestamp(clock.now()), generation: 1 })
        if (object.status === undefined) rollouts.initialStatus(object)
      } else {
        const { uid, creationTimestamp, generation } = existing.metadata
        const revision = existing.metadata.annotations?.['rollout.argoproj.io/revision']
        object.metadata = { ...object.metadata, uid, creationTimestamp, generation: deepEqual(existing.spec, object.spec) ? generation : generation + 1 }
        if (revision !== undefined) object.metadata.annotations = { 'rollout.argoproj.io/revision': revision, ...object.metadata.annotations }
        object.status ??= existing.status
      }
      store.save('rollouts', object)
      reconcileSoon()
    },
    getRollout: (namespace, name) => store.get('rollouts', namespace, name),
    getObject: (resource, namespace, name) => store.get(resource, namespace, name),
    listObjects: (resource, namespace) => store.list(resource, namespace),
    setJobBehavior(fn) {
      jobs.behavior = fn
    },
    setCanaryCrashLoop(hash, crashing) {
      rollouts.setCrashLoop(hash, crashing)
      reconcileSoon()
    },
    setPodReadiness(fn) {
      deployments.readiness = fn
    },
    setFault(next) {
      fault = next === null ? null : { ...next }
    },
    addSecret(namespace, name, data) {
      ensureNamespace(namespace)
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
      const existing = store.get('secrets', namespace, name)
      store.save('secrets', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: existing?.metadata ?? { name, namespace, uid: randomUUID(), creationTimestamp: timestamp(clock.now()) },
        type: 'Opaque',
        data: encoded
      })
    },
    reconcile,
    async close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      closing.abort()
      logs.releaseAll()
      await closeServer(server)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
