// Job: the template's Kubernetes Job, created with kubectl for each measurement. Its end decides
// the phase as in Argo (Failed → Failed); a last log line that parses (JSON, a number or a word)
// becomes `result` for the conditions (`result == "healthy"`). The Job is deleted afterwards, and
// when the run is cancelled.
import { createHash } from 'node:crypto'
import type { MetricSpec } from '../analysis/types.js'
import { KubectlError, type Kubectl } from '../kube/kubectl.js'
import { excerpt, readJson } from './answers.js'
import { Decided, MeasurementError, withBudget, type MeasureContext, type Provider } from './provider.js'

export interface JobSettings {
  kubectl: Kubectl
  namespace: string
  rollout: string
  /** Ties Jobs to this run of the action (labels, names). */
  runId: string
  /** How often the Job is read while it runs (clock ms). */
  pollMs?: number
}

const MAX_NAME = 63

/** A lower-case DNS label of at most `max` characters. */
export function slug(text: string, max = MAX_NAME): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, max)
    .replace(/-$/, '')
}

/** `rollout-metric-run-n`, cut to 63 characters with a hash keeping long names unique. */
export function jobName(rollout: string, metric: string, runId: string, n: number): string {
  const suffix = `${slug(runId, 12)}-${n}`
  const full = `${slug(rollout)}-${slug(metric)}`
  if (full.length + suffix.length + 1 <= MAX_NAME) return `${full}-${suffix}`
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6)
  return `${slug(full, MAX_NAME - suffix.length - hash.length - 2)}-${hash}-${suffix}`
}

/**
 * The last non-empty log line as a value: JSON when it parses, else the text. JSON that Go would
 * refuse (a number beyond float64, nesting deeper than 64 levels) is a MeasurementError.
 */
export function resultFromLog(log: string): unknown {
  const lines = log.split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
  const last = lines[lines.length - 1]
  if (last === undefined) return undefined
  const parsed = readJson(last)
  if (parsed.kind === 'rejected') throw new MeasurementError(`the last log line is refused: ${parsed.problem}: ${excerpt(last, 80)}`)
  return parsed.kind === 'json' ? parsed.value : last
}

interface JobStatus {
  conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>
  succeeded?: number
  failed?: number
}

function finished(status: JobStatus): { done: false } | { done: true; ok: boolean; reason: string } {
  for (const condition of status.conditions ?? []) {
    if (condition.status !== 'True') continue
    if (condition.type === 'Complete') return { done: true, ok: true, reason: 'Complete' }
    if (condition.type === 'Failed') return { done: true, ok: false, reason: condition.reason ?? 'Failed' }
  }
  return { done: false }
}

export class JobProvider implements Provider {
  private count = 0

  constructor(private readonly settings: JobSettings) {}

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'job') throw new Error('not a job metric')
    const { kubectl, namespace, rollout, runId } = this.settings
    const config = metric.provider.config
    const name = jobName(rollout, metric.name, runId, ++this.count)
    const labels = {
      ...(config.metadata?.labels ?? {}),
      'app.kubernetes.io/managed-by': 'canary-gate',
      'canary-gate/run': slug(runId),
      'canary-gate/rollout': slug(rollout),
      'canary-gate/metric': slug(metric.name)
    }
    const manifest = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace, labels, annotations: config.metadata?.annotations ?? {} },
      spec: config.spec
    }
    const deadline = Number((config.spec as { activeDeadlineSeconds?: unknown }).activeDeadlineSeconds)
    const budgetMs = ((Number.isFinite(deadline) && deadline > 0 ? deadline : 600) + 60) * 1000
    try {
      await kubectl.write(['create', '-f', '-', '-n', namespace, '-o', 'name'], { input: JSON.stringify(manifest), what: `Job ${name}` })
    } catch (error) {
      // A retried create whose first attempt got through finds its own Job: go on with it.
      if (!(error instanceof KubectlError && /AlreadyExists/.test(error.stderr))) {
        throw new MeasurementError(`job ${name}: could not be created: ${(error as Error).message}`)
      }
    }
    context.log.info(`${metric.name}: job ${name} created; waiting for it to finish`)
    try {
      return await withBudget(context, budgetMs, `job ${name}`, async (signal) => {
        for (;;) {
          const job = await kubectl.readJson<{ status?: JobStatus }>(['get', 'job', name, '-n', namespace])
          const end = finished(job.status ?? {})
          if (end.done) {
            const log = await kubectl.read(['logs', `job/${name}`, '-n', namespace, '--tail=50']).catch((error: unknown) => {
              context.log.warning(`${metric.name}: could not read the log of job ${name}: ${(error as Error).message}`)
              return ''
            })
            let result: unknown
            try {
              result = resultFromLog(log)
            } catch (error) {
              if (!(error instanceof MeasurementError)) throw error
              // The Job's end still decides a failure; a completed Job with a refused result has no value.
              if (end.ok) throw new MeasurementError(`job ${name} completed, but ${error.message}`)
              return new Decided('Failed', undefined, `job ${name} failed (${end.reason}); ${error.message}`)
            }
            // The log is the Job's own text: one line, short, redacted.
            const lastLine = result === undefined ? 'no output' : excerpt(typeof result === 'string' ? result : JSON.stringify(result), 200)
            return end.ok
              ? new Decided('Successful', result, `job ${name} completed: ${lastLine}`)
              : new Decided('Failed', result, `job ${name} failed (${end.reason}): ${lastLine}`)
          }
          await context.clock.sleep(this.settings.pollMs ?? 2000, signal)
        }
      })
    } catch (error) {
      if (error instanceof KubectlError) throw new MeasurementError(`job ${name}: ${error.message}`)
      throw error
    } finally {
      await kubectl.write(['delete', 'job', name, '-n', namespace, '--ignore-not-found', '--wait=false', '--cascade=background'], { safe: true }).catch((error: unknown) => {
        context.log.warning(`${metric.name}: could not delete job ${name}: ${(error as Error).message}`)
      })
    }
  }
}
