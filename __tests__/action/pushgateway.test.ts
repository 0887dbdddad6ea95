// pushgateway-url through the bundle, run as the GitHub runner runs it: a gate's series reach a real
// Pushgateway, a real Prometheus scrapes them with their labels, and the address's password is
// masked and never in the log.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startPushgateway, type PushgatewayServer } from '../../emulators/pushgateway/server.js'
import { runAction } from '../../emulators/runner.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { leaks } from '../secrets/leaks.js'
import { deployInputs, NAMESPACE, seedJobs, startCluster } from '../support/cluster.js'

let gateway: PushgatewayServer
let prometheus: PrometheusServer
let seed: SeedMetricsServer

beforeAll(async () => {
  seed = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 } } })
  gateway = await startPushgateway()
  prometheus = await startPrometheus({ series: [], scrape: { job: 'pushgateway', targets: [gateway.target], intervalSeconds: 1, honorLabels: true } })
})
afterAll(async () => {
  await Promise.all([seed?.close(), prometheus?.close(), gateway?.close()])
})

interface Vector {
  metric: Record<string, string>
  value: [number, string]
}

async function until(promql: string, done: (result: Vector[]) => boolean, within = 20_000): Promise<Vector[]> {
  const deadline = Date.now() + within
  for (;;) {
    const answer = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: promql })}`)
    const result = ((await answer.json()) as { data: { result: Vector[] } }).data.result
    if (done(result)) return result
    if (Date.now() > deadline) throw new Error(`${promql} never answered as expected; last answer: ${JSON.stringify(result)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('pushgateway-url, through the bundle', () => {
  it("the seed's failing canary (analyze): Prometheus scrapes its Failed verdict with rollout, namespace, target and region", async () => {
    const password = 'push-secret-42x'
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-web.yaml',
        args: `app-name=voting01-vote-qa\nmetrics-url=${seed.url}`,
        rollout: 'vote',
        namespace: 'voting01-qa',
        region: 'eu-west-1',
        // This Pushgateway asks for no login: the password only has to stay out of the log.
        'pushgateway-url': gateway.url.replace('http://', `http://gate:${password}@`)
      },
      env: { CANARY_GATE_TIME_SCALE: '600' }
    })
    expect(run.outputs.verdict).toBe('Failed')
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`pushgateway ${gateway.url}: pushed the gate's metrics (verdict Failed)`)
    expect(run.stdout).not.toMatch(/::warning::.*pushgateway/)
    expect(run.stdout).toContain(`::add-mask::${password}`)
    expect(leaks([run.stdout.replace(/::add-mask::.*\n/g, ''), run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.report)].join('\n'), [password])).toEqual([])

    const [failed] = await until('canary_gate_verdict{verdict="Failed",region="eu-west-1"} == 1', (r) => r.length === 1)
    expect(failed.metric).toEqual({ __name__: 'canary_gate_verdict', job: 'canary-gate', rollout: 'vote', namespace: 'voting01-qa', target: 'rollout', region: 'eu-west-1', verdict: 'Failed' })
    const others = await until('canary_gate_verdict{rollout="vote",region="eu-west-1",verdict!="Failed"}', (r) => r.length === 4)
    expect(others.every((v) => v.value[1] === '0')).toBe(true)
    const [rollbacks] = await until('canary_gate_rollbacks_total{rollout="vote",region="eu-west-1"}', (r) => r.length === 1)
    expect(rollbacks.value[1]).toBe('0')
    const [duration] = await until('canary_gate_duration_seconds{rollout="vote",region="eu-west-1"}', (r) => r.length === 1)
    // Two measurements 60 s apart (clock time): the gate took at least that long.
    expect(Number(duration.value[1])).toBeGreaterThanOrEqual(60)
    // analyze has no steps: no step or weight series.
    expect(await until('{__name__=~"canary_gate_step|canary_gate_canary_weight"}', () => true)).toEqual([])
  }, 60_000)

  it("the seed's canary aborted at 50% (run): pushed Running at its steps, then Failed with one rollback and weight 0", async () => {
    // The usual speed of the run tests: the run lasts several of Prometheus' 1 s scrapes.
    const cluster = await startCluster()
    try {
      cluster.kube.setJobBehavior(seedJobs(() => 2.68))
      const run = await cluster.run({ inputs: deployInputs({ 'pushgateway-url': gateway.url }) })
      expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
      expect(run.stdout).toContain(`pushgateway ${gateway.url}: pushed the gate's metrics (verdict Failed)`)
      expect(run.stdout).not.toMatch(/::warning::.*pushgateway/)
    } finally {
      await cluster.close()
    }
    const at = `rollout="vote",namespace="${NAMESPACE}",region=""`
    const [rollbacks] = await until(`canary_gate_rollbacks_total{${at}}`, (r) => r[0]?.value[1] === '1')
    expect(rollbacks.metric).toEqual({ __name__: 'canary_gate_rollbacks_total', job: 'canary-gate', rollout: 'vote', namespace: NAMESPACE, target: 'rollout' })
    expect((await until(`canary_gate_verdict{${at}} == 1`, (r) => r.length === 1 && r[0].metric.verdict === 'Failed')).length).toBe(1)
    expect((await until(`canary_gate_step{${at}}`, (r) => r.length === 1))[0].value[1]).toBe('6')
    expect((await until(`canary_gate_canary_weight{${at}}`, (r) => r.length === 1))[0].value[1]).toBe('0')
    // The steps' pushes reached Prometheus before the end: Running, and a weight above 0.
    expect((await until(`max_over_time(canary_gate_verdict{${at},verdict="Running"}[5m])`, () => true))[0]?.value[1]).toBe('1')
    expect(Number((await until(`max_over_time(canary_gate_canary_weight{${at}}[5m])`, () => true))[0]?.value[1])).toBeGreaterThanOrEqual(20)
  }, 90_000)
})
