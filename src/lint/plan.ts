// The plan as run and analyze read it, for lint: every Rollout (each alone, or the one the rollout
// input names), every analysis step's metrics with the args that step passes, Flagger's Canaries, and
// (for a plan of templates only) the templates analyze would run. What run and analyze would refuse
// goes to `issues`, through their own readers and checks; values the cluster gives at run time
// (valueFrom, secrets) are stand-ins, and credentials are not asked for.
import type { MetricSpec } from '../analysis/types.js'
import { checkArgsInput, checkFinite, checkGateDrivenSteps, checkTimeBudget, selectTemplates } from '../commands/checks.js'
import { IssueList } from '../config-error.js'
import { deferredArgs } from '../kube/args.js'
import { readFlaggerPlans, type FlaggerPlan } from '../plan/flagger/read.js'
import { DEFERRED_SOURCE, instantiateMetrics, resolveArgs, type ArgContext } from '../plan/instantiate.js'
import type { SourceDocument } from '../plan/load.js'
import { readRolloutPlan, type AnalysisGate, type RolloutPlan } from '../plan/rollout.js'
import type { RawStepArg } from '../plan/schema.js'
import { readTemplates, TEMPLATE_KINDS, topLevelTemplates, type AnalysisTemplate, type TemplateMetric } from '../plan/templates.js'
import { SECRET_NAME, type Secrets } from '../secrets.js'

export interface LintOptions {
  /** The args input. */
  args: Map<string, string>
  /** The rollout input: lint that Rollout only (as run would pick it); default: every Rollout. */
  rollout?: string
  /** The templates input: the templates analyze would run. */
  templates: string[]
  timeoutMs: number
  /** target-kind: a Deployment's steps are run by canary-gate itself, which runs fewer kinds of step. */
  targetKind?: 'rollout' | 'deployment'
  /** Where Flagger documents without a namespace live. */
  namespace: string
  /** The prometheus-url input; without it metrics that name no address are given a stand-in. */
  prometheusUrl?: string
  secrets: Secrets
}

/** The address metrics without one are checked with when lint has no prometheus-url: lint measures nothing. */
export const STAND_IN_PROMETHEUS = 'http://prometheus-url.input.invalid'

/** One analysis as it would run: an analysis step, a background analysis, or analyze's templates. */
export interface LintAnalysis {
  /** `rollout "vote" step 3`, `rollout "vote" background analysis`, `analyze`. */
  label: string
  templates: AnalysisTemplate[]
  metrics: MetricSpec[]
  /** The args the step passes, with where each is written. */
  stepArgs?: { args: RawStepArg[]; where: (index: number) => string }
  /** The step names only templates the plan has (its args can be checked against them). */
  complete: boolean
  /** Per template, the args whose value the cluster gives at run time (lint sees a stand-in). */
  deferred: Map<string, Set<string>>
}

export interface LintPlan {
  docs: SourceDocument[]
  templates: AnalysisTemplate[]
  rollouts: RolloutPlan[]
  flagger: FlaggerPlan[]
  analyses: LintAnalysis[]
  options: LintOptions
}

/** The template metric a metric of an analysis came from (composed templates hold other files' metrics). */
export function sourceOf(metric: MetricSpec, templates: AnalysisTemplate[]): TemplateMetric | undefined {
  for (const template of templates) {
    if (template.name !== metric.template) continue
    const found = template.metrics.find((m) => m.doc.at(m.path) === metric.location)
    if (found) return found
  }
  return undefined
}

/**
 * The args as run (or analyze) resolves them, with valueFrom read later: a stand-in now. A secret arg
 * that only the args input gives (`api-token=${{ secrets.… }}`) is a stand-in too, so lint needs no
 * credentials; every other arg without a value is refused, as run and analyze refuse it.
 */
function argContext(templates: AnalysisTemplate[], options: LintOptions, stepArgs?: LintAnalysis['stepArgs'], everyMissing = false): ArgContext {
  const given = new Set([...options.args.keys(), ...(stepArgs?.args ?? []).map((arg) => arg.name)])
  const standIns: RawStepArg[] = templates.flatMap((template) =>
    template.args
      .filter((arg) => arg.value === undefined && !arg.valueFrom && !given.has(arg.name) && (everyMissing || SECRET_NAME.test(arg.name)))
      .map((arg) => ({ name: arg.name, valueFrom: { secretKeyRef: { name: 'lint-stand-in', key: arg.name } } }) as RawStepArg)
  )
  const where = stepArgs?.where ?? (() => 'input "args"')
  return {
    input: options.args,
    stepArgs: stepArgs || standIns.length > 0 ? { args: [...(stepArgs?.args ?? []), ...standIns], where } : undefined,
    resolveValueFrom: deferredArgs,
    secrets: options.secrets
  }
}

function deferredOf(templates: AnalysisTemplate[], context: ArgContext): Map<string, Set<string>> {
  const deferred = new Map<string, Set<string>>()
  for (const template of templates) {
    // Problems were reported when the metrics were made; this only asks where each value comes from.
    const values = resolveArgs(template, context, new IssueList())
    deferred.set(template.name, new Set([...values].filter(([, value]) => value.source === DEFERRED_SOURCE).map(([name]) => name)))
  }
  return deferred
}

/**
 * instantiateMetrics tells a template with problems by the issues it adds: a second step naming the
 * same template adds only repeats, which the list drops, so each analysis gets a list of its own.
 */
function merge(from: IssueList, into: IssueList): void {
  for (const issue of from.issues) into.add(issue)
}

function gateAnalysis(plan: RolloutPlan, gate: AnalysisGate, label: string, templates: AnalysisTemplate[], options: LintOptions, issues: IssueList): LintAnalysis {
  const stepArgs = { args: gate.ref.args ?? [], where: (index: number) => plan.doc.at([...gate.path, 'args', index]) }
  const context = argContext(gate.templates, options, stepArgs)
  const own = new IssueList()
  const metrics = instantiateMetrics(
    gate.templates,
    {
      mode: 'run',
      prometheusUrl: options.prometheusUrl ?? STAND_IN_PROMETHEUS,
      ...context,
      dryRun: (gate.ref.dryRun ?? []).map((entry) => entry.metricName),
      dryRunWhere: (index) => plan.doc.at([...gate.path, 'dryRun', index, 'metricName'])
    },
    own
  )
  merge(own, issues)
  const complete = gate.ref.templates.every((ref) => templates.some((t) => t.name === ref.templateName && (t.kind === 'ClusterAnalysisTemplate') === Boolean(ref.clusterScope)))
  return { label, templates: gate.templates, metrics, stepArgs, complete, deferred: deferredOf(gate.templates, context) }
}

/** The Rollouts run would drive: the one the rollout input names, or each of the plan's on its own. */
function readRollouts(docs: SourceDocument[], templates: AnalysisTemplate[], options: LintOptions, issues: IssueList): RolloutPlan[] {
  const rollouts = docs.filter((doc) => doc.kind === 'Rollout')
  if (rollouts.length === 0) return []
  if (options.rollout !== undefined) {
    const plan = readRolloutPlan(docs, options.rollout, templates, issues)
    return plan ? [plan] : []
  }
  // Overlays keep a Rollout of one name per environment: each is a plan of its own for run.
  return rollouts.flatMap((doc) => readRolloutPlan([doc], doc.name, templates, issues) ?? [])
}

/** Reads the documents into the analyses run and analyze would make; what they would refuse goes to `issues`. */
export function readLintPlan(docs: SourceDocument[], options: LintOptions, issues: IssueList): LintPlan {
  const templateDocs = docs.filter((doc) => TEMPLATE_KINDS.has(doc.kind)).length
  const templates = readTemplates(docs, issues)
  // Only when every template read cleanly: otherwise an arg may belong to one with errors.
  if (templates.length === templateDocs) checkArgsInput(options.args, templates, issues)
  const flagger = readFlaggerPlans(docs, issues, { namespace: options.namespace })
  const rollouts = readRollouts(docs, templates, options, issues)
  const analyses: LintAnalysis[] = []
  for (const plan of rollouts) {
    if (options.targetKind === 'deployment') checkGateDrivenSteps(plan, issues)
    plan.steps.forEach((step, index) => {
      if (step.kind !== 'analysis') return
      const analysis = gateAnalysis(plan, step.gate, `rollout "${plan.name}" step ${index + 1}`, templates, options, issues)
      checkFinite(analysis.metrics, 'an analysis step', issues)
      checkTimeBudget(analysis.metrics, step.gate.templates, options.timeoutMs, issues)
      analyses.push(analysis)
    })
    // A background analysis runs until the rollout ends: no count is needed, none is bounded.
    if (plan.background) analyses.push(gateAnalysis(plan, plan.background, `rollout "${plan.name}" background analysis`, templates, options, issues))
  }
  const drives = docs.some((doc) => doc.kind === 'Rollout' || doc.kind === 'Canary')
  if (!drives || options.templates.length > 0) {
    // A plan of templates only is analyze's: its templates, as analyze would choose and run them.
    if (docs.length === 0 && issues.empty) {
      issues.add({ where: 'input "plan"', message: 'holds no document canary-gate reads (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, Flagger Canary or MetricTemplate)' })
    } else if (templateDocs > 0 || options.templates.length > 0) {
      const chosen = selectTemplates(templates, options.templates, templateDocs, issues)
      const context = argContext(chosen, options)
      const own = new IssueList()
      const metrics = instantiateMetrics(chosen, { mode: 'analyze', prometheusUrl: options.prometheusUrl ?? STAND_IN_PROMETHEUS, ...context }, own)
      merge(own, issues)
      checkFinite(metrics, 'analyze', issues)
      checkTimeBudget(metrics, chosen, options.timeoutMs, issues)
      analyses.push({ label: 'analyze', templates: chosen, metrics, complete: true, deferred: deferredOf(chosen, context) })
    }
  }
  // Templates no analysis runs (kept for another Rollout, or for analyze): their metrics are checked
  // too, every arg they lack a stand-in, so a broken condition is found before anything names them.
  const covered = new Set(analyses.flatMap((analysis) => analysis.templates.flatMap((t) => t.members)))
  const rest = templates.filter((t) => !t.members.some((key) => covered.has(key)))
  if (rest.length > 0) {
    const own = new IssueList()
    for (const template of topLevelTemplates(rest)) instantiateMetrics([template], { mode: 'run', prometheusUrl: options.prometheusUrl ?? STAND_IN_PROMETHEUS, ...argContext([template], options, undefined, true) }, own)
    merge(own, issues)
  }
  return { docs, templates, rollouts, flagger, analyses, options }
}
