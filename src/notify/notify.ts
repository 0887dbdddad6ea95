// Telling people: a Slack message when the gate ends (and, with slack-notify-start, when it starts),
// and the JSON report to a webhook. Notices are one more place the result goes; they never change
// the verdict or the exit code, and a failure to deliver one is a warning that never shows the URL.
// The inputs are read here, on their own, so a notice goes out even when other inputs are wrong.
import { systemClock, type Clock } from '../clock.js'
import type { RunContext } from '../github/context.js'
import type { InputReader } from '../inputs.js'
import type { Logger } from '../log.js'
import { HttpClient } from '../providers/http-client.js'
import { reportText } from '../report/json.js'
import type { GateResult } from '../report/model.js'
import type { Secrets } from '../secrets.js'
import { POST_BUDGET_MS, postJson, type Post } from './send.js'

/** When the run is being cancelled, every notice together gets this long, and no retry. */
export const CANCELLED_NOTICE_MS = 1_500

export interface Notifier {
  /** The command has started: the start message, once, when asked for. Never waits. */
  started(snapshot: GateResult): void
  /** The gate has ended: every notice, bounded in time; failures are warnings. */
  finished(result: GateResult, cancelled?: AbortSignal): Promise<void>
}

interface Destinations {
  slack?: string
  slackStart: boolean
  webhook?: string
}

/** A webhook URL is a credential: registered before anything could print it, checked without repeating it. */
function urlInput(get: InputReader, name: string, secrets: Secrets, log: Logger): string | undefined {
  const value = get(name)
  if (!value) return undefined
  secrets.add(value)
  secrets.addUrlSecrets(value)
  try {
    const url = new URL(value)
    // The path of a Slack hook is its token; a bare "/" is not worth masking (it would mask every slash).
    if (url.pathname.length + url.search.length >= 12) secrets.add(`${url.pathname}${url.search}`)
    // eslint-disable-next-line no-control-regex
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !/[\s\u0000-\u001f\u007f]/.test(value)) return value
  } catch {
    // said below
  }
  log.warning(`input "${name}" must be an http(s) URL: nothing will be sent to it`)
  return undefined
}

export function readDestinations(get: InputReader, secrets: Secrets, log: Logger): Destinations {
  const slack = urlInput(get, 'slack-webhook-url', secrets, log)
  const webhook = urlInput(get, 'webhook-url', secrets, log)
  const start = get('slack-notify-start')
  let slackStart = false
  if (/^(true|True|TRUE)$/.test(start)) slackStart = true
  else if (start !== '' && !/^(false|False|FALSE)$/.test(start)) log.warning(`input "slack-notify-start" must be true or false, got "${start.slice(0, 20)}": no start message`)
  if (slackStart && !slack) log.warning('input "slack-notify-start" is true, but there is no slack-webhook-url: no start message')
  return { slack, slackStart, webhook }
}

/** Slack's incoming webhooks answer 200 with the body `ok`; anything else was not posted. */
const slackAccepted = (_status: number, body: string): boolean => body.trim() === 'ok' || body.trim() === ''

export function notifier(get: InputReader, secrets: Secrets, log: Logger, context: () => Promise<RunContext>, clock: Clock = systemClock): Notifier {
  let destinations: Destinations
  try {
    destinations = readDestinations(get, secrets, log)
  } catch (error) {
    log.warning(`notifications are off: ${(error as Error).message}`)
    destinations = { slackStart: false }
  }
  if (!destinations.slack && !destinations.webhook) return { started: () => {}, finished: async () => {} }
  // Real time, whatever the gate's clock: a notice is a real request to a real server.
  const http = new HttpClient(clock, secrets)
  const redact = (text: string): string => secrets.redact(text)
  let starting: Promise<void> | undefined

  const send = async (post: Post, options: { retry: boolean; budgetMs: number; signal?: AbortSignal }): Promise<void> => {
    const sent = await postJson(http, clock, secrets, post, options)
    if (sent.ok) log.info(`${post.what}: notified${sent.tries > 1 ? ` (on try ${sent.tries})` : ''}`)
    else log.warning(`${post.what} was not notified: ${sent.problem} (the verdict is not affected)`)
  }
  const slackPost = (message: unknown): Post => ({ what: 'Slack', url: destinations.slack!, body: redact(JSON.stringify(secrets.redactDeep(message))), accept: slackAccepted })

  return {
    started(snapshot) {
      if (starting || !destinations.slack || !destinations.slackStart) return
      starting = (async () => {
        const [{ startedMessage }, words] = await Promise.all([import('./slack.js'), import('../report/render.js')])
        await send(slackPost(startedMessage(snapshot, await context(), words, { redact })), { retry: true, budgetMs: POST_BUDGET_MS })
      })().catch((error: unknown) => log.warning(`Slack was not notified of the start: ${redact((error as Error).message)}`))
    },
    async finished(result, cancelled) {
      const hurry = cancelled?.aborted === true
      const options = { retry: !hurry, budgetMs: hurry ? CANCELLED_NOTICE_MS : POST_BUDGET_MS }
      const posts: Array<Promise<void>> = []
      if (destinations.slack) {
        posts.push(
          (async () => {
            // The start message goes first, so the channel reads in order.
            if (starting && !hurry) await starting
            const [{ finishedMessage }, words] = await Promise.all([import('./slack.js'), import('../report/render.js')])
            await send(slackPost(finishedMessage(result, await context(), words, { redact })), options)
          })().catch((error: unknown) => log.warning(`Slack was not notified: ${redact((error as Error).message)}`))
        )
      }
      if (destinations.webhook) {
        posts.push(
          send({ what: 'the webhook', url: destinations.webhook, body: reportText(result, secrets) }, options).catch((error: unknown) =>
            log.warning(`the webhook was not notified: ${redact((error as Error).message)}`)
          )
        )
      }
      await Promise.all(posts)
    }
  }
}
