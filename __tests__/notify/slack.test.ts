// The Slack message as a channel reads it: the headline says what the gate did, the deciding metric
// shows its values and limit, an abort shows its timings, links lead to the run and the PR; and
// whatever the result holds (huge names, hundreds of metrics, secrets), Slack accepts the message.
import { describe, expect, it } from '@jest/globals'
import { blocksProblem, judgePayload, LIMITS } from '../../emulators/slack/server.js'
import type { RunContext } from '../../src/github/context.js'
import { finishedMessage, startedMessage, type Block, type SlackMessage } from '../../src/notify/slack.js'
import type { GateResult } from '../../src/report/model.js'
import * as words from '../../src/report/render.js'
import { Secrets } from '../../src/secrets.js'
import { analysis, outcomeOf, T0 } from '../support/results.js'

const context: RunContext = {
  repository: 'acme/voting-app',
  owner: 'acme',
  repo: 'voting-app',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  eventName: 'pull_request',
  sha: '175a032c0ffee0123456789abcdef0123456789a',
  pullRequest: { number: 17, headSha: '175a032c0ffee0123456789abcdef0123456789a', fork: false },
  runUrl: 'https://github.com/acme/voting-app/actions/runs/4242'
}

function aborted(): GateResult {
  return {
    command: 'run',
    verdict: 'Failed',
    outcome: 'aborted',
    reasons: ['step 6/9: error-rate Failed: failed 2 > failureLimit 1: measured 2.68, 2.68 (success when result.errorRate < 2)'],
    startedAt: T0,
    finishedAt: T0 + 9 * 60_000,
    analyses: [
      { label: 'step 3/9', stepIndex: 2, templates: ['health'], outcome: analysis([outcomeOf('http-health', [0, 0, 0], 'Successful')], 'Successful') },
      { label: 'step 6/9', stepIndex: 5, templates: ['canary'], outcome: analysis([outcomeOf('error-rate', [2.68, 2.68], 'Failed')], 'Failed') }
    ],
    configErrors: [],
    notes: [],
    steps: Array.from({ length: 9 }, (_, index) => ({ index, kind: 'other' as const, description: `step ${index + 1}`, result: index < 5 ? ('done' as const) : index === 5 ? ('failed' as const) : ('skipped' as const), weight: 50 })),
    rollout: { name: 'vote', namespace: 'voting01-qa', image: 'vote=registry.example.com/vote:175a032', path: 'plugin' },
    abort: { reason: 'step 6/9 failed', failingMeasurementAt: T0 + 361_000, requestedAt: T0 + 361_250, confirmedAt: T0 + 366_250, weightBefore: 50, weightAfter: 0 }
  }
}

function promoted(): GateResult {
  return {
    ...aborted(),
    verdict: 'Successful',
    outcome: 'promoted',
    reasons: ['every analysis passed'],
    analyses: [{ label: 'step 6/9', stepIndex: 5, templates: ['canary'], outcome: analysis([outcomeOf('error-rate', [0.4, 0.5], 'Successful')], 'Successful') }],
    steps: Array.from({ length: 9 }, (_, index) => ({ index, kind: 'other' as const, description: `step ${index + 1}`, result: 'done' as const, weight: 100 })),
    abort: undefined
  }
}

function inconclusive(): GateResult {
  const latency = outcomeOf('p99-latency', [0.4], 'Inconclusive')
  latency.message = 'inconclusive 1 > inconclusiveLimit 0'
  return {
    ...aborted(),
    verdict: 'Inconclusive',
    outcome: 'paused',
    reasons: ['step 6/9: p99-latency Inconclusive: inconclusive 1 > inconclusiveLimit 0'],
    analyses: [{ label: 'step 6/9', stepIndex: 5, templates: ['canary'], outcome: analysis([outcomeOf('error-rate', [0.4], 'Successful'), latency], 'Inconclusive') }],
    steps: Array.from({ length: 9 }, (_, index) => ({ index, kind: 'other' as const, description: `step ${index + 1}`, result: index < 5 ? ('done' as const) : index === 5 ? ('inconclusive' as const) : ('not reached' as const), weight: 50 })),
    abort: undefined
  }
}

/** Every text a person can see in the message. */
function allText(message: SlackMessage): string {
  return JSON.stringify(message)
}

function accepted(message: SlackMessage): void {
  expect(judgePayload('application/json', JSON.stringify(message))).toMatchObject({ status: 200 })
}

const header = (message: SlackMessage): string => (message.blocks[0] as Extract<Block, { type: 'header' }>).text.text

describe('the Slack message when the gate ends', () => {
  it('an abort: the verdict and what the gate did in the header, the failing metric with its values and limit, the timings, the links', () => {
    const message = finishedMessage(aborted(), context, words)
    accepted(message)
    expect(header(message)).toBe('❌ Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 > 2 at step 6/9')
    const text = allText(message)
    expect(text).toContain('*The gate*\\naborted')
    expect(text).toContain('`vote=registry.example.com/vote:175a032`')
    expect(text).toContain('*Namespace*\\n`voting01-qa`')
    expect(text).toContain('<https://github.com/acme/voting-app/commit/175a032c0ffee0123456789abcdef0123456789a|175a032>')
    // The deciding metric, not the one that passed.
    expect(text).toContain('*error-rate* (step 6/9): 2.68, 2.68 — Failed; limit: success when result.errorRate &lt; 2, failureLimit 1')
    expect(text).not.toContain('*http-health*')
    expect(text).toContain('failing measurement 07:03:31 UTC → abort requested 07:03:31 UTC (+250ms) → confirmed at canary weight 0% 07:03:36 UTC (+5s)')
    const actions = message.blocks.find((block) => block.type === 'actions') as Extract<Block, { type: 'actions' }>
    expect(actions.elements.map((button) => [button.text.text, button.url])).toEqual([
      ['Workflow run', 'https://github.com/acme/voting-app/actions/runs/4242'],
      ['Pull request #17', 'https://github.com/acme/voting-app/pull/17'],
      ['Commit 175a032', 'https://github.com/acme/voting-app/commit/175a032c0ffee0123456789abcdef0123456789a']
    ])
    expect(message.text).toContain('Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 &gt; 2 at step 6/9')
    expect(message.text).toContain('https://github.com/acme/voting-app/actions/runs/4242')
  })

  it('a promotion: every metric with its values, no abort', () => {
    const message = finishedMessage(promoted(), context, words)
    accepted(message)
    expect(header(message)).toBe('✅ Successful — rollout vote promoted through all 9 steps')
    const text = allText(message)
    expect(text).toContain('*The gate*\\npromoted')
    expect(text).toContain('*Metrics*\\n✅ *error-rate* (step 6/9): 0.4, 0.5 — Successful')
    expect(text).not.toContain('Abort')
  })

  it('an inconclusive pause: the inconclusive metric decides, the rollout is left for a human', () => {
    const message = finishedMessage(inconclusive(), context, words)
    accepted(message)
    expect(header(message)).toMatch(/^❔ Inconclusive — rollout vote paused for a human, canary at 50%: p99-latency inconclusive at step 6\/9/)
    const text = allText(message)
    expect(text).toContain('*The gate*\\npaused for a human')
    expect(text).toContain('*p99-latency* (step 6/9): 0.4 — Inconclusive')
    expect(text).not.toContain('*error-rate*')
  })

  it('an analysis: no rollout fields, and the gate measured only', () => {
    const result: GateResult = { ...aborted(), command: 'analyze', outcome: 'none', steps: undefined, rollout: undefined, abort: undefined, analyses: [{ label: 'analyze', templates: ['canary'], outcome: analysis([outcomeOf('error-rate', [2.68, 2.68], 'Failed')], 'Failed') }] }
    const message = finishedMessage(result, { ...context, pullRequest: undefined }, words)
    accepted(message)
    const text = allText(message)
    expect(text).toContain('measured only (no cluster changes)')
    expect(text).toContain('*error-rate*: 2.68, 2.68 — Failed')
    expect(text).not.toContain('*Rollout*')
    expect(text).not.toContain('Pull request')
  })

  it('stays within every Block Kit limit however big the result is, cutting with an ellipsis', () => {
    const long = 'x'.repeat(5000)
    const many = Array.from({ length: 300 }, (_, i) => outcomeOf(`metric-${i}-${'m'.repeat(200)}`, [2.68], 'Failed'))
    const result: GateResult = {
      ...aborted(),
      reasons: Array.from({ length: 40 }, () => `because ${long}`),
      configErrors: Array.from({ length: 40 }, () => `plan.yaml:3: <&> ${long}`),
      analyses: Array.from({ length: 60 }, (_, i) => ({ label: `step ${i}/60 ${'🚀'.repeat(100)}`, templates: [long], outcome: analysis(many.slice(i, i + 5), 'Failed') })),
      rollout: { name: `vote-${'v'.repeat(240)}`, namespace: 'n'.repeat(63), image: `c=registry.example.com/${'i'.repeat(3000)}:tag`, path: 'plugin' }
    }
    const message = finishedMessage(result, { ...context, runUrl: `https://github.com/${'r'.repeat(3100)}` }, words)
    expect(blocksProblem(message.blocks)).toBeUndefined()
    accepted(message)
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.blocks)
    expect(header(message).length).toBeLessThanOrEqual(150)
    const withoutErrors = finishedMessage({ ...result, configErrors: [] }, context, words)
    accepted(withoutErrors)
    expect(header(withoutErrors)).toMatch(/^❌ Failed — rollout vote-v+…$/)
    expect(header(withoutErrors).length).toBe(150)
    const text = allText(message)
    expect(text).toMatch(/more in the JSON report/)
    // A URL too long for a button is left out, never cut into another address.
    const actions = message.blocks.find((block) => block.type === 'actions') as Extract<Block, { type: 'actions' }>
    expect(actions.elements.map((button) => button.text.text)).toEqual(['Pull request #17', 'Commit 175a032'])
    // Slack's control characters from outside are escaped, never markup.
    expect(text).toContain('plan.yaml:3: &lt;&amp;&gt; xxx')
    expect(message.text).not.toContain('rrrr')
  })

  it('carries no secret, even one cut by a limit', () => {
    const secret = 'sk-live-0123456789abcdefSECRET'
    const secrets = new Secrets()
    secrets.add(secret)
    const result = aborted()
    result.reasons = [`the backend said ${'.'.repeat(480)}${secret} and more`]
    result.analyses[1].outcome.metrics[0].message = `token ${secret}`
    result.analyses[1].outcome.metrics[0].tally.measurements.forEach((m) => (m.display = `${secret}`))
    const message = finishedMessage(result, context, words, { redact: (text) => secrets.redact(text) })
    accepted(message)
    const text = allText(message)
    expect(text).not.toContain(secret)
    expect(text).not.toContain(secret.slice(0, 12))
    expect(text).toContain('***')
  })
})

describe('the Slack message when the gate starts', () => {
  it('names the rollout, the image and the commit, and links the run', () => {
    const snapshot: GateResult = { ...aborted(), verdict: 'Inconclusive', outcome: 'none', abort: undefined, steps: [{ index: 0, kind: 'setWeight', description: 'setWeight 20%', result: 'running', weight: 20 }] }
    const message = startedMessage(snapshot, context, words)
    accepted(message)
    expect(header(message)).toBe('⏳ canary-gate started: rollout vote in voting01-qa')
    const text = allText(message)
    expect(text).toContain('In progress: rollout vote at step 1/1 (setWeight 20%), canary 20%')
    expect(text).toContain('`vote=registry.example.com/vote:175a032`')
    expect(text).toContain('https://github.com/acme/voting-app/actions/runs/4242')
  })
})
