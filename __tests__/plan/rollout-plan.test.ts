// The seed's Rollout read as a step plan: analysis steps become the pauses canary-gate resolves.
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { loadPlanFiles, parseDocuments } from '../../src/plan/load.js'
import { readRolloutPlan, stepsDiff, describeStep, sameJson } from '../../src/plan/rollout.js'
import { readTemplates } from '../../src/plan/templates.js'
import { jobName, resultFromLog, slug } from '../../src/providers/job.js'
import { ROOT } from '../../emulators/runner.js'

async function seedPlan(files: string[]) {
  const issues = new IssueList()
  const docs = await loadPlanFiles(files, ROOT, issues)
  const templates = readTemplates(docs, issues)
  const plan = readRolloutPlan(docs, 'vote', templates, issues)
  return { plan, problems: issues.issues.map(formatIssue) }
}

describe('the seed rollout as a step plan', () => {
  it('keeps the controller steps and turns each analysis step into an indefinite pause', async () => {
    const { plan, problems } = await seedPlan(['examples/voting01/rollout.yaml', 'examples/voting01/health-check.yaml', 'examples/voting01/analysis-template.yaml'])
    expect(problems).toEqual([])
    expect(plan!.steps.map(describeStep)).toEqual([
      'setWeight 20%',
      'pause 2m',
      'analysis voting01-health-check',
      'setWeight 50%',
      'pause 3m',
      'analysis voting01-canary-analysis',
      'setWeight 100%',
      'pause 1m',
      'analysis voting01-canary-analysis'
    ])
    expect(plan!.liveSteps).toEqual([
      { setWeight: 20 },
      { pause: { duration: '2m' } },
      { pause: {} },
      { setWeight: 50 },
      { pause: { duration: '3m' } },
      { pause: {} },
      { setWeight: 100 },
      { pause: { duration: '1m' } },
      { pause: {} }
    ])
  })

  it('names a template the plan does not hold, at the step that wants it', async () => {
    const { problems } = await seedPlan(['examples/voting01/rollout.yaml', 'examples/voting01/analysis-template.yaml'])
    expect(problems).toEqual([
      'examples/voting01/rollout.yaml:37: rollout "vote": spec.strategy.canary.steps[2].analysis.templates[0].templateName: no AnalysisTemplate "voting01-health-check" in the plan (it has: voting01-canary-analysis); add its file to the plan input'
    ])
  })

  it('reports unknown steps and bad pause durations at their lines', () => {
    const issues = new IssueList()
    const docs = parseDocuments(
      'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: vote}\nspec:\n  strategy:\n    canary:\n      steps:\n        - setWeight: 20\n        - pause: {duration: soon}\n        - wait: 5\n        - setCanaryScale: {replicas: 1}\n',
      'r.yaml',
      issues
    )
    const plan = readRolloutPlan(docs, 'vote', [], issues)
    expect(issues.issues.map(formatIssue)).toEqual([
      'r.yaml:9: rollout "vote": spec.strategy.canary.steps[1].pause.duration: "soon" is not a duration (e.g. 30s, 2m, or a number of seconds)',
      'r.yaml:10: rollout "vote": spec.strategy.canary.steps[2].wait: unknown step (a step is one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment, plugin)'
    ])
    expect(plan?.steps.at(-1)).toEqual({ kind: 'other', name: 'setCanaryScale' })
  })

  it('says when the plan has no Rollout, or not the one asked for', () => {
    const issues = new IssueList()
    readRolloutPlan([], 'vote', [], issues)
    expect(issues.issues.map(formatIssue)).toEqual(['input "plan": holds no Rollout document: command run needs the Rollout with its canary steps'])
  })

  it('shows step differences line by line', () => {
    expect(stepsDiff([{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'x' }] } }], [{ setWeight: 20 }, { pause: {} }])).toEqual([
      '  step 0: {"setWeight":20}',
      '- step 1: {"analysis":{"templates":[{"templateName":"x"}]}}',
      '+ step 1: {"pause":{}}'
    ])
    expect(sameJson({ pause: { duration: '2m' } }, { pause: { duration: '2m' } })).toBe(true)
    expect(sameJson([{ setWeight: 20 }], [{ setWeight: 50 }])).toBe(false)
  })
})

describe('job names and results', () => {
  it('makes DNS labels of at most 63 characters, unique for long names', () => {
    expect(jobName('vote', 'http-health', '4242-1', 1)).toBe('vote-http-health-4242-1-1')
    const long = jobName('a-very-long-rollout-name-for-the-voting-service', 'voting01-canary-analysis/error-rate', '4242-1', 12)
    expect(long.length).toBeLessThanOrEqual(63)
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    expect(long).not.toBe(jobName('a-very-long-rollout-name-for-the-voting-service', 'voting01-canary-analysis/latency', '4242-1', 12))
    expect(slug('Error_Rate!')).toBe('error-rate')
  })

  it('reads the last log line as JSON, a number or a word', () => {
    expect(resultFromLog('Querying...\nError Rate: 2.68%\n{"errorRate": 2.68}\n')).toEqual({ errorRate: 2.68 })
    expect(resultFromLog('healthy\n')).toBe('healthy')
    expect(resultFromLog('0.004')).toBe(0.004)
    expect(resultFromLog('unhealthy: HTTP 503')).toBe('unhealthy: HTTP 503')
    expect(resultFromLog('')).toBeUndefined()
  })
})
