// One renderer for every place people read the result: the job summary, the sticky PR comment and
// the check run. Sections go from what a reader needs first (the verdict, what the gate did, why,
// what to do next) to detail; when the text would pass GitHub's 65,536-character limit, the detail
// goes first. The JSON report keeps everything.
import { conditionText } from '../analysis/metric.js'
import { shownValue } from '../analysis/values.js'
import type { MetricOutcome, Verdict } from '../analysis/types.js'
import type { RunContext } from '../github/context.js'
import { formatDuration } from '../plan/duration.js'
import { MEAN_DEFAULTS, RATE_DEFAULTS } from '../analysis/judges/index.js'
import { percent } from '../analysis/judges/format.js'
import { formatNumber } from '../analysis/values.js'
import { measuredNumber, metricCharts, thresholdOf, utcTime, weightChart } from './charts.js'
import { comparison, isCompared, judgeViewOf, scoreText } from './compare.js'
import { failedMetrics } from './json.js'
import { cell, code, escapeHtml, table, truncate } from './markdown.js'
import type { AnalysisRecord, GateResult, StepRecord } from './model.js'

/** GitHub refuses comments and check summaries above 65,536 characters; keep a margin. */
export const GITHUB_TEXT_LIMIT = 65_000

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

export interface RenderOptions {
  context: RunContext
  /** A first line that must survive every cut (the sticky comment's hidden marker). */
  marker?: string
  limit?: number
}

/** The step where the run stopped: the analysis that failed, or the step the abort happened at. */
function decidingStep(result: GateResult): StepRecord | undefined {
  const steps = result.steps ?? []
  return [...steps].reverse().find((s) => ['failed', 'error', 'inconclusive', 'aborted', 'paused'].includes(s.result)) ?? [...steps].reverse().find((s) => s.result === 'running')
}

/** The analysis that decided the verdict: the one at the deciding step, else the first that did not pass. */
function decidingAnalysis(result: GateResult, at: StepRecord | undefined): AnalysisRecord | undefined {
  const unpassed = result.analyses.filter((a) => a.outcome.verdict !== 'Successful')
  return unpassed.find((a) => at !== undefined && a.stepIndex === at.index) ?? unpassed.find((a) => a.outcome.verdict === result.verdict) ?? unpassed[0]
}

/** `2.68 > 2`: the relation the numbers really have, whichever way the condition was written. */
function against(value: number, limit: number): string {
  const relation = value > limit ? '>' : value < limit ? '<' : '='
  return `${formatNumber(value)} ${relation} ${formatNumber(limit)}`
}

/** A judge's limit on canary / baseline: 1 + its tolerance. */
function judgeLimit(metric: MetricOutcome): number | undefined {
  const judge = metric.spec.judge
  if (judge?.kind === 'sequentialRate') return 1 + (judge.options.tolerance ?? RATE_DEFAULTS.tolerance)
  if (judge?.kind === 'sequentialMean') return 1 + (judge.options.tolerance ?? MEAN_DEFAULTS.tolerance)
  return undefined
}

/** Why one metric decided, with its value and limit: `error-rate 2.68 > 2`. */
function metricWhy(metric: MetricOutcome): string {
  const name = metric.spec.name
  if (metric.phase === 'Error') return `${name} could not be measured (${metric.tally.error} errors)`
  if (metric.phase === 'Inconclusive' && metric.insufficientData) return `${name} had too little data`
  if (metric.spec.judge) {
    const view = judgeViewOf(metric)
    const limit = judgeLimit(metric)
    if (view?.ratio !== undefined && Number.isFinite(view.ratio) && limit !== undefined) {
      const relation = view.ratio > limit ? '>' : view.ratio < limit ? '<' : '='
      return `${name} ${percent(view.ratio)} of the baseline ${relation} ${percent(limit)}`
    }
    return `${name} ${view?.classification ?? metric.phase} against the baseline`
  }
  if (metric.spec.baseline) {
    const c = comparison(metric)
    return `${name} ${c.canary} against the baseline's ${c.baseline}`
  }
  const wanted = metric.tally.measurements.filter((m) => m.phase === metric.phase)
  const last = wanted[wanted.length - 1]
  const value = last ? measuredNumber(metric.spec, last.value) : undefined
  const limit = thresholdOf(metric.spec)
  if (value !== undefined && limit !== undefined) return `${name} ${against(value, limit)}`
  if (last) return `${name} ${shownValue(last)} ${metric.phase.toLowerCase()}`
  return `${name} ${metric.phase.toLowerCase()}`
}

/**
 * Why the verdict, in a few words for the headline: the deciding metric with its value and limit
 * (`error-rate 2.68 > 2`), or the analysis' score; undefined when no analysis decided it.
 */
export function decidingWhy(result: GateResult, at = decidingStep(result)): string | undefined {
  if (result.verdict === 'Successful') return undefined
  const analysis = decidingAnalysis(result, at)
  if (!analysis) return undefined
  const deciding = analysis.outcome.metrics.filter((m) => !m.spec.dryRun && !m.scored && m.phase === analysis.outcome.verdict)
  const { score } = analysis.outcome
  if (deciding.length === 0 && score && score.classification !== 'Pass') return `Kayenta score ${formatNumber(score.score)} (${score.classification})`
  if (deciding.length === 0) return undefined
  const more = deciding.length > 1 ? ` and ${deciding.length - 1} more` : ''
  return `${truncate(metricWhy(deciding[0]), 120)}${more}`
}

/** What happened and why, in one line: the verdict, what the gate did, the deciding metric. Plain text (check titles). */
export function headlineText(result: GateResult): string {
  if (result.targets) return targetsHeadline(result)
  const name = result.rollout?.name ?? 'the rollout'
  const kind = result.rollout?.kind ?? 'rollout'
  const count = result.steps?.length ?? 0
  const at = decidingStep(result)
  const step = at ? ` at step ${at.index + 1}/${count}` : ''
  const why = result.configErrors.length ? undefined : decidingWhy(result, at)
  // With a reason, the step goes after it (`error-rate 2.68 > 2 at step 6/9`); without, after what was done.
  const where = why ? '' : step
  const because = why ? `: ${why}${step}` : ''
  if (result.command === 'lint') return `${result.verdict} — lint: ${result.reasons[0] ?? 'the plan'}`
  if (result.configErrors.length) return `${result.verdict} — configuration errors: nothing was measured and the cluster was not touched`
  if (result.command === 'analyze') {
    const templates = [...new Set(result.analyses.flatMap((a) => a.templates))].join(', ')
    const failed = failedMetrics(result)
    const said = why ? `: ${why}` : failed.length ? `, failed: ${failed.join(', ')}` : ''
    return `${result.verdict} — analysis of ${templates || 'the plan'} (no cluster changes)${said}`
  }
  if (result.command !== 'run') {
    const change = result.abort ? `, canary traffic ${result.abort.weightBefore}% → ${result.abort.weightAfter ?? '?'}%` : ''
    const did = result.outcome === 'none' ? (result.reasons[0] ?? result.notes[0] ?? 'no change') : `${result.outcome}${change}`
    return `${result.verdict} — command ${result.command}: ${kind} ${name} ${did}`
  }
  switch (result.outcome) {
    case 'aborted': {
      const weights = result.abort ? `, canary traffic ${result.abort.weightBefore}% → ${result.abort.weightAfter ?? '?'}%` : ''
      return `${result.verdict} — ${kind} ${name} ${kind === 'deployment' ? 'rolled back' : 'aborted'}${where}${weights}${because}`
    }
    case 'promoted':
      return result.verdict === 'Successful'
        ? `${result.verdict} — ${kind} ${name} promoted through all ${count} steps`
        : `${result.verdict} — ${kind} ${name} became stable, but not every analysis step was measured`
    case 'paused':
      return `${result.verdict} — ${kind} ${name} paused${where} for a human, canary at ${at?.weight ?? '?'}%${because}`
    default:
      if (result.stepsDiff) return `${result.verdict} — ${kind} ${name}: the live steps differ from the plan (apply-steps: false), nothing changed`
      return `${result.verdict} — ${kind} ${name}: ${result.reasons[0] ?? result.notes[0] ?? 'no change'}`
  }
}

/** The title of a running check: where the run is now. */
export function progressTitle(snapshot: GateResult): string {
  if (snapshot.targets) return `In progress: ${snapshot.targets.map((t) => `${t.name} ${targetProgress(t)}`).join(', ')}`
  const name = snapshot.rollout?.name ?? 'the rollout'
  const kind = snapshot.rollout?.kind ?? 'rollout'
  const running = snapshot.steps?.find((s) => s.result === 'running')
  if (running) return `In progress: ${kind} ${name} at step ${running.index + 1}/${snapshot.steps!.length} (${running.description}), canary ${running.weight ?? '?'}%`
  if (snapshot.command === 'analyze') return `In progress: measuring ${snapshot.reasons[0] ?? 'the analysis'}`
  return `In progress: ${kind} ${name}${snapshot.steps?.length ? `, ${snapshot.steps.length} steps planned` : ''}`
}

function subline(result: GateResult, context: RunContext): string {
  const parts: string[] = []
  if (result.rollout) parts.push(`${result.rollout.kind ?? 'rollout'} ${code(result.rollout.name)} in ${code(result.rollout.namespace)}`)
  if (result.rollout?.image) parts.push(`image ${code(result.rollout.image)}`)
  if (context.sha) parts.push(`commit ${code(context.sha.slice(0, 7))}`)
  if (context.pullRequest) parts.push(`PR #${context.pullRequest.number}`)
  if (context.runUrl) parts.push(`[workflow run](${context.runUrl})`)
  parts.push(`took ${formatDuration(result.finishedAt - result.startedAt)}`)
  return parts.join(' · ')
}

/** Every count named, zeros too, so each cell says the same things: `3 taken, 0 failed, 0 errors`. */
function counts(metric: MetricOutcome): string {
  const { tally } = metric
  const inconclusive = tally.inconclusive ? `, ${tally.inconclusive} inconclusive` : ''
  return `${tally.measurements.length} taken, ${tally.failed} failed${inconclusive}, ${tally.error} errors`
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

function resultCell(metric: MetricOutcome): string {
  return metric.stopped ? `⏹️ stopped (${metric.phase})` : `${verdictIcon(metric.phase)} ${metric.phase}`
}

export function metricTable(result: GateResult, maxRows = Infinity): string {
  const rows: string[][] = []
  for (const analysis of result.analyses) {
    const step = analysis.stepIndex === undefined ? (analysis.label === 'analyze' ? '—' : analysis.label) : `${analysis.stepIndex + 1}/${result.steps?.length ?? '?'}`
    for (const metric of analysis.outcome.metrics) {
      rows.push([
        `${cell(metric.spec.name)}${metric.spec.dryRun ? ' <sub>dryRun</sub>' : ''}`,
        cell(step),
        cell(decidingValues(metric)),
        code(conditionText(metric.spec)),
        counts(metric),
        resultCell(metric)
      ])
    }
  }
  const shown = rows.slice(0, maxRows)
  const cut = rows.length - shown.length
  return `${table(['Metric', 'Step', 'Value', 'Condition', 'Measurements', 'Result'], shown)}${cut > 0 ? `\n\n_${cut} more metrics in the JSON report._` : ''}`
}

/** Canary against baseline in one analysis: a row per compared metric, and Kayenta's score. */
function comparisonBlock(analysis: AnalysisRecord, maxRows: number): string | undefined {
  const compared = analysis.outcome.metrics.filter((metric) => isCompared(metric.spec))
  const { score } = analysis.outcome
  if (compared.length === 0 && !score) return undefined
  const rows = compared.slice(0, maxRows).map((metric) => {
    const c = comparison(metric)
    return [
      `${cell(metric.spec.name)}${metric.spec.dryRun ? ' <sub>dryRun</sub>' : ''}`,
      cell(c.canary),
      cell(c.baseline),
      cell(c.ratio),
      cell(c.n),
      cell(c.statistic),
      `${resultCell(metric)}${metric.scored ? ' <sub>scored</sub>' : ''}`,
      cell(truncate(c.why, 400))
    ]
  })
  const cut = compared.length - rows.length
  const parts = [`#### Canary against baseline${analysis.label === 'analyze' ? '' : ` — ${cell(analysis.label)}`}`]
  if (rows.length) parts.push(table(['Metric', 'Canary', 'Baseline', 'Ratio', 'n (canary / baseline)', "Judge's statistic", 'Result', 'Why'], rows))
  if (cut > 0) parts.push(`_${cut} more compared metrics in the JSON report._`)
  const thresholds = analysis.outcome.metrics.find((metric) => metric.spec.scoring)?.spec.scoring?.thresholds
  if (score) parts.push(`**Kayenta score:** ${cell(scoreText(score, thresholds))}`)
  return parts.join('\n\n')
}

function analysisSection(result: GateResult, maxRows: number): string {
  const comparisons = result.analyses.map((analysis) => comparisonBlock(analysis, maxRows)).filter((block) => block !== undefined)
  return ['### Analysis', metricTable(result, maxRows), ...comparisons].join('\n\n')
}

function time(ms: number | undefined): string {
  return ms === undefined ? '–' : utcTime(ms)
}

const STEP_ICON: Partial<Record<StepRecord['result'], string>> = {
  passed: '✅',
  failed: '❌',
  error: '⚠️',
  inconclusive: '❔',
  aborted: '🛑',
  skipped: '⏭️',
  paused: '⏸️',
  running: '⏳'
}

export function stepTable(result: GateResult): string {
  const rows = (result.steps ?? []).map((step) => [
    String(step.index + 1),
    cell(step.description),
    step.weight === undefined || step.result === 'skipped' || step.result === 'not reached' ? '–' : `${step.weight}%`,
    time(step.startedAt),
    step.startedAt !== undefined && step.finishedAt !== undefined ? (step.finishedAt - step.startedAt < 1000 ? '<1s' : formatDuration(step.finishedAt - step.startedAt)) : '–',
    `${STEP_ICON[step.result] ? `${STEP_ICON[step.result]} ` : ''}${cell(`${step.result}${step.note ? ` — ${step.note}` : ''}`)}`
  ])
  return table(['Step', 'Action', 'Canary weight', 'Start (UTC)', 'Duration', 'Result'], rows)
}

/** What the gate did, in words, with the timings of an abort. */
function actionText(result: GateResult): string[] {
  const lines: string[] = []
  const abort = result.abort
  if (abort) {
    const timings: string[] = []
    if (abort.failingMeasurementAt !== undefined) timings.push(`the abort call went out ${formatDuration(abort.requestedAt - abort.failingMeasurementAt)} after the failing measurement`)
    if (abort.confirmedAt !== undefined) timings.push(`the ${result.rollout?.kind === 'deployment' ? 'router read back' : 'rollout reported'} canary weight ${abort.weightAfter ?? 0}% ${formatDuration(abort.confirmedAt - abort.requestedAt)} later`)
    else timings.push(`the ${result.rollout?.kind === 'deployment' ? 'router' : 'rollout'} had not reported the abort when the gate stopped watching`)
    lines.push(`The gate ${result.rollout?.kind === 'deployment' ? 'rolled back deployment' : 'aborted rollout'} ${result.rollout?.name ?? ''} (canary traffic ${abort.weightBefore}% → ${abort.weightAfter ?? '?'}%): ${timings.join('; ')}.`)
  }
  if (result.rollout?.after) lines.push(`The ${result.rollout.kind ?? 'rollout'} now: ${result.rollout.after}.`)
  // A Deployment's router is part of what the gate did; how an Argo Rollout was changed (the plugin
  // or its patches) is for debugging, and the JSON report keeps it (rollout.path).
  if (result.rollout?.router) lines.push(`Changes went through kubectl: the Deployments, and the ${result.rollout.router.kind === 'nginx' ? 'nginx Ingress' : 'Gateway API'} router (${result.rollout.router.object}), each weight read back.`)
  return lines
}

/** The container of `container=image`, as the run set it. */
function containerOf(image: string | undefined): string | undefined {
  const at = image?.indexOf('=') ?? -1
  return at > 0 ? image!.slice(0, at) : undefined
}

function nextSteps(result: GateResult, context: RunContext): string | undefined {
  if (!result.rollout) return undefined
  const target = `${result.rollout.name} -n ${result.rollout.namespace}`
  const rows: Array<[string, string, string]> = []
  if (result.rollout.kind === 'deployment') rows.push(...deploymentRows(result))
  else if (result.outcome === 'paused' || (result.command === 'status' && result.verdict === 'Inconclusive')) {
    rows.push(['go on to the next step', 'command: promote', `kubectl argo rollouts promote ${target}`])
    rows.push(['promote to the end, skipping the rest', 'command: promote, full: true', `kubectl argo rollouts promote ${target} --full`])
    rows.push(['roll back to stable', 'command: abort', `kubectl argo rollouts abort ${target}`])
  } else if (result.outcome === 'aborted' || result.verdict === 'Failed') {
    rows.push(['run the same canary again (once fixed)', 'command: retry', `kubectl argo rollouts retry rollout ${target}`])
    rows.push(['deploy a fixed image', 'command: run, image_tag: …', `kubectl argo rollouts set image ${result.rollout.name} ${containerOf(result.rollout.image) ?? 'CONTAINER'}=IMAGE -n ${result.rollout.namespace}`])
  }
  if (result.rollout.kind !== 'deployment') rows.push(['see where it stands', 'command: status', `kubectl argo rollouts get rollout ${target}`])
  const workflow = context.workflowUrl ? `[the workflow](${context.workflowUrl}) (Run workflow)` : 'the workflow (workflow_dispatch)'
  return table(['To', `With ${workflow}`, 'Or with kubectl'], rows.map(([what, input, command]) => [cell(what), input === '—' ? input : code(input), command === '—' ? command : code(command)]))
}

/** What to do next with a Deployment whose traffic the gate drives: only command run acts on it. */
function deploymentRows(result: GateResult): Array<[string, string, string]> {
  const { name, namespace, router } = result.rollout!
  const rows: Array<[string, string, string]> = []
  const scale = `kubectl scale deployment/${name}-canary --replicas=0 -n ${namespace}`
  const weightZero = router?.kind === 'nginx' ? `kubectl annotate ${router.object.replace(' ', '/')} nginx.ingress.kubernetes.io/canary-weight=0 --overwrite -n ${namespace}` : `kubectl edit ${(router?.object ?? `httproute ${name}`).replace(' ', '/')} -n ${namespace} (canary weight 0)`
  if (result.outcome === 'paused') {
    rows.push(['start the canary again from the first step', 'command: run, same image', '—'])
    rows.push(['roll back to the primary', '—', `${weightZero} && ${scale}`])
  } else if (result.outcome === 'aborted' || result.verdict === 'Failed') {
    rows.push(['deploy a fixed image', 'command: run, image: …', '—'])
  }
  rows.push(['see where it stands', '—', `kubectl get deployments,services,${router?.kind === 'gateway-api' ? 'httproutes' : 'ingresses'} -n ${namespace}`])
  return rows
}

function measurementDetails(result: GateResult, perMetric: number): string | undefined {
  const blocks: string[] = []
  for (const analysis of result.analyses) {
    for (const metric of analysis.outcome.metrics) {
      const rows = metric.tally.measurements.slice(-perMetric).map((m, i, shown) => [
        String(metric.tally.measurements.length - shown.length + i + 1),
        time(m.finishedAt),
        cell(shownValue(m)),
        `${verdictIcon(m.phase)} ${m.phase}`,
        cell(truncate(m.message, 200))
      ])
      if (rows.length === 0) continue
      blocks.push(`**${cell(metric.spec.name)}** (${cell(analysis.label)}) — ${code(truncate(metric.spec.query, 300))}\n\n${table(['#', 'Time (UTC)', 'Value', 'Phase', 'Message'], rows)}`)
    }
  }
  if (blocks.length === 0) return undefined
  return `<details><summary>Every measurement</summary>\n\n${blocks.join('\n\n')}\n\n</details>`
}

function mermaid(chart: string): string {
  return `\`\`\`mermaid\n${chart}\n\`\`\``
}

interface Section {
  text: string
  /** Higher goes later in a cut: 0 is never dropped. */
  drop: number
}

function sections(result: GateResult, context: RunContext, detail: { perMetric: number; maxRows: number }): Section[] {
  const out: Section[] = []
  // The headline carries a metric's name from the plan: escaped as a table cell is, so it cannot turn into a link or markup.
  out.push({ text: `## ${verdictIcon(result.verdict)} ${cell(headlineText(result))}`, drop: 0 })
  out.push({ text: subline(result, context), drop: 0 })
  if (result.configErrors.length) {
    out.push({ text: `**Configuration errors** — nothing was measured:\n${result.configErrors.map((line) => `- ${cell(line)}`).join('\n')}`, drop: 0 })
  }
  const why = [...result.reasons.map((reason) => `- ${cell(reason)}`), ...actionText(result).map((line) => `- ${cell(line)}`)]
  if (why.length) out.push({ text: `### Why\n\n${why.join('\n')}`, drop: 0 })
  if (result.stepsDiff?.length) {
    out.push({ text: `### Live steps against the plan\n\n${['```diff', ...result.stepsDiff.map((line) => line.replace(/```/g, "'''")), '```'].join('\n')}`, drop: 1 })
  }
  const next = nextSteps(result, context)
  if (next) out.push({ text: `### Next\n\n${next}`, drop: 0 })
  if (result.analyses.some((a) => a.outcome.metrics.length > 0)) out.push({ text: analysisSection(result, detail.maxRows), drop: 2 })
  if (result.steps?.length) out.push({ text: `### Steps\n\n${stepTable(result)}`, drop: 2 })
  const charts = [weightChart(result), ...metricCharts(result)].filter((chart): chart is string => chart !== undefined)
  if (charts.length) out.push({ text: `### Charts\n\n${charts.map(mermaid).join('\n\n')}`, drop: 3 })
  if (result.notes.length) out.push({ text: result.notes.map((note) => `> ${cell(note)}`).join('\n>\n'), drop: 3 })
  const details = measurementDetails(result, detail.perMetric)
  if (details) out.push({ text: details, drop: 4 })
  out.push({ text: `<sub>canary-gate · ${escapeHtml(result.command)} · ${new Date(result.finishedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}${context.runUrl ? ` · the full JSON report is in the [run's log and outputs](${context.runUrl})` : ''}</sub>`, drop: 1 })
  return out
}

function join(parts: string[]): string {
  return `${parts.join('\n\n')}\n`
}

/** The report as Markdown, cut to `limit` characters by dropping detail first. */
export function renderReport(result: GateResult, options: RenderOptions): string {
  if (result.targets) return targetsReport(result, options)
  const limit = options.limit ?? GITHUB_TEXT_LIMIT
  const head = options.marker ? [options.marker] : []
  const shortened = '\n_Shortened to fit GitHub; the JSON report has every measurement._\n'
  // Less and less detail until it fits: fewer measurements, then whole sections, lowest value first.
  let first = true
  for (const detail of [
    { perMetric: 10, maxRows: Infinity },
    { perMetric: 3, maxRows: 200 },
    { perMetric: 0, maxRows: 50 }
  ]) {
    const all = sections(result, options.context, detail)
    for (const level of [5, 4, 3, 2, 1]) {
      const text = join([...head, ...all.filter((s) => s.drop < level).map((s) => s.text)])
      if (first && text.length <= limit) return text
      first = false
      if (text.length + shortened.length <= limit) return `${text}${shortened}`
    }
  }
  const essentials = join([...head, ...sections(result, options.context, { perMetric: 0, maxRows: 0 }).filter((s) => s.drop === 0).map((s) => s.text)])
  const note = '\n\n_Cut to fit GitHub; the JSON report has the rest._\n'
  return essentials.length <= limit ? essentials : `${essentials.slice(0, limit - note.length)}${note}`
}

// ── Several regions or clusters in one gate (input targets) ──────────────────────────────────────

/** `Failed — 2 targets: eu-west promoted, us-east aborted; us-east: error-rate 2.68 > 2`. */
function targetsHeadline(result: GateResult): string {
  const targets = result.targets!
  const each = targets.map((t) => `${t.name} ${t.started ? t.result.outcome : 'not started'}`).join(', ')
  const worst = targets.find((t) => t.result.verdict === result.verdict && result.verdict !== 'Successful')
  const why = worst ? (worst.result.configErrors.length ? undefined : decidingWhy(worst.result)) : undefined
  return `${result.verdict} — ${targets.length} targets: ${each}${why ? `; ${worst!.name}: ${why}` : ''}`
}

/** Where one target stands, for the running check's title. */
function targetProgress(target: NonNullable<GateResult['targets']>[number]): string {
  if (!target.started) return 'waiting'
  const steps = target.result.steps ?? []
  const running = steps.find((s) => s.result === 'running')
  if (running) return `at step ${running.index + 1}/${steps.length}, canary ${running.weight ?? '?'}%`
  return target.result.outcome === 'none' ? 'starting' : target.result.outcome
}

/** A target's own report under its heading: its headings one level down. */
function demoted(markdown: string): string {
  let fenced = false
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced
      return !fenced && /^#{2,5} /.test(line) ? `#${line}` : line
    })
    .join('\n')
}

/** The summary table across targets first, then one section per target, each cut to its share of the limit. */
function targetsReport(result: GateResult, options: RenderOptions): string {
  const limit = options.limit ?? GITHUB_TEXT_LIMIT
  const targets = result.targets!
  const rows = targets.map((t) => [
    `${verdictIcon(t.result.verdict)} ${cell(t.name)}`,
    `${t.context ? code(t.context) : 'current context'} / ${code(t.namespace)}`,
    t.result.verdict,
    t.started ? t.result.outcome : 'not started',
    cell(truncate((t.result.configErrors.length ? undefined : decidingWhy(t.result)) ?? t.result.reasons[0] ?? '', 200)),
    t.started ? formatDuration(t.result.finishedAt - t.result.startedAt) : '–'
  ])
  const head = [
    ...(options.marker ? [options.marker] : []),
    `## ${verdictIcon(result.verdict)} ${cell(headlineText(result))}`,
    subline(result, options.context),
    `### Targets\n\n${table(['Target', 'Context / namespace', 'Verdict', 'Outcome', 'Deciding reason', 'Duration'], rows)}`,
    ...(result.reasons.length ? [`### Why\n\n${result.reasons.map((reason) => `- ${cell(reason)}`).join('\n')}`] : []),
    ...result.notes.map((note) => `> ${cell(note)}`)
  ]
  const top = join(head)
  const share = Math.max(2_000, Math.floor((limit - top.length) / Math.max(1, targets.length)) - 200)
  const sections = targets.map((t) => {
    const where = `${t.context ? `context ${code(t.context)}, ` : ''}namespace ${code(t.namespace)}`
    const body = t.started ? demoted(renderReport(t.result, { context: options.context, limit: share })) : `_${cell(t.result.reasons[0] ?? 'not started')}._\n`
    return `## ${verdictIcon(t.result.verdict)} ${cell(t.name)} — ${where}\n\n${body}`
  })
  const text = `${top}\n${sections.join('\n')}`
  const note = '\n\n_Cut to fit GitHub; the JSON report has the rest._\n'
  return text.length <= limit ? text : `${text.slice(0, limit - note.length)}${note}`
}
