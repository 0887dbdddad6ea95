// command: analyze — run the plan's analysis templates once, against the metrics backends only.
// Nothing in the cluster is read or changed: this is the PR check and the pre-deploy gate.
import { runAnalysis } from '../analysis/engine.js'
import { IssueList } from '../config-error.js'
import { instantiateMetrics } from '../plan/instantiate.js'
import { loadPlanFiles } from '../plan/load.js'
import { readTemplates, TEMPLATE_KINDS } from '../plan/templates.js'
import type { GateResult } from '../report/model.js'
import { formatDuration } from '../plan/duration.js'
import { checkArgsInput, checkCredentials, checkFinite, checkTimeBudget, selectTemplates } from './checks.js'
import type { CommandContext } from './context.js'
import { providersFor } from './providers.js'

export async function analyze(context: CommandContext): Promise<GateResult> {
  const { inputs, clock, log, secrets } = context
  const startedAt = clock.now()
  const { templates, metrics } = await log.group('Loading the plan', async () => {
    const issues = new IssueList()
    const docs = await loadPlanFiles(inputs.plan, context.cwd, issues)
    const templateDocs = docs.filter((doc) => TEMPLATE_KINDS.has(doc.kind)).length
    const planTemplates = readTemplates(docs, issues)
    const templates = selectTemplates(planTemplates, inputs.templates, templateDocs, issues)
    // A template that could not be read declares no args: checking against the others would only add noise.
    if (planTemplates.length === templateDocs) checkArgsInput(inputs.args, planTemplates, issues)
    const metrics = instantiateMetrics(templates, { mode: 'analyze', prometheusUrl: inputs.prometheusUrl, secrets, input: inputs.args }, issues)
    checkFinite(metrics, 'analyze', issues)
    checkTimeBudget(metrics, templates, inputs.timeoutMs, issues)
    checkCredentials(metrics, context, issues)
    issues.throwIfAny()
    return { templates, metrics }
  })

  log.info(
    `Analyzing ${metrics.length} metric${metrics.length === 1 ? '' : 's'} from ${templates.map((t) => t.name).join(', ')} (timeout ${formatDuration(inputs.timeoutMs)}); nothing in the cluster is touched`
  )
  const planned = metrics.map(
    (m) => `${m.name}: ${m.provider.kind} ${m.query.replace(/\s+/g, ' ')} — count ${m.count}, interval ${m.intervalMs === undefined ? '–' : formatDuration(m.intervalMs)}`
  )
  for (const line of planned) log.info(`  ${line}`)
  const providerFor = providersFor(context)
  const running = runAnalysis({
    metrics,
    providerFor,
    clock,
    log,
    signal: context.signal,
    deadline: startedAt + inputs.timeoutMs,
    label: 'analyze'
  })
  // The measurements are under way: now the check can show what is being measured.
  context.progress?.({
    command: 'analyze',
    verdict: 'Inconclusive',
    outcome: 'none',
    reasons: [`${metrics.length} metric${metrics.length === 1 ? '' : 's'} of ${templates.map((t) => t.name).join(', ')}`],
    startedAt,
    finishedAt: clock.now(),
    analyses: [],
    configErrors: [],
    notes: planned
  })
  const outcome = await log.group(`Analysis of ${templates.map((t) => t.name).join(', ')}`, () => running)
  const reasons = context.signal.aborted ? ['the workflow was cancelled before the analysis finished', ...outcome.reasons] : outcome.reasons
  return {
    command: 'analyze',
    verdict: outcome.verdict,
    outcome: 'none',
    reasons,
    startedAt,
    finishedAt: clock.now(),
    analyses: [{ label: 'analyze', templates: templates.map((t) => t.name), outcome }],
    configErrors: [],
    notes: []
  }
}
