// Checks of the metrics a command is about to run, made before anything is measured.
import type { MetricSpec } from '../analysis/types.js'
import type { IssueList } from '../config-error.js'
import { formatDuration, formatSpan } from '../plan/duration.js'
import type { RolloutPlan } from '../plan/rollout.js'
import { suggestion, topLevelTemplates, withoutRepeats, type AnalysisTemplate } from '../plan/templates.js'
import type { CommandContext } from './context.js'

/** Metrics that would run until stopped cannot give a verdict on their own. */
export function checkFinite(metrics: MetricSpec[], where: string, issues: IssueList): void {
  for (const metric of metrics) {
    if (metric.count === undefined) {
      issues.add({
        where: metric.location,
        subject: `metric "${metric.name}"`,
        field: 'count',
        message: `has an interval but no count, so it would measure until stopped; give it a count for ${where}`
      })
    }
  }
}

/** `file:line` of one field of the metric, found through the template it came from. */
function fieldAt(metric: MetricSpec, templates: AnalysisTemplate[], field: string): string {
  for (const template of templates) {
    if (template.name !== metric.template) continue
    const source = template.metrics.find((m) => m.doc.at(m.path) === metric.location)
    if (source) return source.doc.at([...source.path, field])
  }
  return metric.location
}

/**
 * A metric whose last measurement comes after the run's timeout can never pass: the run would
 * wait the whole timeout and end in Error. Its first measurement is at initialDelay and each next
 * one an interval later; measuring takes time too, so reaching the timeout exactly is too late.
 * Metrics without a count (a background analysis) run until stopped and are not bounded here.
 * Used by analyze, and by run for every analysis step.
 */
export function checkTimeBudget(metrics: MetricSpec[], templates: AnalysisTemplate[], timeoutMs: number, issues: IssueList): void {
  for (const metric of metrics) {
    if (metric.count === undefined) continue
    const repeats = metric.intervalMs === undefined ? 0 : (metric.count - 1) * metric.intervalMs
    const needed = metric.initialDelayMs + repeats
    if (needed < timeoutMs) continue
    const terms = [
      ...(metric.initialDelayMs > 0 ? [`initialDelay ${formatSpan(metric.initialDelayMs)}`] : []),
      ...(repeats > 0 ? [`(count ${metric.count} − 1) × interval ${formatDuration(metric.intervalMs!)}`] : [])
    ]
    const sum = terms.length > 1 || repeats > 0 ? `${terms.join(' + ')} = ${formatSpan(needed)}` : terms[0]
    issues.add({
      where: fieldAt(metric, templates, repeats > 0 ? 'count' : 'initialDelay'),
      subject: `metric "${metric.name}"`,
      field: repeats > 0 ? 'count' : 'initialDelay',
      message: `${sum} ${needed > timeoutMs ? '>' : '≥'} timeout ${formatDuration(timeoutMs)}: the last measurement would come after the run's timeout; lower ${repeats > 0 ? 'the count or the interval' : 'the initialDelay'}, or raise the timeout input`
    })
  }
}

/**
 * Every arg of the args input must be declared by a template of the plan: one that none declares
 * is never substituted, so a misspelt override (`error-treshold=1`) would leave the template's
 * default in force without a word. `templates` is the whole plan, not only the templates chosen.
 */
export function checkArgsInput(args: Map<string, string>, templates: AnalysisTemplate[], issues: IssueList): void {
  const declared = new Set(templates.flatMap((template) => template.args.map((arg) => arg.name)))
  for (const name of args.keys()) {
    if (declared.has(name)) continue
    issues.add({
      where: 'input "args"',
      message: `"${name}" is declared by no template in the plan, so it would change nothing${suggestion(name, declared) || ` (declared: ${[...declared].join(', ') || 'none'})`}`
    })
  }
}

/** Credentials the chosen metrics need, named by input. */
export function checkCredentials(metrics: MetricSpec[], context: CommandContext, issues: IssueList): void {
  const newRelic = metrics.filter((m) => m.provider.kind === 'newRelic')
  if (newRelic.length === 0) return
  const names = newRelic.map((m) => m.name).join(', ')
  if (!context.inputs.newRelic.apiKey) issues.add({ where: 'input "newrelic-api-key"', message: `is required by the newRelic metrics ${names}` })
  if (context.inputs.newRelic.accountId === undefined) {
    issues.add({ where: 'input "newrelic-account-id"', message: `is required by the newRelic metrics ${names}` })
  }
}

/**
 * The templates analyze runs: those the templates input names, or (without it) every template no
 * other is made of. `documents` is the number of template documents in the plan. Used by analyze and lint.
 */
export function selectTemplates(all: AnalysisTemplate[], wanted: string[], documents: number, issues: IssueList): AnalysisTemplate[] {
  if (documents === 0) {
    issues.add({ where: 'input "plan"', message: 'holds no AnalysisTemplate or ClusterAnalysisTemplate' })
    return []
  }
  // All: the templates no other is made of, so a template composed into another runs once.
  if (wanted.length === 0) return topLevelTemplates(all)
  const selected: AnalysisTemplate[] = []
  for (const name of wanted) {
    const found = all.filter((t) => t.name === name)
    if (found.length === 0) {
      issues.add({ where: 'input "templates"', message: `no template "${name}" in the plan (it has: ${all.map((t) => t.name).join(', ') || 'none without errors'})` })
    }
    selected.push(...found)
  }
  return withoutRepeats(selected)
}

/**
 * A Deployment's steps are run by canary-gate itself: setWeight, timed pauses and analyses. A step
 * only Argo's controller runs, or a pause that waits for a human to promote, would hold the run until
 * its timeout.
 */
export function checkGateDrivenSteps(plan: RolloutPlan, issues: IssueList): void {
  plan.steps.forEach((step, index) => {
    const where = plan.doc.at(['spec', 'strategy', 'canary', 'steps', index])
    if (step.kind === 'other') issues.add({ where, subject: `step ${index + 1}`, message: `${step.name} is run by the Argo controller; with target-kind deployment canary-gate runs setWeight, timed pause and analysis steps` })
    else if (step.kind === 'pause' && step.durationMs === undefined) {
      issues.add({ where, subject: `step ${index + 1}`, message: 'an indefinite pause waits for a human to promote, which a Deployment target cannot do yet: give it a duration, or make it an analysis step' })
    }
  })
}
