// Pushes a gate's series (series.ts) to a Prometheus Pushgateway: at each progress snapshot of a run
// and at least once a minute while it goes, so a dashboard follows it and an alert can tell a gate
// that is gone, and once at the end with the verdict. A push that fails is a warning,
// never the verdict, and each is bounded in time.
//
// PUT, not POST: a PUT replaces the whole group (job=canary-gate, rollout, namespace[, region]), so
// the group holds exactly the gate's latest state: a series the last push did not carry (the weight
// before the first step, an older verdict) does not linger as it would under POST, which replaces
// only the metric names it sends. Every push therefore carries every series, the rollback count too.
//
// canary_gate_rollbacks_total across gates: the Pushgateway keeps the last value pushed and cannot
// add. The gate reads the group's count once, before its first push (GET /api/v1/metrics), and
// pushes that count plus one when it aborts: read-modify-write, which is safe because one gate at a
// time drives a rollout (the workflow's `concurrency`). A Pushgateway restarted without persistence
// starts again from 0, which Prometheus' increase() reads as a counter reset, as it would for a
// restarted process. A run pushes the count unchanged from its first snapshot on, so the series
// exists at its old value before an abort raises it and `increase(…[1h]) > 0` sees the step.
import type { Clock } from '../clock.js'
import type { Inputs } from '../inputs.js'
import type { Logger } from '../log.js'
import { excerpt } from '../providers/answers.js'
import { HttpClient, type BackendRequest } from '../providers/http-client.js'
import type { GateResult } from '../report/model.js'
import { displayUrl, type Secrets } from '../secrets.js'
import { exposition, gateSeries, groupingLabels, groupingPath, type GateLabels } from './series.js'

/**
 * While a run goes, its latest snapshot is pushed again this often (real time, as Prometheus counts
 * push_time_seconds), so a silent group means a gate that is gone, not one in a long pause.
 */
export const HEARTBEAT_MS = 60_000
/** Each push (and the read before the first) gets this long. */
export const PUSH_BUDGET_MS = 5_000
/** The last push of a cancelled run gets this long: the runner kills the step soon after. */
export const CANCELLED_PUSH_MS = 1_500

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export interface PusherOptions {
  /** The Pushgateway's address, maybe with user:password@ (sent as Basic authentication) and a path prefix. */
  url: string
  labels: GateLabels
  clock: Clock
  secrets: Secrets
  log: Logger
  /** Aborts when the runner cancels the job: the final push then gets CANCELLED_PUSH_MS. */
  signal?: AbortSignal
  client?: HttpClient
}

export class MetricsPusher {
  private readonly client: HttpClient
  private readonly base: URL
  /** The address's path without its trailing "/": a Pushgateway behind a path prefix. */
  private readonly basePath: string
  private readonly authentication?: BackendRequest['authentication']
  private readonly what: string
  private rollbacksBefore?: Promise<number>
  private pending?: GateResult
  private inFlight?: Promise<void>
  private stopProgress = new AbortController()
  private finished = false
  private progressFailed = false
  private latest?: GateResult
  private heartbeat?: NodeJS.Timeout

  constructor(private readonly o: PusherOptions) {
    this.client = o.client ?? new HttpClient(o.clock, o.secrets)
    this.what = `pushgateway ${displayUrl(o.url).replace(/\/$/, '')}`
    const url = new URL(o.url)
    // Credentials in the address go as a Basic Authorization header, never in the URL of a message.
    if (url.username || url.password) {
      this.authentication = { basicAuth: { username: decoded(url.username), password: decoded(url.password) } }
      url.username = ''
      url.password = ''
    }
    this.base = url
    this.basePath = url.pathname.replace(/\/+$/, '')
  }

  /** A snapshot of the run: pushed when the previous push is done (only the newest waiting snapshot is kept). */
  progress(snapshot: GateResult): void {
    if (this.finished) return
    this.latest = snapshot
    this.pending = snapshot
    this.inFlight ??= this.drain()
    this.heartbeat ??= setInterval(() => this.latest && this.progress(this.latest), HEARTBEAT_MS).unref()
  }

  /** The final push, after any push in flight, within PUSH_BUDGET_MS (CANCELLED_PUSH_MS when cancelled). */
  async finish(result: GateResult): Promise<void> {
    this.finished = true
    this.pending = undefined
    clearInterval(this.heartbeat)
    const budgetMs = this.o.signal?.aborted ? CANCELLED_PUSH_MS : PUSH_BUDGET_MS
    const started = Date.now()
    if (this.inFlight) {
      // The final push must land last: a progress push still going gets half the budget, then is dropped.
      const half = new Promise<void>((resolve) => setTimeout(resolve, budgetMs / 2).unref())
      await Promise.race([this.inFlight, half])
      this.stopProgress.abort(new Error('the gate finished'))
      await this.inFlight
    }
    try {
      await this.push(result, false, Math.max(500, budgetMs - (Date.now() - started)), new AbortController().signal)
      this.o.log.info(`${this.what}: pushed the gate's metrics (verdict ${result.verdict})`)
    } catch (error) {
      this.o.log.warning(`${this.what}: the gate's metrics were not pushed: ${this.why(error)}`)
    }
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.finished) {
      const snapshot = this.pending
      this.pending = undefined
      try {
        await this.push(snapshot, true, PUSH_BUDGET_MS, this.stopProgress.signal)
      } catch (error) {
        if (this.stopProgress.signal.aborted) break
        // One warning is enough: a Pushgateway that is down would otherwise warn at every step.
        const message = `${this.what}: a progress push failed: ${this.why(error)}`
        if (this.progressFailed) this.o.log.debug(message)
        else this.o.log.warning(`${message} (later progress failures go to the debug log; the final push is tried all the same)`)
        this.progressFailed = true
      }
    }
    this.inFlight = undefined
  }

  private async push(result: GateResult, running: boolean, budgetMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + budgetMs
    const rollbacksBefore = await this.readRollbacks(budgetMs, signal)
    const body = exposition(gateSeries(result, { labels: this.o.labels, running, rollbacksBefore, now: this.o.clock.now() }))
    const answer = await this.client.exchange(
      { method: 'PUT', url: this.at(groupingPath(this.o.labels)), accept: '*/*', headers: [{ key: 'content-type', value: CONTENT_TYPE }], body: { text: body }, authentication: this.authentication },
      { what: this.what, budgetMs: Math.max(500, deadline - Date.now()), signal }
    )
    if (answer.status < 200 || answer.status >= 300) throw new Error(`HTTP ${answer.status}: ${excerpt(answer.body, 200)}`)
  }

  /** The group's rollback count before this gate, read once; 0 when there is no group yet or it cannot be read (said once). */
  private readRollbacks(budgetMs: number, signal: AbortSignal): Promise<number> {
    this.rollbacksBefore ??= this.client
      .exchange({ method: 'GET', url: this.at('/api/v1/metrics'), authentication: this.authentication }, { what: this.what, budgetMs, signal })
      .then((answer) => {
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${excerpt(answer.body, 200)}`)
        return countIn(answer.body, groupingLabels(this.o.labels))
      })
      .catch((error: unknown) => {
        // A progress push dropped for the final one: the final push reads again.
        if (signal.aborted) {
          this.rollbacksBefore = undefined
          throw error
        }
        this.o.log.warning(`${this.what}: could not read canary_gate_rollbacks_total before pushing (${this.why(error)}); it counts from 0 again, which increase() reads as a counter reset`)
        return 0
      })
    return this.rollbacksBefore
  }

  /** Why a push failed, without the address the client's messages start with (ours say it once). */
  private why(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error)
    return message.startsWith(`${this.what}: `) ? message.slice(this.what.length + 2) : message
  }

  private at(path: string): string {
    const url = new URL(this.base.href)
    url.pathname = `${this.basePath}${path}`
    return url.href
  }
}

/** A percent-encoded user or password as written; kept as it is when it is not valid percent-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** canary_gate_rollbacks_total of the group with exactly these labels in the Pushgateway's /api/v1/metrics answer. */
export function countIn(body: string, labels: Record<string, string>): number {
  const answer = JSON.parse(body) as { data?: Array<{ labels?: Record<string, string>; canary_gate_rollbacks_total?: { metrics?: Array<{ value?: string }> } }> }
  const same = (other: Record<string, string> | undefined): boolean =>
    other !== undefined && Object.keys(other).length === Object.keys(labels).length && Object.entries(labels).every(([key, value]) => other[key] === value)
  const group = (answer.data ?? []).find((entry) => same(entry.labels))
  const value = Number(group?.canary_gate_rollbacks_total?.metrics?.[0]?.value ?? 0)
  return Number.isFinite(value) && value >= 0 ? value : 0
}


/**
 * The pusher of a gate, when `pushgateway-url` is set and the command decides a verdict (run,
 * analyze). promote, abort, retry and status do not push: they decide nothing, and their verdict
 * would replace the last gate's in the group.
 */
export function metricsReporting(inputs: Inputs, clock: Clock, secrets: Secrets, log: Logger, signal?: AbortSignal): MetricsPusher | undefined {
  if (!inputs.pushgatewayUrl || (inputs.command !== 'run' && inputs.command !== 'analyze')) return undefined
  const rollout = inputs.targetKind === 'deployment' ? inputs.deployment : inputs.rollout
  if (!rollout) return undefined
  return new MetricsPusher({
    url: inputs.pushgatewayUrl,
    labels: { rollout, namespace: inputs.namespace, target: inputs.targetKind, region: inputs.region },
    clock,
    secrets,
    log,
    signal
  })
}
