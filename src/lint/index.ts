// lint: the plan read as run and analyze read it, every problem they would refuse as an error and
// every rule's warning, in file and line order. Pure: documents in, findings out.
import { formatIssue, IssueList, type ConfigIssue } from '../config-error.js'
import type { SourceDocument } from '../plan/load.js'
import { readLintPlan, type LintOptions } from './plan.js'
import { warningsOf, type Finding } from './rules.js'

export type { Finding } from './rules.js'
export type { LintOptions } from './plan.js'

/** `file:line` as file and line; inputs (no line) first. */
function position(where: string): [string, number] {
  const at = /^(.+):(\d+)$/.exec(where)
  return at && !where.startsWith('input "') ? [at[1], Number(at[2])] : ['', 0]
}

export function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  const [fileA, lineA] = position(a.where)
  const [fileB, lineB] = position(b.where)
  return fileA === fileB ? lineA - lineB : fileA < fileB ? -1 : 1
}

/**
 * The findings of a plan: `loadIssues` are the problems met while its files were read (loadPlanFiles),
 * then everything run and analyze would refuse, then the warnings; each once, in file and line order.
 */
export function lintDocuments(docs: SourceDocument[], options: LintOptions, loadIssues: ConfigIssue[] = []): Finding[] {
  const issues = new IssueList()
  for (const issue of loadIssues) issues.add(issue)
  const plan = readLintPlan(docs, options, issues)
  const errors: Finding[] = issues.issues.map((issue) => ({ ...issue, level: 'error' }))
  const seen = new Set(errors.map(formatIssue))
  // The same template in two steps has the same warnings: each is said once.
  const warnings = warningsOf(plan).filter((warning) => {
    const line = formatIssue(warning)
    if (seen.has(line)) return false
    seen.add(line)
    return true
  })
  return [...errors, ...warnings].sort(byPosition)
}
