// Plan loading as a user meets it: their files, their mistakes, one message per mistake naming the
// file, the line, the metric and the field.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, IssueList, formatIssue } from '../../src/config-error.js'
import { instantiateMetrics, parseArgsInput } from '../../src/plan/instantiate.js'
import { loadPlanFiles, splitPlanInput } from '../../src/plan/load.js'
import { readTemplates } from '../../src/plan/templates.js'
import { Secrets } from '../../src/secrets.js'

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-plan-'))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
  return dir
}

/** Loads, reads templates and instantiates all of them; returns the metrics or the issue lines. */
async function load(files: Record<string, string>, plan: string, argsText = '', mode: 'analyze' | 'run' = 'analyze') {
  const dir = await workspace(files)
  const issues = new IssueList()
  const secrets = new Secrets()
  const docs = await loadPlanFiles(splitPlanInput(plan), dir, issues)
  const templates = readTemplates(docs, issues)
  if (!issues.empty) return { problems: issues.issues.map(formatIssue), metrics: [], secrets }
  const input = parseArgsInput(argsText, issues)
  const metrics = issues.empty ? instantiateMetrics(templates, { mode, prometheusUrl: 'http://prom:9090', secrets, input }, issues) : []
  return { problems: issues.issues.map(formatIssue), metrics, secrets }
}

const template = (name: string, metrics: string, args = '') => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: ${name}
spec:
${args ? `  args:\n${args}\n` : ''}  metrics:
${metrics}
`

const errorRate = `    - name: error-rate
      interval: 1m
      count: 3
      successCondition: result[0] < {{args.threshold}}
      failureLimit: 1
      provider:
        prometheus:
          query: sum(rate(errors{app="{{ args.app }}"}[5m]))`

describe('plan files', () => {
  it('splits the plan input on newlines and spaces', () => {
    expect(splitPlanInput('k8s/a.yaml\n  k8s/b.yaml c.yaml\n')).toEqual(['k8s/a.yaml', 'k8s/b.yaml', 'c.yaml'])
  })

  it('reads several documents per file, through globs, and ignores other kinds', async () => {
    const files = {
      'k8s/qa/templates.yaml': `${template('a', errorRate, '    - name: app\n    - name: threshold\n      value: "0.01"')}---
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
---
${template('b', errorRate.replace('error-rate', 'other'), '    - name: app\n      value: vote\n    - name: threshold\n      value: "0.05"')}`,
      'k8s/qa/rollout.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: vote}\nspec: {strategy: {canary: {steps: [{setWeight: 20}]}}}\n'
    }
    const { problems, metrics } = await load(files, 'k8s/**/*.yaml', 'app=vote')
    expect(problems).toEqual([])
    expect(metrics.map((m) => [m.template, m.name, m.query])).toEqual([
      ['a', 'error-rate', 'sum(rate(errors{app="vote"}[5m]))'],
      ['b', 'other', 'sum(rate(errors{app="vote"}[5m]))']
    ])
    expect(metrics[0].successCondition?.source).toBe('result[0] < 0.01')
    expect(metrics[1].successCondition?.source).toBe('result[0] < 0.05')
    expect(metrics[0].location).toMatch(/^k8s\/qa\/templates\.yaml:\d+$/)
  })

  it('names a pattern that matches nothing and a file that does not exist', async () => {
    const { problems } = await load({ 'a.yaml': template('a', errorRate) }, 'missing/*.yaml nope.yaml')
    expect(problems).toEqual([
      expect.stringMatching(/^input "plan": "missing\/\*\.yaml" matches no \.yaml file/),
      expect.stringMatching(/^input "plan": "nope\.yaml" does not exist/)
    ])
  })

  it('reports YAML syntax errors at their line', async () => {
    const { problems } = await load({ 'bad.yaml': 'kind: AnalysisTemplate\nmetadata:\n  name: [x\n' }, 'bad.yaml')
    expect(problems[0]).toMatch(/^bad\.yaml:\d+: YAML error: /)
  })
})

describe('args', () => {
  const args = '    - name: app\n      value: from-template\n    - name: threshold\n      value: "0.01"'
  it('resolves template defaults < plan < the args input, with or without spaces in {{ }}', async () => {
    const { metrics } = await load({ 't.yaml': template('t', errorRate, args) }, 't.yaml', 'threshold=0.2\n# comment\n')
    expect(metrics[0].query).toBe('sum(rate(errors{app="from-template"}[5m]))')
    expect(metrics[0].successCondition?.source).toBe('result[0] < 0.2')
  })

  it('names an arg without a value and says where to give it', async () => {
    const { problems } = await load({ 't.yaml': template('t', errorRate, '    - name: app\n    - name: threshold\n      value: "1"') }, 't.yaml')
    expect(problems).toEqual(['t.yaml:7: template "t": spec.args[0]: arg "app" has no value: give it in the args input (app=…)'])
  })

  it('rejects malformed args lines without echoing them (a pasted secret must not reach the log)', () => {
    const issues = new IssueList()
    parseArgsInput('good=1\nNRAK-PASTED0000000000000000000000\n', issues)
    expect(issues.issues.map(formatIssue)).toEqual(['input "args": line 2: expected name=value (the line is not shown: it may hold a secret)'])
  })

  it('reports placeholders naming undeclared args at the field that uses them', async () => {
    const { problems } = await load({ 't.yaml': template('t', errorRate, '    - name: app\n      value: x') }, 't.yaml')
    expect(problems).toEqual([
      't.yaml:13: metric "error-rate": successCondition: {{args.threshold}} names an arg the template does not declare (declare it under spec.args)'
    ])
  })

  it('treats secret args as secrets', async () => {
    const metric = `    - name: m
      successCondition: result < 1
      provider:
        web:
          url: https://metrics.example.com/q
          headers:
            - key: Authorization
              value: "Bearer {{args.api-token}}"`
    const { secrets, problems } = await load({ 't.yaml': template('t', metric, '    - name: api-token') }, 't.yaml', 'api-token=s3cr3t-value')
    expect(problems).toEqual([])
    expect(secrets.redact('Authorization: Bearer s3cr3t-value')).toBe('Authorization: ***')
    expect(secrets.redact('token=s3cr3t-value')).toBe('token=***')
  })

  it('refuses args that come from Kubernetes secrets in analyze, which reads no cluster', async () => {
    const { problems } = await load(
      { 't.yaml': template('t', errorRate, '    - name: app\n      valueFrom:\n        secretKeyRef: {name: s, key: k}\n    - name: threshold\n      value: "1"') },
      't.yaml'
    )
    expect(problems[0]).toMatch(/arg "app" comes from the Kubernetes secret s\/k; analyze does not read the cluster/)
  })
})

describe('validation reports every problem at once, at file:line: metric: field', () => {
  it('collects structural problems across metrics and files', async () => {
    const metrics = `    - name: typo
      succesCondition: result < 1
      provider:
        prometheus: { query: up }
    - name: unknown-provider
      successCondition: result < 1
      provider:
        datadog: { query: x }
    - name: bad-limit
      successCondition: result < 1
      failureLimit: [1]
      provider:
        prometheus: { query: up }`
    const { problems } = await load({ 'a.yaml': template('a', metrics), 'b.yaml': template('b', '    - name: x\n      provider: {}') }, 'a.yaml b.yaml')
    expect(problems).toEqual([
      'a.yaml:8: metric "typo": succesCondition: unknown field (did you mean "successCondition"?)',
      'a.yaml:14: metric "unknown-provider": provider.datadog: provider "datadog" is not supported by canary-gate (supported: prometheus, newRelic, web, job)',
      'a.yaml:17: metric "bad-limit": failureLimit: must be a whole number (or text such as "{{args.count}}")',
      'b.yaml:8: metric "x": provider: names no provider (supported: prometheus, newRelic, web, job)'
    ])
  })

  it('checks values once args are in: durations, counts, limits, conditions, missing conditions', async () => {
    const metrics = `    - name: no-condition
      provider:
        prometheus: { query: up }
    - name: bad-interval
      interval: soon
      successCondition: result < 1
      provider:
        prometheus: { query: up }
    - name: count-without-interval
      count: 3
      successCondition: result < 1
      provider:
        prometheus: { query: up }
    - name: bad-syntax
      successCondition: result =~ "x"
      provider:
        prometheus: { query: up }
    - name: unknown-function
      successCondition: eval(result) < 1
      provider:
        prometheus: { query: up }
    - name: bad-limit
      successCondition: result < 1
      failureLimit: many
      provider:
        prometheus: { query: up }`
    const { problems } = await load({ 't.yaml': template('t', metrics) }, 't.yaml')
    expect(problems).toEqual([
      expect.stringMatching(/^t\.yaml:7: metric "no-condition": has no successCondition, failureCondition or thresholdRange/),
      't.yaml:11: metric "bad-interval": interval: "soon" is not a positive duration (use Go durations such as 30s, 1m, 1h30m)',
      't.yaml:16: metric "count-without-interval": count: count 3 needs an interval between measurements',
      't.yaml:21: metric "bad-syntax": successCondition: unsupported operator "=~" at column 8; use `matches` for regular expressions — in: result =~ "x"',
      't.yaml:25: metric "unknown-function": successCondition: unknown function "eval" at column 1 — in: eval(result) < 1',
      't.yaml:30: metric "bad-limit": failureLimit: "many" must be a whole number ≥ -1'
    ])
  })

  it('allows a metric without a condition when it is dryRun, in either form', async () => {
    const metrics = `    - name: watched
      dryRun: true
      provider:
        prometheus: { query: up }
    - name: listed
      provider:
        prometheus: { query: up }`
    const text = template('t', metrics).replace('spec:\n', 'spec:\n  dryRun:\n    - metricName: list.*\n')
    const { problems, metrics: specs } = await load({ 't.yaml': text }, 't.yaml')
    expect(problems).toEqual([])
    expect(specs.map((m) => [m.name, m.dryRun])).toEqual([
      ['watched', true],
      ['listed', true]
    ])
  })

  it('applies Argo defaults: count 1 without interval, limits 0/0/4, until stopped with only an interval', async () => {
    const metrics = `    - name: once
      successCondition: result < 1
      provider:
        prometheus: { query: up }
    - name: forever
      interval: 30s
      successCondition: result < 1
      provider:
        prometheus: { query: up }`
    const { metrics: specs } = await load({ 't.yaml': template('t', metrics) }, 't.yaml')
    expect(specs[0]).toMatchObject({ count: 1, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0, initialDelayMs: 0 })
    expect(specs[1]).toMatchObject({ count: undefined, intervalMs: 30_000 })
  })

  it('refuses job metrics in analyze, which never touches the cluster', async () => {
    const { problems } = await load(
      { 't.yaml': template('t', '    - name: health\n      successCondition: result == "healthy"\n      provider:\n        job:\n          spec: {template: {spec: {containers: [{name: c, image: curl}]}}}') },
      't.yaml'
    )
    expect(problems[0]).toMatch(/^t\.yaml:\d+: metric "health": provider\.job: a job metric runs in the cluster/)
  })

  it('names templates defined twice', async () => {
    const text = template('same', errorRate.replace('{{args.threshold}}', '1').replace('{{ args.app }}', 'x'))
    const { problems } = await load({ 'a.yaml': text, 'b.yaml': text }, 'a.yaml b.yaml')
    expect(problems).toEqual(['b.yaml:4: AnalysisTemplate "same": is defined twice (also at a.yaml:4)'])
  })

  it('makes the message of a ConfigError list every problem', () => {
    const error = new ConfigError([
      { where: 'a.yaml:3', subject: 'metric "x"', field: 'interval', message: 'bad' },
      { where: 'input "timeout"', message: 'bad too' }
    ])
    expect(error.message).toBe('2 configuration errors:\n  a.yaml:3: metric "x": interval: bad\n  input "timeout": bad too')
  })
})
