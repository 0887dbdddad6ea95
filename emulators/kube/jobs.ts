// What the API server and the Job controller do with a batch/v1 Job: defaulting and validation at create
// time, one pod per Job that runs for `durationMs` of clock time and ends with the exit code and log the
// test chose, the Job's status and conditions as Kubernetes 1.31+ writes them, and ttlSecondsAfterFinished.
// Simplification: one pod per Job, never retried; a failed pod fails the Job with BackoffLimitExceeded.

import { randomUUID } from 'node:crypto'
import type { Clock } from '../../src/clock.js'
import { randomSuffix } from './hash.js'
import type { KObject, Store } from './store.js'

export type JobOutcome = { exitCode: number; log: string; durationMs?: number }

export const DEFAULT_JOB_DURATION_MS = 1000

/** metav1.Time: RFC 3339 in whole seconds. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

function imagePullPolicy(image: unknown): string {
  const text = String(image ?? '')
  const lastPart = text.split('/').pop() ?? ''
  return !lastPart.includes(':') || text.endsWith(':latest') ? 'Always' : 'IfNotPresent'
}

/** The API server's validation of a Job; the messages are the real ones. */
export function validateJob(job: KObject): string[] {
  const errors: string[] = []
  const podSpec = job.spec?.template?.spec
  const restartPolicy = podSpec?.restartPolicy
  if (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure') {
    errors.push(
      restartPolicy === undefined
        ? 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'
        : `spec.template.spec.restartPolicy: Unsupported value: "${restartPolicy}": supported values: "OnFailure", "Never"`
    )
  }
  const containers = podSpec?.containers
  if (!Array.isArray(containers) || containers.length === 0) errors.push('spec.template.spec.containers: Required value')
  else
    containers.forEach((c: KObject, i: number) => {
      if (!c?.name) errors.push(`spec.template.spec.containers[${i}].name: Required value`)
      if (!c?.image) errors.push(`spec.template.spec.containers[${i}].image: Required value`)
    })
  return errors
}

/** Defaults the API server fills in on create: selector and job-name labels keyed by the new uid, and so on. */
export function defaultJob(job: KObject): void {
  const { uid, name } = job.metadata
  const spec = (job.spec ??= {})
  spec.parallelism ??= 1
  spec.completions ??= 1
  spec.backoffLimit ??= 6
  spec.completionMode ??= 'NonIndexed'
  spec.suspend ??= false
  spec.podReplacementPolicy ??= 'TerminatingOrFailed'
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }
  const template = (spec.template ??= {})
  const templateMeta = (template.metadata ??= {})
  templateMeta.labels = {
    ...templateMeta.labels,
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name
  }
  if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...templateMeta.labels }
  const podSpec = (template.spec ??= {})
  podSpec.dnsPolicy ??= 'ClusterFirst'
  podSpec.schedulerName ??= 'default-scheduler'
  podSpec.securityContext ??= {}
  podSpec.terminationGracePeriodSeconds ??= 30
  for (const container of (podSpec.containers ?? []) as KObject[]) {
    container.imagePullPolicy ??= imagePullPolicy(container.image)
    container.resources ??= {}
    container.terminationMessagePath ??= '/dev/termination-log'
    container.terminationMessagePolicy ??= 'File'
  }
}

/** Pod logs, which `kubectl logs` reads; a follower waits until the pod ends. */
export class PodLogs {
  private readonly logs = new Map<string, { text: string; done: boolean; waiters: Array<() => void> }>()

  private entry(namespace: string, pod: string): { text: string; done: boolean; waiters: Array<() => void> } {
    const key = `${namespace}/${pod}`
    let found = this.logs.get(key)
    if (!found) this.logs.set(key, (found = { text: '', done: false, waiters: [] }))
    return found
  }

  get(namespace: string, pod: string): { text: string; done: boolean } {
    const { text, done } = this.entry(namespace, pod)
    return { text, done }
  }

  finish(namespace: string, pod: string, text: string): void {
    const entry = this.entry(namespace, pod)
    entry.text = text
    entry.done = true
    for (const waiter of entry.waiters.splice(0)) waiter()
  }

  whenDone(namespace: string, pod: string): Promise<void> {
    const entry = this.entry(namespace, pod)
    return entry.done ? Promise.resolve() : new Promise((resolve) => entry.waiters.push(resolve))
  }

  /** Releases every follower (the emulator is closing). */
  releaseAll(): void {
    for (const entry of this.logs.values()) for (const waiter of entry.waiters.splice(0)) waiter()
  }
}

interface RunningPod {
  namespace: string
  pod: string
  job: string
  endsAt: number
  outcome: JobOutcome
  /** activeDeadlineSeconds cuts the pod short. */
  deadlineAt?: number
}

export class JobController {
  behavior: (job: KObject) => JobOutcome = () => ({ exitCode: 0, log: 'ok' })
  private readonly running = new Map<string, RunningPod>()
  /**
   * Jobs to delete when their ttlSecondsAfterFinished runs out: key → clock ms, and a real-time
   * floor. On a sped-up clock a 120 s TTL would last 2 real seconds, less than a loaded machine may
   * take to read the Job's log; as the action's own request budgets do, a TTL keeps at least
   * min(TTL, 10 s) of real time.
   */
  private readonly expiries = new Map<string, { clockMs: number; realMs: number }>()

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly logs: PodLogs,
    private readonly honourTtl: boolean
  ) {}

  /** A Job was created: start its pod at once. */
  jobCreated(job: KObject): void {
    let outcome: JobOutcome
    try {
      outcome = this.behavior(structuredClone(job))
    } catch (error) {
      outcome = { exitCode: 1, log: `emulator: the job behaviour threw: ${String(error)}` }
    }
    const now = this.clock.now()
    const { namespace, name: jobName, uid } = job.metadata
    const podName = `${jobName}-${randomSuffix()}`
    const template = job.spec.template
    const containers = (template.spec.containers ?? []) as KObject[]
    const started = timestamp(now)
    this.store.save('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        generateName: `${jobName}-`,
        namespace,
        uid: randomUUID(),
        creationTimestamp: started,
        labels: { ...template.metadata.labels },
        ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid, controller: true, blockOwnerDeletion: true }]
      },
      spec: { ...structuredClone(template.spec), nodeName: 'emulator-node', serviceAccountName: template.spec.serviceAccountName ?? 'default' },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: started },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started },
          { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: started },
          { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: started }
        ],
        hostIP: '10.0.0.1',
        podIP: '10.1.0.2',
        startTime: started,
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: started } }
        }))
      }
    })
    const deadlineSeconds = job.spec.activeDeadlineSeconds
    this.running.set(`${namespace}/${podName}`, {
      namespace,
      pod: podName,
      job: jobName,
      endsAt: now + (outcome.durationMs ?? DEFAULT_JOB_DURATION_MS),
      outcome,
      deadlineAt: typeof deadlineSeconds === 'number' ? now + deadlineSeconds * 1000 : undefined
    })
    this.updateJobStatus(namespace, jobName, (status) => ({ ...status, startTime: started, active: 1, ready: 1, terminating: 0, uncountedTerminatedPods: {} }))
  }

  /** A Job was deleted by a client: its pods go too, unless the deletion orphans them. */
  jobDeleted(job: KObject, propagationPolicy: string | undefined): void {
    const { namespace, uid } = job.metadata
    for (const pod of this.store.list('pods', namespace)) {
      if (!(pod.metadata.ownerReferences ?? []).some((o: KObject) => o.uid === uid)) continue
      if (propagationPolicy === 'Orphan') {
        delete pod.metadata.ownerReferences
        this.store.save('pods', pod)
      } else {
        this.running.delete(`${namespace}/${pod.metadata.name}`)
        this.store.remove('pods', namespace, pod.metadata.name)
      }
    }
    this.expiries.delete(`${namespace}/${job.metadata.name}`)
  }

  /** Ends pods whose time has come and removes Jobs whose TTL ran out. */
  reconcile(): void {
    const now = this.clock.now()
    for (const [key, run] of this.running) {
      const deadlineFirst = run.deadlineAt !== undefined && run.deadlineAt < run.endsAt
      const endAt = deadlineFirst ? (run.deadlineAt as number) : run.endsAt
      if (now < endAt) continue
      this.running.delete(key)
      this.finish(run, deadlineFirst, endAt)
    }
    for (const [key, expiresAt] of this.expiries) {
      if (now < expiresAt.clockMs || Date.now() < expiresAt.realMs) continue
      this.expiries.delete(key)
      const [namespace, name] = key.split('/')
      const job = this.store.remove('jobs', namespace, name)
      if (job) this.jobDeleted(job, 'Background')
    }
  }

  private finish(run: RunningPod, deadlineExceeded: boolean, endedAt: number): void {
    const exitCode = deadlineExceeded ? 137 : run.outcome.exitCode
    const succeeded = exitCode === 0
    const finished = timestamp(endedAt)
    const pod = this.store.get('pods', run.namespace, run.pod)
    if (pod) {
      pod.status.phase = succeeded ? 'Succeeded' : 'Failed'
      for (const condition of pod.status.conditions) if (condition.type === 'Ready' || condition.type === 'ContainersReady') condition.status = 'False'
      for (const status of pod.status.containerStatuses) {
        status.ready = false
        status.started = false
        status.state = {
          terminated: { exitCode, reason: succeeded ? 'Completed' : 'Error', startedAt: pod.status.startTime, finishedAt: finished, containerID: `containerd://${run.pod}` }
        }
      }
      this.store.save('pods', pod)
    }
    this.logs.finish(run.namespace, run.pod, run.outcome.log)

    const reason = succeeded ? 'CompletionsReached' : deadlineExceeded ? 'DeadlineExceeded' : 'BackoffLimitExceeded'
    const message = succeeded
      ? 'Reached expected number of succeeded pods'
      : deadlineExceeded
        ? 'Job was active longer than specified deadline'
        : 'Job has reached the specified backoff limit'
    const condition = (type: string): KObject => ({ type, status: 'True', reason, message, lastProbeTime: finished, lastTransitionTime: finished })
    const job = this.updateJobStatus(run.namespace, run.job, (status) => {
      const { active: _active, ...rest } = status
      return succeeded
        ? { ...rest, completionTime: finished, succeeded: 1, ready: 0, terminating: 0, conditions: [condition('SuccessCriteriaMet'), condition('Complete')] }
        : { ...rest, failed: 1, ready: 0, terminating: 0, conditions: [condition('FailureTarget'), condition('Failed')] }
    })
    const ttl = job?.spec?.ttlSecondsAfterFinished
    if (this.honourTtl && typeof ttl === 'number') {
      this.expiries.set(`${run.namespace}/${run.job}`, { clockMs: endedAt + ttl * 1000, realMs: Date.now() + Math.min(ttl * 1000, 10_000) })
    }
  }

  private updateJobStatus(namespace: string, name: string, change: (status: KObject) => KObject): KObject | undefined {
    const job = this.store.get('jobs', namespace, name)
    if (!job) return undefined
    job.status = change(job.status ?? {})
    return this.store.save('jobs', job)
  }
}
