// One POST of a notice (Slack's message, the JSON report to a webhook) over the project's HTTP client:
// bounded in time, retried once when the answer says a retry may help (429, 5xx, no answer), and
// never failing the run. What goes wrong is returned in words that never hold the address: webhook
// URLs are credentials.
import type { Clock } from '../clock.js'
import { retryableStatus, retryAfterMs, type HttpClient } from '../providers/http-client.js'
import type { Secrets } from '../secrets.js'

/** Each try's budget. */
export const POST_BUDGET_MS = 10_000
/** The longest wait before the one retry, whatever Retry-After asks. */
const LONGEST_RETRY_WAIT_MS = 5_000
const RETRY_WAIT_MS = 1_000

export interface Post {
  /** How messages name the destination: `Slack`, `the webhook`. Never the URL. */
  what: string
  url: string
  /** JSON text. */
  body: string
  /** Reads a 2xx answer whose body still says no (Slack's incoming webhooks answer `ok`). */
  accept?: (status: number, body: string) => boolean
}

export type Sent = { ok: true; tries: number } | { ok: false; problem: string }

export interface SendOptions {
  budgetMs?: number
  /** Whether a second try is allowed (not when the run is being cancelled). */
  retry?: boolean
  signal?: AbortSignal
}

/** The text of a failure, without the URL, its host or anything secret in it. */
function scrub(text: string, url: string, secrets: Secrets): string {
  let out = secrets.redact(text)
  try {
    const { host, hostname } = new URL(url)
    for (const part of [url, host, hostname]) if (part) out = out.split(part).join('(its address)')
  } catch {
    // An unparsable URL never got this far.
  }
  return out.replace(/\s+/g, ' ').trim().slice(0, 300)
}

export async function postJson(http: Pick<HttpClient, 'exchange'>, clock: Clock, secrets: Secrets, post: Post, options: SendOptions = {}): Promise<Sent> {
  const budgetMs = options.budgetMs ?? POST_BUDGET_MS
  const signal = options.signal ?? new AbortController().signal
  const tries = options.retry === false ? 1 : 2
  let problem = ''
  for (let n = 1; n <= tries; n++) {
    let wait = RETRY_WAIT_MS
    try {
      const answer = await http.exchange(
        { method: 'POST', url: post.url, accept: '*/*', headers: [{ key: 'Content-Type', value: 'application/json' }], body: { text: post.body } },
        { what: post.what, budgetMs, signal }
      )
      const ok = answer.status >= 200 && answer.status < 300 && (post.accept?.(answer.status, answer.body) ?? true)
      if (ok) return { ok: true, tries: n }
      problem = `HTTP ${answer.status}${answer.body.trim() ? ` (${answer.body.trim().slice(0, 200)})` : ''}`
      if (!retryableStatus(answer.status)) break
      wait = Math.min(LONGEST_RETRY_WAIT_MS, retryAfterMs(answer.headers, clock.now()) ?? RETRY_WAIT_MS)
    } catch (error) {
      problem = error instanceof Error ? error.message.replace(new RegExp(`^${post.what}: `), '') : String(error)
      if (signal.aborted) break
      const retryable = (error as { retryable?: boolean }).retryable
      if (retryable === false) break
    }
    if (n < tries) {
      try {
        await clock.sleep(wait, signal)
      } catch {
        break
      }
    }
  }
  return { ok: false, problem: scrub(problem || 'no answer', post.url, secrets) }
}
