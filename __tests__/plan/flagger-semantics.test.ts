// Flagger's semantics as tables: the weights of a passing release, stepWeights, the one failed-check
// counter and its threshold (non-consecutive failures count), A/B iterations, what each webhook's
// answer means, and the log lines Flagger users know, worded as in Flagger's source and docs.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { parseFlaggerDocuments } from '../../src/plan/flagger/documents.js'
import { readFlaggerPlans, type FlaggerPlan } from '../../src/plan/flagger/read.js'
import {
  eventPayloads,
  goDuration,
  goFloat,
  INITIALIZED,
  interval,
  judgeMetric,
  maxWeight,
  nextStepWeight,
  runInterval,
  ticksToPromote,
  weightSequence,
  type CanaryState,
  type IntervalAnswer,
  type IntervalRequest
} from '../../src/plan/flagger/semantics.js'

const FIXTURES = path.join(process.cwd(), '__tests__', 'fixtures', 'flagger')

function planOf(text: string): FlaggerPlan {
  const issues = new IssueList()
  const plans = readFlaggerPlans(parseFlaggerDocuments(text, 'plan.yaml', issues), issues)
  expect(issues.issues.map(formatIssue)).toEqual([])
  return plans[0]
}

/** A Canary with the analysis given (nginx, podinfo in `namespace`). */
const canary = (analysis: string, namespace = 'test') =>
  planOf(`apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: ${namespace}}
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  ingressRef: {name: podinfo}
  service: {port: 80}
  analysis:
${analysis}`)

const metrics = `    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
        interval: 1m
      - name: request-duration
        thresholdRange: {max: 500}
        interval: 1m
`
const hooks = (...list: Array<[string, string]>) => `    webhooks:\n${list.map(([name, type]) => `      - name: ${name}\n        type: ${type}\n        url: http://flagger-loadtester.test/${name}\n`).join('')}`

type Answerer = (request: IntervalRequest, check: number) => IntervalAnswer | undefined

/**
 * Runs ticks from a new revision until the release ends (or `ticks` run out). Every webhook answers
 * 200 and every metric passes unless `answer` says otherwise; `check` counts the analysis checks
 * (ticks that read metrics), from 1.
 */
function release(plan: FlaggerPlan, answer: Answerer = () => undefined, ticks = 60, from: CanaryState = INITIALIZED) {
  let state = from
  const log: string[] = []
  const calls: Array<{ hook: string; phase: string; payload: unknown }> = []
  const states: CanaryState[] = []
  let check = 0
  for (let tick = 0; tick < ticks; tick++) {
    let counted = false
    const outcome = runInterval(interval(plan, state, { checksum: 'rev-2' }), (request) => {
      if (request.kind === 'metric' && !counted) {
        counted = true
        check++
      }
      if (request.kind === 'webhook') calls.push({ hook: request.webhook.name, phase: request.payload.phase, payload: request.payload })
      const given = answer(request, check)
      if (given) return given
      if (request.kind === 'webhook') return { status: 200 }
      return { value: request.metric.builtin === 'request-duration' ? 120 : 100 }
    })
    log.push(...outcome.events.map((event) => event.message))
    state = outcome.state
    states.push(state)
    if (state.phase === 'Succeeded' || state.phase === 'Failed') break
  }
  return { state, log, calls, states }
}

const successRates = (values: Record<number, number>): Answerer => (request, check) =>
  request.kind === 'metric' && request.metric.builtin === 'request-success-rate' && values[check] !== undefined ? { value: values[check] } : undefined

describe('weights', () => {
  it('step 5 to 50: 5, 10, …, 50, then promotion', () => {
    const plan = canary(`    interval: 15s\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 5\n${metrics}`)
    expect(maxWeight(plan)).toBe(50)
    expect(weightSequence(plan)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50])
    const { state, log } = release(plan)
    expect(state).toEqual({ phase: 'Succeeded', canaryWeight: 0, primaryWeight: 100, failedChecks: 0, iterations: 0 })
    expect(log.filter((line) => line.startsWith('Advance'))).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map((w) => `Advance podinfo.test canary weight ${w}`))
    expect(log.slice(-3)).toEqual(['Copying podinfo.test template spec to podinfo-primary.test', 'Routing all traffic to primary', 'Promotion completed! Scaling down podinfo.test'])
    // The new revision, the pre-rollout tick, nine more advances, the promotion.
    expect(ticksToPromote(plan)).toBe(12)
  })

  it('a last step past maxWeight stops at the step: maxWeight 50 with stepWeight 20 advances 20, 40, 60', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 20\n${metrics}`)
    expect(weightSequence(plan)).toEqual([20, 40, 60])
  })

  it('stepWeights: each step in turn, promotion at the last', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeights: [1, 2, 10, 80]\n${metrics}`)
    expect(maxWeight(plan)).toBe(80)
    expect([0, 1, 2, 10].map((w) => nextStepWeight(plan, w))).toEqual([1, 1, 8, 70])
    expect(weightSequence(plan)).toEqual([1, 2, 10, 80])
    const { log, state } = release(plan)
    expect(log.filter((line) => line.startsWith('Advance'))).toEqual(['Advance podinfo.test canary weight 1', 'Advance podinfo.test canary weight 2', 'Advance podinfo.test canary weight 10', 'Advance podinfo.test canary weight 80'])
    expect(state.phase).toBe('Succeeded')
  })

  it('stepWeightPromotion: traffic back to the primary in steps', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 25\n    stepWeightPromotion: 20\n${metrics}`)
    const { log } = release(plan)
    expect(log.slice(-5)).toEqual([
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Advance podinfo.test primary weight 70',
      'Advance podinfo.test primary weight 90',
      'Advance podinfo.test primary weight 100',
      'Promotion completed! Scaling down podinfo.test'
    ])
  })
})

describe('the failed-check counter', () => {
  const plan = canary(`    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 5\n${metrics}`)

  it('rolls back once 5 checks failed, counting failures that are not consecutive; passes in between still advance', () => {
    // Checks 2, 4, 5, 7 and 9 fail; the others pass.
    const failing = { 2: 98.5, 4: 97, 5: 96, 7: 95, 9: 98.99 }
    const { log, state, states } = release(plan, successRates(failing))
    expect(state).toMatchObject({ phase: 'Failed', canaryWeight: 0, primaryWeight: 100, failedChecks: 5 })
    expect(states.map((s) => s.failedChecks)).toEqual([0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5])
    expect(log.filter((line) => !line.startsWith('Advance'))).toEqual([
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Halt podinfo.test advancement success rate 98.50% < 99%',
      'Halt podinfo.test advancement success rate 97.00% < 99%',
      'Halt podinfo.test advancement success rate 96.00% < 99%',
      'Halt podinfo.test advancement success rate 95.00% < 99%',
      'Halt podinfo.test advancement success rate 98.99% < 99%',
      'Rolling back podinfo.test failed checks threshold reached 5',
      'Canary failed! Scaling down podinfo.test'
    ])
    // Four passing checks advanced the canary from 5 to 25 between the failures.
    expect(log.filter((line) => line.startsWith('Advance'))).toEqual([5, 10, 15, 20, 25].map((w) => `Advance podinfo.test canary weight ${w}`))
  })

  it('threshold 1 (Flagger’s default) rolls back after the first failed check', () => {
    const one = canary(`    interval: 1m\n    threshold: 1\n    stepWeight: 10\n${metrics}`)
    const { log, state } = release(one, successRates({ 1: 50 }))
    expect(state.phase).toBe('Failed')
    expect(log.slice(-3)).toEqual(['Halt podinfo.test advancement success rate 50.00% < 99%', 'Rolling back podinfo.test failed checks threshold reached 1', 'Canary failed! Scaling down podinfo.test'])
  })

  it('no values and a failed query are failed checks too, worded as Flagger words them', () => {
    const noValues: Answerer = (request, check) => (request.kind === 'metric' && check <= 2 ? (check === 1 ? { noValues: true } : { error: 'Post "http://prom:9090/api/v1/query": connection refused' }) : undefined)
    const { log, states } = release(plan, noValues, 4)
    expect(states[3].failedChecks).toBe(2)
    expect(log).toContain('Halt advancement no values found for nginx metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found')
    expect(log).toContain('Prometheus query failed: running query failed: Post "http://prom:9090/api/v1/query": connection refused')
  })
})

describe('Flagger’s seed: the podinfo release and rollback logs, line for line', () => {
  // seeds/004: the analysis of ./apps/podinfo/canary.yaml and abtest.yaml with the acceptance test
  // the logs show; the logs are Flagger's, in namespace apps.
  const seedCanary = canary(`    maxWeight: 50\n    stepWeight: 5\n    interval: 15s\n    threshold: 5\n${metrics}${hooks(['acceptance-test', 'pre-rollout'])}`, 'apps')
  const seedAB = canary(
    `    iterations: 10\n    interval: 15s\n    threshold: 5\n    match:\n      - headers:\n          user-agent:\n            regex: ".*(Firefox|curl).*"\n${metrics}${hooks(['acceptance-test', 'pre-rollout'])}`,
    'apps'
  )

  it('automated canary promotion', () => {
    expect(release(seedCanary).log).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Pre-rollout check acceptance-test passed',
      'Advance podinfo.apps canary weight 5',
      'Advance podinfo.apps canary weight 10',
      'Advance podinfo.apps canary weight 15',
      'Advance podinfo.apps canary weight 20',
      'Advance podinfo.apps canary weight 25',
      'Advance podinfo.apps canary weight 30',
      'Advance podinfo.apps canary weight 35',
      'Advance podinfo.apps canary weight 40',
      'Advance podinfo.apps canary weight 45',
      'Advance podinfo.apps canary weight 50',
      'Copying podinfo.apps template spec to podinfo-primary.apps',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.apps'
    ])
  })

  it('A/B testing, then automated rollback', () => {
    const rates = { 2: 98.82, 3: 97.93, 4: 97.51, 5: 98.08, 6: 96.88 }
    expect(release(seedAB, successRates(rates)).log).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Pre-rollout check acceptance-test passed',
      'Advance podinfo.apps canary iteration 1/10',
      'Advance podinfo.apps canary iteration 2/10',
      'Halt podinfo.apps advancement success rate 98.82% < 99%',
      'Halt podinfo.apps advancement success rate 97.93% < 99%',
      'Halt podinfo.apps advancement success rate 97.51% < 99%',
      'Halt podinfo.apps advancement success rate 98.08% < 99%',
      'Halt podinfo.apps advancement success rate 96.88% < 99%',
      'Rolling back podinfo.apps failed checks threshold reached 5',
      'Canary failed! Scaling down podinfo.apps'
    ])
  })
})

describe('A/B testing', () => {
  const plan = canary(`    interval: 1m\n    threshold: 5\n    iterations: 10\n    match:\n      - headers:\n          x-canary: {exact: insider}\n${metrics}`)

  it('10 iterations with the matched traffic all on the canary, then promotion', () => {
    expect(plan.analysis.strategy).toBe('ab-testing')
    const { log, state, states } = release(plan)
    expect(state.phase).toBe('Succeeded')
    expect(log.filter((line) => line.startsWith('Advance'))).toEqual(Array.from({ length: 10 }, (_, i) => `Advance podinfo.test canary iteration ${i + 1}/10`))
    expect(states[1]).toMatchObject({ phase: 'Progressing', canaryWeight: 100, primaryWeight: 0, iterations: 1 })
    expect(log.slice(-3)).toEqual(['Copying podinfo.test template spec to podinfo-primary.test', 'Routing all traffic to primary', 'Promotion completed! Scaling down podinfo.test'])
    expect(ticksToPromote(plan)).toBe(12)
    expect(states.findIndex((s) => s.phase === 'Promoting')).toBe(ticksToPromote(plan) - 1)
  })

  it('a failed check does not count as an iteration', () => {
    const { states } = release(plan, successRates({ 3: 90 }), 5)
    expect(states.map((s) => [s.iterations, s.failedChecks])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [3, 1]
    ])
  })
})

describe('blue/green (iterations without match)', () => {
  it('runs the iterations on the canary’s own traffic, routes all traffic to it, then promotes', () => {
    const plan = canary(`    interval: 1m\n    threshold: 2\n    iterations: 3\n${metrics}`)
    expect(plan.analysis.strategy).toBe('blue-green')
    const { log, state } = release(plan)
    expect(state.phase).toBe('Succeeded')
    expect(log).toEqual([
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Advance podinfo.test canary iteration 1/3',
      'Advance podinfo.test canary iteration 2/3',
      'Advance podinfo.test canary iteration 3/3',
      'Routing all traffic to canary',
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.test'
    ])
  })
})

describe('webhooks', () => {
  it('a failing pre-rollout webhook is a failed check, and runs again at the next interval', () => {
    const plan = canary(`    interval: 1m\n    threshold: 2\n    stepWeight: 10\n${metrics}${hooks(['smoke', 'pre-rollout'])}`)
    const { log, state, calls } = release(plan, (request) => (request.kind === 'webhook' ? { status: 500, body: 'token check failed' } : undefined))
    expect(state).toMatchObject({ phase: 'Failed', failedChecks: 2 })
    expect(calls.map((c) => c.hook)).toEqual(['smoke', 'smoke'])
    expect(log).toEqual([
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Halt podinfo.test advancement pre-rollout check smoke failed token check failed',
      'Starting canary analysis for podinfo.test',
      'Halt podinfo.test advancement pre-rollout check smoke failed token check failed',
      'Rolling back podinfo.test failed checks threshold reached 2',
      'Canary failed! Scaling down podinfo.test'
    ])
  })

  it('rollout webhooks run before the metrics at every check; their failure is a failed check', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 50\n${metrics}${hooks(['load-test', 'rollout'])}`)
    const order: string[] = []
    release(plan, (request) => {
      order.push(request.kind === 'webhook' ? request.webhook.name : request.metric.name)
      return undefined
    })
    expect(order).toEqual(['load-test', 'request-success-rate', 'request-duration', 'load-test', 'request-success-rate', 'request-duration'])
    const { log, state } = release(plan, (request, check) => (request.kind === 'webhook' && check === 0 && request.webhook.name === 'load-test' ? { error: 'context deadline exceeded' } : undefined), 3)
    expect(log[log.length - 1]).toBe('Halt podinfo.test advancement external check load-test failed context deadline exceeded')
    expect(state.failedChecks).toBe(1)
  })

  it('a rollback webhook answering 2xx fails the canary; any other answer does not', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 10\n${metrics}${hooks(['stop', 'rollback'], ['notify', 'post-rollout'])}`)
    const signal = (status: number): Answerer => (request) => (request.kind === 'webhook' && request.webhook.name === 'stop' ? { status } : undefined)
    const rolled = release(plan, signal(200), 4)
    expect(rolled.state.phase).toBe('Failed')
    expect(rolled.log.slice(-4)).toEqual(['Rollback check stop passed', 'Rolling back podinfo.test manual webhook invoked', 'Canary failed! Scaling down podinfo.test', 'Post-rollout check notify passed'])
    // The post-rollout hook is told how the release ended.
    expect(rolled.calls[rolled.calls.length - 1]).toMatchObject({ hook: 'notify', phase: 'Failed' })
    const kept = release(plan, signal(404), 3)
    expect(kept.state.phase).toBe('Progressing')
    expect(kept.log).toContain('Rollback hook stop not signaling a rollback')
  })

  it('confirm-promotion holds the promotion while the checks go on, then promotes once it answers 2xx', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 50\n${metrics}${hooks(['approve', 'confirm-promotion'])}`)
    let asked = 0
    const { log, states } = release(plan, (request) => (request.kind === 'webhook' ? (++asked <= 2 ? { status: 403, body: 'not yet' } : { status: 200 }) : undefined))
    expect(states.map((s) => s.phase)).toEqual(['Progressing', 'Progressing', 'Progressing', 'WaitingPromotion', 'WaitingPromotion', 'Promoting', 'Finalising', 'Succeeded'])
    expect(log.filter((line) => /approval|Confirm-promotion|Copying/.test(line))).toEqual([
      'Halt podinfo.test advancement waiting for promotion approval approve',
      'Confirm-promotion check approve passed',
      'Copying podinfo.test template spec to podinfo-primary.test'
    ])
  })

  it('confirm-rollout holds the release in Waiting until it answers 2xx', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 50\n${metrics}${hooks(['gate', 'confirm-rollout'])}`)
    let asked = 0
    const { log, states } = release(plan, (request) => (request.kind === 'webhook' ? (++asked <= 2 ? { status: 500 } : { status: 200 }) : undefined), 3)
    expect(states.map((s) => s.phase)).toEqual(['Waiting', 'Waiting', 'Progressing'])
    expect(log).toEqual(['Halt podinfo.test advancement waiting for approval gate', 'Confirm-rollout check gate passed', 'New revision detected! Scaling up podinfo.test'])
  })

  it('passes at 200–202 only, as Flagger’s callWebhook (a 203 or 204 halts)', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 50\n${metrics}${hooks(['smoke', 'pre-rollout'])}`)
    const at = (status: number) => release(plan, (request) => (request.kind === 'webhook' ? { status } : undefined), 2).states[1].failedChecks
    expect([200, 201, 202, 203, 204, 302, 500].map(at)).toEqual([0, 0, 0, 1, 1, 1, 1])
  })

  it('sends Flagger’s payload: name, namespace, phase, checksum and the webhook’s metadata; event webhooks add the event', () => {
    const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 50\n${metrics}    webhooks:
      - name: smoke
        type: pre-rollout
        url: http://flagger-loadtester.test/
        metadata: {type: bash, cmd: "curl -s http://podinfo-canary.test/"}
      - name: slack
        type: event
        url: http://events.test/
        metadata: {channel: releases, eventType: mine}
`)
    const { calls } = release(plan, () => undefined, 2)
    expect(calls[0]).toEqual({
      hook: 'smoke',
      phase: 'Progressing',
      payload: { name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'rev-2', metadata: { type: 'bash', cmd: 'curl -s http://podinfo-canary.test/' } }
    })
    const [event] = eventPayloads(plan, 'Progressing', { type: 'Normal', message: 'Advance podinfo.test canary weight 50' }, 1_700_000_000_123, { checksum: 'rev-2' })
    expect(event.webhook.name).toBe('slack')
    expect(event.payload).toEqual({
      name: 'podinfo',
      namespace: 'test',
      phase: 'Progressing',
      checksum: 'rev-2',
      metadata: { channel: 'releases', eventMessage: 'Advance podinfo.test canary weight 50', eventType: 'Normal', timestamp: '1700000000123' }
    })
  })
})

describe('metric readings as Flagger judges them', () => {
  const plan = canary(`    interval: 1m\n    threshold: 5\n    stepWeight: 10\n${metrics}`)
  const [success, duration] = plan.metrics

  it.each([
    [success, { value: 98.825 }, 'Halt podinfo.test advancement success rate 98.83% < 99%'],
    [success, { value: 99 }, undefined],
    [duration, { value: 1500.7 }, 'Halt podinfo.test advancement request duration 1.5s > 500ms'],
    [duration, { value: 500.9 }, undefined],
    [duration, { value: 125_250 }, 'Halt podinfo.test advancement request duration 2m5.25s > 500ms'],
    [duration, { noValues: true as const }, 'Halt advancement no values found for nginx metric request-duration probably podinfo.test is not receiving traffic']
  ])('%#', (metric, answer, message) => {
    const judged = judgeMetric(plan, metric, answer)
    expect(judged.passed).toBe(message === undefined)
    expect(judged.event?.message).toBe(message)
  })

  it('words a templated metric with its name', () => {
    const custom = { ...success, name: 'error-rate', source: 'template' as const, builtin: undefined, spec: { ...success.spec, thresholdRange: { max: 1 } } }
    expect(judgeMetric(plan, custom, { value: 2.345 }).event?.message).toBe('Halt podinfo.test advancement error-rate 2.35 > 1')
    expect(judgeMetric(plan, custom, { noValues: true }).event?.message).toBe('Halt advancement no values found for custom metric: error-rate: no values found')
  })

  it('formats as Go does', () => {
    expect([0, 7, 500, 1000, 1500, 61_000, 3_600_000, 3_723_004].map(goDuration)).toEqual(['0s', '7ms', '500ms', '1s', '1.5s', '1m1s', '1h0m0s', '1h2m3.004s'])
    expect([99, 99.5, 0.5, 0.00001, 1e21, 123456789].map(goFloat)).toEqual(['99', '99.5', '0.5', '1e-05', '1e+21', '123456789'])
  })
})

it('the podinfo fixture reads into a plan the semantics run end to end', () => {
  const plan = planOf(readFileSync(path.join(FIXTURES, 'podinfo-nginx.yaml'), 'utf8'))
  const { log, state } = release(plan)
  expect(state.phase).toBe('Succeeded')
  expect(log.slice(0, 4)).toEqual(['New revision detected! Scaling up podinfo.test', 'Starting canary analysis for podinfo.test', 'Pre-rollout check acceptance-test passed', 'Advance podinfo.test canary weight 5'])
})
