// What lint warns about: plans run and analyze accept, that do something people rarely mean. Each
// rule is a pure function of the plan as read (plan.ts) to findings at file and line; none measures
// or reads the cluster. What run or analyze would refuse is an error, found by their own checks.
import type { ConfigIssue } from '../config-error.js'
import { fieldPath, type AnalysisTemplate, type TemplateMetric } from '../plan/templates.js'
import { neverFalse, neverTrue } from './conditions.js'
import { sourceOf, type LintPlan } from './plan.js'

export interface Finding extends ConfigIssue {
  level: 'error' | 'warning'
}

export type Rule = (plan: LintPlan) => ConfigIssue[]

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g

function placeholders(value: unknown): string[] {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1])
}

function at(metric: TemplateMetric, field: string): string {
  return metric.doc.at([...metric.path, field])
}

/**
 * A metric that can never fail passes every regression: its failureCondition is never true, or
 * (without one) its successCondition is never false, or failureLimit -1 with no count lets it
 * measure until stopped without failing. Only what the condition's own text proves is reported
 * (conditions.ts), and never on a value the cluster gives at run time.
 */
export const metricNeverFails: Rule = (plan) => {
  const found: ConfigIssue[] = []
  for (const analysis of plan.analyses) {
    for (const metric of analysis.metrics) {
      if (metric.dryRun || metric.judge || metric.thresholdRange || metric.provider.kind === 'job') continue
      const source = sourceOf(metric, analysis.templates)
      if (!source) continue
      const subject = `metric "${source.raw.name}"`
      const deferred = analysis.deferred.get(metric.template) ?? new Set()
      const known = (raw: unknown): boolean => !placeholders(raw).some((name) => deferred.has(name))
      if (metric.failureLimit === -1 && metric.count === undefined) {
        found.push({ where: at(source, 'failureLimit'), subject, field: 'failureLimit', message: 'is -1 (no limit) and the metric has no count: it measures until the analysis stops and can never fail; give it a failureLimit, or a count' })
        continue
      }
      if (metric.failureCondition && known(source.raw.failureCondition)) {
        const why = neverTrue(metric.failureCondition.expr)
        if (why) {
          found.push({ where: at(source, 'failureCondition'), subject, field: 'failureCondition', message: `${metric.failureCondition.source} can never be true (${why}), so the metric can never fail` })
        }
      } else if (!metric.failureCondition && metric.successCondition && known(source.raw.successCondition)) {
        const why = neverFalse(metric.successCondition.expr)
        if (why) {
          found.push({ where: at(source, 'successCondition'), subject, field: 'successCondition', message: `${metric.successCondition.source} can never be false (${why}) and there is no failureCondition, so the metric can never fail` })
        }
      }
    }
  }
  return found
}

/** Every metric of the plan once, as written (composed templates repeat their members'). */
function planMetrics(templates: AnalysisTemplate[]): TemplateMetric[] {
  const seen = new Map<string, TemplateMetric>()
  for (const template of templates) for (const metric of template.metrics) seen.set(metric.doc.at(metric.path), metric)
  return [...seen.values()]
}

/**
 * A count with no interval. count > 1 is refused (run and analyze: it needs an interval); count 0
 * reads as "until stopped", yet without an interval Argo (and canary-gate) take one measurement; a
 * count from an arg is not known until the run.
 */
export const countWithoutInterval: Rule = (plan) => {
  const found: ConfigIssue[] = []
  for (const metric of planMetrics(plan.templates)) {
    const { count, interval, name } = metric.raw
    if (interval !== undefined || count === undefined) continue
    const subject = `metric "${name}"`
    if (count === 0 || (typeof count === 'string' && count.trim() === '0')) {
      found.push({ where: at(metric, 'count'), subject, field: 'count', message: 'is 0 (unlimited) with no interval: the metric is measured once, not until the analysis stops; give it an interval' })
    } else if (typeof count === 'string' && placeholders(count).length > 0) {
      found.push({ where: at(metric, 'count'), subject, field: 'count', message: `comes from ${count.trim()} and the metric has no interval: any count above 1 will be refused when the value is known; give it an interval` })
    }
  }
  return found
}

/** The args a template's metrics read through `{{args.name}}`. */
function usedArgs(template: AnalysisTemplate): Set<string> {
  return new Set(template.metrics.flatMap((metric) => placeholders(metric.raw)))
}

/**
 * Args given and never used: a step arg no template of the step declares, or one declared that no
 * metric reads; an args input that no metric reads (one no template declares is refused by run and
 * analyze). Such a value changes nothing, and was likely meant to.
 */
export const unusedArgs: Rule = (plan) => {
  const found: ConfigIssue[] = []
  for (const analysis of plan.analyses) {
    if (!analysis.stepArgs || !analysis.complete) continue
    const declaring = (name: string): AnalysisTemplate[] => analysis.templates.filter((t) => t.args.some((arg) => arg.name === name))
    analysis.stepArgs.args.forEach((arg, index) => {
      const where = analysis.stepArgs!.where(index)
      const names = analysis.templates.map((t) => `"${t.name}"`).join(', ')
      const declared = declaring(arg.name)
      if (declared.length === 0) {
        found.push({ where, subject: analysis.label, field: `args[${index}]`, message: `arg "${arg.name}" is declared by no template of this step (${names}), so its value changes nothing` })
      } else if (!declared.some((t) => usedArgs(t).has(arg.name))) {
        found.push({ where, subject: analysis.label, field: `args[${index}]`, message: `arg "${arg.name}" is declared by ${declared.map((t) => `"${t.name}"`).join(', ')}, but no metric reads {{args.${arg.name}}}, so its value changes nothing` })
      }
    })
  }
  const used = new Set(plan.templates.flatMap((t) => [...usedArgs(t)]))
  const declared = new Set(plan.templates.flatMap((t) => t.args.map((arg) => arg.name)))
  for (const name of plan.options.args.keys()) {
    if (declared.has(name) && !used.has(name)) found.push({ where: 'input "args"', message: `"${name}" is declared, but no metric reads {{args.${name}}}, so its value changes nothing` })
  }
  return found
}

/**
 * A pause without a duration before the last step waits for a human to promote; the gate's run
 * waits with it, until its timeout. The last step's is the usual "hold before full promotion".
 */
export const pauseWithoutDuration: Rule = (plan) => {
  const found: ConfigIssue[] = []
  for (const rollout of plan.rollouts) {
    // The steps as written: a step with problems (reported as an error) still counts in the order.
    const steps = (rollout.doc.value.spec as { strategy?: { canary?: { steps?: unknown[] } } } | undefined)?.strategy?.canary?.steps ?? []
    steps.forEach((step, index) => {
      if (index === steps.length - 1 || !step || typeof step !== 'object' || Object.keys(step).length !== 1) return
      const pause = (step as { pause?: unknown }).pause
      if (pause === undefined || (pause !== null && typeof pause === 'object' && (pause as { duration?: unknown }).duration !== undefined)) return
      if (pause !== null && typeof pause !== 'object') return
      const path = ['spec', 'strategy', 'canary', 'steps', index, 'pause']
      found.push({
        where: rollout.doc.at(path),
        subject: `rollout "${rollout.name}"`,
        field: fieldPath(path),
        message: `step ${index + 1} of ${steps.length} pauses until someone promotes the rollout; the gate's run waits with it until its timeout. Give it a duration, or make it an analysis step`
      })
    })
  }
  return found
}

export const RULES: ReadonlyArray<{ name: string; rule: Rule }> = [
  { name: 'metric-never-fails', rule: metricNeverFails },
  { name: 'count-without-interval', rule: countWithoutInterval },
  { name: 'unused-args', rule: unusedArgs },
  { name: 'pause-without-duration', rule: pauseWithoutDuration }
]

/** Every rule's warnings, in file and line order. */
export function warningsOf(plan: LintPlan): Finding[] {
  return RULES.flatMap(({ rule }) => rule(plan)).map((issue) => ({ ...issue, level: 'warning' as const }))
}
