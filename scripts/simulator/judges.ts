// The four judges the benchmark compares, each an AnalysisTemplate read through the real plan code
// (loadPlanFiles → readTemplates → instantiateMetrics), as `command: analyze` reads a plan. A judge
// whose template uses fields the plan code does not know yet (the baseline/judge extensions, while
// the engine's support for them is on its own branch) is reported as skipped, not run half-way.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatIssue, IssueList, type ConfigIssue } from '../../src/config-error.js'
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
  /** The template extensions it needs, named in the line that says it was skipped. */
  needs: string
}

export const JUDGES: readonly JudgeConfig[] = [
  {
    id: 'fixed',
    title: "seed's fixed threshold",
    // The seed's error-rate metric exactly as shipped (result.errorRate < 2, count 2, failureLimit 1,
    // interval 60s), reading the canary's own app name from the seed's metrics endpoint.
    files: ['examples/voting01/error-rate-web.yaml'],
    args: { 'app-name': 'vote-canary', 'metrics-url': 'http://seed-metrics.simulated' },
    needs: ''
  },
  {
    id: 'ratio',
    title: 'seed-002 ratio rules',
    files: ['scripts/simulator/templates/ratio-rules.yaml'],
    args: {},
    needs: 'baseline and sampleSize'
  },
  {
    id: 'mann-whitney',
    title: 'Mann-Whitney, 30 min',
    files: ['scripts/simulator/templates/mann-whitney.yaml'],
    args: {},
    needs: 'judge.mannWhitney (with baseline and scoring)'
  },
  {
    id: 'sequential',
    title: 'sequential',
    files: ['scripts/simulator/templates/sequential.yaml'],
    args: {},
    needs: 'judge.sequentialRate and judge.sequentialMean (with baseline and sampleSize)'
  }
]

/** The fields of the contract (issue 9) that the plan code rejects until the engine branch is merged. */
const CONTRACT_FIELDS = new Set(['baseline', 'sampleSize', 'judge', 'scoring'])

/** Where the simulated Prometheus is, as the prometheus-url input would say. */
export const PROMETHEUS_URL = 'http://prometheus.simulated:9090'

export type LoadedJudge = { judge: JudgeConfig; metrics: MetricSpec[] } | { judge: JudgeConfig; skipped: string }

/** Whether a plan problem is about a contract field (at any depth: `judge.mannWhitney.outliers`, `spec.scoring`). */
function aboutContractField(issue: ConfigIssue): boolean {
  const fields = (issue.field ?? '').split(/[.[\]]/).filter((part) => part !== '')
  return fields.some((part) => CONTRACT_FIELDS.has(part))
}

export async function loadJudge(judge: JudgeConfig): Promise<LoadedJudge> {
  const issues = new IssueList()
  const docs = await loadPlanFiles(judge.files, ROOT, issues)
  const templates = readTemplates(docs, issues)
  const metrics = instantiateMetrics(
    templates,
    { mode: 'analyze', prometheusUrl: PROMETHEUS_URL, secrets: new Secrets(), input: new Map(Object.entries(judge.args)) },
    issues
  )
  if (issues.empty) return { judge, metrics }
  if (judge.needs && issues.issues.every(aboutContractField)) {
    return { judge, skipped: `engine support for ${judge.needs} not merged yet (the plan code says: ${formatIssue(issues.issues[0])})` }
  }
  // Anything else is a mistake in the benchmark's own templates: stop, saying what.
  issues.throwIfAny()
  throw new Error('unreachable')
}

/**
 * The latest a judge decides when every measurement counts: its slowest metric's last measurement,
 * (count − 1) × interval after the start (the first is taken at once). Read from the YAML itself, so
 * it is known for judges the plan code cannot read yet.
 */
export async function horizonMinutes(judge: JudgeConfig): Promise<number> {
  let latest = 0
  for (const file of judge.files) {
    for (const doc of parseAllDocuments(await readFile(path.join(ROOT, file), 'utf8'))) {
      const metrics = (doc.toJS() as { spec?: { metrics?: Array<{ count?: number | string; interval?: string }> } }).spec?.metrics ?? []
      for (const metric of metrics) {
        const interval = metric.interval === undefined ? 0 : (parseDuration(metric.interval) ?? 0)
        latest = Math.max(latest, (Number(metric.count ?? 1) - 1) * interval)
      }
    }
  }
  return latest / 60_000
}
