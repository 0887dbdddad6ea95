// The Deployment and ReplicaSet controllers, emulated for plain-Deployment canaries (Flagger's way):
// a Deployment owns one ReplicaSet per pod template, named NAME-HASH and labelled pod-template-hash=HASH,
// and each ReplicaSet owns its pods. The choices, where the emulator had to pick:
// - HASH is the emulator's fnv-32a of the template (hash.ts), not Kubernetes' (which hashes the Go
//   struct with a collision count); it has the same alphabet and is stable for equal templates.
// - A rollout surges all the way: the new ReplicaSet gets spec.replicas at once, and old ReplicaSets
//   shrink as new pods become ready (never below what keeps spec.replicas ready). Recreate, maxSurge and
//   maxUnavailable are stored but not followed. spec.paused holds the ReplicaSets where they are.
// - A pod is Running at once and Ready after a readiness time of clock seconds (the emulator's
//   readinessSeconds, default 5, or what setPodReadiness decides per pod: null = never ready). Ready
//   pods count as available (minReadySeconds is not modelled).
// - Status follows the deployment controller: observedGeneration, replicas, updatedReplicas,
//   readyReplicas, availableReplicas, unavailableReplicas and the Available and Progressing conditions
//   (NewReplicaSetCreated, ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded after
//   spec.progressDeadlineSeconds without progress), so `kubectl rollout status` reads it as it reads a
//   real one. The revision annotation deployment.kubernetes.io/revision is kept on both.
// - Owned objects whose owner is gone are deleted (the garbage collector, background propagation).

import { randomUUID } from 'node:crypto'
import type { Clock } from '../../src/clock.js'
import { argoHash, randomSuffix } from './hash.js'
import { timestamp } from './jobs.js'
import { deepEqual } from './patch.js'
import type { KObject, Store } from './store.js'

export const REVISION = 'deployment.kubernetes.io/revision'
export const HASH_LABEL = 'pod-template-hash'
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600

/** Clock seconds until a new pod is ready, or null when it never is. */
export type PodReadiness = (pod: KObject) => number | null

/** The problems the API server reports for a Deployment it refuses ("field: reason"). */
export function validateDeployment(d: KObject): string[] {
  const problems: string[] = []
  const selector = d.spec?.selector
  const labels: Record<string, string> = d.spec?.template?.metadata?.labels ?? {}
  const containers = d.spec?.template?.spec?.containers
  if (!selector) problems.push('spec.selector: Required value')
  else if (Object.entries(selector.matchLabels ?? {}).some(([k, v]) => labels[k] !== v)) {
    problems.push('spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`')
  }
  if (!Array.isArray(containers) || containers.length === 0) problems.push('spec.template.spec.containers: Required value')
  return problems
}

/** The defaults the API server writes into a new Deployment. */
export function defaultDeployment(d: KObject): void {
  d.spec.replicas ??= 1
  d.spec.revisionHistoryLimit ??= 10
  d.spec.progressDeadlineSeconds ??= DEFAULT_PROGRESS_DEADLINE_SECONDS
  d.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }
  const pod = (d.spec.template.spec ??= {})
  pod.restartPolicy ??= 'Always'
  pod.dnsPolicy ??= 'ClusterFirst'
  pod.terminationGracePeriodSeconds ??= 30
}

let nextClusterIp = 1
/** The defaults a new Service gets: type ClusterIP, a cluster IP, TCP ports with targetPort = port. */
export function defaultService(svc: KObject, store: Store): void {
  const spec = (svc.spec ??= {})
  spec.type ??= 'ClusterIP'
  spec.sessionAffinity ??= 'None'
  if (spec.clusterIP === undefined) {
    do nextClusterIp++
    while (store.list('services').some((s) => s.spec?.clusterIP === `10.96.${nextClusterIp >> 8}.${nextClusterIp & 255}`))
    spec.clusterIP = `10.96.${nextClusterIp >> 8}.${nextClusterIp & 255}`
  }
  spec.clusterIPs ??= [spec.clusterIP]
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP'
    port.targetPort ??= port.port
  }
  svc.status ??= { loadBalancer: {} }
}

function ownerOf(object: KObject): KObject | undefined {
  return (object.metadata.ownerReferences ?? []).find((o: KObject) => o.controller)
}

function ownedBy(owner: KObject): (o: KObject) => boolean {
  return (o) => ownerOf(o)?.uid === owner.metadata.uid
}

function isReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True')
}

function revisionOf(o: KObject): number {
  return Number(o.metadata.annotations?.[REVISION] ?? 0)
}

/** The pod-template hash of a Deployment's template (what its ReplicaSet and pods are labelled with). */
export function deploymentPodHash(template: unknown): string {
  return argoHash(template ?? {})
}

export class DeploymentController {
  private readonly readyAt = new Map<string, number | null>()
  private podIp = 10

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    public readiness: PodReadiness
  ) {}

  reconcile(): void {
    this.collectGarbage()
    for (const d of this.store.list('deployments')) this.syncDeployment(d)
    for (const rs of this.store.list('replicasets')) this.syncReplicaSet(rs)
    for (const d of this.store.list('deployments')) this.syncStatus(d)
  }

  private saveIfChanged(resource: string, before: KObject | undefined, after: KObject): void {
    if (!before || !deepEqual(before, after)) this.store.save(resource, after)
  }

  private collectGarbage(): void {
    const alive = (resource: string) => new Set(this.store.list(resource).map((o) => o.metadata.uid))
    const deployments = alive('deployments')
    for (const rs of this.store.list('replicasets')) {
      const owner = ownerOf(rs)
      if (owner?.kind === 'Deployment' && !deployments.has(owner.uid)) this.store.remove('replicasets', rs.metadata.namespace, rs.metadata.name)
    }
    const replicaSets = alive('replicasets')
    for (const pod of this.store.list('pods')) {
      const owner = ownerOf(pod)
      if (owner?.kind === 'ReplicaSet' && !replicaSets.has(owner.uid)) {
        this.store.remove('pods', pod.metadata.namespace, pod.metadata.name)
        this.readyAt.delete(pod.metadata.uid)
      }
    }
  }

  private replicaSets(d: KObject): KObject[] {
    return this.store.list('replicasets', d.metadata.namespace).filter(ownedBy(d))
  }

  private pods(rs: KObject): KObject[] {
    return this.store.list('pods', rs.metadata.namespace).filter(ownedBy(rs))
  }

  private syncDeployment(d: KObject): void {
    const hash = deploymentPodHash(d.spec.template)
    const owned = this.replicaSets(d)
    const maxRevision = Math.max(0, ...owned.map(revisionOf))
    let current = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash)
    const replicas: number = d.spec.replicas ?? 1
    if (!current) {
      const name = `${d.metadata.name}-${hash}`
      const template = structuredClone(d.spec.template)
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } }
      current = this.store.save('replicasets', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: d.metadata.namespace,
          uid: randomUUID(),
          creationTimestamp: timestamp(this.clock.now()),
          generation: 1,
          labels: { ...d.spec.template.metadata?.labels, [HASH_LABEL]: hash },
          annotations: { [REVISION]: String(maxRevision + 1), 'deployment.kubernetes.io/desired-replicas': String(replicas) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]
        },
        spec: { replicas: 0, selector: { matchLabels: { ...d.spec.selector?.matchLabels, [HASH_LABEL]: hash } }, template },
        status: { replicas: 0, observedGeneration: 1 }
      })
      this.progressed(d, 'NewReplicaSetCreated', `Created new replica set "${name}"`)
    }
    if (d.spec.paused) return
    const next = structuredClone(current)
    if (revisionOf(next) < maxRevision) next.metadata.annotations = { ...next.metadata.annotations, [REVISION]: String(maxRevision + 1) } // a rollback
    next.metadata.annotations['deployment.kubernetes.io/desired-replicas'] = String(replicas)
    next.spec.replicas = replicas
    if (next.spec.replicas !== current.spec.replicas) next.metadata.generation = (next.metadata.generation ?? 1) + 1
    this.saveIfChanged('replicasets', current, next)
    // Old ReplicaSets keep what the new one cannot serve yet, newest first.
    let leftover = Math.max(0, replicas - this.pods(current).filter(isReady).length)
    for (const old of owned.filter((rs) => rs.metadata.uid !== current.metadata.uid).sort((a, b) => revisionOf(b) - revisionOf(a))) {
      const keep = Math.min(old.spec.replicas ?? 0, leftover)
      leftover -= keep
      if (keep !== old.spec.replicas) this.store.save('replicasets', { ...old, spec: { ...old.spec, replicas: keep }, metadata: { ...old.metadata, generation: (old.metadata.generation ?? 1) + 1 } })
    }
  }

  private syncReplicaSet(rs: KObject): void {
    let pods = this.pods(rs)
    const wanted: number = rs.spec.replicas ?? 1
    for (let i = pods.length; i < wanted; i++) pods.push(this.createPod(rs))
    if (pods.length > wanted) {
      // Unready pods go first, then the youngest.
      const doomed = [...pods].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (b.metadata.creationTimestamp > a.metadata.creationTimestamp ? 1 : -1)).slice(0, pods.length - wanted)
      for (const pod of doomed) {
        this.store.remove('pods', pod.metadata.namespace, pod.metadata.name)
        this.readyAt.delete(pod.metadata.uid)
      }
      pods = pods.filter((p) => !doomed.includes(p))
    }
    for (const pod of pods) this.maybeReady(pod)
    pods = this.pods(rs)
    const ready = pods.filter(isReady).length
    const status = { replicas: pods.length, fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation ?? 1 }
    this.saveIfChanged('replicasets', rs, { ...rs, status })
  }

  private createPod(rs: KObject): KObject {
    const now = this.clock.now()
    const template = rs.spec.template
    const name = `${rs.metadata.name}-${randomSuffix()}`
    this.podIp++
    const pod: KObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        uid: randomUUID(),
        creationTimestamp: timestamp(now),
        labels: { ...template.metadata?.labels },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]
      },
      spec: { ...structuredClone(template.spec), nodeName: 'emulator-node' },
      status: {
        phase: 'Running',
        podIP: `10.244.${this.podIp >> 8}.${this.podIp & 255}`,
        startTime: timestamp(now),
        conditions: [],
        containerStatuses: []
      }
    }
    this.setReadiness(pod, false)
    const seconds = this.readiness(pod)
    this.readyAt.set(pod.metadata.uid, seconds === null ? null : now + seconds * 1000)
    return this.store.save('pods', pod)
  }

  private setReadiness(pod: KObject, ready: boolean): void {
    const at = timestamp(this.clock.now())
    const state = String(ready ? 'True' : 'False')
    pod.status.conditions = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: type === 'Initialized' || type === 'PodScheduled' ? 'True' : state,
      lastProbeTime: null,
      lastTransitionTime: at
    }))
    pod.status.containerStatuses = ((pod.spec.containers ?? []) as KObject[]).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: pod.status.startTime } }
    }))
  }

  private maybeReady(pod: KObject): void {
    if (isReady(pod)) return
    const at = this.readyAt.get(pod.metadata.uid)
    if (at === null || at === undefined || this.clock.now() < at) return
    this.setReadiness(pod, true)
    this.store.save('pods', pod)
  }

  /** Progress: the Progressing condition is touched, so the deadline starts again. */
  private progressed(d: KObject, reason: string, message: string): void {
    const fresh = this.store.get('deployments', d.metadata.namespace, d.metadata.name)
    if (!fresh) return
    fresh.status ??= {}
    setCondition(fresh, this.clock.now(), 'Progressing', 'True', reason, message, true)
    this.store.save('deployments', fresh)
    d.status = fresh.status
    d.metadata = fresh.metadata
  }

  private syncStatus(d: KObject): void {
    const hash = deploymentPodHash(d.spec.template)
    const owned = this.replicaSets(d)
    const current = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash)
    const pods = owned.flatMap((rs) => this.pods(rs))
    const updated = current ? this.pods(current) : []
    const replicas: number = d.spec.replicas ?? 1
    const available = pods.filter(isReady).length
    const next = structuredClone(d)
    const before: KObject = d.status ?? {}
    const status: KObject = (next.status = { ...before })
    Object.assign(status, {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: updated.length,
      readyReplicas: available,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available)
    })
    for (const key of ['readyReplicas', 'availableReplicas', 'unavailableReplicas', 'replicas', 'updatedReplicas']) if (status[key] === 0) delete status[key]
    const now = this.clock.now()
    const maxUnavailable = Math.floor(replicas * 0.25)
    const minimum = available >= replicas - maxUnavailable
    setCondition(next, now, 'Available', minimum ? 'True' : 'False', minimum ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', `Deployment ${minimum ? 'has' : 'does not have'} minimum availability.`)
    const rsName = current?.metadata.name ?? `${d.metadata.name}-${hash}`
    const complete = updated.length === replicas && pods.length === replicas && updated.filter(isReady).length === replicas
    const progressing = (status.conditions ?? []).find((c: KObject) => c.type === 'Progressing')
    const madeProgress = (before.updatedReplicas ?? 0) !== (status.updatedReplicas ?? 0) || (before.availableReplicas ?? 0) !== (status.availableReplicas ?? 0) || (before.replicas ?? 0) !== (status.replicas ?? 0)
    const deadline: number = d.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS
    if (complete) setCondition(next, now, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
    else if (madeProgress || !progressing || progressing.reason === 'NewReplicaSetAvailable') setCondition(next, now, 'Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, true)
    else if (progressing.reason !== 'ProgressDeadlineExceeded' && now > Date.parse(progressing.lastUpdateTime) + deadline * 1000) {
      setCondition(next, now, 'Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`)
    }
    const revision = current ? revisionOf(current) : 0
    if (revision > 0 && d.metadata.annotations?.[REVISION] !== String(revision)) next.metadata.annotations = { ...d.metadata.annotations, [REVISION]: String(revision) }
    this.saveIfChanged('deployments', d, next)
  }
}

/** The deployment controller's SetDeploymentCondition: times move only when the condition changes (or on touch). */
function setCondition(o: KObject, nowMs: number, type: string, status: string, reason: string, message: string, touch = false): void {
  const now = timestamp(nowMs)
  const conditions: KObject[] = (o.status.conditions ??= [])
  const existing = conditions.find((c) => c.type === type)
  if (existing && existing.status === status && existing.reason === reason && existing.message === message && !touch) return
  const condition = { type, status, lastUpdateTime: now, lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : now, reason, message }
  if (existing) Object.assign(existing, condition)
  else conditions.push(condition)
}
