// Notices through the bundle, run as the GitHub runner runs it: an analyze gate tells the emulated
// Slack (which refuses any message Block Kit would refuse) and a webhook; a Slack that fails leaves
// the verdict and the exit code alone, with a warning that never shows the address.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { closeServer, listen, readBody } from '../../emulators/http.js'
import { runAction } from '../../emulators/runner.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { startSlack, type SlackEmulator } from '../../emulators/slack/server.js'

const HOOK = '/services/T0CANARY/B0GATE/bundleHookT0ken0000000000'
let slack: SlackEmulator
let seed: SeedMetricsServer
let receiver: Server
let reportUrl: string
const reports: Array<{ contentType: string; body: string }> = []

beforeAll(async () => {
  slack = await startSlack({ hooks: [HOOK] })
  seed = await startSeedMetrics({ apps: { 'voting01-vote-qa': { errorRate: 2.68 }, healthy: { errorRate: 0.4 } } })
  receiver = createServer(async (req, res) => {
    reports.push({ contentType: String(req.headers['content-type']), body: await readBody(req) })
    res.writeHead(200).end('{}')
  })
  reportUrl = `http://127.0.0.1:${await listen(receiver)}/canary-reports?token=report-t0ken-secret`
})
afterAll(async () => {
  await Promise.all([slack?.close(), seed?.close(), receiver && closeServer(receiver)])
})

const FAST = { CANARY_GATE_TIME_SCALE: '600' }
/** What a person reads: the log without the runner's mask commands (which carry the masked values to the runner). */
const readable = (stdout: string): string => stdout.replace(/::add-mask::.*\n/g, '')

describe('notices, through the bundle', () => {
  it('tells Slack when the gate starts and ends, with the verdict and the deciding metric, and posts the JSON report', async () => {
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-web.yaml',
        args: `app-name=voting01-vote-qa\nmetrics-url=${seed.url}`,
        'slack-webhook-url': slack.hookUrl(),
        'slack-notify-start': 'true',
        'webhook-url': reportUrl
      },
      env: FAST
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.verdict).toBe('Failed')
    expect(slack.rejections).toEqual([])
    expect(slack.messages).toHaveLength(2)
    const [start, end] = slack.messages.map((m) => JSON.stringify(m.payload))
    expect(start).toContain('canary-gate started')
    expect(end).toContain('❌ Failed — analysis of voting01-error-rate-web (no cluster changes): error-rate 2.68 > 2')
    expect(end).toMatch(/\*error-rate\*: 2\.68, 2\.68 — Failed; limit: success when result\.errorRate &lt; 2/)
    expect(end).toContain('https://github.com/acme/voting-app/actions/runs/4242')
    expect(reports).toHaveLength(1)
    expect(reports[0].contentType).toBe('application/json')
    expect(JSON.parse(reports[0].body)).toEqual(run.report)
    const shown = [readable(run.stdout), run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.report)].join('\n')
    for (const secret of ['bundleHookT0ken', 'report-t0ken-secret', HOOK]) expect(shown).not.toContain(secret)
  })

  it('a failing Slack and an unreachable webhook change nothing but a warning each, without their addresses', async () => {
    slack.setFault({ kind: 'http', status: 500 })
    const before = slack.requests
    const run = await runAction({
      inputs: {
        command: 'analyze',
        plan: 'examples/voting01/error-rate-web.yaml',
        args: `app-name=healthy\nmetrics-url=${seed.url}`,
        'slack-webhook-url': slack.hookUrl(),
        'webhook-url': 'http://127.0.0.1:9/canary-reports?token=unreachable-t0ken'
      },
      env: FAST
    })
    slack.setFault(null)
    expect(run.outputs.verdict).toBe('Successful')
    expect(run.exitCode).toBe(0)
    expect(slack.requests - before).toBe(2)
    const log = readable(run.stdout)
    expect(log).toContain('::warning::Slack was not notified: HTTP 500 (rollup_error) (the verdict is not affected)')
    expect(log).toMatch(/::warning::the webhook was not notified: connection refused/)
    for (const secret of ['bundleHookT0ken', 'unreachable-t0ken', '127.0.0.1:9', slack.url]) expect([log, run.stderr, run.summary].join('\n')).not.toContain(secret)
  })
})
