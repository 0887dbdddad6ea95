// command: lint — read the plan as run and analyze would and report every problem at once, each as
// an annotation on its file and line (warnings for what is legal but dangerous). Nothing is
// measured, no cluster is read and no credential is needed: the check for a pull request.
import { formatIssue, IssueList } from '../config-error.js'
import { lintDocuments, type Finding } from '../lint/index.js'
import { PLAN_READER } from '../plan/flagger/documents.js'
import { loadPlanFiles } from '../plan/load.js'
import type { Annotation } from '../runner.js'
import type { GateResult } from '../report/model.js'
import type { CommandContext } from './context.js'

/** A finding's annotation: on its file and line; one about an input has none. */
function annotationOf(finding: Finding): Annotation | undefined {
  const at = /^(.+):(\d+)$/.exec(finding.where)
  if (!at || finding.where.startsWith('input "')) return undefined
  return { file: at[1], startLine: Number(at[2]), title: `canary-gate lint ${finding.level}` }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

export async function lint(context: CommandContext): Promise<GateResult> {
  const { inputs, clock, log, secrets } = context
  const startedAt = clock.now()
  const findings = await log.group('Linting the plan', async () => {
    const loading = new IssueList()
    const docs = await loadPlanFiles(inputs.plan, context.cwd, loading, PLAN_READER)
    const found = lintDocuments(
      docs,
      { args: inputs.args, rollout: inputs.rollout ?? inputs.deployment, templates: inputs.templates, timeoutMs: inputs.timeoutMs, targetKind: inputs.targetKind, namespace: inputs.namespace, prometheusUrl: inputs.prometheusUrl, secrets },
      loading.issues
    )
    const files = new Set(docs.map((doc) => doc.file))
    log.info(`Read ${plural(docs.length, 'document')} from ${plural(files.size, 'file')}`)
    return found
  })
  for (const finding of findings) {
    const line = formatIssue(finding)
    if (finding.level === 'error') log.error(line, annotationOf(finding))
    else log.warning(line, annotationOf(finding))
  }
  const errors = findings.filter((f) => f.level === 'error').map(formatIssue)
  const warnings = findings.filter((f) => f.level === 'warning').map(formatIssue)
  const counted = `${plural(errors.length, 'error')} and ${plural(warnings.length, 'warning')}`
  return {
    command: 'lint',
    verdict: errors.length > 0 ? 'Error' : 'Successful',
    outcome: 'none',
    reasons: [errors.length > 0 ? `the plan has ${counted}: run and analyze would refuse it` : warnings.length > 0 ? `the plan is valid, with ${plural(warnings.length, 'warning')}` : 'the plan is valid, with no warnings'],
    startedAt,
    finishedAt: clock.now(),
    analyses: [],
    configErrors: errors,
    notes: warnings.map((warning) => `warning: ${warning}`)
  }
}
