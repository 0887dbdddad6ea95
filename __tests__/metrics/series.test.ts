// The series a gate pushes, from its GateResult alone: what a dashboard and the alert rules read.
import { describe, expect, it } from '@jest/globals'
import { countIn } from '../../src/metrics/pushgateway.js'
import { exposition, gateSeries, groupingLabels, groupingPath, type GateLabels, type Sample } from '../../src/metrics/series.js'
import type { GateResult, StepRecord } from '../../src/report/model.js'

const LABELS: GateLabels = { rollout: 'vote', namespace: 'voting01-qa', target: 'rollout', region: 'eu-west-1' }
const T0 = Date.UTC(2026, 11, 2, 7, 0, 0)

function result(over: Partial<GateResult> = {}): GateResult {
  return { command: 'run', verdict: 'Successful', outcome: 'none', reasons: [], startedAt: T0, finishedAt: T0 + 95_500, analyses: [], configErrors: [], notes: [], ...over }
}

const step = (index: number, kind: StepRecord['kind'], result: StepRecord['result'], weight?: number, started = true): StepRecord => ({
  index,
  kind,
  description: kind,
  weight,
  result,
  ...(started ? { startedAt: T0 + index * 1000 } : {})
})

/** name{verdict?} → value, for reading a push at a glance. */
function values(samples: Sample[]): Record<string, number> {
  return Object.fromEntries(samples.map((s) => [s.labels.verdict ? `${s.name}{${s.labels.verdict}}` : s.name, s.value]))
}

describe('gateSeries', () => {
  it('a run in progress: verdict Running, the step it is at from 1, the canary weight of the latest step reached', () => {
    const steps = [step(0, 'setWeight', 'done', 20), step(1, 'pause', 'done', 20), step(2, 'setWeight', 'done', 50), step(3, 'analysis', 'running', 50), step(4, 'setWeight', 'not reached', 100, false)]
    expect(values(gateSeries(result({ steps }), { labels: LABELS, running: true, rollbacksBefore: 2 }))).toEqual({
      'canary_gate_verdict{Running}': 1,
      'canary_gate_verdict{Successful}': 0,
      'canary_gate_verdict{Failed}': 0,
      'canary_gate_verdict{Error}': 0,
      'canary_gate_verdict{Inconclusive}': 0,
      canary_gate_rollbacks_total: 2,
      canary_gate_duration_seconds: 95.5,
      canary_gate_step: 4,
      canary_gate_canary_weight: 50
    })
  })

  it('a running push of an older snapshot (the heartbeat) counts the duration to now; a final one to the end', () => {
    const duration = (running: boolean) => values(gateSeries(result(), { labels: LABELS, running, rollbacksBefore: 0, now: T0 + 300_000 })).canary_gate_duration_seconds
    expect(duration(true)).toBe(300)
    expect(duration(false)).toBe(95.5)
  })

  it('every series carries rollout, namespace, target and region; the verdict series also its verdict', () => {
    const samples = gateSeries(result(), { labels: LABELS, running: false, rollbacksBefore: 0 })
    for (const sample of samples) expect(sample.labels).toMatchObject({ rollout: 'vote', namespace: 'voting01-qa', target: 'rollout', region: 'eu-west-1' })
    expect(samples.filter((s) => s.name === 'canary_gate_verdict').map((s) => s.labels.verdict)).toEqual(['Running', 'Successful', 'Failed', 'Error', 'Inconclusive'])
    expect(samples.find((s) => s.name === 'canary_gate_rollbacks_total')?.type).toBe('counter')
  })

  it('an empty region is no region label', () => {
    const samples = gateSeries(result(), { labels: { ...LABELS, region: '' }, running: false, rollbacksBefore: 0 })
    expect(samples.every((s) => !('region' in s.labels))).toBe(true)
  })

  it('an aborted run: verdict Failed, one rollback more than before, the weight the abort confirmed', () => {
    const steps = [step(0, 'setWeight', 'done', 20), step(1, 'analysis', 'aborted', 20), step(2, 'setWeight', 'skipped', 100, false)]
    const abort = { reason: 'error-rate failed', requestedAt: T0 + 50_000, confirmedAt: T0 + 52_000, weightBefore: 20, weightAfter: 0 }
    const pushed = values(gateSeries(result({ verdict: 'Failed', outcome: 'aborted', steps, abort }), { labels: LABELS, running: false, rollbacksBefore: 3 }))
    expect(pushed).toMatchObject({ 'canary_gate_verdict{Failed}': 1, 'canary_gate_verdict{Running}': 0, canary_gate_rollbacks_total: 4, canary_gate_step: 2, canary_gate_canary_weight: 0 })
  })

  it('a promoted run: Successful, the last step, weight 100, no rollback added', () => {
    const steps = [step(0, 'setWeight', 'done', 20), step(1, 'analysis', 'passed', 20)]
    const pushed = values(gateSeries(result({ outcome: 'promoted', steps }), { labels: LABELS, running: false, rollbacksBefore: 1 }))
    expect(pushed).toMatchObject({ 'canary_gate_verdict{Successful}': 1, canary_gate_rollbacks_total: 1, canary_gate_step: 2, canary_gate_canary_weight: 100 })
  })

  it('before the first step: step 0 and no weight series (nothing is invented)', () => {
    const steps = [step(0, 'setWeight', 'not reached', 20, false)]
    const pushed = values(gateSeries(result({ steps }), { labels: LABELS, running: true, rollbacksBefore: 0 }))
    expect(pushed.canary_gate_step).toBe(0)
    expect(pushed).not.toHaveProperty('canary_gate_canary_weight')
  })

  it('analyze has no steps: verdict, rollbacks and duration only', () => {
    const pushed = gateSeries(result({ command: 'analyze', verdict: 'Inconclusive' }), { labels: LABELS, running: false, rollbacksBefore: 0 })
    expect([...new Set(pushed.map((s) => s.name))]).toEqual(['canary_gate_verdict', 'canary_gate_rollbacks_total', 'canary_gate_duration_seconds'])
    expect(values(pushed)['canary_gate_verdict{Inconclusive}']).toBe(1)
  })
})

describe('exposition', () => {
  it('writes the text format: HELP and TYPE once per family, escaped label values, no timestamps', () => {
    const text = exposition(gateSeries(result({ verdict: 'Error' }), { labels: { ...LABELS, region: 'eu "west"\\1\nb' }, running: false, rollbacksBefore: 0 }))
    expect(text.match(/^# TYPE canary_gate_verdict gauge$/gm)).toHaveLength(1)
    expect(text).toContain('# TYPE canary_gate_rollbacks_total counter')
    expect(text).toContain('canary_gate_verdict{rollout="vote",namespace="voting01-qa",target="rollout",region="eu \\"west\\"\\\\1\\nb",verdict="Error"} 1\n')
    expect(text).toMatch(/\ncanary_gate_duration_seconds\{[^}]*\} 95\.5\n$/)
  })
})

describe('the Pushgateway group', () => {
  it('is job=canary-gate with rollout, namespace and region; a region with "/" goes base64url', () => {
    expect(groupingPath(LABELS)).toBe('/metrics/job/canary-gate/rollout/vote/namespace/voting01-qa/region/eu-west-1')
    expect(groupingPath({ ...LABELS, region: undefined })).toBe('/metrics/job/canary-gate/rollout/vote/namespace/voting01-qa')
    expect(groupingPath({ ...LABELS, region: 'eu/west' })).toBe(`/metrics/job/canary-gate/rollout/vote/namespace/voting01-qa/region@base64/${Buffer.from('eu/west').toString('base64url')}`)
  })

  it('reads the rollback count of exactly this group from /api/v1/metrics', () => {
    const group = (labels: Record<string, string>, value: string) => ({ labels, canary_gate_rollbacks_total: { metrics: [{ labels, value }] } })
    const body = JSON.stringify({
      status: 'success',
      data: [group({ job: 'canary-gate', rollout: 'vote', namespace: 'voting01-qa', region: 'us' }, '7'), group(groupingLabels(LABELS), '3'), { labels: { job: 'other' } }]
    })
    expect(countIn(body, groupingLabels(LABELS))).toBe(3)
    expect(countIn(body, groupingLabels({ ...LABELS, rollout: 'result' }))).toBe(0)
  })
})
