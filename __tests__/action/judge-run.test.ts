// A judge through the bundle (`command: run`): the seed's canary with its errors judged against the
// stable pods' by the sequential judge (examples/voting01/errors-vs-baseline.yaml), New Relic
// (emulated) counting errors and requests per pod-template hash. A canary ten times worse than its
// baseline is aborted at its first analysis with the judge's numbers in the report; one as good as
// its baseline is promoted through both analyses.
import { describe, expect, it } from '@jest/globals'
import { baselineCanary } from '../../scripts/scenario.js'

describe('the sequential judge gating a Rollout through the bundle', () => {
  it('aborts a canary at 1 % errors against a baseline at 0.1 %, which a 2 % threshold would pass', async () => {
    const { run, reached100, weight, aborted } = await baselineCanary({ speed: 60, canary: { errors: 15, requests: 1500 }, baseline: { errors: 6, requests: 6000 } })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted', 'failed-metrics': 'errors-vs-baseline' })
    expect({ reached100, weight, aborted }).toEqual({ reached100: false, weight: 0, aborted: true })
    expect(run.stdout).toMatch(/\[step 3\/7\] errors-vs-baseline #1: 15\/1500 \(baseline 6\/6000\) → Failed \(error rate ratio 1000 % \(canary 15\/1500, baseline 6\/6000 over 1 interval\); 99 % confidence sequence \[\d+ %, \d+ %\]; always-valid p [\d.]+ for ratio ≤ 110 % ≤ α 0\.01 → fail\)/)
    // The report's comparison: both values, the ratio, n per side, the judge's statistic.
    expect(run.summary).toMatch(/#### Canary against baseline — step 3\/7/)
    expect(run.summary).toMatch(/\| errors-vs-baseline \| 0\.01 \| 0\.001 \| 1000 % \| 1500 \/ 6000 requests \| p [\d.]+ · ratio \\\[\d+ %, \d+ %\\\] \| ❌ Failed \|/)
  })

  it('promotes a canary whose errors match its baseline’s: no regression shown by the count', async () => {
    const { run, reached100 } = await baselineCanary({ speed: 120, canary: { errors: 2, requests: 1500 }, baseline: { errors: 8, requests: 6000 } })
    expect(run.outputs).toMatchObject({ verdict: 'Successful', outcome: 'promoted' })
    expect(reached100).toBe(true)
    const analyses = (run.report as { analyses: Array<{ label: string; verdict: string }> }).analyses
    expect(analyses.map((a) => [a.label, a.verdict])).toEqual([
      ['step 3/7', 'Successful'],
      ['step 6/7', 'Successful']
    ])
    expect(run.stdout).toMatch(/errors-vs-baseline #\d+: 2\/1500 \(baseline 8\/6000\) → Successful \(/)
  })
})
