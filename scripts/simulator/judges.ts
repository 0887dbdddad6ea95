// The four judges the benchmark compares, each an AnalysisTemplate read through the real plan code
// (loadPlanFiles → readTemplates → instantiateMetrics), as `command: analyze` reads a plan. Any
// problem the plan code finds in a judge's template stops the benchmark, saying what: a judge is
// never skipped or run half-way.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { IssueList } from '../../src/config-error.js'
import type { MetricSpec } from '../../src/analysis/types.js'
import { instantiateMetrics } from '../../src/plan/instantiate.js'
import { parseDuration } from '../../src/plan/duration.js'
import { loadPlanFiles } from '../../src/plan/load.js'
import { readTemplates } from '../../src/plan/templates.js'
import { Secrets } from '../../src/secrets.js'
import { parseAllDocuments } from 'yaml'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface JudgeConfig {
  id: string
  /** How the table names it. */
  title: string
  /** Template files, relative to the repository. */
  files: string[]
  /** The args input (name=value), as a workflow would give it. */
  args: Record<string, string>
}

export const JUDGES: readonly JudgeConfig[] = [
  {
    id: 'fixed',
    title: "seed's fixed threshold",
    // The seed's error-rate metric exactly as shipped (result.errorRate < 2, count 2, failureLimit 1,
    // interval 60s), reading the canary's own app name from the seed's metrics endpoint.
    files: ['examples/voting01/error-rate-web.yaml'],
    args: { 'app-name': 'vote-canary', 'metrics-url': 'http://seed-metrics.simulated' },
  },
  {
    id: 'ratio',
    title: 'seed-002 ratio rules',
    files: ['scripts/simulator/templates/ratio-rules.yaml'],
    args: {},
  },
  {
    id: 'mann-whitney',
    title: 'Mann-Whitney, 30 min',
    files: ['scripts/simulator/templates/mann-whitney.yaml'],
    args: {},
  },
  {
    id: 'sequential',
    title: 'sequential',
    files: ['scripts/simulator/templates/sequential.yaml'],
    args: {},
  }
]

/** Where the simulated Prometheus is, as the prometheus-url input would say. */
export const PROMETHEUS_URL = 'http://prometheus.simulated:9090'

export interface LoadedJudge {
  judge: JudgeConfig
  metrics: MetricSpec[]
}

/** The judge's metrics as the plan code reads them; a ConfigError naming every problem otherwise. */
export async function loadJudge(judge: JudgeConfig): Promise<LoadedJudge> {
  const issues = new IssueList()
  const docs = await loadPlanFiles(judge.files, ROOT, issues)
  const templates = readTemplates(docs, issues)
  const metrics = instantiateMetrics(
    templates,
    { mode: 'analyze', prometheusUrl: PROMETHEUS_URL, secrets: new Secrets(), input: new Map(Object.entries(judge.args)) },
    issues
  )
  // A problem is a mistake in the benchmark's own templates: stop, saying what.
  issues.throwIfAny()
  return { judge, metrics }
}

/**
 * The latest a judge decides when every measurement counts: its slowest metric's last measurement,
 * (count − 1) × interval after the start (the first is taken at once). Read from the YAML itself.
 */
export async function horizonMinutes(judge: JudgeConfig): Promise<number> {
  return (await spans(judge)).reduce((latest, { count, interval }) => Math.max(latest, (count - 1) * interval), 0)
}

/**
 * How much traffic a judge looks at when every measurement counts: its slowest metric's count ×
 * interval (30 one-minute readings: a 30-minute horizon, judged 29 minutes after the start, as the
 * first reading covers the minute before it).
 */
export async function spanMinutes(judge: JudgeConfig): Promise<number> {
  return (await spans(judge)).reduce((longest, { count, interval }) => Math.max(longest, count * interval), 0)
}

async function spans(judge: JudgeConfig): Promise<Array<{ count: number; interval: number }>> {
  const out: Array<{ count: number; interval: number }> = []
  for (const file of judge.files) {
    for (const doc of parseAllDocuments(await readFile(path.join(ROOT, file), 'utf8'))) {
      const metrics = (doc.toJS() as { spec?: { metrics?: Array<{ count?: number | string; interval?: string }> } }).spec?.metrics ?? []
      for (const metric of metrics) {
        const interval = metric.interval === undefined ? 0 : (parseDuration(metric.interval) ?? 0)
        out.push({ count: Number(metric.count ?? 1), interval: interval / 60_000 })
      }
    }
  }
  return out
}
