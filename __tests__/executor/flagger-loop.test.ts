// Flagger's scheduler loop in process: the podinfo Canary against a Deployment target kept in memory,
// webhooks and metrics answered as each test says, on a virtual clock. What the user reads (Flagger's
// lines), what the report holds (outcome, verdict, the timeline with the weights, the abort) and
// what was done to the target.
import { describe, expect, it } from '@jest/globals'
import type { AnalysisOutcome } from '../../src/analysis/types.js'
import { IssueList } from '../../src/config-error.js'
import { engineMetricChecker, metricAnswerOf, runFlaggerCanary, type MetricChecker } from '../../src/executor/flagger-loop.js'
import { memoryLogger } from '../../src/log.js'
import { parseFlaggerDocuments } from '../../src/plan/flagger/documents.js'
import { readFlaggerPlans, type FlaggerPlan, type FlaggerWebhook } from '../../src/plan/flagger/read.js'
import type { MetricAnswer, WebhookAnswer, WebhookPayload } from '../../src/plan/flagger/semantics.js'
import type { WebhookCaller } from '../../src/webhooks/flagger.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { FakeDeploymentTarget } from './fake-deployment-target.js'

const SECOND = 1000

function planOf(analysis: string): FlaggerPlan {
  const issues = new IssueList()
  const plans = readFlaggerPlans(
    parseFlaggerDocuments(
      `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: apps}
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  ingressRef: {name: podinfo}
  service: {port: 80, targetPort: 9898}
  analysis:
${analysis}`,
      'canary.yaml',
      issues
    ),
    issues
  )
  expect(issues.issues).toEqual([])
  return plans[0]
}

const metrics = `    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
        interval: 1m
      - name: request-duration
        thresholdRange: {max: 500}
        interval: 1m
`
const hooks = (...list: Array<[string, string]>) =>
  list.length === 0
    ? ''
    : `    webhooks:\n${list.map(([name, type]) => `      - name: ${name}\n        type: ${type}\n        url: http://flagger-loadtester.test/${name}\n        metadata: {cmd: "run ${name}"}\n`).join('')}`

/** The podinfo Canary of Flagger's tutorials: stepWeight 5 to 50, threshold 5, success ≥ 99 %, duration ≤ 500 ms, every 15s. */
const podinfo = (extraHooks: Array<[string, string]> = [['acceptance-test', 'pre-rollout'], ['load-test', 'rollout']]) =>
  planOf(`    interval: 15s\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 5\n${metrics}${hooks(...extraHooks)}`)

type HookAnswers = (webhook: FlaggerWebhook, payload: WebhookPayload, call: number) => WebhookAnswer | undefined
type MetricAnswers = (metric: string, check: number) => MetricAnswer | undefined

function setup(plan: FlaggerPlan, options: { hooks?: HookAnswers; metrics?: MetricAnswers; timeoutMs?: number; cancelAfterMs?: number } = {}) {
  const clock = new VirtualClock()
  const target = new FakeDeploymentTarget(clock)
  const log = memoryLogger()
  const cancel = new AbortController()
  const calls: Array<{ hook: string; type: string; payload: WebhookPayload; at: number }> = []
  const perHook = new Map<string, number>()
  const webhooks: WebhookCaller = {
    async call(webhook, payload) {
      const n = (perHook.get(webhook.name) ?? 0) + 1
      perHook.set(webhook.name, n)
      calls.push({ hook: webhook.name, type: webhook.type, payload, at: clock.now() })
      await clock.sleep(100)
      return options.hooks?.(webhook, payload, n) ?? { status: 200 }
    }
  }
  let checks = 0
  const checker: MetricChecker = {
    async check(metric, _signal, label) {
      if (metric.name === 'request-success-rate') checks++
      expect(label).toBe(`check ${checks}`)
      await clock.sleep(200)
      return { answer: options.metrics?.(metric.name, checks) ?? { value: metric.name === 'request-duration' ? 120 : 100 } }
    }
  }
  if (options.cancelAfterMs !== undefined) void clock.sleep(options.cancelAfterMs).then(() => cancel.abort())
  const startedAt = clock.now()
  const run = () =>
    runFlaggerCanary({
      plan,
      target,
      clock,
      log,
      webhooks,
      metrics: checker,
      image: { container: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.0.1' },
      timeoutMs: options.timeoutMs ?? 60 * 60 * SECOND,
      pollIntervalMs: 5 * SECOND,
      signal: cancel.signal
    })
  return { clock, target, log, calls, run, startedAt, checks: () => checks }
}

const flaggerLines = (lines: string[]) => lines.map((line) => line.replace(/^warning: /, '')).filter((line) => /^(New revision|Starting|Pre-rollout|Advance|Halt|Rolling back|Canary failed|Copying|Routing|Promotion|Confirm|Rollback)/.test(line))
const weights = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step)

describe('the Flagger loop against a Deployment target', () => {
  it('a healthy podinfo canary: weights 5, 10, …, 50 one interval apart, then promotion', async () => {
    const { target, log, calls, run, startedAt, clock } = setup(podinfo())
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(target.calls).toEqual(['set image podinfo=ghcr.io/stefanprodan/podinfo:6.0.1', ...weights(5, 50, 5).map((w) => `set weight ${w}`), 'promote full', 'set weight 0'])
    expect(flaggerLines(log.lines)).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Pre-rollout check acceptance-test passed',
      ...weights(5, 50, 5).map((w) => `Advance podinfo.apps canary weight ${w}`),
      'Copying podinfo.apps template spec to podinfo-primary.apps',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.apps'
    ])
    // One tick per interval: the new revision, ten advances, copy, route, finalise.
    const advanceTimes = target.times.slice(1, 11).map((t) => t - startedAt)
    expect(advanceTimes[1] - advanceTimes[0]).toBeGreaterThanOrEqual(15 * SECOND)
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(13 * 15 * SECOND)
    expect(clock.now() - startedAt).toBeLessThan(14 * 15 * SECOND)
    // The timeline the report shows: the advances with their weights, the checks that passed.
    expect(result.steps!.filter((s) => s.kind === 'setWeight').map((s) => s.weight)).toEqual(weights(5, 50, 5))
    expect(result.steps!.every((s) => s.result !== 'failed' && s.result !== 'aborted')).toBe(true)
    expect(result.reasons).toEqual(['the canary passed its checks at every weight (5, 10, 15, 20, 25, 30, 35, 40, 45, 50) and was promoted'])
    // The webhooks with Flagger's payload: the pre-rollout once, the rollout hook before every check.
    expect(calls[0]).toMatchObject({ hook: 'acceptance-test', payload: { name: 'podinfo', namespace: 'apps', phase: 'Progressing', checksum: 'ghcr.io/stefanprodan/podinfo:6.0.1', metadata: { cmd: 'run acceptance-test' } } })
    expect(calls.filter((c) => c.hook === 'load-test')).toHaveLength(10)
  })

  it('a faulty canary: every failed check counted, rolled back at threshold 5 with the canary at weight 0', async () => {
    const { target, log, run } = setup(podinfo(), { metrics: (metric, check) => (metric === 'request-success-rate' && check >= 2 ? { value: 98.82 } : undefined) })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(flaggerLines(log.lines)).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Pre-rollout check acceptance-test passed',
      'Advance podinfo.apps canary weight 5',
      'Advance podinfo.apps canary weight 10',
      ...Array(5).fill('Halt podinfo.apps advancement success rate 98.82% < 99%'),
      'Rolling back podinfo.apps failed checks threshold reached 5',
      'Canary failed! Scaling down podinfo.apps'
    ])
    expect(log.lines).toContain('warning: Halt podinfo.apps advancement success rate 98.82% < 99%')
    expect(target.calls).toEqual(['set image podinfo=ghcr.io/stefanprodan/podinfo:6.0.1', 'set weight 5', 'set weight 10', 'abort'])
    expect(target.weight).toBe(0)
    expect(result.abort).toMatchObject({ reason: 'Rolling back podinfo.apps failed checks threshold reached 5', weightBefore: 10, weightAfter: 0 })
    expect(result.abort!.failingMeasurementAt).toBeDefined()
    expect(result.reasons).toEqual(['Rolling back podinfo.apps failed checks threshold reached 5', 'Halt podinfo.apps advancement success rate 98.82% < 99%'])
    expect(result.steps!.filter((s) => s.result === 'failed').map((s) => s.note)).toEqual([1, 2, 3, 4, 5].map((n) => `failed checks ${n}/5`))
    expect(result.steps!.at(-1)).toMatchObject({ result: 'aborted', weight: 0 })
  })

  it('a pre-rollout failure is a failed check: the analysis starts over at the next interval, and the counter keeps it', async () => {
    const { target, log, run } = setup(podinfo(), { hooks: (webhook, _payload, call) => (webhook.name === 'acceptance-test' && call <= 2 ? { status: 500, body: 'token not found' } : undefined) })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(flaggerLines(log.lines).slice(0, 7)).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Halt podinfo.apps advancement pre-rollout check acceptance-test failed token not found',
      'Starting canary analysis for podinfo.apps',
      'Halt podinfo.apps advancement pre-rollout check acceptance-test failed token not found',
      'Starting canary analysis for podinfo.apps',
      'Pre-rollout check acceptance-test passed'
    ])
    expect(result.notes).toContain('2 failed checks, below the threshold of 5')
    expect(target.calls.at(-2)).toBe('promote full')
  })

  it('a pre-rollout hook that keeps failing rolls back at the threshold without the canary ever taking traffic', async () => {
    const plan = planOf(`    interval: 15s\n    threshold: 2\n    maxWeight: 50\n    stepWeight: 5\n${metrics}${hooks(['acceptance-test', 'pre-rollout'])}`)
    const { target, run } = setup(plan, { hooks: () => ({ error: 'POST http://flagger-loadtester.test/acceptance-test giving up after 1 attempt(s)' }) })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(result.reasons[0]).toBe('Rolling back podinfo.apps failed checks threshold reached 2')
    expect(target.calls).toEqual(['set image podinfo=ghcr.io/stefanprodan/podinfo:6.0.1', 'abort'])
  })

  it('a rollback webhook that answers 2xx rolls the canary back at once', async () => {
    const { target, log, calls, run } = setup(podinfo([['rollback-gate', 'rollback']]), {
      // Not signalling (404) until the canary reaches 20 %, then 200.
      hooks: (webhook) => (webhook.type === 'rollback' ? { status: target.weight >= 20 ? 200 : 404 } : undefined)
    })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(flaggerLines(log.lines).slice(-3)).toEqual(['Rollback check rollback-gate passed', 'Rolling back podinfo.apps manual webhook invoked', 'Canary failed! Scaling down podinfo.apps'])
    expect(target.calls).toEqual(['set image podinfo=ghcr.io/stefanprodan/podinfo:6.0.1', 'set weight 5', 'set weight 10', 'set weight 15', 'set weight 20', 'abort'])
    expect(result.reasons[0]).toBe('Rolling back podinfo.apps manual webhook invoked')
    expect(calls.filter((c) => c.type === 'rollback').every((c) => c.payload.phase === 'Progressing')).toBe(true)
  })

  it('confirm-promotion holds the canary at 50 % until the hook approves, the checks going on meanwhile', async () => {
    const { target, log, calls, run, checks } = setup(podinfo([['approve', 'confirm-promotion']]), { hooks: (webhook, _payload, call) => (webhook.name === 'approve' && call <= 3 ? { status: 403, body: 'not yet' } : undefined) })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(log.lines.filter((line) => line.includes('waiting for promotion approval'))).toEqual(['warning: Halt podinfo.apps advancement waiting for promotion approval approve'])
    expect(calls.filter((c) => c.hook === 'approve')).toHaveLength(4)
    expect(target.calls.slice(-3)).toEqual(['set weight 50', 'promote full', 'set weight 0'])
    // The pre-rollout tick advances to 5 %, nine checks reach 50 %, four more at 50 % (three held, one approved).
    expect(checks()).toBe(13)
    const held = result.steps!.find((s) => s.result === 'paused')!
    expect(held).toMatchObject({ weight: 50, note: 'held 3 intervals' })
    expect(flaggerLines(log.lines)).toContain('Confirm-promotion check approve passed')
  })

  it('A/B by header with iterations 10: all matched traffic on the canary, ten iterations, then promotion', async () => {
    const plan = planOf(
      `    interval: 1m\n    threshold: 2\n    iterations: 10\n    match:\n      - headers:\n          x-canary:\n            exact: "insider"\n${metrics}${hooks(['acceptance-test', 'pre-rollout'])}`
    )
    expect(plan.analysis.strategy).toBe('ab-testing')
    const { target, log, run, startedAt, clock } = setup(plan)
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(target.calls).toEqual(['set image podinfo=ghcr.io/stefanprodan/podinfo:6.0.1', 'set weight 100', 'promote full', 'set weight 0'])
    expect(flaggerLines(log.lines).filter((line) => line.startsWith('Advance'))).toEqual(Array.from({ length: 10 }, (_, i) => `Advance podinfo.apps canary iteration ${i + 1}/10`))
    expect(result.reasons).toEqual(['the canary passed 10 iterations of checks on the matched requests and was promoted'])
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(13 * 60 * SECOND)
  })

  it('cancellation rolls the canary back', async () => {
    const { target, log, run } = setup(podinfo(), { cancelAfterMs: 50 * SECOND })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'aborted' })
    expect(result.reasons[0]).toBe('the workflow was cancelled')
    expect(target.calls.at(-1)).toBe('abort')
    expect(target.calls.filter((c) => c.startsWith('set weight'))).toEqual(['set weight 5', 'set weight 10', 'set weight 15'])
    expect(target.weight).toBe(0)
    expect(log.lines).toContain('warning: Rolling back podinfo.apps: the workflow was cancelled')
    expect(result.abort).toMatchObject({ reason: 'the workflow was cancelled (abort-on-cancel)', weightBefore: 15, weightAfter: 0 })
  })

  it('the timeout rolls the canary back and runs the post-rollout hooks', async () => {
    const { target, calls, run } = setup(podinfo([['notify', 'post-rollout']]), { timeoutMs: 60 * SECOND })
    const result = await run()
    expect(result).toMatchObject({ verdict: 'Error', outcome: 'aborted' })
    expect(result.reasons).toEqual(['the run did not finish within the timeout (1m)'])
    expect(target.calls.at(-1)).toBe('abort')
    expect(calls.filter((c) => c.hook === 'notify').map((c) => c.payload.phase)).toEqual(['Failed'])
  })

  it('every event goes to the event webhooks with its message', async () => {
    const { calls, run } = setup(podinfo([['events', 'event']]), { metrics: (metric, check) => (metric === 'request-success-rate' && check >= 1 ? { value: 50 } : undefined) })
    const result = await run()
    expect(result.outcome).toBe('aborted')
    const sent = calls.filter((c) => c.type === 'event').map((c) => c.payload.metadata!)
    expect(sent.map((m) => m.eventMessage)).toEqual([
      'New revision detected! Scaling up podinfo.apps',
      'Starting canary analysis for podinfo.apps',
      'Advance podinfo.apps canary weight 5',
      ...Array(5).fill('Halt podinfo.apps advancement success rate 50.00% < 99%'),
      'Rolling back podinfo.apps failed checks threshold reached 5',
      'Canary failed! Scaling down podinfo.apps'
    ])
    expect(sent.at(-1)).toMatchObject({ eventType: 'Warning', cmd: 'run events' })
    expect(Number(sent[0].timestamp)).toBeGreaterThan(0)
  })

  it('nothing to do when the Deployment already runs the image and no release is in progress', async () => {
    const { target, run } = setup(podinfo())
    ;(target as unknown as { primaryImage: string }).primaryImage = 'ghcr.io/stefanprodan/podinfo:6.0.1'
    const result = await run()
    expect(result.outcome).toBe('none')
    expect(target.calls).toEqual([])
    expect(result.notes[0]).toMatch(/^nothing to roll out/)
  })
})

describe('metrics through the analysis engine', () => {
  it('one measurement of each metric per check; a slow canary halts on its duration and the report holds every check', async () => {
    const plan = podinfo([])
    const clock = new VirtualClock()
    const target = new FakeDeploymentTarget(clock)
    const log = memoryLogger()
    // The success rate is fine; the duration (ms, nginx's builtin) is 620 once the canary takes 10 %.
    const providerFor = () => ({ measure: async (spec: { name: string }) => (spec.name === 'request-duration' ? [target.weight >= 10 ? 620.4 : 130] : [99.7]) })
    const result = await runFlaggerCanary({
      plan,
      target,
      clock,
      log,
      webhooks: { call: async () => ({ status: 200 }) },
      metrics: engineMetricChecker({ providerFor, clock, log }),
      image: { container: 'podinfo', image: 'ghcr.io/stefanprodan/podinfo:6.0.1' },
      timeoutMs: 60 * 60 * SECOND,
      pollIntervalMs: 5 * SECOND,
      signal: new AbortController().signal
    })
    expect(result).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    expect(log.lines.filter((line) => line.startsWith('warning: Halt'))).toEqual(Array(5).fill('warning: Halt podinfo.apps advancement request duration 620ms > 500ms'))
    expect(result.analyses.map((a) => [a.label, a.templates[0], a.outcome.verdict])).toEqual([
      ['check 1 at podinfo 5%', 'request-success-rate', 'Successful'],
      ['check 1 at podinfo 5%', 'request-duration', 'Successful'],
      ...[2, 3, 4, 5, 6].flatMap((n) => [
        [`check ${n} at podinfo 10%`, 'request-success-rate', 'Successful'],
        [`check ${n} at podinfo 10%`, 'request-duration', 'Failed']
      ])
    ])
  })
})

describe("a metric's reading as Flagger's Prometheus provider reads it", () => {
  const outcome = (measurement: Record<string, unknown>) =>
    ({ verdict: 'Successful', startedAt: 0, finishedAt: 0, reasons: [], ending: 'completed', metrics: [{ tally: { measurements: [{ startedAt: 0, finishedAt: 0, phase: 'Successful', message: '', ...measurement }] } }] }) as unknown as AnalysisOutcome

  it('the last series’ value; no series or NaN is no values; a failed query its error', () => {
    expect(metricAnswerOf(outcome({ value: [99.5] }))).toEqual({ value: 99.5 })
    expect(metricAnswerOf(outcome({ value: [97, 99.5] }))).toEqual({ value: 99.5 })
    expect(metricAnswerOf(outcome({ value: 42 }))).toEqual({ value: 42 })
    expect(metricAnswerOf(outcome({ value: [], phase: 'Error', message: 'thresholdRange needs a single number, got []' }))).toEqual({ noValues: true })
    expect(metricAnswerOf(outcome({ value: [Number.NaN] }))).toEqual({ noValues: true })
    expect(metricAnswerOf(outcome({ phase: 'Error', message: 'prometheus: connection refused' }))).toEqual({ error: 'prometheus: connection refused' })
  })
})
