// What run checks of a Flagger Canary before the cluster is touched: which Canary, that the inputs do
// not contradict it, that every metric has a Prometheus to ask, and the A/B match as the routers take it.
import { describe, expect, it } from '@jest/globals'
import { systemClock } from '../../src/clock.js'
import { loadFlaggerPlan } from '../../src/commands/flagger.js'
import type { CommandContext } from '../../src/commands/context.js'
import { ConfigError, formatIssue, IssueList } from '../../src/config-error.js'
import { readInputs } from '../../src/inputs.js'
import { memoryLogger } from '../../src/log.js'
import { PLAN_READER } from '../../src/plan/flagger/documents.js'
import { parseDocuments } from '../../src/plan/load.js'
import { Secrets } from '../../src/secrets.js'

const canary = (name: string, target: string, extra = '', analysis = '') => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: ${name}, namespace: test}
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: ${target}}
  ingressRef: {name: ${target}}
  service: {port: 80}
${extra}  analysis:
    interval: 1m
    threshold: 5
${analysis || '    maxWeight: 50\n    stepWeight: 5\n'}    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
        interval: 1m
`

function load(text: string, inputs: Record<string, string> = {}) {
  const secrets = new Secrets()
  const log = memoryLogger()
  const all: Record<string, string> = { command: 'run', 'target-kind': 'deployment', namespace: 'test', plan: 'canary.yaml', 'prometheus-url': 'http://prometheus:9090', ...inputs }
  const context = { inputs: readInputs((name) => all[name] ?? '', secrets), clock: systemClock, log, secrets, cwd: '.', signal: new AbortController().signal } as CommandContext
  const issues = new IssueList()
  const docs = parseDocuments(text, 'canary.yaml', issues, PLAN_READER)
  try {
    return { release: loadFlaggerPlan(docs, context, issues), problems: [] as string[], log }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    return { problems: error.issues.map(formatIssue), log }
  }
}

describe('a Flagger Canary in the plan of command run', () => {
  it('is read, and its analysis said in one line before anything happens', () => {
    const { release, problems, log } = load(canary('podinfo', 'podinfo'))
    expect(problems).toEqual([])
    expect(release?.plan.target.name).toBe('podinfo')
    expect(log.lines).toContain('canary podinfo.test: canary, weights 5 to 50 by 5, every 60s, rollback after 5 failed checks; metrics request-success-rate; webhooks none')
  })

  it('two Canaries: the deployment input chooses, and without it the run refuses to guess', () => {
    const two = `${canary('a', 'app-a')}---\n${canary('b', 'app-b')}`
    expect(load(two, { deployment: 'app-b' }).release?.plan.name).toBe('b')
    expect(load(two).problems).toEqual(['input "plan": 2 Canaries in the plan target a Deployment (a at canary.yaml:3, b at canary.yaml:21): set the input "deployment" to the one to release'])
    expect(load(two, { deployment: 'app-c' }).problems).toEqual(['input "deployment": names app-c, and no Canary in the plan targets it (the plan\'s Canaries target: app-a, app-b)'])
  })

  it('inputs that contradict the Canary are refused, naming both', () => {
    const { problems } = load(canary('podinfo', 'podinfo'), { namespace: 'prod', router: 'gateway-api' })
    expect(problems).toEqual([
      'canary.yaml:3: canary "podinfo": metadata.namespace: is test, and the input "namespace" is prod: set namespace: test',
      'input "router": is gateway-api, and canary "podinfo" routes through nginx (canary.yaml:5): leave the input out'
    ])
    expect(load(canary('podinfo', 'podinfo'), { ingress: 'web' }).problems).toEqual(['input "ingress": is web, and canary "podinfo" names ingress podinfo: leave the input out'])
  })

  it("Flagger's builtin without a Prometheus to ask is refused at the metric", () => {
    const { problems } = load(canary('podinfo', 'podinfo'), { 'prometheus-url': '' })
    expect(problems).toEqual([expect.stringMatching(/^canary\.yaml:\d+: metric "request-success-rate": is Flagger's builtin and the Canary has no spec\.metricsServer: set the input "prometheus-url"/)])
    expect(load(canary('podinfo', 'podinfo', '  metricsServer: http://prom:9090\n'), { 'prometheus-url': '' }).problems).toEqual([])
  })

  it('A/B: exact and regex headers as written, prefix and suffix as the regex they mean, a cookie by name', () => {
    const ab = `    iterations: 10
    match:
      - headers:
          x-canary: {exact: insider}
      - headers:
          user-agent: {regex: ".*Firefox.*"}
      - headers:
          x-tier: {prefix: "gold.1"}
          x-zone: {suffix: "-eu"}
      - headers:
          cookie: {exact: canary}
`
    const { release, problems } = load(canary('podinfo', 'podinfo', '', ab))
    expect(problems).toEqual([])
    expect(release?.match).toEqual([
      { header: 'x-canary', exact: 'insider' },
      { header: 'user-agent', regex: '.*Firefox.*' },
      { header: 'x-tier', regex: '^gold\\.1.*' },
      { header: 'x-zone', regex: '.*-eu$' },
      { header: 'cookie', exact: 'canary' }
    ])
  })

  it('A/B on what the router cannot match (a source label, or nothing) is refused at the match', () => {
    const ab = `    iterations: 10
    match:
      - sourceLabels: {app: frontend}
      - {}
`
    const { problems } = load(canary('podinfo', 'podinfo', '', ab))
    expect(problems).toEqual([
      expect.stringMatching(/^canary\.yaml:\d+: canary "podinfo": spec\.analysis\.match\[0\]: sourceLabels is not routed by nginx in Flagger/),
      expect.stringMatching(/^canary\.yaml:\d+: canary "podinfo": spec\.analysis\.match\[1\]: matches no header: every request would go to the canary/)
    ])
  })
})
