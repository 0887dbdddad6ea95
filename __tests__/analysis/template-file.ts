// One AnalysisTemplate file, loaded and instantiated as a plan would be: its metrics and its
// configuration problems as users read them (`file:line: metric "x": field: message`).
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { IssueList, formatIssue } from '../../src/config-error.js'
import { instantiateMetrics } from '../../src/plan/instantiate.js'
import { loadPlanFiles } from '../../src/plan/load.js'
import { readTemplates } from '../../src/plan/templates.js'
import type { MetricSpec } from '../../src/analysis/types.js'
import { Secrets } from '../../src/secrets.js'

/** The template `t` in t.yaml: `spec` lines (indented 2) before `metrics` (indented 4). */
export function templateText(metrics: string, spec = ''): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: t
spec:
${spec}  metrics:
${metrics}
`
}

export async function instantiateFile(text: string, stepDryRun?: string[]): Promise<{ problems: string[]; metrics: MetricSpec[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-analysis-'))
  await writeFile(path.join(dir, 't.yaml'), text)
  const issues = new IssueList()
  const docs = await loadPlanFiles(['t.yaml'], dir, issues)
  const templates = readTemplates(docs, issues)
  const metrics = issues.empty
    ? instantiateMetrics(templates, { mode: 'analyze', prometheusUrl: 'http://prom:9090', secrets: new Secrets(), input: new Map(), dryRun: stepDryRun }, issues)
    : []
  return { problems: issues.issues.map(formatIssue), metrics }
}
