// Flagger's webhooks, called from the runner as Flagger's controller calls them (read from
// fluxcd/flagger 15bd6ad5: pkg/controller/webhook.go callWebhook, CallWebhook, CallEventWebhook;
// pkg/apis/flagger/v1beta1/canary.go CanaryWebhookPayload; and hashicorp/go-retryablehttp, the client
// Flagger posts with). What carries over:
// - a POST of the JSON payload `{name, namespace, phase, checksum, metadata}` (metadata left out when
//   empty, its keys in Go's sorted order, strings escaped as Go's encoding/json escapes them) with
//   `Content-Type: application/json`;
// - the webhook's `timeout` (default 10s) bounds each attempt; `retries` more attempts follow a
//   transport failure, a 429 or a 5xx other than 501, waiting 1s, 2s, 4s … (at most 30s; a 429 or
//   503's Retry-After when it gives one); when they run out the call fails with
//   `POST <url> giving up after N attempt(s)`, as go-retryablehttp words it;
// - any answer up to 202 passes; any other answer fails with its body as the message; a timeout or a
//   transport error fails with its message. What a pass means is the semantics' business
//   (a `rollback` hook that passes rolls the canary back).
// The requests go through the project's one HTTP client (proxies, size cap, secret redaction).
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import type { FlaggerWebhook } from '../plan/flagger/read.js'
import type { WebhookAnswer, WebhookPayload } from '../plan/flagger/semantics.js'
import { retryAfterMs, type BackendAnswer, type HttpClient } from '../providers/http-client.js'
import { displayUrl } from '../secrets.js'

/** go-retryablehttp's RetryWaitMin and RetryWaitMax. */
const RETRY_WAIT_MIN_MS = 1000
const RETRY_WAIT_MAX_MS = 30_000
/** The longest body kept as a failed call's message (Flagger keeps it whole; a log line should not). */
const MAX_MESSAGE_CHARS = 2000

/** Calls one webhook with one payload; the answer as the semantics reads it. */
export interface WebhookCaller {
  call(webhook: FlaggerWebhook, payload: WebhookPayload, signal: AbortSignal): Promise<WebhookAnswer>
}

/** A JSON string as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, \b and \f as \u0008, \u000c. */
function goString(text: string): string {
  return JSON.stringify(text)
    .replace(/\\[\s\S]/g, (escape) => (escape === '\\b' ? '\\u0008' : escape === '\\f' ? '\\u000c' : escape))
    .replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The request body Flagger sends: CanaryWebhookPayload marshalled by encoding/json (field order as declared, map keys sorted). */
export function payloadJson(payload: WebhookPayload): string {
  const fields = [`"name":${goString(payload.name)}`, `"namespace":${goString(payload.namespace)}`, `"phase":${goString(payload.phase)}`, `"checksum":${goString(payload.checksum)}`]
  const metadata = payload.metadata ?? {}
  const keys = Object.keys(metadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (keys.length > 0) fields.push(`"metadata":{${keys.map((key) => `${goString(key)}:${goString(metadata[key])}`).join(',')}}`)
  return `{${fields.join(',')}}`
}

/** Whether go-retryablehttp's DefaultRetryPolicy tries again after this status. */
export function retryableWebhookStatus(status: number): boolean {
  return status === 429 || status === 0 || (status >= 500 && status !== 501)
}

/** go-retryablehttp's DefaultBackoff before retry `attempt` (from 0). */
export function webhookBackoffMs(attempt: number, answer?: BackendAnswer, now = Date.now()): number {
  if (answer && (answer.status === 429 || answer.status === 503)) {
    const asked = retryAfterMs(answer.headers, now)
    if (asked !== undefined) return asked
  }
  return Math.min(RETRY_WAIT_MAX_MS, RETRY_WAIT_MIN_MS * 2 ** attempt)
}

function clipped(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
}

/** Flagger's webhooks over the project's HTTP client, timed on the run's clock. */
export class FlaggerWebhookCaller implements WebhookCaller {
  constructor(
    private readonly http: Pick<HttpClient, 'exchange'>,
    private readonly clock: Clock,
    private readonly log?: Logger
  ) {}

  async call(webhook: FlaggerWebhook, payload: WebhookPayload, signal: AbortSignal): Promise<WebhookAnswer> {
    const body = payloadJson(payload)
    const shownUrl = displayUrl(webhook.url)
    // Go's url.Error words a failed request `Post "<url>": …`; the client's messages start with `what`.
    const what = `Post "${shownUrl}"`
    const attempts = 1 + Math.max(0, webhook.retries)
    for (let attempt = 0; ; attempt++) {
      const startedAt = this.clock.now()
      let answer: BackendAnswer | undefined
      let error: string | undefined
      try {
        answer = await this.http.exchange(
          {
            method: 'POST',
            url: webhook.url,
            headers: [{ key: 'Content-Type', value: 'application/json' }],
            body: { text: body },
            insecure: webhook.disableTLS
          },
          { what, budgetMs: webhook.timeoutMs, signal }
        )
      } catch (thrown) {
        if (signal.aborted) throw signal.reason
        error = thrown instanceof Error ? thrown.message : String(thrown)
      }
      const tookMs = this.clock.now() - startedAt
      this.log?.debug(`webhook ${webhook.name} (${webhook.type}) POST ${shownUrl}: ${answer ? `HTTP ${answer.status}` : error} in ${tookMs}ms`)
      const retry = answer ? retryableWebhookStatus(answer.status) : true
      if (!retry && answer) return { status: answer.status, body: clipped(answer.body) }
      if (attempt + 1 >= attempts) {
        // go-retryablehttp drops the answer once its policy wanted another try: only the count is left.
        return { error: `POST ${shownUrl} giving up after ${attempt + 1} attempt(s)${error ? `: ${error}` : ''}` }
      }
      const waitMs = webhookBackoffMs(attempt, answer)
      this.log?.debug(`webhook ${webhook.name}: retry ${attempt + 1}/${attempts - 1} in ${waitMs}ms`)
      await this.clock.sleep(waitMs, signal)
    }
  }
}
