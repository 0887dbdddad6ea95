// The checks analyze makes before it measures. A metric that cannot finish before the run's timeout
// can never pass: it is refused at its count line, with the numbers (run does the same for each
// analysis step). An args input that no template declares would silently change nothing.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { systemClock } from '../../src/clock.js'
import { analyze } from '../../src/commands/analyze.js'
import { checkTimeBudget } from '../../src/commands/checks.js'
import { ConfigError, formatIssue, IssueList } from '../../src/config-error.js'
import { readInputs } from '../../src/inputs.js'
import { memoryLogger } from '../../src/log.js'
import { instantiateMetrics } from '../../src/plan/instantiate.js'
import { parseDocuments } from '../../src/plan/load.js'
import { formatSpan } from '../../src/plan/duration.js'
import { readTemplates } from '../../src/plan/templates.js'
import { Secrets } from '../../src/secrets.js'

const template = (metrics: string) => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: budget}
spec:
  metrics:
${metrics}`

const metric = (name: string, fields: string) => `    - name: ${name}
${fields
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
      successCondition: result[0] < 0.01
      provider:
        prometheus: {address: 'http://prom:9090', query: up}
`

/** Runs command analyze on the plan text; it must stop at its configuration check. */
async function analyzeProblems(text: string, inputs: Record<string, string> = {}): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-budget-'))
  try {
    await writeFile(path.join(dir, 'plan.yaml'), text)
    const secrets = new Secrets()
    const values: Record<string, string> = { command: 'analyze', plan: 'plan.yaml', ...inputs }
    const context = { inputs: readInputs((name) => values[name] ?? '', secrets), clock: systemClock, log: memoryLogger(), secrets, cwd: dir, signal: new AbortController().signal }
    const error = await analyze(context).then(
      () => undefined,
      (e: unknown) => e
    )
    if (!(error instanceof ConfigError)) throw new Error(`expected a configuration error, got ${String(error)}`)
    return error.issues.map(formatIssue)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('count × interval against the timeout', () => {
  it('refuses count 1e9 at its line, with the numbers', async () => {
    const text = template(metric('huge', 'interval: 1m\ncount: 1e9') + metric('fine', 'interval: 1m\ncount: 5'))
    expect(await analyzeProblems(text)).toEqual(['plan.yaml:8: metric "huge": count: (count 1000000000 − 1) × interval 1m = 1902 years > timeout 1h: the last measurement would come after the run\'s timeout; lower the count or the interval, or raise the timeout input'])
  })

  it('counts the initial delay, and measures against the timeout input', async () => {
    const text = template(metric('slow', 'initialDelay: 5m\ninterval: 10m\ncount: 3'))
    expect(await analyzeProblems(text, { timeout: '20m' })).toEqual([
      'plan.yaml:9: metric "slow": count: initialDelay 5m + (count 3 − 1) × interval 10m = 25m > timeout 20m: the last measurement would come after the run\'s timeout; lower the count or the interval, or raise the timeout input'
    ])
  })

  it('refuses a last measurement due exactly at the timeout, since measuring takes time too', async () => {
    expect(await analyzeProblems(template(metric('edge', 'interval: 1m\ncount: 61')))).toEqual([expect.stringMatching(/^plan\.yaml:8: metric "edge": count: \(count 61 − 1\) × interval 1m = 1h ≥ timeout 1h: /)])
  })

  it('refuses an initial delay beyond the timeout at its line', async () => {
    expect(await analyzeProblems(template(metric('late', 'initialDelay: 2h')), { 'prometheus-url': '' })).toEqual([
      'plan.yaml:7: metric "late": initialDelay: initialDelay 2h > timeout 1h: the last measurement would come after the run\'s timeout; lower the initialDelay, or raise the timeout input'
    ])
  })

  it('accepts a plan that fits, and leaves metrics without a count (background analyses) alone', () => {
    const issues = new IssueList()
    const secrets = new Secrets()
    const docs = parseDocuments(template(metric('fits', 'interval: 1m\ncount: 60') + metric('background', 'interval: 1m')), 'plan.yaml', issues)
    const templates = readTemplates(docs, issues)
    const metrics = instantiateMetrics(templates, { mode: 'run', secrets, input: new Map() }, issues)
    checkTimeBudget(metrics, templates, 3_600_000, issues)
    expect(issues.issues.map(formatIssue)).toEqual([])
    expect(metrics.map((m) => m.count)).toEqual([60, undefined])
  })

  it('writes long spans in days and years', () => {
    expect([formatSpan(90_000), formatSpan(3 * 86_400_000 + 5), formatSpan(999_999_999 * 60_000)]).toEqual(['1m 30s', '3 days', '1902 years'])
  })
})

describe('the args input against the plan', () => {
  const withArgs = template(metric('error-rate', 'successCondition: result[0] < {{args.error-threshold}}').replace(/\n      successCondition: result\[0\] < 0\.01/, '')).replace(
    'spec:\n',
    'spec:\n  args:\n    - name: app-name\n    - name: error-threshold\n      value: "2"\n'
  )

  it('refuses an arg no template declares, since a misspelt override would leave the default in force', async () => {
    expect(await analyzeProblems(withArgs, { args: 'app-name=vote\nerror-treshold=1\nregion=eu' })).toEqual([
      'input "args": "error-treshold" is declared by no template in the plan, so it would change nothing (did you mean "error-threshold"?)',
      'input "args": "region" is declared by no template in the plan, so it would change nothing (declared: app-name, error-threshold)'
    ])
  })

  it('accepts args declared by a template the templates input did not choose', async () => {
    const other = withArgs.replace('name: budget', 'name: other').replace('- name: app-name', '- name: region')
    // a metric that cannot finish stops analyze before it measures; it is the only problem
    const plan = `${withArgs}${metric('endless', 'interval: 1m\ncount: 1000')}---\n${other}`
    expect(await analyzeProblems(plan, { args: 'app-name=vote\nregion=eu', templates: 'budget' })).toEqual([expect.stringMatching(/^plan\.yaml:\d+: metric "endless": count: \(count 1000 − 1\)/)])
  })
})

describe('every problem once', () => {
  it('reports a mistake in a template used by two analysis steps once', () => {
    const issues = new IssueList()
    const secrets = new Secrets()
    const templates = readTemplates(parseDocuments(template(metric('endless', 'interval: 1m\ncount: 1000')), 'plan.yaml', issues), issues)
    // as run checks each analysis step of a Rollout that names the template twice
    for (let step = 0; step < 2; step++) checkTimeBudget(instantiateMetrics(templates, { mode: 'run', secrets, input: new Map() }, issues), templates, 3_600_000, issues)
    expect(issues.issues.map(formatIssue)).toEqual([expect.stringMatching(/^plan\.yaml:8: metric "endless": count: /)])
  })
})
