// The one renderer, as a reader meets it: the headline says what happened, values from outside
// cannot break the Markdown, the Mermaid charts parse, and everything fits GitHub's limit.
import { describe, expect, it } from '@jest/globals'
import type { RunContext } from '../../src/github/context.js'
import type { GateResult, StepRecord } from '../../src/report/model.js'
import { metricCharts, weightChart } from '../../src/report/charts.js'
import { GITHUB_TEXT_LIMIT, headlineText, renderReport } from '../../src/report/render.js'
import { analysis, outcomeOf, T0 } from '../support/results.js'
import { contrast, hexColour } from '../support/contrast.js'
import { mermaidBlocks, parseMermaid } from '../support/mermaid.js'

const context: RunContext = {
  repository: 'acme/voting-app',
  owner: 'acme',
  repo: 'voting-app',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  eventName: 'workflow_dispatch',
  sha: '175a032c0ffee0123456789abcdef0123456789a',
  runUrl: 'https://github.com/acme/voting-app/actions/runs/4242',
  workflowUrl: 'https://github.com/acme/voting-app/actions/workflows/promote-qa.yml'
}

const SEED_STEPS = ['setWeight 20%', 'pause 2m', 'analysis voting01-health-check', 'setWeight 50%', 'pause 3m', 'analysis voting01-canary-analysis', 'setWeight 100%', 'pause 1m', 'analysis voting01-canary-analysis']

function steps(upTo: number, last: StepRecord['result']): StepRecord[] {
  const weights = [20, 20, 20, 50, 50, 50, 100, 100, 100]
  return SEED_STEPS.map((description, index) => ({
    index,
    kind: description.startsWith('setWeight') ? 'setWeight' : description.startsWith('pause') ? 'pause' : 'analysis',
    description,
    weight: index <= upTo ? weights[index] : undefined,
    startedAt: index <= upTo ? T0 + index * 60_000 : undefined,
    finishedAt: index <= upTo ? T0 + (index + 1) * 60_000 : undefined,
    result: index < upTo ? (description.startsWith('analysis') ? 'passed' : 'done') : index === upTo ? last : last === 'failed' ? 'skipped' : 'done'
  }))
}

function failedRun(): GateResult {
  return {
    command: 'run',
    verdict: 'Failed',
    outcome: 'aborted',
    reasons: ['step 6/9: error-rate Failed: failed 2 > failureLimit 1: measured 2.68, 2.68 (success when result.errorRate < 2)'],
    startedAt: T0,
    finishedAt: T0 + 9 * 60_000,
    analyses: [
      { label: 'step 3/9', stepIndex: 2, templates: ['voting01-health-check'], outcome: analysis([outcomeOf('http-health', [0, 0, 0], 'Successful')], 'Successful') },
      { label: 'step 6/9', stepIndex: 5, templates: ['voting01-canary-analysis'], outcome: analysis([outcomeOf('error-rate', [2.68, 2.68], 'Failed')], 'Failed') }
    ],
    configErrors: [],
    notes: [],
    steps: steps(5, 'failed'),
    rollout: { name: 'vote', namespace: 'voting01-qa', image: 'vote=registry.example.com/vote:175a032', path: 'patches', after: 'Degraded, canary 0%, aborted' },
    abort: { reason: 'step 6/9 failed', failingMeasurementAt: T0 + 361_000, requestedAt: T0 + 361_003, confirmedAt: T0 + 361_201, weightBefore: 50, weightAfter: 0 },
    nextSteps: ['kubectl argo rollouts retry rollout vote -n voting01-qa']
  }
}

describe('headline', () => {
  it('says the verdict, what the gate did and why: the deciding metric with its value and limit', () => {
    expect(headlineText(failedRun())).toBe('Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 > 2 at step 6/9')
    expect(headlineText({ ...failedRun(), verdict: 'Successful', outcome: 'promoted', abort: undefined, steps: steps(8, 'passed') })).toBe('Successful — rollout vote promoted through all 9 steps')
    const inconclusive = failedRun()
    inconclusive.analyses[1].outcome = analysis([{ ...outcomeOf('error-rate', [2.68], 'Inconclusive'), insufficientData: true }], 'Inconclusive')
    expect(headlineText({ ...inconclusive, verdict: 'Inconclusive', outcome: 'paused', abort: undefined, steps: steps(5, 'inconclusive') })).toBe(
      'Inconclusive — rollout vote paused for a human, canary at 50%: error-rate had too little data at step 6/9'
    )
    // Nothing measured decided it (an abort by hand): the headline says where, without a reason it does not have.
    expect(headlineText({ ...failedRun(), analyses: [] })).toBe('Failed — rollout vote aborted at step 6/9, canary traffic 50% → 0%')
    const analyzed: GateResult = { ...failedRun(), command: 'analyze', outcome: 'none', steps: undefined, rollout: undefined, abort: undefined, analyses: [{ ...failedRun().analyses[1], label: 'analyze', stepIndex: undefined }] }
    expect(headlineText(analyzed)).toBe('Failed — analysis of voting01-canary-analysis (no cluster changes): error-rate 2.68 > 2')
    expect(headlineText({ ...failedRun(), configErrors: ['a.yaml:3: metric "x": interval: bad'], verdict: 'Error' })).toBe(
      'Error — configuration errors: nothing was measured and the cluster was not touched'
    )
  })
})

describe('report', () => {
  it('puts the verdict, the commit, the reasons, the next steps, the tables and the charts in that order', () => {
    const text = renderReport(failedRun(), { context })
    const order = ['## ❌ Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 &gt; 2 at step 6/9', 'commit <code>175a032</code>', '### Why', '### Next', '### Analysis', '### Steps', '### Charts']
    const positions = order.map((marker) => text.indexOf(marker))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(text).toContain('| error-rate | 6/9 | 2.68, 2.68 | <code>success when result.errorRate &lt; 2</code> | 2 taken, 2 failed, 0 errors | ❌ Failed |')
    expect(text).toContain('| 7 | setWeight 100% | – | – | – | ⏭️ skipped |')
    expect(text).toContain('the abort call went out 3ms after the failing measurement; the rollout reported canary weight 0% 198ms later')
    expect(text).toContain('[the workflow](https://github.com/acme/voting-app/actions/workflows/promote-qa.yml)')
    expect(text).toContain('<code>kubectl argo rollouts retry rollout vote -n voting01-qa</code>')
  })

  it('draws charts that Mermaid\'s own parser accepts: traffic over time, and the failing metric against its threshold', async () => {
    const blocks = mermaidBlocks(renderReport(failedRun(), { context }))
    expect(blocks).toHaveLength(2)
    expect(blocks[1]).toContain('bar [2.68, 2.68]')
    expect(blocks[1]).toContain('line [2, 2]')
    const parsed = await parseMermaid(blocks)
    expect(parsed).toEqual([
      { ok: true, type: 'xychart' },
      { ok: true, type: 'xychart' }
    ])
  })

  it('gives every chart line a colour that shows on white and on a dark page, not Mermaid\'s default #ECECFF', () => {
    for (const block of mermaidBlocks(renderReport(failedRun(), { context }))) {
      const palette = block.match(/^%%\{init: .*"plotColorPalette": "([^"]+)"/)
      expect(palette).not.toBeNull()
      for (const colour of palette![1].split(', ')) {
        // White, GitHub's dark page and Mermaid's dark chart: a line or bar needs 3:1 on each (WCAG's figure for graphics).
        for (const background of ['#ffffff', '#0d1117', '#333333']) expect(contrast(hexColour(colour), hexColour(background))).toBeGreaterThanOrEqual(3)
      }
    }
  })

  it('spaces the traffic chart by time, holding each weight until it changes', () => {
    // Steps at 2:01, 5:03, 8:10 and 9:25 after the first: uneven gaps that evenly spaced points would hide.
    const run = failedRun()
    const at = [0, 121, 303, 490, 565]
    run.steps = steps(4, 'failed').slice(0, 5).map((step, i) => ({ ...step, weight: [10, 20, 30, 40, 50][i], startedAt: T0 + at[i] * 1000, finishedAt: T0 + (at[i] + 1) * 1000 }))
    run.abort = { ...run.abort!, confirmedAt: T0 + 600_000, weightBefore: 50, weightAfter: 0 }
    const chart = weightChart(run)!
    expect(chart).toContain('x-axis "minutes since the first step (06:57:30 UTC)" 0 --> 10')
    const line = chart.match(/\n {2}line \[([^\]]*)\]/)![1].split(', ').map(Number)
    // 10 minutes at 5 s a point: point i is at i × 5 s, so x is proportional to time.
    expect(line).toHaveLength(121)
    const expected = (seconds: number): number => (seconds >= 600 ? 0 : [50, 40, 30, 20, 10][[565, 490, 303, 121, 0].findIndex((s) => seconds >= s)])
    expect(line).toEqual(line.map((_, i) => expected(i * 5)))
    // Held, not ramped: between two changes (2:01 and 5:03) every point has the earlier weight.
    expect(line.slice(25, 61)).toEqual(Array(36).fill(20))
  })

  it('charts every analysis of the deciding metric, not only the first', () => {
    const run: GateResult = { ...failedRun(), verdict: 'Successful', outcome: 'promoted', abort: undefined, steps: steps(8, 'passed') }
    run.analyses = [
      { label: 'step 6/9', stepIndex: 5, templates: ['voting01-canary-analysis'], outcome: analysis([outcomeOf('error-rate', [0.4, 0.5], 'Successful')], 'Successful') },
      { label: 'step 9/9', stepIndex: 8, templates: ['voting01-canary-analysis'], outcome: analysis([outcomeOf('error-rate', [0.6, 0.7], 'Successful')], 'Successful') }
    ]
    const charts = metricCharts(run)
    expect(charts).toHaveLength(2)
    expect(charts[0]).toContain('title "error-rate at step 6/9 against its threshold 2 (red line)"')
    expect(charts[0]).toContain('bar [0.4, 0.5]')
    expect(charts[1]).toContain('title "error-rate at step 9/9 against its threshold 2 (red line)"')
    expect(charts[1]).toContain('bar [0.6, 0.7]')
  })

  it('says UTC with every time of day, and counts measurements the same way in every row', () => {
    const text = renderReport(failedRun(), { context })
    expect(text).toContain('| Step | Action | Canary weight | Start (UTC) | Duration | Result |')
    expect(text).toContain('| # | Time (UTC) | Value | Phase | Message |')
    expect(text).toContain('x-axis "measured at (UTC)" ["#1 06:57:30", "#2 06:58:30"]')
    expect(text).toContain('<sub>canary-gate · run · 2026-02-04 07:06:30 UTC')
    expect(text).toContain('| Metric | Step | Value | Condition | Measurements | Result |')
    expect(text).toContain('| 3 taken, 0 failed, 0 errors | ✅ Successful |')
    expect(text).toContain('| 2 taken, 2 failed, 0 errors | ❌ Failed |')
  })

  it('names the container in the set image command, and leaves how the changes were made to the JSON report', () => {
    const text = renderReport(failedRun(), { context })
    expect(text).toContain('<code>kubectl argo rollouts set image vote vote=IMAGE -n voting01-qa</code>')
    expect(text).not.toContain('CONTAINER')
    expect(text).not.toContain('Changes went through')
    expect(text).not.toContain('patches')
    // No image set by this run: the container is not known, and the command says where it goes.
    const unknown = renderReport({ ...failedRun(), rollout: { ...failedRun().rollout!, image: undefined } }, { context })
    expect(unknown).toContain('<code>kubectl argo rollouts set image vote CONTAINER=IMAGE -n voting01-qa</code>')
  })

  it('escapes what came from outside: names, values and messages cannot break the table or inject HTML', () => {
    const run = failedRun()
    const evil = outcomeOf('err|or <script>alert(1)</script> `x`', [2.68, 2.68], 'Failed')
    evil.tally.measurements[0].display = '<img src=x onerror=alert(1)>|'
    run.analyses[1].outcome.metrics = [evil]
    run.reasons = ['</details><h1>owned</h1>']
    const text = renderReport(run, { context })
    expect(text).not.toMatch(/<script>|<img|<h1>|<\/details><h1>/)
    expect(text).toContain('err&#124;or &lt;script&gt;alert(1)&lt;/script&gt; \\`x\\`')
    const row = text.split('\n').find((line) => line.startsWith('| ') && line.includes('alert(1)&lt;/script'))!
    expect(row.split(' | ')).toHaveLength(6)
  })

  it('fits GitHub\'s 65,536-character limit by cutting the detail first, keeping what a reader needs', () => {
    const run = failedRun()
    const many = Array.from({ length: 400 }, (_, i) => outcomeOf(`metric-${i}-${'x'.repeat(60)}`, Array.from({ length: 20 }, () => 2.68), 'Failed'))
    run.analyses[1].outcome.metrics = many
    const text = renderReport(run, { context, marker: '<!-- canary-gate:sticky rollout=vote namespace=voting01-qa -->' })
    expect(text.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT)
    expect(text.startsWith('<!-- canary-gate:sticky rollout=vote namespace=voting01-qa -->')).toBe(true)
    expect(text).toContain('## ❌ Failed — rollout vote aborted, canary traffic 50% → 0%: metric-0-')
    expect(text).toContain('### Why')
    expect(text).toContain('### Next')
    expect(text).not.toContain('<details><summary>Every measurement')
    expect(text).toMatch(/Shortened to fit GitHub|Cut to fit GitHub/)
    const small = renderReport(failedRun(), { context })
    expect(small).toContain('<details><summary>Every measurement')
    expect(small).not.toMatch(/Shortened to fit GitHub/)
  })
})
