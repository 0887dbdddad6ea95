// The pusher against a real Pushgateway, scraped by a real Prometheus that evaluates the example
// alert rules: what a team's dashboard and alerts see of a gate, with its labels.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import path from 'node:path'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { MetricsPusher } from '../../src/metrics/pushgateway.js'
import type { GateLabels } from '../../src/metrics/series.js'
import type { GateResult, StepRecord } from '../../src/report/model.js'
import { Secrets } from '../../src/secrets.js'
import { ROOT } from '../../emulators/runner.js'
import { freePort, startPrometheus, type PrometheusServer } from '../../emulators/prometheus/server.js'
import { startPushgateway, type PushgatewayServer } from '../../emulators/pushgateway/server.js'

let gateway: PushgatewayServer
let prometheus: PrometheusServer

beforeAll(async () => {
  gateway = await startPushgateway()
  prometheus = await startPrometheus({
    series: [],
    scrape: { job: 'pushgateway', targets: [gateway.target], intervalSeconds: 1, honorLabels: true },
    ruleFiles: [path.join(ROOT, 'examples', 'alerts', 'canary-gate-rules.yml')]
  })
})
afterAll(async () => {
  await Promise.all([prometheus?.close(), gateway?.close()])
})

interface Vector {
  metric: Record<string, string>
  value: [number, string]
}

async function query(promql: string): Promise<Vector[]> {
  const answer = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: promql })}`)
  return ((await answer.json()) as { data: { result: Vector[] } }).data.result
}

/** Polls Prometheus until the query answers something `done` accepts (scrapes and rule evaluations happen every second). */
async function until(promql: string, done: (result: Vector[]) => boolean, within = 20_000): Promise<Vector[]> {
  const deadline = Date.now() + within
  for (;;) {
    const result = await query(promql)
    if (done(result)) return result
    if (Date.now() > deadline) throw new Error(`${promql} never answered as expected; last answer: ${JSON.stringify(result)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const T0 = Date.now()
const step = (index: number, kind: StepRecord['kind'], result: StepRecord['result'], weight: number): StepRecord => ({ index, kind, description: kind, weight, result, startedAt: T0 + index })
const running: GateResult = {
  command: 'run',
  verdict: 'Successful',
  outcome: 'none',
  reasons: [],
  startedAt: T0,
  finishedAt: T0 + 30_000,
  analyses: [],
  configErrors: [],
  notes: [],
  steps: [step(0, 'setWeight', 'done', 20), step(1, 'analysis', 'running', 20)]
}
const aborted: GateResult = {
  ...running,
  verdict: 'Failed',
  outcome: 'aborted',
  finishedAt: T0 + 60_000,
  steps: [step(0, 'setWeight', 'done', 20), step(1, 'analysis', 'aborted', 20)],
  abort: { reason: 'error-rate failed', requestedAt: T0 + 50_000, confirmedAt: T0 + 55_000, weightBefore: 20, weightAfter: 0 }
}

function pusher(url: string, labels: GateLabels, secrets = new Secrets()) {
  const log = memoryLogger()
  return { log, pusher: new MetricsPusher({ url, labels, clock: systemClock, secrets, log }) }
}

describe('pushing to a real Pushgateway scraped by a real Prometheus', () => {
  it('a run shows its step, weight and Running verdict as it goes, then its verdict, its rollback, and the CanaryRollback alert fires', async () => {
    const labels = { rollout: 'vote', namespace: 'voting01-qa', target: 'rollout', region: 'eu-west-1' }
    const { pusher: gate, log } = pusher(gateway.url, labels)
    gate.progress(running)
    const [stepSeries] = await until('canary_gate_step{rollout="vote"}', (r) => r.length === 1)
    expect(stepSeries.metric).toEqual({ __name__: 'canary_gate_step', job: 'canary-gate', rollout: 'vote', namespace: 'voting01-qa', target: 'rollout', region: 'eu-west-1' })
    expect(stepSeries.value[1]).toBe('2')
    expect((await query('canary_gate_canary_weight{rollout="vote"}'))[0].value[1]).toBe('20')
    expect((await query('canary_gate_verdict{rollout="vote"} == 1'))[0].metric.verdict).toBe('Running')
    // Prometheus holds the count before the abort: increase() needs the step from it.
    await until('canary_gate_rollbacks_total{rollout="vote"}', (r) => r[0]?.value[1] === '0')

    await gate.finish(aborted)
    expect(log.lines).toContain("pushgateway http://127.0.0.1:" + gateway.target.split(':')[1] + ": pushed the gate's metrics (verdict Failed)")
    await until('canary_gate_verdict{rollout="vote",verdict="Failed"}', (r) => r[0]?.value[1] === '1')
    expect((await query('canary_gate_verdict{rollout="vote"} == 1')).map((v) => v.metric.verdict)).toEqual(['Failed'])
    expect((await query('canary_gate_rollbacks_total{rollout="vote"}'))[0].value[1]).toBe('1')
    expect((await query('canary_gate_canary_weight{rollout="vote"}'))[0].value[1]).toBe('0')
    expect(Number((await query('canary_gate_duration_seconds{rollout="vote"}'))[0].value[1])).toBe(60)
    const [alert] = await until('ALERTS{alertname="CanaryRollback",alertstate="firing"}', (r) => r.length > 0)
    expect(alert.metric).toMatchObject({ rollout: 'vote', namespace: 'voting01-qa', region: 'eu-west-1', severity: 'critical' })
  }, 60_000)

  it('two gates keep their own groups, and the next gate of a rollout counts its rollback on top of the last', async () => {
    const qa = { rollout: 'result', namespace: 'voting01-qa', target: 'deployment' }
    const prod = { rollout: 'result', namespace: 'voting01-prod', target: 'deployment', region: 'eu/west' }
    await pusher(gateway.url, qa).pusher.finish(aborted)
    await pusher(gateway.url, prod).pusher.finish({ ...running, verdict: 'Successful', outcome: 'promoted' })
    const again = pusher(gateway.url, qa)
    await again.pusher.finish(aborted)
    expect(again.log.lines.filter((line) => line.startsWith('warning'))).toEqual([])
    const totals = await until('canary_gate_rollbacks_total{rollout="result"}', (r) => r.length === 2 && r.some((v) => v.value[1] === '2'))
    expect(Object.fromEntries(totals.map((v) => [`${v.metric.namespace} ${v.metric.region ?? ''}`, v.value[1]]))).toEqual({ 'voting01-qa ': '2', 'voting01-prod eu/west': '0' })
    const verdicts = await query('canary_gate_verdict{rollout="result"} == 1')
    expect(Object.fromEntries(verdicts.map((v) => [v.metric.namespace, v.metric.verdict]))).toEqual({ 'voting01-qa': 'Failed', 'voting01-prod': 'Successful' })
  }, 60_000)
})

describe('the order of pushes', () => {
  it('a burst of snapshots, then the end at once: the end lands last and the group says Failed', async () => {
    const labels = { rollout: 'worker', namespace: 'voting01-qa', target: 'rollout' }
    const { pusher: gate, log } = pusher(gateway.url, labels)
    for (let i = 0; i < 20; i++) gate.progress(running)
    await gate.finish(aborted)
    expect(log.lines.filter((line) => line.startsWith('warning'))).toEqual([])
    const group = (await gateway.groups()).find((g) => g.labels.rollout === 'worker') as unknown as { canary_gate_verdict: { metrics: Array<{ labels: Record<string, string>; value: string }> } }
    expect(group.canary_gate_verdict.metrics.filter((m) => m.value === '1').map((m) => m.labels.verdict)).toEqual(['Failed'])
  })
})

describe('a push that fails is a warning, bounded in time, and never shows the credentials', () => {
  // bcrypt of "push-secret-42" (cost 4), as the Pushgateway's web config wants it.
  const HASH = '$2b$04$EdyvUTIpb8gEMkV844X39.Bbe2I7Zn4IeVA..3sCAG7m6JqpABIgW'
  let guarded: PushgatewayServer
  beforeAll(async () => {
    guarded = await startPushgateway({ basicAuth: { username: 'gate', bcryptHash: HASH } })
  })
  afterAll(async () => {
    await guarded?.close()
  })
  const labels = { rollout: 'vote', namespace: 'qa', target: 'rollout' }
  const withCredentials = (password: string) => guarded.url.replace('http://', `http://gate:${password}@`)

  it('pushes with the user and password of the address, and names the address without them', async () => {
    const { pusher: gate, log } = pusher(withCredentials('push-secret-42'), labels)
    await gate.finish(aborted)
    expect(log.lines).toEqual([`pushgateway ${guarded.url}: pushed the gate's metrics (verdict Failed)`])
    const groups = await guarded.groups(`Basic ${Buffer.from('gate:push-secret-42').toString('base64')}`)
    expect(groups.map((g) => g.labels)).toEqual([{ job: 'canary-gate', rollout: 'vote', namespace: 'qa' }])
  })

  it('a refused password: one warning naming the status, not the password', async () => {
    const { pusher: gate, log } = pusher(withCredentials('wrong-password-7'), labels)
    await gate.finish(running)
    expect(log.lines.join('\n')).not.toContain('wrong-password-7')
    expect(log.lines.filter((line) => line.startsWith('warning'))).toEqual([
      expect.stringMatching(/^warning: pushgateway http:\/\/127\.0\.0\.1:\d+: could not read canary_gate_rollbacks_total before pushing \(HTTP 401/),
      expect.stringMatching(/^warning: pushgateway http:\/\/127\.0\.0\.1:\d+: the gate's metrics were not pushed: HTTP 401/)
    ])
  })

  it('nothing listening: a warning, and finish returns', async () => {
    const port = await freePort()
    const { pusher: gate, log } = pusher(`http://127.0.0.1:${port}`, labels)
    gate.progress(running)
    await gate.finish(aborted)
    expect(log.lines.filter((line) => line.startsWith('warning'))).toContainEqual(`warning: pushgateway http://127.0.0.1:${port}: the gate's metrics were not pushed: connection refused`)
  })
})
