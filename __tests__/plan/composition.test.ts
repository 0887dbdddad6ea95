// Templates made of templates (`spec.templates`), read as Argo Rollouts reads them: the composed
// template runs every metric of the templates it names, recursively, with their args merged; a
// missing reference, a cycle, two metrics of one name and an arg with two values are configuration
// errors at the line of the reference. The shapes are those of Argo's docs (docs/features/analysis.md).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { systemClock } from '../../src/clock.js'
import { analyze } from '../../src/commands/analyze.js'
import { ConfigError, formatIssue, IssueList } from '../../src/config-error.js'
import { readInputs } from '../../src/inputs.js'
import { memoryLogger } from '../../src/log.js'
import { instantiateMetrics } from '../../src/plan/instantiate.js'
import { parseDocuments } from '../../src/plan/load.js'
import { readRolloutPlan, type AnalysisGate } from '../../src/plan/rollout.js'
import { readTemplates } from '../../src/plan/templates.js'
import { Secrets } from '../../src/secrets.js'

const query = (code: string) => `
          sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code${code}"5.*"}[5m]
          )) /
          sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]
          ))`

// Argo's docs, word for word but for the Prometheus address.
const successRate = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  metrics:
  - name: success-rate
    interval: 5m
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: http://prometheus.example.com:9090
        query: |${query('!~')}
`
const errorRate = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: error-rate
spec:
  args:
  - name: service-name
  metrics:
  - name: error-rate
    interval: 5m
    successCondition: result[0] <= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: http://prometheus.example.com:9090
        query: |${query('=~')}
`
/** "They can be combined with other metrics": rates has success-rate and names error-rate. */
const ratesWithMetrics = `${successRate.replace('name: success-rate\nspec', 'name: rates\nspec')}  templates:
  - templateName: error-rate
    clusterScope: false
`
/** "Or without additional metrics". */
const ratesOnly = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: rates
spec:
  args:
  - name: service-name
  templates:
  - templateName: success-rate
    clusterScope: false
  - templateName: error-rate
    clusterScope: false
`
const rollout = (step: string) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
spec:
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
${step}
`
const ratesStep = `          templates:
          - templateName: rates
          args:
          - name: service-name
            value: guestbook-svc.default.svc.cluster.local`

const joined = (...docs: string[]): string => docs.join('---\n')

function read(text: string) {
  const issues = new IssueList()
  const docs = parseDocuments(text, 'plan.yaml', issues)
  const templates = readTemplates(docs, issues)
  const plan = docs.some((doc) => doc.kind === 'Rollout') ? readRolloutPlan(docs, 'guestbook', templates, issues) : undefined
  return { templates, plan, issues, problems: () => issues.issues.map(formatIssue) }
}

/** The metrics an analysis step of the plan runs, as run instantiates them (with the step's args). */
function stepMetrics(text: string) {
  const { plan, issues } = read(text)
  const gate = plan?.steps.flatMap((step) => (step.kind === 'analysis' ? [step.gate] : []))[0] as AnalysisGate
  const metrics = instantiateMetrics(gate.templates, { mode: 'run', secrets: new Secrets(), input: new Map(), stepArgs: { args: gate.ref.args ?? [], where: () => 'plan.yaml' }, resolveValueFrom: () => ({ value: 'x', source: 'test' }) }, issues)
  return { gate, metrics, problems: issues.issues.map(formatIssue) }
}

describe("a Rollout step naming a composed template (Argo's docs)", () => {
  it('runs the composed template\'s own metrics and those of the template it names, with the step\'s args', () => {
    const { gate, metrics, problems } = stepMetrics(joined(errorRate, ratesWithMetrics, rollout(ratesStep)))
    expect(problems).toEqual([])
    expect(gate.templates.map((t) => t.name)).toEqual(['rates'])
    expect(metrics.map((m) => [m.name, m.location])).toEqual([
      ['success-rate', 'plan.yaml:32'],
      ['error-rate', 'plan.yaml:9']
    ])
    for (const m of metrics) expect(m.query).toContain('destination_service=~"guestbook-svc.default.svc.cluster.local"')
  })

  it('runs a composed template without metrics of its own', () => {
    const { metrics, problems } = stepMetrics(joined(successRate, errorRate, ratesOnly, rollout(ratesStep)))
    expect(problems).toEqual([])
    expect(metrics.map((m) => m.name)).toEqual(['success-rate', 'error-rate'])
    expect(metrics.every((m) => m.query.includes('guestbook-svc.default.svc.cluster.local'))).toBe(true)
  })

  it('runs each template once when the step also names one the composed template is made of', () => {
    const both = `          templates:\n          - templateName: error-rate\n          - templateName: rates\n          args:\n          - name: service-name\n            value: svc`
    const { gate, metrics, problems } = stepMetrics(joined(successRate, errorRate, ratesOnly, rollout(both)))
    expect(problems).toEqual([])
    expect(gate.templates.map((t) => [t.name, t.metrics.map((m) => m.raw.name)])).toEqual([
      ['error-rate', ['error-rate']],
      ['rates', ['success-rate']]
    ])
    expect(metrics.map((m) => m.name)).toEqual(['error-rate', 'success-rate'])
  })

  it('still names the reference the step cannot find', () => {
    const { problems } = read(joined(errorRate, rollout(ratesStep)))
    expect(problems()).toEqual(['plan.yaml:35: rollout "guestbook": spec.strategy.canary.steps[1].analysis.templates[0].templateName: no AnalysisTemplate "rates" in the plan (it has: error-rate); add its file to the plan input'])
  })
})

describe('composition as Argo flattens it (utils/analysis FlattenTemplates)', () => {
  const template = (name: string, spec: string, kind = 'AnalysisTemplate') => `apiVersion: argoproj.io/v1alpha1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${spec}`
  const metric = (name: string) => `  - name: ${name}\n    successCondition: result[0] < 1\n    provider: {prometheus: {address: 'http://prom:9090', query: '${name}'}}\n`
  const metrics = (...names: string[]) => `  metrics:\n${names.map(metric).join('')}`
  const refs = (...names: string[]) => `  templates:\n${names.map((n) => (n.startsWith('cluster:') ? `  - {templateName: ${n.slice(8)}, clusterScope: true}\n` : `  - templateName: ${n}\n`)).join('')}`
  const metricNames = (text: string, name: string) => read(text).templates.find((t) => t.name === name)?.metrics.map((m) => m.raw.name)

  it('follows references recursively, across ClusterAnalysisTemplates, AnalysisTemplates before cluster ones', () => {
    const text = joined(
      template('top', metrics('top-m') + refs('cluster:shared', 'middle')),
      template('middle', metrics('middle-m') + refs('bottom')),
      template('bottom', metrics('bottom-m')),
      template('shared', metrics('shared-m') + refs('bottom'), 'ClusterAnalysisTemplate')
    )
    expect(read(text).problems()).toEqual([])
    // Argo's order: the AnalysisTemplates depth first (top, bottom via shared, middle), then the cluster ones.
    expect(metricNames(text, 'top')).toEqual(['top-m', 'bottom-m', 'middle-m', 'shared-m'])
    expect(read(text).templates.find((t) => t.name === 'top')?.members).toEqual(['AnalysisTemplate/top', 'AnalysisTemplate/bottom', 'AnalysisTemplate/middle', 'ClusterAnalysisTemplate/shared'])
  })

  it('keeps a template reached twice once (a diamond)', () => {
    const text = joined(template('top', refs('left', 'right')), template('left', metrics('l') + refs('base')), template('right', metrics('r') + refs('base')), template('base', metrics('b')))
    expect(read(text).problems()).toEqual([])
    expect(metricNames(text, 'top')).toEqual(['l', 'b', 'r'])
  })

  it('refuses two metrics of one name, at the reference that brings the second', () => {
    const text = joined(template('top', metrics('latency') + refs('other')), template('other', metrics('latency')))
    expect(read(text).problems()).toEqual([
      'plan.yaml:10: template "top": spec.templates[0].templateName: metric "latency" of template "other" (plan.yaml:17) has the name of metric "latency" of template "top" (plan.yaml:6): Argo refuses two metrics of one name in an analysis; rename one'
    ])
  })

  it('reports a clash with a ClusterAnalysisTemplate\'s own metric at its reference, though Argo lists cluster templates last', () => {
    const text = joined(template('shared', metrics('latency') + refs('local'), 'ClusterAnalysisTemplate'), template('local', metrics('latency')))
    expect(read(text).problems()).toEqual([
      'plan.yaml:10: cluster template "shared": spec.templates[0].templateName: metric "latency" of cluster template "shared" (plan.yaml:6) has the name of metric "latency" of template "local" (plan.yaml:17): Argo refuses two metrics of one name in an analysis; rename one'
    ])
  })

  it('merges args by name: one value fills a declaration without one; two different values are an error', () => {
    const declared = (value?: string) => `  args:\n  - name: region${value === undefined ? '' : `\n    value: ${value}`}\n`
    const same = joined(template('top', declared() + refs('a', 'b')), template('a', declared('eu') + metrics('a-m')), template('b', declared('eu') + metrics('b-m')))
    expect(read(same).problems()).toEqual([])
    const top = read(same).templates.find((t) => t.name === 'top')!
    expect(top.args).toEqual([{ name: 'region', value: 'eu' }])
    expect(top.argSources).toEqual([{ where: 'plan.yaml:16', template: 'a', index: 0 }])

    const clash = joined(template('top', refs('a', 'b')), template('a', declared('eu') + metrics('a-m')), template('b', declared('us') + metrics('b-m')))
    expect(read(clash).problems()).toEqual([
      'plan.yaml:7: template "top": spec.templates[1].templateName: arg "region" of template "b" (plan.yaml:26) has the value "us" and of template "a" (plan.yaml:14) the value "eu": Argo refuses an arg with two different values, whatever the Rollout passes; give it one value'
    ])
  })

  it("applies a member's dryRun rules to its metrics in the composed template, and refuses a rule given twice", () => {
    const dry = joined(template('top', metrics('decides') + refs('probe')), template('probe', '  dryRun: [{metricName: probe-m}]\n' + metrics('probe-m')))
    const { templates, issues } = read(dry)
    const specs = instantiateMetrics([templates.find((t) => t.name === 'top')!], { mode: 'analyze', secrets: new Secrets(), input: new Map() }, issues)
    expect(issues.issues).toEqual([])
    expect(specs.map((m) => [m.name, m.dryRun])).toEqual([
      ['decides', false],
      ['probe-m', true]
    ])
    const twice = joined(template('top', '  dryRun: [{metricName: probe-m}]\n' + metrics('decides') + refs('probe')), template('probe', '  dryRun: [{metricName: probe-m}]\n' + metrics('probe-m')))
    expect(read(twice).problems()).toEqual([
      'plan.yaml:11: template "top": spec.templates[0].templateName: dryRun rule "probe-m" of template "probe" (plan.yaml:17) is also of template "top" (plan.yaml:5): Argo refuses two dryRun rules for one metricName'
    ])
  })

  it('refuses a dryRun rule given twice in one template, as Argo does', () => {
    expect(read(template('one', '  dryRun:\n  - metricName: m\n  - metricName: m\n' + metrics('m'))).problems()).toEqual([
      'plan.yaml:7: template "one": dryRun rule "m" of template "one" (plan.yaml:7) is also of template "one" (plan.yaml:6): Argo refuses two dryRun rules for one metricName'
    ])
  })

  it('refuses a measurementRetention rule given twice', () => {
    const keep = '  measurementRetention: [{metricName: m, limit: 20}]\n'
    expect(read(joined(template('top', keep + metrics('m') + refs('other')), template('other', keep + metrics('n')))).problems()).toEqual([
      'plan.yaml:11: template "top": spec.templates[0].templateName: measurementRetention for "m" of template "other" (plan.yaml:17) is also of template "top" (plan.yaml:5): Argo refuses two measurementRetention rules for one metricName'
    ])
  })

  it('names a reference to a template the plan does not hold, and the clusterScope a cluster template needs', () => {
    expect(read(joined(template('top', metrics('m') + refs('gone')))).problems()).toEqual([
      'plan.yaml:10: template "top": spec.templates[0].templateName: no AnalysisTemplate "gone" in the plan (it has: top); add its file to the plan input'
    ])
    expect(read(joined(template('top', refs('shared')), template('shared', metrics('m'), 'ClusterAnalysisTemplate'))).problems()).toEqual([
      'plan.yaml:6: template "top": spec.templates[0].templateName: no AnalysisTemplate "shared" in the plan (it has: top); add its file to the plan input (a ClusterAnalysisTemplate of that name needs clusterScope: true)'
    ])
  })

  it('refuses a cycle, which Argo would follow forever', () => {
    expect(read(joined(template('a', metrics('a-m') + refs('b')), template('b', metrics('b-m') + refs('a')))).problems()).toEqual([
      'plan.yaml:21: template "b": spec.templates[0].templateName: the templates name each other in a cycle ("a" → "b" → "a"): Argo would follow it forever; remove one of these references',
      'plan.yaml:10: template "a": spec.templates[0].templateName: the templates name each other in a cycle ("b" → "a" → "b"): Argo would follow it forever; remove one of these references'
    ])
    expect(read(template('self', metrics('m') + refs('self'))).problems()).toEqual([
      'plan.yaml:10: template "self": spec.templates[0].templateName: the templates name each other in a cycle ("self" → "self"): Argo would follow it forever; remove one of these references'
    ])
  })
})

describe('command analyze with a composed template', () => {
  let server: Server
  let address = ''
  const queries: string[] = []

  beforeAll(async () => {
    // A Prometheus answering a healthy sample (a success rate of 0.99, an error rate of 0.01), recording the queries.
    server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        // The query comes in the URL (GET) or as a form (POST).
        const url = new URL(request.url ?? '/', 'http://localhost')
        const promql = url.searchParams.get('query') ?? new URLSearchParams(body).get('query') ?? ''
        queries.push(promql)
        const value = promql.includes('response_code!~') ? '0.99' : '0.01'
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, value] }] } }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  /** analyze needs a count where the docs' background templates have none; with one measurement, failureLimit 3 is out of reach. */
  const counted = (text: string) => text.replaceAll('http://prometheus.example.com:9090', address).replaceAll('interval: 5m\n', 'count: 1\n').replaceAll('    failureLimit: 3\n', '')

  async function runAnalyze(text: string, inputs: Record<string, string>) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-compose-'))
    try {
      await writeFile(path.join(dir, 'plan.yaml'), counted(text))
      const secrets = new Secrets()
      const values: Record<string, string> = { command: 'analyze', plan: 'plan.yaml', ...inputs }
      const context = { inputs: readInputs((name) => values[name] ?? '', secrets), clock: systemClock, log: memoryLogger(), secrets, cwd: dir, signal: new AbortController().signal }
      return await analyze(context)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('runs every metric of templates: rates, with the args input', async () => {
    queries.length = 0
    const result = await runAnalyze(joined(successRate, errorRate, ratesOnly), { templates: 'rates', args: 'service-name=svc-a' })
    expect(result.analyses[0].templates).toEqual(['rates'])
    expect(result.analyses[0].outcome.metrics.map((m) => [m.spec.name, m.phase])).toEqual([
      ['success-rate', 'Successful'],
      ['error-rate', 'Successful']
    ])
    expect(queries).toHaveLength(2)
    expect(queries.every((q) => q.includes('destination_service=~"svc-a"'))).toBe(true)
  })

  it('runs each metric once when no templates are named: the composed template, not its parts again', async () => {
    queries.length = 0
    const result = await runAnalyze(joined(successRate, errorRate, ratesOnly), { args: 'service-name=svc-b' })
    expect(result.analyses[0].templates).toEqual(['rates'])
    expect(result.analyses[0].outcome.metrics.map((m) => m.spec.name)).toEqual(['success-rate', 'error-rate'])
    expect(queries).toHaveLength(2)
  })

  it('refuses to start when a composed template names a template the plan lacks', async () => {
    const error = await runAnalyze(joined(successRate, ratesOnly), { templates: 'rates', args: 'service-name=svc' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      'plan.yaml:33: template "rates": spec.templates[1].templateName: no AnalysisTemplate "error-rate" in the plan (it has: success-rate, rates); add its file to the plan input'
    ])
  })
})
