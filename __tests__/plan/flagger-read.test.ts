// Flagger's own documents read unchanged: the podinfo Canaries of Flagger's tutorials (nginx and
// Gateway API), MetricTemplates with variables, Flagger's builtin queries compared with its source,
// and the mistakes a Canary can hold, each at its file and line.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { parseDocuments } from '../../src/plan/load.js'
import { BUILTIN_QUERIES, FLAGGER_SOURCE_COMMIT } from '../../src/plan/flagger/builtin.js'
import { parseFlaggerDocuments } from '../../src/plan/flagger/documents.js'
import { readFlaggerPlans, type FlaggerPlan } from '../../src/plan/flagger/read.js'
import { renderQuery } from '../../src/plan/flagger/render.js'

const FIXTURES = path.join(process.cwd(), '__tests__', 'fixtures', 'flagger')
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8')

function read(text: string, file = 'plan.yaml', namespace?: string): { plans: FlaggerPlan[]; problems: string[] } {
  const issues = new IssueList()
  const docs = parseFlaggerDocuments(text, file, issues)
  const plans = readFlaggerPlans(docs, issues, namespace === undefined ? {} : { namespace })
  return { plans, problems: issues.issues.map(formatIssue) }
}

interface SourceQueries {
  commit: string
  queries: Record<'nginx' | 'gatewayapi', { file: string; 'request-success-rate': string; 'request-duration': string }>
}
const source = JSON.parse(fixture('builtin-queries.json')) as SourceQueries

describe("Flagger's nginx podinfo Canary, unchanged", () => {
  const { plans, problems } = read(fixture('podinfo-nginx.yaml'), 'podinfo.yaml')

  it('reads without a problem', () => {
    expect(problems).toEqual([])
    expect(plans).toHaveLength(1)
  })

  it('reads every field, with Flagger’s defaults for the others', () => {
    const plan = plans[0]
    expect(plan.name).toBe('podinfo')
    expect(plan.namespace).toBe('test')
    expect(plan.target).toEqual({ kind: 'Deployment', name: 'podinfo', namespace: 'test', primaryName: 'podinfo-primary' })
    expect(plan.service).toEqual({
      name: 'podinfo',
      primaryName: 'podinfo-primary',
      canaryName: 'podinfo-canary',
      port: 80,
      portName: 'http',
      targetPort: 9898,
      hosts: [],
      provider: 'nginx',
      ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
      gatewayRefs: []
    })
    expect(plan.progressDeadlineSeconds).toBe(60)
    expect(plan.metricsServer).toBeUndefined()
    expect(plan.analysis).toEqual({
      strategy: 'canary',
      intervalMs: 10_000,
      threshold: 10,
      maxWeight: 50,
      stepWeight: 5,
      stepWeights: [],
      stepWeightPromotion: 0,
      iterations: 0,
      match: [],
      mirror: false
    })
    expect(plan.webhooks).toEqual([
      {
        name: 'acceptance-test',
        type: 'pre-rollout',
        url: 'http://flagger-loadtester.test/',
        timeout: '30s',
        timeoutMs: 30_000,
        metadata: { type: 'bash', cmd: "curl -sd 'test' http://podinfo-canary/token | grep token" },
        retries: 0,
        disableTLS: false,
        muteAlert: false,
        location: 'podinfo.yaml:53'
      },
      {
        name: 'load-test',
        type: 'rollout',
        url: 'http://flagger-loadtester.test/',
        timeout: '5s',
        timeoutMs: 5_000,
        metadata: { cmd: 'hey -z 1m -q 10 -c 2 http://app.example.com/' },
        retries: 0,
        disableTLS: false,
        muteAlert: false,
        location: 'podinfo.yaml:60'
      }
    ])
  })

  it('expands request-success-rate to Flagger’s nginx query, measured once per interval against thresholdRange', () => {
    const [metric] = plans[0].metrics
    const expected = renderQuery(source.queries.nginx['request-success-rate'], {
      name: 'podinfo',
      namespace: 'test',
      target: 'podinfo',
      service: 'podinfo',
      ingress: 'podinfo',
      route: 'podinfo',
      interval: '1m',
      variables: {}
    }).text!.trim()
    expect(expected).toContain('namespace="test",\n\t\t\t\tingress="podinfo",')
    expect(expected).toContain('}[1m]')
    expect(metric).toEqual({
      name: 'request-success-rate',
      source: 'builtin',
      builtin: 'request-success-rate',
      window: '1m',
      windowMs: 60_000,
      variables: {},
      spec: {
        name: 'request-success-rate',
        template: 'canary podinfo',
        location: 'podinfo.yaml:45',
        intervalMs: 10_000,
        initialDelayMs: 0,
        count: 1,
        thresholdRange: { min: 99 },
        failureLimit: 0,
        inconclusiveLimit: 0,
        consecutiveErrorLimit: 0,
        consecutiveSuccessLimit: 0,
        dryRun: false,
        provider: { kind: 'prometheus', config: { query: expected } },
        query: expected
      }
    })
  })

  it('is left alone by the Argo reader, and the Argo documents by Flagger’s', () => {
    const issues = new IssueList()
    expect(parseDocuments(fixture('podinfo-nginx.yaml'), 'podinfo.yaml', issues)).toEqual([])
    const argo = 'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: x}\nspec: {metrics: []}\n'
    expect(parseFlaggerDocuments(argo, 'argo.yaml', issues)).toEqual([])
    expect(issues.issues).toEqual([])
  })
})

describe("Flagger's Gateway API podinfo Canaries, unchanged", () => {
  it('reads the weighted Canary with its MetricTemplates in flagger-system', () => {
    const { plans, problems } = read(fixture('podinfo-gatewayapi.yaml'), 'gw.yaml')
    expect(problems).toEqual([])
    const [plan] = plans
    expect(plan.service.provider).toBe('gatewayapi')
    expect(plan.service.port).toBe(9898)
    expect(plan.service.hosts).toEqual(['www.example.com'])
    expect(plan.service.gatewayRefs).toEqual([{ name: 'gateway', namespace: 'istio-ingress' }])
    expect(plan.analysis).toMatchObject({ strategy: 'canary', intervalMs: 60_000, threshold: 5, maxWeight: 50, stepWeight: 10 })
    expect(plan.metrics.map((m) => [m.name, m.source, m.template, m.window, m.spec.thresholdRange])).toEqual([
      ['error-rate', 'template', { name: 'error-rate', namespace: 'flagger-system' }, '1m', { max: 1 }],
      ['latency', 'template', { name: 'latency', namespace: 'flagger-system' }, '30s', { max: 0.5 }]
    ])
    const latency = plan.metrics[1].spec
    expect(latency.provider).toEqual({ kind: 'prometheus', config: { address: 'http://prometheus.istio-system:9090', query: latency.query } })
    // {{ namespace }}, {{ target }} and the metric's own {{ interval }} substituted.
    expect(latency.query).toContain('destination_workload_namespace=~"test"')
    expect(latency.query).toContain('destination_workload=~"podinfo"')
    expect(latency.query).toContain('}[30s]')
    expect(latency.query).not.toContain('{{')
    expect(plan.webhooks.map((w) => [w.name, w.type, w.timeoutMs])).toEqual([
      ['smoke-test', 'pre-rollout', 15_000],
      ['load-test', 'rollout', 5_000]
    ])
  })

  it('reads the A/B Canary: 10 iterations with its header matches', () => {
    const { plans, problems } = read(fixture('podinfo-gatewayapi-ab.yaml'), 'ab.yaml')
    expect(problems).toEqual([])
    expect(plans[0].analysis).toEqual({
      strategy: 'ab-testing',
      intervalMs: 60_000,
      threshold: 2,
      maxWeight: 100,
      stepWeight: 0,
      stepWeights: [],
      stepWeightPromotion: 0,
      iterations: 10,
      match: [{ headers: { 'user-agent': { regex: '.*Firefox.*' } } }, { headers: { cookie: { regex: '^(.*?;)?(type=insider)(;.*)?$' } } }],
      mirror: false
    })
  })
})

describe("Flagger's builtin queries", () => {
  it(`are Flagger's source strings at ${FLAGGER_SOURCE_COMMIT.slice(0, 8)}, byte for byte`, () => {
    expect(source.commit).toBe(FLAGGER_SOURCE_COMMIT)
    for (const provider of ['nginx', 'gatewayapi'] as const) {
      expect(BUILTIN_QUERIES[provider]['request-success-rate']).toBe(source.queries[provider]['request-success-rate'])
      expect(BUILTIN_QUERIES[provider]['request-duration']).toBe(source.queries[provider]['request-duration'])
    }
  })

  const canary = (provider: string, refs: string) => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: web, namespace: shop}
spec:
  provider: ${provider}
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web-app}
${refs}
  analysis:
    interval: 30s
    threshold: 3
    stepWeight: 20
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99.5}
        interval: 2m
      - name: request-duration
        thresholdRange: {max: 500}
`

  it('render for nginx on the Ingress named by ingressRef, in milliseconds', () => {
    const { plans, problems } = read(canary('nginx', '  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web-ingress}\n  service: {port: 80}'))
    expect(problems).toEqual([])
    const [success, duration] = plans[0].metrics
    expect(success.spec.query).toBe(
      'sum(\n\t\trate(\n\t\t\tnginx_ingress_controller_requests{\n\t\t\t\tnamespace="shop",\n\t\t\t\tingress="web-ingress",\n\t\t\t\tcanary!="",\n\t\t\t\tstatus!~"5.*"\n\t\t\t}[2m]\n\t\t)\n\t) \n\t/ \n\tsum(\n\t\trate(\n\t\t\tnginx_ingress_controller_requests{\n\t\t\t\tnamespace="shop",\n\t\t\t\tingress="web-ingress",\n\t\t\t\tcanary!=""\n\t\t\t}[2m]\n\t\t)\n\t) \n\t* 100'
    )
    expect(duration.window).toBe('1m')
    expect(duration.spec.query).toContain('nginx_ingress_controller_response_duration_seconds_sum{\n\t\t\t\tnamespace="shop",\n\t\t\t\tingress="web-ingress",')
    expect(duration.spec.query.endsWith('* 1000')).toBe(true)
    expect(duration.spec.thresholdRange).toEqual({ max: 500 })
  })

  it('render for gatewayapi on the target’s pods, the duration multiplied to milliseconds as Flagger does in Go', () => {
    const { plans, problems } = read(canary('gatewayapi:v1', '  service:\n    port: 80\n    gatewayRefs: [{name: public, namespace: gw}]'))
    expect(problems).toEqual([])
    const [success, duration] = plans[0].metrics
    expect(plans[0].service.provider).toBe('gatewayapi')
    expect(success.spec.query).toContain('kubernetes_namespace="shop",\n\t\t\t\tkubernetes_pod_name=~"web-app-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",\n\t\t\t\tstatus!~"5.*"\n\t\t\t}[2m]')
    expect(duration.spec.query).toBe(`${renderQuery(source.queries.gatewayapi['request-duration'], { name: 'web', namespace: 'shop', target: 'web-app', service: 'web-app', ingress: 'web-app', route: 'web-app', interval: '1m', variables: {} }).text!.trim()} * 1000`)
  })

  it('use the Canary’s metricsServer as the Prometheus address', () => {
    const { plans } = read(canary('nginx', '  metricsServer: http://prom.monitoring:9090\n  ingressRef: {name: web}\n  service: {port: 80}'))
    expect(plans[0].metrics[0].spec.provider).toMatchObject({ kind: 'prometheus', config: { address: 'http://prom.monitoring:9090' } })
  })
})

describe('MetricTemplates', () => {
  const plan = (metric: string, template: string) => `apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: not-found-percentage
  namespace: shop
spec:
${template}
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: web
  namespace: shop
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  ingressRef: {name: web}
  service: {port: 80}
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    metrics:
${metric}`
  const prometheus = `  provider:
    type: prometheus
    address: http://prometheus.monitoring:9090
    headers:
      X-Scope-OrgID: [tenant-1]
  query: |
    100 - sum(rate(http_requests_total{namespace="{{ namespace }}", app="{{ target }}", status!="{{ variables.status }}"}[{{ interval }}]))
    / sum(rate(http_requests_total{namespace="{{ namespace }}", app="{{ target }}"}[{{ interval }}])) * 100`

  it('substitute {{ namespace }}, {{ target }}, {{ interval }} and {{ variables.x }}', () => {
    const metric = `      - name: not-found
        templateRef: {name: not-found-percentage}
        templateVariables: {status: "404"}
        thresholdRange: {max: 5}
        interval: 5m
`
    const { plans, problems } = read(plan(metric, prometheus))
    expect(problems).toEqual([])
    const [read0] = plans[0].metrics
    expect(read0.variables).toEqual({ status: '404' })
    expect(read0.spec.provider).toEqual({
      kind: 'prometheus',
      config: {
        address: 'http://prometheus.monitoring:9090',
        headers: [{ key: 'X-Scope-OrgID', value: 'tenant-1' }],
        query:
          '100 - sum(rate(http_requests_total{namespace="shop", app="web", status!="404"}[5m]))\n/ sum(rate(http_requests_total{namespace="shop", app="web"}[5m])) * 100'
      }
    })
  })

  it('read New Relic NRQL, the secret left for the run to read', () => {
    const newrelic = `  provider:
    type: newrelic
    secretRef: {name: newrelic}
  query: |
    SELECT filter(sum(nginx_ingress_controller_requests), WHERE status >= '500') / sum(nginx_ingress_controller_requests) * 100
    FROM Metric WHERE metricName = 'nginx_ingress_controller_requests' AND ingress = '{{ ingress }}' SINCE {{ interval }} ago`
    const metric = `      - name: error-rate
        templateRef: {name: not-found-percentage, namespace: shop}
        thresholdRange: {max: 1}
`
    const { plans, problems } = read(plan(metric, newrelic))
    expect(problems).toEqual([])
    const [m] = plans[0].metrics
    expect(m.secretRef).toEqual({ name: 'newrelic', namespace: 'shop' })
    expect(m.spec.provider.kind).toBe('newRelic')
    expect(m.spec.query).toContain("ingress = 'web' SINCE 1m ago")
  })

  it('report a missing variable, an unknown placeholder and a missing template at the metric', () => {
    const metric = `      - name: not-found
        templateRef: {name: not-found-percentage}
        thresholdRange: {max: 5}
      - name: other
        templateRef: {name: latency, namespace: monitoring}
        thresholdRange: {max: 5}
`
    const broken = prometheus.replace('{{ target }}', '{{ .Target }}')
    const { plans, problems } = read(plan(metric, broken))
    expect(plans).toEqual([])
    expect(problems).toEqual([
      'plan.yaml:32: metric "not-found": templateRef: MetricTemplate "not-found-percentage": {{ .Target }} is not one of Flagger\'s query placeholders ({{ name }}, {{ namespace }}, {{ target }}, {{ service }}, {{ ingress }}, {{ route }}, {{ interval }}, {{ variables.x }}) (query at plan.yaml:12)',
      'plan.yaml:32: metric "not-found": templateRef: MetricTemplate "not-found-percentage": {{ variables.status }} names no templateVariable (the metric has none); Flagger fails the check with "map has no entry for key" (query at plan.yaml:12)',
      'plan.yaml:35: metric "other": templateRef.name: no MetricTemplate "latency" in namespace monitoring in the plan (it has: not-found-percentage); add its file to the plan input'
    ])
  })

  it('report a provider canary-gate does not read, and an unknown field, at their lines', () => {
    const metric = `      - name: not-found
        templateRef: {name: not-found-percentage}
        thresholdRange: {max: 5}
`
    const { problems } = read(plan(metric, prometheus.replace('type: prometheus', 'type: datadog')))
    expect(problems).toEqual([
      'plan.yaml:8: metric template "not-found-percentage": spec.provider.type: provider "datadog" is not supported by canary-gate (supported: prometheus, newrelic)'
    ])
    expect(read(plan(metric, prometheus.replace('  query: |', '  querry: x\n  query: |'))).problems[0]).toBe(
      'plan.yaml:12: metric template "not-found-percentage": spec.querry: unknown field (did you mean "query"?)'
    )
  })
})

describe('configuration errors name file:line, field and what is wrong', () => {
  const canary = (analysis: string, rest = '  provider: nginx\n  ingressRef: {name: web}\n  service: {port: 80}') => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: web, namespace: shop}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
${rest}
  analysis:
${analysis}`
  const metrics = `    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
`
  const problems = (analysis: string, rest?: string) => read(canary(analysis, rest)).problems

  it.each([
    [
      'stepWeight with stepWeights',
      `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    stepWeights: [1, 5, 10]\n${metrics}`,
      'plan.yaml:13: canary "web": spec.analysis.stepWeights: is set with stepWeight: write one of them (Flagger’s CRD takes one, and uses stepWeights only when stepWeight is 0)'
    ],
    [
      'maxWeight below stepWeight',
      `    interval: 1m\n    threshold: 5\n    maxWeight: 5\n    stepWeight: 10\n${metrics}`,
      'plan.yaml:12: canary "web": spec.analysis.maxWeight: 5 is below stepWeight 10: the first step would pass it'
    ],
    [
      'stepWeights that do not increase',
      `    interval: 1m\n    threshold: 5\n    stepWeights: [10, 5]\n${metrics}`,
      'plan.yaml:12: canary "web": spec.analysis.stepWeights[1]: 5 does not increase on 10: each step weight must be above the one before'
    ],
    [
      'match without iterations',
      `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    match:\n      - headers: {x-canary: {exact: insider}}\n${metrics}`,
      'plan.yaml:13: canary "web": spec.analysis.match: needs iterations: without them Flagger runs a weighted canary and ignores match'
    ],
    [
      'no way to advance',
      `    interval: 1m\n    threshold: 5\n${metrics}`,
      'plan.yaml:9: canary "web": spec.analysis: needs stepWeight, stepWeights (a weighted canary) or iterations (A/B testing with match)'
    ],
    [
      'an interval Flagger does not read',
      `    interval: 1h\n    threshold: 5\n    stepWeight: 10\n${metrics}`,
      'plan.yaml:10: canary "web": spec.analysis.interval: "1h" is not a duration Flagger reads, such as 30s or 1m'
    ],
    [
      'a misspelt field',
      `    interval: 1m\n    threshold: 5\n    stepWieght: 10\n${metrics}`,
      'plan.yaml:12: canary "web": spec.analysis.stepWieght: unknown field (did you mean "stepWeight"?)'
    ],
    [
      'a metric that is neither builtin nor templated',
      `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    metrics:\n      - name: request-sucess-rate\n        thresholdRange: {min: 99}\n`,
      'plan.yaml:14: canary "web": metric "request-sucess-rate": has no templateRef (and is not one of Flagger’s builtins request-success-rate, request-duration (did you mean "request-success-rate"?)): Flagger fails every check with "no usable metrics template and query were configured"'
    ],
    [
      'a metric with no thresholdRange',
      `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    metrics:\n      - name: request-duration\n`,
      'plan.yaml:14: canary "web": metric "request-duration": has no thresholdRange: Flagger would compare the value with 0; add thresholdRange {max: …}'
    ],
    [
      'a webhook of an unknown type',
      `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n${metrics}    webhooks:\n      - name: gate\n        type: pre-rolout\n        url: http://hooks/\n`,
      'plan.yaml:18: canary "web": webhook "gate": type: must be one of confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, post-rollout, rollback, event'
    ]
  ])('%s', (_name, analysis, expected) => {
    expect(problems(analysis)).toEqual([expected.replace('canary "web": metric', 'metric').replace('canary "web": webhook', 'webhook')])
  })

  const good = `    interval: 1m\n    threshold: 5\n    stepWeight: 10\n${metrics}`

  it('a builtin metric for a router that has none in canary-gate', () => {
    expect(problems(good, '  provider: istio\n  service: {port: 80}')).toEqual([
      'plan.yaml:6: canary "web": spec.provider: "istio" is not a router canary-gate drives (it reads nginx and gatewayapi)',
      'plan.yaml:13: metric "request-success-rate": name: canary-gate has Flagger’s request-success-rate for nginx and gatewayapi only, not for provider "istio"; write a MetricTemplate with the query'
    ])
  })

  it('a router without its reference', () => {
    expect(problems(good, '  provider: nginx\n  service: {port: 80}')).toEqual(['plan.yaml:4: canary "web": spec: provider nginx needs spec.ingressRef: the Ingress Flagger clones as the canary ingress'])
    expect(problems(good, '  service: {port: 80}')[0]).toMatch(/^plan\.yaml:4: canary "web": spec: names no provider: Flagger takes it from its -mesh-provider flag/)
  })

  it('a target that is not a Deployment', () => {
    const text = canary(good).replace('kind: Deployment', 'kind: DaemonSet')
    expect(read(text).problems).toEqual([
      'plan.yaml:5: canary "web": spec.targetRef.kind: is DaemonSet: canary-gate reads a Flagger Canary for a Deployment (an Argo Rollout keeps its own canary steps)'
    ])
  })

  it('a misspelt kind or API group, read as the one meant', () => {
    const issues = new IssueList()
    const docs = parseFlaggerDocuments(canary(good).replace('kind: Canary', 'kind: canary').replace('flagger.app/v1beta1', 'flager.app/v1beta1'), 'plan.yaml', issues)
    expect(docs.map((d) => d.kind)).toEqual(['Canary'])
    expect(issues.issues.map(formatIssue)).toEqual([
      'plan.yaml:1: canary "web": apiVersion: "flager.app/v1beta1" is not Flagger\'s API group (did you mean "flagger.app/v1beta1"?)',
      'plan.yaml:2: canary "web": kind: unknown kind "canary", kinds are case-sensitive (did you mean "Canary"?)'
    ])
  })

  it('the namespace of a Canary that names none is the one given', () => {
    const { plans } = read(canary(good).replace('metadata: {name: web, namespace: shop}', 'metadata: {name: web}'), 'plan.yaml', 'prod')
    expect(plans[0].namespace).toBe('prod')
    expect(plans[0].metrics[0].spec.query).toContain('namespace="prod"')
  })
})
