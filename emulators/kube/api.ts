// The resource half of the API server: get, list, watch, create, update, patch, delete and pods/log on
// the objects in the Store, with the semantics kubectl relies on:
// - errors are Status objects with the real reasons and messages;
// - resources with a status subresource ignore status in writes to the main resource, and writes to
//   /status change nothing but status;
// - metadata.generation counts changes outside metadata and status, resourceVersion counts every write,
//   and a write that changes nothing keeps the resourceVersion;
// - a resourceVersion in an update or a patch is a precondition (409 Conflict when stale).

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock } from '../../src/clock.js'
import { randomSuffix } from './hash.js'
import { defaultJob, timestamp, validateJob, type PodLogs } from './jobs.js'
import { deepEqual, jsonPatch, mergePatch, PatchError } from './patch.js'
import { defaultDeployment, defaultService, validateDeployment } from './deployments.js'
import { apiVersionOf, findResource, isCustom, qualifiedName, RESOURCES, type ResourceInfo } from './resources.js'
import { fieldSelector, formatLabelSelector, labelSelector } from './selectors.js'
import { strategicMerge } from './strategic.js'
import type { KObject, Store } from './store.js'
import { toTable, wantedTableVersion } from './table.js'

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout'
}

export function reasonForCode(code: number): string {
  return REASONS[code] ?? 'Unknown'
}

/** An error the API server answers with a Status object. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KObject
  ) {
    super(message)
  }

  toStatus(): KObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code
    }
  }
}

export function notFound(info: ResourceInfo, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(info)} "${name}" not found`, { name, group: info.group || undefined, kind: info.resource })
}

/** "Job.batch", "Rollout.argoproj.io", "Pod": how validation errors name a kind. */
function qualifiedKind(info: ResourceInfo): string {
  return info.group === '' ? info.kind : `${info.kind}.${info.group}`
}

function invalid(info: ResourceInfo, name: string, problems: string[]): ApiError {
  return new ApiError(422, 'Invalid', `${qualifiedKind(info)} "${name}" is invalid: ${problems.join(', ')}`, {
    name,
    group: info.group || undefined,
    kind: info.kind,
    causes: problems.map((p) => {
      const [field, ...rest] = p.split(': ')
      return { reason: 'FieldValueInvalid', message: rest.join(': '), field }
    })
  })
}

function conflict(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: info.group || undefined, kind: info.resource }
  )
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection'

export interface ResourceRequest {
  info: ResourceInfo
  /** Set for namespaced requests; undefined for cluster-scoped ones and lists across namespaces. */
  namespace?: string
  name?: string
  subresource?: string
  verb: Verb
}

/** Maps a URL onto a resource request, or undefined when it names no known resource. */
export function parseResourceRequest(method: string, path: string, query: URLSearchParams): ResourceRequest | undefined {
  const segments = path.split('/').filter(Boolean)
  let group: string
  let version: string
  let rest: string[]
  if (segments[0] === 'api' && segments.length >= 3) [group, version, rest] = ['', segments[1], segments.slice(2)]
  else if (segments[0] === 'apis' && segments.length >= 4) [group, version, rest] = [segments[1], segments[2], segments.slice(3)]
  else return undefined

  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, version, rest[2])?.namespaced) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [resource, name, subresource, ...extra] = rest
  const info = findResource(group, version, resource)
  if (!info || extra.length > 0) return undefined
  if (subresource !== undefined && !info.subresources.includes(subresource)) return undefined
  if (info.namespaced && namespace === undefined && name !== undefined) return undefined

  const verbs: Record<string, Verb> = { POST: 'create', PUT: 'update', PATCH: 'patch' }
  let verb: Verb | undefined = verbs[method]
  if (method === 'GET') verb = name === undefined ? (/^(1|true)$/.test(query.get('watch') ?? '') ? 'watch' : 'list') : 'get'
  if (method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete'
  if (!verb) return undefined
  return { info, namespace, name, subresource, verb }
}

export interface ApiContext {
  store: Store
  clock: Clock
  logs: PodLogs
  /** Aborts when the emulator closes: watches and log followers end. */
  closing: AbortSignal
  /** Called after every write by a client, so the controllers can react. */
  afterWrite(resource: string, before: KObject | undefined, after: KObject | undefined, propagationPolicy?: string): void
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(error.toStatus())
  res.writeHead(error.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `error decoding request body: ${(error as Error).message}`)
  }
}

function isObject(value: unknown): value is KObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Everything but metadata and status: what metadata.generation counts changes of. */
function specPart(object: KObject): KObject {
  const { metadata: _metadata, status: _status, ...rest } = object
  return rest
}

/** Handles one resource request; every error becomes a Status answer. */
export async function handleResource(
  ctx: ApiContext,
  request: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  query: URLSearchParams
): Promise<void> {
  try {
    // kubectl's generators (`kubectl create job NAME --image …`) send protobuf, which this emulator cannot
    // read; `kubectl create -f -`, apply, patch and delete send JSON.
    if (/protobuf/.test(req.headers['content-type'] ?? '')) {
      throw new ApiError(415, 'UnsupportedMediaType', 'the emulator reads JSON request bodies only (send a manifest with kubectl create -f)')
    }
    const table = wantedTableVersion(req.headers.accept)
    switch (request.verb) {
      case 'get':
        if (request.subresource === 'log') return await podLog(ctx, request, query, res)
        if (request.subresource === 'scale') return sendJson(res, 200, toScale(getExisting(ctx, request)))
        return sendJson(res, 200, maybeTable(ctx, request.info, [getExisting(ctx, request)], table, true))
      case 'list':
        return sendJson(res, 200, list(ctx, request, query, table))
      case 'watch':
        return watch(ctx, request, query, res, table)
      case 'create':
        return sendJson(res, 201, create(ctx, request, parseJson(body), query))
      case 'update':
        return sendJson(res, 200, update(ctx, request, parseJson(body), query))
      case 'patch':
        return sendJson(res, 200, patch(ctx, request, body, req.headers['content-type'] ?? '', query))
      case 'delete':
        return sendJson(res, 200, remove(ctx, request, body, query))
      case 'deletecollection':
        return sendJson(res, 200, removeCollection(ctx, request, query))
    }
  } catch (error) {
    if (error instanceof ApiError) return sendError(res, error)
    if (error instanceof PatchError) {
      // The API server reports a patch that does not apply as a generic 422 whose cause holds the detail.
      return sendError(
        res,
        error.code === 400
          ? new ApiError(400, 'BadRequest', error.message)
          : new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
              causes: [{ reason: 'UnexpectedServerResponse', message: error.message }]
            })
      )
    }
    sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`))
  }
}

function getExisting(ctx: ApiContext, r: ResourceRequest): KObject {
  const found = ctx.store.get(r.info.resource, r.namespace ?? '', r.name as string)
  if (!found) throw notFound(r.info, r.name as string)
  return found
}

function maybeTable(ctx: ApiContext, info: ResourceInfo, objects: KObject[], tableVersion: string | undefined, single: boolean): KObject {
  if (tableVersion) return toTable(info, objects, ctx.store.resourceVersion, ctx.clock.now(), tableVersion)
  return single ? objects[0] : { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: ctx.store.resourceVersion }, items: objects }
}

function selectorFilter(query: URLSearchParams): (o: KObject) => boolean {
  const labels = labelSelector(query.get('labelSelector'))
  const fields = fieldSelector(query.get('fieldSelector'))
  return (o) => labels(o) && fields(o)
}

function list(ctx: ApiContext, r: ResourceRequest, query: URLSearchParams, table: string | undefined): KObject {
  const items = ctx.store.list(r.info.resource, r.info.namespaced ? r.namespace : '').filter(selectorFilter(query))
  return maybeTable(ctx, r.info, items, table, false)
}

/**
 * A watch: newline-separated {type, object} events until the client leaves, timeoutSeconds, or close.
 * `kubectl get -w` asks for Tables: each event's object is then a one-row Table.
 */
function watch(ctx: ApiContext, r: ResourceRequest, query: URLSearchParams, res: ServerResponse, table: string | undefined): void {
  const filter = selectorFilter(query)
  const namespace = r.info.namespaced ? r.namespace : ''
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' })
  // The API server sends the headers at once: a client that stops before the first event (kubectl
  // rollout status on a Deployment already rolled out) would otherwise wait for them.
  res.flushHeaders()
  const send = (event: { type: string; object: KObject }): void => {
    const object = table ? toTable(r.info, [event.object], event.object.metadata.resourceVersion, ctx.clock.now(), table) : event.object
    res.write(`${JSON.stringify({ type: event.type, object })}\n`)
  }
  const from = query.get('resourceVersion')
  let since = Number(from)
  if (!from || from === '0' || !Number.isFinite(since)) {
    // No resourceVersion: the watch starts with synthetic ADDED events for what exists now.
    since = Number(ctx.store.resourceVersion)
    for (const object of ctx.store.list(r.info.resource, namespace).filter(filter)) send({ type: 'ADDED', object })
  }
  const stop = ctx.store.watch(r.info.resource, namespace, since, filter, send)
  const timeoutSeconds = Number(query.get('timeoutSeconds'))
  const end = (): void => {
    stop()
    clearTimeout(timer)
    ctx.closing.removeEventListener('abort', end)
    res.end()
  }
  const timer = setTimeout(end, Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : 30 * 60 * 1000)
  res.on('close', end)
  ctx.closing.addEventListener('abort', end, { once: true })
}

async function podLog(ctx: ApiContext, r: ResourceRequest, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const pod = getExisting(ctx, r)
  const name = pod.metadata.name
  const containers = ((pod.spec?.containers ?? []) as KObject[]).map((c) => String(c.name))
  const container = query.get('container') ?? (containers.length === 1 ? containers[0] : undefined)
  if (container === undefined) throw new ApiError(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`)
  if (!containers.includes(container)) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`)

  const namespace = r.namespace as string
  if (/^(1|true)$/.test(query.get('follow') ?? '') && !ctx.logs.get(namespace, name).done) {
    await Promise.race([ctx.logs.whenDone(namespace, name), new Promise((resolve) => ctx.closing.addEventListener('abort', resolve, { once: true }))])
  }
  let text = ctx.logs.get(namespace, name).text
  // A container's output reaches the log line by line: every line ends with a newline.
  if (text !== '' && !text.endsWith('\n')) text += '\n'
  const tail = Number(query.get('tailLines'))
  if (query.has('tailLines') && Number.isInteger(tail) && tail >= 0) {
    const lines = text.split('\n').slice(0, -1)
    text = lines.slice(Math.max(0, lines.length - tail)).map((l) => `${l}\n`).join('')
  }
  const limit = Number(query.get('limitBytes'))
  if (query.has('limitBytes') && limit > 0) text = Buffer.from(text).subarray(0, limit).toString('utf8')
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function isDryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All')
}

function create(ctx: ApiContext, r: ResourceRequest, body: unknown, query: URLSearchParams): KObject {
  const { info } = r
  if (!isObject(body)) throw new ApiError(400, 'BadRequest', 'the body of the request is not an object')
  if (r.name !== undefined || r.subresource !== undefined) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
  if (body.kind !== undefined && body.kind !== info.kind) {
    throw new ApiError(400, 'BadRequest', `${String(body.kind)} in version "${info.version}" cannot be handled as a ${info.kind}: the object kind does not match the resource`)
  }
  const object: KObject = structuredClone(body)
  const metadata: KObject = (object.metadata ??= {})
  if (info.namespaced) {
    const namespace = r.namespace as string
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')
    }
    if (!ctx.store.get('namespaces', '', namespace)) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' })
    metadata.namespace = namespace
  } else {
    delete metadata.namespace
  }
  if (!metadata.name) {
    if (!metadata.generateName) throw invalid(info, '', ['metadata.name: Required value: name or generateName is required'])
    do metadata.name = `${metadata.generateName}${randomSuffix()}`
    while (ctx.store.get(info.resource, metadata.namespace ?? '', metadata.name))
  }
  if (ctx.store.get(info.resource, metadata.namespace ?? '', metadata.name)) {
    throw new ApiError(409, 'AlreadyExists', `${qualifiedName(info)} "${metadata.name}" already exists`, { name: metadata.name, group: info.group || undefined, kind: info.resource })
  }
  object.apiVersion = apiVersionOf(info)
  object.kind = info.kind
  delete metadata.resourceVersion
  metadata.uid = randomUUID()
  metadata.creationTimestamp = timestamp(ctx.clock.now())
  if (info.group !== '') metadata.generation = 1
  // Status is the controllers' to write.
  if (info.subresources.includes('status')) delete object.status

  switch (info.resource) {
    case 'jobs': {
      const problems = validateJob(object)
      if (problems.length > 0) throw invalid(info, metadata.name, problems)
      defaultJob(object)
      break
    }
    case 'deployments': {
      const problems = validateDeployment(object)
      if (problems.length > 0) throw invalid(info, metadata.name, problems)
      defaultDeployment(object)
      break
    }
    case 'services':
      defaultService(object, ctx.store)
      break
    case 'secrets':
      object.type ??= 'Opaque'
      if (isObject(object.stringData)) {
        object.data = { ...object.data }
        for (const [k, v] of Object.entries(object.stringData)) object.data[k] = Buffer.from(String(v)).toString('base64')
        delete object.stringData
      }
      break
    case 'namespaces':
      metadata.labels = { ...metadata.labels, 'kubernetes.io/metadata.name': metadata.name }
      object.spec = { finalizers: ['kubernetes'] }
      object.status = { phase: 'Active' }
      break
  }
  if (isDryRun(query)) return object
  const saved = ctx.store.save(info.resource, object)
  ctx.afterWrite(info.resource, undefined, saved)
  return saved
}

/** Writes `proposed` over `current` the way the API server does; returns what is stored afterwards. */
function commit(ctx: ApiContext, r: ResourceRequest, current: KObject, proposed: unknown, query: URLSearchParams): KObject {
  const { info } = r
  if (!isObject(proposed)) throw new ApiError(400, 'BadRequest', 'the body of the request is not an object')
  if (r.subresource === 'scale') {
    // A write to /scale is a write of spec.replicas; the answer is the Scale afterwards.
    const wanted = proposed.metadata?.resourceVersion
    if (wanted !== undefined && wanted !== current.metadata.resourceVersion) throw conflict(info, current.metadata.name)
    const replicas = proposed.spec?.replicas
    if (!Number.isInteger(replicas) || replicas < 0) throw invalid(info, current.metadata.name, [`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`])
    const next = structuredClone(current)
    next.spec = { ...next.spec, replicas }
    return toScale(commit(ctx, { ...r, subresource: undefined }, current, next, query))
  }
  const wantedVersion = proposed.metadata?.resourceVersion
  if (wantedVersion !== undefined && wantedVersion !== current.metadata.resourceVersion) throw conflict(info, current.metadata.name)
  if (proposed.metadata?.name !== undefined && proposed.metadata.name !== current.metadata.name) {
    throw new ApiError(400, 'BadRequest', `the name of the object (${String(proposed.metadata.name)}) does not match the name on the URL (${current.metadata.name})`)
  }

  let next: KObject
  if (r.subresource === 'status') {
    next = structuredClone(current)
    if (proposed.status === undefined) delete next.status
    else next.status = structuredClone(proposed.status)
  } else {
    next = structuredClone(proposed)
    if (info.subresources.includes('status')) {
      if (current.status === undefined) delete next.status
      else next.status = structuredClone(current.status)
    }
    const owned = ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'resourceVersion'] as const
    next.metadata = isObject(next.metadata) ? next.metadata : {}
    for (const key of owned) {
      if (current.metadata[key] === undefined) delete next.metadata[key]
      else next.metadata[key] = current.metadata[key]
    }
  }
  next.apiVersion = current.apiVersion
  next.kind = current.kind
  if (current.metadata.generation !== undefined && !deepEqual(specPart(current), specPart(next))) next.metadata.generation = current.metadata.generation + 1

  if (deepEqual(current, next) || isDryRun(query)) return next
  const saved = ctx.store.save(info.resource, next)
  ctx.afterWrite(info.resource, current, saved)
  return saved
}

function update(ctx: ApiContext, r: ResourceRequest, body: unknown, query: URLSearchParams): KObject {
  return commit(ctx, r, getExisting(ctx, r), body, query)
}

/** The autoscaling/v1 Scale of a Deployment or a ReplicaSet, as GET …/scale answers. */
function toScale(o: KObject): KObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: formatLabelSelector(o.spec?.selector) }
  }
}

function patch(ctx: ApiContext, r: ResourceRequest, body: string, contentType: string, query: URLSearchParams): KObject {
  const type = contentType.split(';')[0].trim()
  const unsupported = (): ApiError =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${isCustom(r.info) ? '' : ', application/strategic-merge-patch+json'}`
    )
  const stored = ctx.store.get(r.info.resource, r.namespace ?? '', r.name as string)
  // A patch to /scale applies to the Scale; commit turns it back into spec.replicas.
  const current = stored && r.subresource === 'scale' ? toScale(stored) : stored
  const apply = (next: unknown): KObject => commit(ctx, r, stored as KObject, next, query)
  switch (type) {
    case 'application/merge-patch+json':
      if (!current) throw notFound(r.info, r.name as string)
      return apply(mergePatch(current, parseJson(body)))
    case 'application/json-patch+json':
      if (!current) throw notFound(r.info, r.name as string)
      return apply(jsonPatch(current, parseJson(body)))
    case 'application/strategic-merge-patch+json':
      // Custom resources have no strategic merge; built-in kinds merge lists by their merge keys.
      if (isCustom(r.info)) throw unsupported()
      if (!current) throw notFound(r.info, r.name as string)
      return apply(strategicMerge(current, parseJson(body)))
    case 'application/apply-patch+yaml': {
      // Server-side apply, approximated: kubectl sends JSON (valid YAML); it creates or merges.
      let applied: unknown
      try {
        applied = JSON.parse(body)
      } catch {
        throw unsupported()
      }
      if (!current) return create(ctx, { ...r, name: undefined }, applied, query)
      return apply(mergePatch(current, applied))
    }
    default:
      throw unsupported()
  }
}

function remove(ctx: ApiContext, r: ResourceRequest, body: string, query: URLSearchParams): KObject {
  const current = getExisting(ctx, r)
  const options = body.trim() === '' ? {} : parseJson(body)
  const opts: KObject = isObject(options) ? options : {}
  const preconditions: KObject = opts.preconditions ?? {}
  if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`)
  }
  if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`
    )
  }
  if (isDryRun(query) || opts.dryRun?.includes?.('All')) return current
  const removed = ctx.store.remove(r.info.resource, r.namespace ?? '', current.metadata.name) as KObject
  if (r.info.resource === 'namespaces') {
    // Everything in a deleted namespace goes with it.
    for (const info of RESOURCES.filter((candidate) => candidate.namespaced)) {
      for (const object of ctx.store.list(info.resource, current.metadata.name)) ctx.store.remove(info.resource, current.metadata.name, object.metadata.name)
    }
  }
  ctx.afterWrite(r.info.resource, current, undefined, opts.propagationPolicy ?? query.get('propagationPolicy') ?? undefined)
  return removed
}

function removeCollection(ctx: ApiContext, r: ResourceRequest, query: URLSearchParams): KObject {
  const filter = selectorFilter(query)
  for (const object of ctx.store.list(r.info.resource, r.info.namespaced ? r.namespace : '').filter(filter)) {
    if (isDryRun(query)) continue
    ctx.store.remove(r.info.resource, object.metadata.namespace ?? '', object.metadata.name)
    ctx.afterWrite(r.info.resource, object, undefined, query.get('propagationPolicy') ?? undefined)
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }
}
