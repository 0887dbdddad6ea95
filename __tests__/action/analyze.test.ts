// command: analyze through the bundle, run exactly as the GitHub runner runs it: node dist/index.js
// with INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_EVENT_PATH.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startNerdGraph, type NerdGraphEmulator } from '../../emulators/newrelic/server.js'
import { canaryTraffic, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { runAction, runnerCommands } from '../../emulators/runner.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'

const KEY = 'NRAK-E2E0000000000000000000000000'
const ACCOUNT = '7654321'
let nerdgraph: NerdGraphEmulator
let seed: SeedMetricsServer
let prometheus: PrometheusServer

beforeAll(async () => {
  nerdgraph = await startNerdGraph({
    apiKey: KEY,
    accountId: Number(ACCOUNT),
    results: [
      { match: "appName = 'voting01-vote-qa'", rows: [{ errorRate: 2.68 }] },
      { match: "appName = 'healthy'", rows: [{ errorRate: 0.4 }] }
    ]
  })
  seed = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 }, healthy: { errorRate: 0.4 } } })
  prometheus = await startPrometheus({
    series: [
      ...canaryTraffic({ app: 'vote', version: 'canary', requestsPerSecond: 10, errorRatio: 0.004, minutes: 15 }),
      ...canaryTraffic({ app: 'vote', version: 'stable', requestsPerSecond: 40, errorRatio: 0.003, minutes: 15 })
    ]
  })
})
afterAll(async () => {
  await Promise.all([nerdgraph?.close(), seed?.close(), prometheus?.close()])
})

const FAST = { CANARY_GATE_TIME_SCALE: '600' }
const newRelicInputs = () => ({ 'newrelic-api-key': KEY, 'newrelic-account-id': ACCOUNT, 'newrelic-graphql-url': nerdgraph.url })

async function planFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-e2e-plan-'))
  const file = path.join(dir, 'plan.yaml')
  await writeFile(file, text)
  return file
}

describe('command analyze, through the bundle', () => {
  it("fails the seed's canary at 2.68% from New Relic: exit 1, outputs, report and summary", async () => {
    const run = await runAction({
      inputs: { command: 'analyze', plan: 'examples/voting01/error-rate-newrelic.yaml', args: 'app-name=voting01-vote-qa', ...newRelicInputs() },
      env: FAST
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'none', 'failed-metrics': 'error-rate' })
    expect(run.stdout).toContain('::error::canary-gate: Failed — error-rate Failed: failed 2 > failureLimit 1: measured 2.68, 2.68 (success when result.errorRate < 2)')
    const analyses = run.report?.analyses as Array<{ metrics: Array<{ measurements: Array<Record<string, unknown>> }> }>
    expect(analyses[0].metrics[0].measurements).toEqual([
      expect.objectContaining({ phase: 'Failed', value: { errorRate: 2.68 }, message: '2.68: successCondition result.errorRate < 2 is false', startedAt: expect.any(String) }),
      expect.objectContaining({ phase: 'Failed', value: { errorRate: 2.68 } })
    ])
    expect(run.summary).toContain('| Metric | Step | Value | Condition | Measurements | Result |')
    expect(run.summary).toContain('| error-rate | — | 2.68, 2.68 | <code>success when result.errorRate &lt; 2</code> | 2 taken, 2 failed, 0 errors | ❌ Failed |')
  })

  it('passes a healthy canary read from the web endpoint and from a real Prometheus: exit 0', async () => {
    const prometheusPlan = await planFile(`apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  args: [{name: app}]
  metrics:
    - name: canary-error-ratio
      interval: 30s
      count: 3
      successCondition: result[0] < 0.01
      provider:
        prometheus:
          query: sum(rate(http_requests_total{app="{{args.app}}",version="canary",code="500"}[5m])) / sum(rate(http_requests_total{app="{{args.app}}",version="canary"}[5m]))
`)
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: `examples/voting01/error-rate-web.yaml\n${prometheusPlan}`,
        args: `app-name=healthy\nmetrics-url=${seed.url}\napp=vote`,
        'prometheus-url': prometheus.url
      },
      env: FAST
    })
    expect(run.stderr).toBe('')
    expect(run.outputs.verdict).toBe('Successful')
    expect(run.exitCode).toBe(0)
    expect(run.outputs['failed-metrics']).toBe('')
    expect(run.summary).toMatch(/\| canary-error-ratio \| — \| 0\.004, 0\.004, 0\.004 \| .* \| 3 taken, 0 failed, 0 errors \| ✅ Successful \|/)
  })

  it('runs only the chosen templates', async () => {
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-*.yaml',
        templates: 'voting01-error-rate-web',
        args: `app-name=healthy\nmetrics-url=${seed.url}`
      },
      env: FAST
    })
    expect(run.outputs.verdict).toBe('Successful')
    const analyses = run.report?.analyses as Array<{ templates: string[] }>
    expect(analyses[0].templates).toEqual(['voting01-error-rate-web'])
  })

  it('reports an unreachable metrics API as Error, never as 0% errors', async () => {
    const run = await runAction({
      inputs: { command: 'analyze', plan: 'examples/voting01/error-rate-web.yaml', args: 'app-name=voting01-vote-qa\nmetrics-url=http://127.0.0.1:9' },
      env: FAST
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.verdict).toBe('Error')
    expect(run.outputs['failed-metrics']).toBe('error-rate')
    expect(run.summary).toMatch(/connection refused/)
  })

  it('keeps the API key and header secrets out of the log, outputs, summary and report', async () => {
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-newrelic.yaml',
        args: 'app-name=voting01-vote-qa',
        ...newRelicInputs(),
        'newrelic-api-key': 'NRAK-WRONGKEY-SHOULD-NEVER-APPEAR-1',
        'prometheus-headers': 'Authorization: Bearer prom-token-never-shown'
      },
      env: FAST
    })
    expect(run.outputs.verdict).toBe('Error')
    expect(run.stdout).toContain('::add-mask::NRAK-WRONGKEY-SHOULD-NEVER-APPEAR-1')
    const everything = [run.stdout.replace(/::add-mask::.*\n/g, ''), run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.report)].join('\n')
    expect(everything).not.toContain('NRAK-WRONGKEY')
    expect(everything).not.toContain('prom-token-never-shown')
    expect(run.summary).toContain('HTTP 401')
  })

  it('reports every configuration problem at once, as file:line: metric: field: what is wrong', async () => {
    const plan = await planFile(`apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: broken}
spec:
  metrics:
    - name: typo
      succesCondition: result < 1
      provider: {prometheus: {query: up}}
    - name: bad-syntax
      successCondition: result =~ "x"
      provider: {prometheus: {query: up}}
`)
    const run = await runAction({ inputs: { command: 'analyze', plan, 'prometheus-url': prometheus.url, timeout: 'soon' }, env: FAST })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.verdict).toBe('Error')
    expect(run.stdout).toContain('::error::input "timeout": "soon" is not a positive duration')
    // inputs are checked first; once they are right, the plan's problems come all together
    const second = await runAction({ inputs: { command: 'analyze', plan, 'prometheus-url': prometheus.url }, env: FAST })
    // Each an annotation on its file and line, which GitHub shows on the pull request's Files view.
    const errors = runnerCommands(second.stdout).filter((c) => c.name === 'error' && c.properties.file)
    expect(errors.map((c) => [c.properties.file, c.properties.line, c.message])).toEqual([
      [plan, '7', `${plan}:7: metric "typo": succesCondition: unknown field (did you mean "successCondition"?)`],
      [plan, '10', expect.stringContaining(`${plan}:10: metric "bad-syntax": successCondition: unsupported operator "=~"`)]
    ])
    expect(second.summary).toContain('Configuration errors')
    expect(second.summary).toContain('metric &quot;typo&quot;: succesCondition: unknown field')
  })

  it('says so when there is no GitHub token, and carries on', async () => {
    const run = await runAction({
      inputs: { command: 'analyze', plan: 'examples/voting01/error-rate-web.yaml', args: `app-name=healthy\nmetrics-url=${seed.url}`, 'github-token': '' },
      env: FAST
    })
    expect(run.stdout).toContain('::notice::no github-token: the PR comment and the check are skipped')
    expect(run.outputs.verdict).toBe('Successful')
  })

  it('stops on cancellation with outputs and a summary, and does not call it a pass', async () => {
    const run = await runAction({
      inputs: { command: 'analyze', plan: 'examples/voting01/error-rate-web.yaml', args: `app-name=healthy\nmetrics-url=${seed.url}` },
      env: { CANARY_GATE_TIME_SCALE: '1' },
      cancel: { when: (log) => log.includes('error-rate #1'), signal: 'SIGTERM' }
    })
    expect(run.elapsedMs).toBeLessThan(10_000)
    expect(run.outputs.verdict).toBe('Inconclusive')
    expect(run.stdout).toContain('received SIGTERM')
    expect(run.summary).toContain('cancelled')
  })
})
