// Server-side printing: `kubectl get` without -o asks for a meta.k8s.io Table and prints its cells.
// The columns are the ones the real server (or the CRD's additionalPrinterColumns) defines.

import type { ResourceInfo } from './resources.js'
import type { KObject } from './store.js'

interface Column {
  name: string
  type: string
  get: (object: KObject, now: number) => string | number
}

/** Kubernetes' duration.HumanDuration, the AGE column's format. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  const hours = Math.floor(minutes / 60)
  const days = Math.floor(hours / 24)
  if (seconds < 120) return `${seconds}s`
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`
  if (days < 365 * 2) return `${days}d`
  return `${Math.floor(days / 365)}y`
}

const age: Column = { name: 'Age', type: 'string', get: (o, now) => humanDuration(now - Date.parse(o.metadata.creationTimestamp)) }
const name: Column = { name: 'Name', type: 'string', get: (o) => o.metadata.name }

function podStatus(pod: KObject): string {
  const terminated = (pod.status?.containerStatuses ?? []).map((c: KObject) => c.state?.terminated).find(Boolean)
  return terminated?.reason ?? pod.status?.phase ?? 'Pending'
}

function jobStatus(job: KObject): string {
  const conditions = (job.status?.conditions ?? []) as KObject[]
  const has = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True')
  if (has('Complete')) return 'Complete'
  if (has('Failed')) return 'Failed'
  if (has('FailureTarget')) return 'FailureTarget'
  return 'Running'
}

const COLUMNS: Record<string, Column[]> = {
  rollouts: [
    name,
    { name: 'Desired', type: 'integer', get: (o) => o.spec?.replicas ?? 1 },
    { name: 'Current', type: 'integer', get: (o) => o.status?.replicas ?? 0 },
    { name: 'Up-to-date', type: 'integer', get: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', get: (o) => o.status?.availableReplicas ?? 0 },
    age
  ],
  jobs: [
    name,
    { name: 'Status', type: 'string', get: jobStatus },
    { name: 'Completions', type: 'string', get: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
    {
      name: 'Duration',
      type: 'string',
      get: (o, now) => (o.status?.startTime ? humanDuration((o.status.completionTime ? Date.parse(o.status.completionTime) : now) - Date.parse(o.status.startTime)) : '')
    },
    age
  ],
  pods: [
    name,
    {
      name: 'Ready',
      type: 'string',
      get: (o) => `${(o.status?.containerStatuses ?? []).filter((c: KObject) => c.ready).length}/${(o.spec?.containers ?? []).length}`
    },
    { name: 'Status', type: 'string', get: podStatus },
    { name: 'Restarts', type: 'string', get: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: KObject) => n + (c.restartCount ?? 0), 0)) },
    age
  ],
  secrets: [
    name,
    { name: 'Type', type: 'string', get: (o) => o.type ?? 'Opaque' },
    { name: 'Data', type: 'string', get: (o) => String(Object.keys(o.data ?? {}).length) },
    age
  ],
  deployments: [
    name,
    { name: 'Ready', type: 'string', get: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: 'Up-to-date', type: 'integer', get: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', get: (o) => o.status?.availableReplicas ?? 0 },
    age
  ],
  replicasets: [
    name,
    { name: 'Desired', type: 'integer', get: (o) => o.spec?.replicas ?? 1 },
    { name: 'Current', type: 'integer', get: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', get: (o) => o.status?.readyReplicas ?? 0 },
    age
  ],
  services: [
    name,
    { name: 'Type', type: 'string', get: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', get: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', get: () => '<none>' },
    { name: 'Port(s)', type: 'string', get: (o) => (o.spec?.ports ?? []).map((p: KObject) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    age
  ],
  ingresses: [
    name,
    { name: 'Class', type: 'string', get: (o) => o.spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', type: 'string', get: (o) => (o.spec?.rules ?? []).map((r: KObject) => r.host ?? '*').join(',') || '*' },
    { name: 'Address', type: 'string', get: () => '' },
    { name: 'Ports', type: 'string', get: () => '80' },
    age
  ],
  httproutes: [name, { name: 'Hostnames', type: 'string', get: (o) => JSON.stringify(o.spec?.hostnames ?? []) }, age],
  namespaces: [name, { name: 'Status', type: 'string', get: (o) => o.status?.phase ?? 'Active' }, age]
}

/** A Table of `objects`, in meta.k8s.io `version`. */
export function toTable(info: ResourceInfo, objects: KObject[], resourceVersion: string, now: number, version: string): KObject {
  const columns = COLUMNS[info.resource] ?? [name, age]
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c, i) => ({ name: c.name, type: c.type, format: i === 0 ? 'name' : '', description: c.name, priority: 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.get(o, now)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
    }))
  }
}

/** The Table version kubectl asked for in Accept, or undefined when it wants plain objects. */
export function wantedTableVersion(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    if (!/as=Table/.test(part)) continue
    return /v=v1(;|$)/.test(part) ? 'v1' : 'v1beta1'
  }
  return undefined
}
