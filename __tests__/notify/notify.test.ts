// The notices in process, against the emulated Slack and a webhook receiver on loopback: what
// arrives, in which order, how often a failing destination is tried, and that a failure is one
// warning that never shows the address.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { closeServer, listen, readBody } from '../../emulators/http.js'
import { startSlack, type SlackEmulator } from '../../emulators/slack/server.js'
import type { RunContext } from '../../src/github/context.js'
import { runnerLogger } from '../../src/log.js'
import { notifier } from '../../src/notify/notify.js'
import type { GateResult } from '../../src/report/model.js'
import { Secrets } from '../../src/secrets.js'
import { memoryRunner, type MemoryRunner } from '../support/memory-runner.js'

let slack: SlackEmulator
let receiver: Server
let receiverUrl: string
const received: Array<{ contentType: string; body: string }> = []

beforeAll(async () => {
  slack = await startSlack()
  receiver = createServer(async (req, res) => {
    received.push({ contentType: String(req.headers['content-type']), body: await readBody(req) })
    res.writeHead(204).end()
  })
  receiverUrl = `http://127.0.0.1:${await listen(receiver)}/hooks/canary?token=webhook-t0ken-123`
})
afterAll(async () => {
  await Promise.all([slack?.close(), receiver && closeServer(receiver)])
})
afterEach(() => {
  slack.setFault(null)
  slack.messages.length = 0
  received.length = 0
})

const context: RunContext = { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', repository: 'acme/voting-app', runUrl: 'https://github.com/acme/voting-app/actions/runs/1', sha: 'a1b2c3d4e5f6' }
const result: GateResult = {
  command: 'analyze',
  verdict: 'Failed',
  outcome: 'none',
  reasons: ['error-rate Failed'],
  startedAt: Date.UTC(2026, 0, 1),
  finishedAt: Date.UTC(2026, 0, 1, 0, 1),
  analyses: [],
  configErrors: [],
  notes: []
}

function setUp(inputs: Record<string, string>): { runner: MemoryRunner; notices: ReturnType<typeof notifier> } {
  const runner = memoryRunner(inputs)
  const secrets = new Secrets()
  const log = runnerLogger(runner, secrets)
  return { runner, notices: notifier((name) => runner.getInput(name), secrets, log, async () => context) }
}

const warnings = (runner: MemoryRunner): string[] => runner.annotations.filter((a) => a.level === 'warning').map((a) => a.message)

describe('notices', () => {
  it('posts the start and the end to Slack in that order, and the JSON report to the webhook', async () => {
    const { runner, notices } = setUp({ 'slack-webhook-url': slack.hookUrl(), 'slack-notify-start': 'true', 'webhook-url': receiverUrl })
    notices.started({ ...result, verdict: 'Inconclusive' })
    notices.started({ ...result, verdict: 'Inconclusive' })
    await notices.finished(result)
    expect(slack.messages.map((m) => m.payload.text)).toEqual([expect.stringMatching(/^⏳ canary-gate started: an analysis/), expect.stringMatching(/^❌ canary-gate: Failed — analysis/)])
    expect(received).toHaveLength(1)
    expect(received[0].contentType).toBe('application/json')
    expect(JSON.parse(received[0].body)).toMatchObject({ tool: 'canary-gate', verdict: 'Failed', reasons: ['error-rate Failed'] })
    expect(warnings(runner)).toEqual([])
  })

  it('sends no start message unless asked', async () => {
    const { notices } = setUp({ 'slack-webhook-url': slack.hookUrl() })
    notices.started(result)
    await notices.finished(result)
    expect(slack.messages).toHaveLength(1)
  })

  it('tries a 500 once more, then warns without the address', async () => {
    const { runner, notices } = setUp({ 'slack-webhook-url': slack.hookUrl() })
    slack.setFault({ kind: 'http', status: 500 })
    const before = slack.requests
    await notices.finished(result)
    expect(slack.requests - before).toBe(2)
    expect(warnings(runner)).toEqual(['Slack was not notified: HTTP 500 (rollup_error) (the verdict is not affected)'])
    expect(runner.lines.join('\n')).not.toContain('s3cr3tHookT0ken')
    expect(runner.lines.join('\n')).not.toContain('127.0.0.1')
  })

  it('does not retry what Slack refused for its content', async () => {
    const { runner, notices } = setUp({ 'slack-webhook-url': slack.hookUrl() })
    slack.setFault({ kind: 'http', status: 400, body: 'invalid_blocks' })
    const before = slack.requests
    await notices.finished(result)
    expect(slack.requests - before).toBe(1)
    expect(warnings(runner)).toEqual(['Slack was not notified: HTTP 400 (invalid_blocks) (the verdict is not affected)'])
  })

  it('warns when nothing listens at the address, naming neither the address nor the token', async () => {
    const { runner, notices } = setUp({ 'slack-webhook-url': 'http://127.0.0.1:9/services/T1/B1/unreachableT0ken', 'webhook-url': 'http://127.0.0.1:9/report?token=abc123def' })
    await notices.finished(result)
    const shown = warnings(runner)
    expect(shown).toHaveLength(2)
    expect(shown.join('\n')).toMatch(/connection refused/)
    for (const secret of ['unreachableT0ken', 'abc123def', '127.0.0.1:9', '/services/']) expect(runner.lines.join('\n')).not.toContain(secret)
  })

  it('warns about an input that is no URL, without repeating it', async () => {
    const { runner, notices } = setUp({ 'slack-webhook-url': 'hooks.slack.com/services/T1/B1/xoxb-not-a-url', 'slack-notify-start': 'yes' })
    await notices.finished(result)
    expect(warnings(runner)).toEqual(['input "slack-webhook-url" must be an http(s) URL: nothing will be sent to it', 'input "slack-notify-start" must be true or false, got "yes": no start message'])
    expect(runner.lines.join('\n')).not.toContain('xoxb-not-a-url')
  })
})
