// One renderer for every place people read the result: the job summary now, the PR comment and the
// check later. Input is the GateResult; output is Markdown.
import { conditionText } from '../analysis/metric.js'
import { shownValue } from '../analysis/values.js'
import type { MetricOutcome, Verdict } from '../analysis/types.js'
import { failedMetrics } from './json.js'
import { formatDuration } from '../plan/duration.js'
import { cell, code, table, truncate } from './markdown.js'
import type { GateResult } from './model.js'

const ICON: Record<string, string> = {
  Successful: '✅',
  Failed: '❌',
  Error: '⚠️',
  Inconclusive: '❔',
  Running: '⏳',
  Pending: '⏸️'
}

export function verdictIcon(verdict: Verdict | string): string {
  return ICON[verdict] ?? ''
}

/** The values that decided a metric: its failing values when it failed, else its latest. */
export function decidingValues(metric: MetricOutcome): string {
  const { measurements } = metric.tally
  if (measurements.length === 0) return 'not measured'
  const wanted = metric.phase === 'Failed' || metric.phase === 'Inconclusive' || metric.phase === 'Error' ? metric.phase : undefined
  const picked = wanted ? measurements.filter((m) => m.phase === wanted) : measurements
  const shown = (picked.length ? picked : measurements).slice(-3)
  if (metric.phase === 'Error') return truncate(shown[shown.length - 1].message, 120)
  return shown.map(shownValue).join(', ')
}

function counts(metric: MetricOutcome): string {
  const { tally } = metric
  const parts = [`${tally.measurements.length}`]
  const extra: string[] = []
  if (tally.failed) extra.push(`${tally.failed} failed`)
  if (tally.inconclusive) extra.push(`${tally.inconclusive} inconclusive`)
  if (tally.error) extra.push(`${tally.error} errors`)
  if (extra.length) parts.push(`(${extra.join(', ')})`)
  return parts.join(' ')
}

export function metricTable(result: GateResult): string {
  const rows: string[][] = []
  for (const analysis of result.analyses) {
    for (const metric of analysis.outcome.metrics) {
      const name = `${cell(metric.spec.name)}${metric.spec.dryRun ? ' <sub>dryRun</sub>' : ''}`
      rows.push([
        name,
        cell(decidingValues(metric)),
        code(conditionText(metric.spec)),
        counts(metric),
        metric.stopped ? `⏹️ stopped (${metric.phase})` : `${verdictIcon(metric.phase)} ${metric.phase}`
      ])
    }
  }
  return table(['Metric', 'Value', 'Condition', 'Measurements', 'Result'], rows)
}

export function headline(result: GateResult): string {
  const failed = failedMetrics(result)
  const what = result.command === 'analyze' ? 'analysis (no cluster changes)' : `command ${result.command}`
  const tail = failed.length ? ` — failed: ${failed.map((name) => cell(name)).join(', ')}` : ''
  return `${verdictIcon(result.verdict)} **${result.verdict}** — canary-gate ${what}${tail}`
}

function time(ms: number | undefined): string {
  return ms === undefined ? '–' : new Date(ms).toISOString().slice(11, 19)
}

export function stepTable(result: GateResult): string {
  const rows = (result.steps ?? []).map((step) => [
    String(step.index + 1),
    cell(step.description),
    step.weight === undefined || step.result === 'skipped' || step.result === 'not reached' ? '–' : `${step.weight}%`,
    time(step.startedAt),
    step.startedAt !== undefined && step.finishedAt !== undefined ? formatDuration(step.finishedAt - step.startedAt) : '–',
    cell(`${step.result}${step.note ? ` — ${step.note}` : ''}`)
  ])
  return table(['Step', 'Action', 'Canary weight', 'Start', 'Duration', 'Result'], rows)
}

export function renderMarkdown(result: GateResult): string {
  const parts: string[] = [`## ${headline(result)}`]
  if (result.rollout) {
    parts.push(`Rollout ${code(`${result.rollout.name}`)} in ${code(result.rollout.namespace)}${result.rollout.image ? `, image ${code(result.rollout.image)}` : ''} — outcome **${result.outcome}**. Now: ${cell(result.rollout.after ?? 'unknown')}`)
  }
  if (result.steps?.length) parts.push(stepTable(result))
  if (result.configErrors.length) {
    parts.push('**Configuration errors** — nothing was measured:', result.configErrors.map((line) => `- ${cell(line)}`).join('\n'))
  }
  if (result.analyses.some((a) => a.outcome.metrics.length > 0)) parts.push(metricTable(result))
  if (result.reasons.length) {
    parts.push('### Why', result.reasons.map((reason) => `- ${cell(reason)}`).join('\n'))
  }
  if (result.stepsDiff?.length) {
    parts.push('### Live steps against the plan', ['```diff', ...result.stepsDiff.map((line) => line.replace(/```/g, '` ` `')), '```'].join('\n'))
  }
  if (result.nextSteps?.length) {
    const workflow =
      result.outcome === 'paused' ? 'or run this workflow with `command: promote` or `command: abort`' : result.outcome === 'aborted' ? 'or, once the canary is fixed, run this workflow with `command: retry` or a new image' : ''
    parts.push('### Next', [...result.nextSteps.map((line) => `- ${code(line)}`), ...(workflow ? [`- ${workflow}`] : [])].join('\n'))
  }
  if (result.notes.length) parts.push(result.notes.map((note) => `> ${cell(note)}`).join('\n>\n'))
  return `${parts.join('\n\n')}\n`
}
