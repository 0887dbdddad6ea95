// The Prometheus series a gate pushes, as a pure function of its GateResult, and their text
// exposition format (version 0.0.4, what the Pushgateway accepts).
//
// Written here rather than with prom-client: its Registry alone adds 65,817 bytes to the bundle
// (ncc + terser, measured with only Registry and Gauge imported: it brings its default process
// metrics, cluster support and the OpenTelemetry API along), which would take the bundle past its
// 1.5 MB goal, and its Pushgateway client sends through its own http calls, not the project's one
// client (proxies, cancellation, secrets in messages). Five gauges and a counter in the text format
// are the forty lines below.
import type { GateResult } from '../report/model.js'

/** What names a gate's series: the grouping key's rollout, namespace and region, and the target kind. */
export interface GateLabels {
  rollout: string
  namespace: string
  /** `rollout` (an Argo Rollout) or `deployment` (a Deployment the gate drives). */
  target: string
  /** Absent or empty: no region label (Prometheus reads an empty label as no label). */
  region?: string
}

export interface Sample {
  name: string
  type: 'gauge' | 'counter'
  help: string
  labels: Record<string, string>
  value: number
}

/** The values of `canary_gate_verdict`'s verdict label: Argo's four, and Running while a run goes. */
export const VERDICT_LABELS = ['Running', 'Successful', 'Failed', 'Error', 'Inconclusive'] as const

export interface SeriesOptions {
  labels: GateLabels
  /** A snapshot of a run still going: the verdict is Running, whatever the snapshot holds so far. */
  running: boolean
  /** canary_gate_rollbacks_total as the Pushgateway held it before this gate began (see pushgateway.ts). */
  rollbacksBefore: number
  /** The time of a running push (a heartbeat re-pushes an older snapshot): its duration runs to now. */
  now?: number
}

const HELP = {
  canary_gate_verdict: 'Gate verdict: 1 for the current one (Running while a run goes), else 0.',
  canary_gate_rollbacks_total: 'Rollbacks canary-gate made of this rollout, across gates.',
  canary_gate_duration_seconds: 'How long the gate ran (so far).',
  canary_gate_step: 'Rollout step the gate is at, from 1 (0 before the first).',
  canary_gate_canary_weight: 'Percent of the traffic on the canary (100 once promoted).'
}

/** The series of one push: every gate has a verdict, a rollback count and a duration; a rollout run also has its step and weight. */
export function gateSeries(result: GateResult, options: SeriesOptions): Sample[] {
  const labels: Record<string, string> = { rollout: options.labels.rollout, namespace: options.labels.namespace, target: options.labels.target }
  if (options.labels.region) labels.region = options.labels.region
  const verdict = options.running ? 'Running' : result.verdict
  const sample = (name: keyof typeof HELP, value: number, extra: Record<string, string> = {}): Sample => ({
    name,
    type: name.endsWith('_total') ? 'counter' : 'gauge',
    help: HELP[name],
    labels: { ...labels, ...extra },
    value
  })
  const samples = VERDICT_LABELS.map((label) => sample('canary_gate_verdict', label === verdict ? 1 : 0, { verdict: label }))
  samples.push(sample('canary_gate_rollbacks_total', options.rollbacksBefore + (result.outcome === 'aborted' ? 1 : 0)))
  samples.push(sample('canary_gate_duration_seconds', Math.max(0, (options.running && options.now !== undefined ? options.now : result.finishedAt) - result.startedAt) / 1000))
  if (result.steps?.length) {
    samples.push(sample('canary_gate_step', stepNumber(result)))
    const weight = canaryWeight(result)
    if (weight !== undefined) samples.push(sample('canary_gate_canary_weight', weight))
  }
  return samples
}

/** The running step, or the last one reached, from 1; 0 before the first. */
function stepNumber(result: GateResult): number {
  const steps = result.steps ?? []
  const running = steps.find((step) => step.result === 'running')
  if (running) return running.index + 1
  const reached = steps.filter((step) => step.startedAt !== undefined)
  return reached.length ? Math.max(...reached.map((step) => step.index)) + 1 : 0
}

/**
 * The weight as last known: 100 once promoted, the abort's confirmed weight after an abort, otherwise
 * the weight of the latest step reached. Undefined before any step: nothing is invented.
 */
function canaryWeight(result: GateResult): number | undefined {
  if (result.outcome === 'promoted') return 100
  if (result.abort?.weightAfter !== undefined) return result.abort.weightAfter
  const reached = (result.steps ?? []).filter((step) => (step.startedAt !== undefined || step.result === 'running') && step.weight !== undefined)
  return reached.length ? reached[reached.length - 1].weight : undefined
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const escapeHelp = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** The text exposition format: one HELP and TYPE per family, its samples after it, no timestamps (the Pushgateway refuses them). */
export function exposition(samples: Sample[]): string {
  const families = new Map<string, Sample[]>()
  for (const sample of samples) families.set(sample.name, [...(families.get(sample.name) ?? []), sample])
  const lines: string[] = []
  for (const [name, members] of families) {
    lines.push(`# HELP ${name} ${escapeHelp(members[0].help)}`, `# TYPE ${name} ${members[0].type}`)
    for (const sample of members) {
      const labels = Object.entries(sample.labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`)
      lines.push(`${name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(sample.value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

export const PUSH_JOB = 'canary-gate'

/**
 * The Pushgateway's grouping key as a URL path: job=canary-gate, rollout, namespace and (when set)
 * region, so two gates never replace each other's group. A value that is not plain URL text (a "/"
 * in a region, an empty value) goes base64url-encoded, as the Pushgateway documents (`name@base64/…`).
 */
export function groupingPath(labels: GateLabels): string {
  const key: Array<[string, string]> = [
    ['job', PUSH_JOB],
    ['rollout', labels.rollout],
    ['namespace', labels.namespace]
  ]
  if (labels.region) key.push(['region', labels.region])
  return `/metrics${key.map(([name, value]) => (/^[A-Za-z0-9._~-]+$/.test(value) ? `/${name}/${value}` : `/${name}@base64/${Buffer.from(value).toString('base64url') || '='}`)).join('')}`
}

/** The grouping key as the Pushgateway's API shows a group's labels. */
export function groupingLabels(labels: GateLabels): Record<string, string> {
  return { job: PUSH_JOB, rollout: labels.rollout, namespace: labels.namespace, ...(labels.region ? { region: labels.region } : {}) }
}
