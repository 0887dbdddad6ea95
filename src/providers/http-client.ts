// The one HTTP client of the metric backends (Prometheus, NerdGraph, web metrics, OAuth2 token
// endpoints), on axios. Everything a backend call needs lives here, so providers only build their
// query and read their answer: headers and authentication, the measurement's time budget as the
// request timeout, the run's cancellation, a cap on the answer's size, proxies from the environment,
// non-2xx answers and network failures as MeasurementErrors, and the one retry policy.
import type { AxiosProxyConfig, AxiosRequestConfig, AxiosResponse } from 'axios'
import type { Agent as HttpsAgent } from 'node:https'
import { getProxyForUrl } from 'proxy-from-env'
import type { MetricSpec } from '../analysis/types.js'
import type { Clock } from '../clock.js'
import { displayUrl, type Secrets } from '../secrets.js'
import { excerpt, singleLine } from './answers.js'
import { TokenCache, type OAuth2Config } from './oauth2.js'
import { MeasurementError, withBudget, type MeasureContext } from './provider.js'

/** Answers above this size are an Error, and are not read further than this. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

// The first wait between tries; it doubles each time, up to the second.
const FIRST_RETRY_MS = 500
const LONGEST_RETRY_MS = 8000

export interface Authentication {
  basicAuth?: { username: string; password: string }
  oauth2?: OAuth2Config
}

export interface BackendRequest {
  method?: 'GET' | 'POST' | 'PUT'
  url: string
  /** What the request is for when it is not the metric's query ("oauth2 token request to …"): in every message about it. */
  label?: string
  accept?: string
  /** The plan's {key, value} headers; a later one wins over an earlier one of the same name. */
  headers?: Array<{ key: string; value: string }>
  /** Sent exactly as given (axios' transformations are off): text, a form, or a value sent as JSON. */
  body?: { text: string } | { form: URLSearchParams } | { json: unknown }
  /** Skip TLS verification for this request (Argo's `insecure`). */
  insecure?: boolean
  authentication?: Authentication
  /**
   * Reads a non-2xx answer the backend explains in its own words (Prometheus' error JSON, NerdGraph's
   * errors): its error is thrown as it is. Undefined leaves the answer to the common reading.
   */
  explain?: (answer: BackendAnswer) => MeasurementError | undefined
}

export interface BackendAnswer {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: string
}

/** The requests of one measurement: they share its budget, its cancellation and its name in messages. */
export interface Exchange {
  /** How messages name the backend: "prometheus", "newRelic", "web GET https://…". */
  readonly what: string
  /** Aborts when the measurement's budget ends or the run stops. */
  readonly signal: AbortSignal
  /** A 2xx answer; any other answer, and any failure to get one, is thrown as a MeasurementError. */
  send(request: BackendRequest): Promise<BackendAnswer>
}

/** A non-2xx answer, read the common way. */
export class HttpStatusError extends MeasurementError {
  constructor(
    message: string,
    readonly status: number,
    options: { retryable?: boolean; permanent?: boolean; retryAfterMs?: number }
  ) {
    super(message, options)
  }
}

/** HTTP statuses worth another try inside the budget. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status === 499 || status >= 500
}

/** Milliseconds from a Retry-After header: delta seconds or an HTTP date. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const value = headers['retry-after']?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

// axios and its dependencies (form-data's MIME table included) take about 300 ms to load unbundled and
// about 100 ms from the bundle: loaded on the first request, or earlier with preloadHttpClient(), so
// commands that measure nothing never pay for them.
interface Loaded {
  request: <T>(config: AxiosRequestConfig) => Promise<AxiosResponse<T>>
  insecureAgent: HttpsAgent
}
let loading: Promise<Loaded> | undefined
function load(): Promise<Loaded> {
  loading ??= Promise.all([import('axios'), import('node:https')]).then(([axios, https]) => ({
    request: axios.default.request.bind(axios.default),
    // One agent for every insecure request, so its connections are reused like the default agent's.
    insecureAgent: new https.Agent({ keepAlive: true, rejectUnauthorized: false })
  }))
  return loading
}

/** Starts loading the HTTP client in the background: call it as soon as a run will measure. */
export function preloadHttpClient(): void {
  load().catch(() => {
    // The first request loads it again and reports the failure.
    loading = undefined
  })
}

/** The proxy a request goes through, and the variable that named it. */
interface Proxy {
  url: URL
  variable: string
}

/**
 * The proxy for `target` from the environment, read at every request as curl and the runner read it:
 * `https_proxy`/`HTTPS_PROXY` for https targets, `http_proxy`/`HTTP_PROXY` for http ones, then
 * `all_proxy`/`ALL_PROXY`; lower case first. NO_PROXY (or no_proxy) is read by proxy-from-env, the
 * library axios itself uses: exact host names, `.suffix` and `*.suffix`, `host:port`, and `*`.
 * The choice is made here and handed to axios, so a message can name the proxy that failed.
 */
function proxyFor(target: URL): Proxy | undefined {
  if (!getProxyForUrl(target.href)) return undefined
  const scheme = target.protocol.slice(0, -1)
  const variable = [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY'].find((name) => process.env[name])
  if (!variable) return undefined
  const raw = process.env[variable]!.trim()
  // Without a scheme the proxy speaks plain HTTP, as curl reads it (proxy-from-env would take the target's).
  let url: URL
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`)
  } catch {
    throw new Error(`${variable} is not a proxy URL: ${displayUrl(raw)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${variable} names a ${url.protocol.slice(0, -1)} proxy (${displayUrl(raw)}): only http and https proxies are supported`)
  }
  return { url, variable }
}

function axiosProxy(proxy: Proxy | undefined): AxiosProxyConfig | false {
  if (!proxy) return false
  const { url } = proxy
  return {
    protocol: url.protocol.slice(0, -1),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    // The URL keeps its user and password percent-encoded; the proxy must get them as written.
    ...(url.username || url.password ? { auth: { username: decoded(url.username), password: decoded(url.password) } } : {})
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const shownProxy = (proxy: Proxy): string => `the proxy ${displayUrl(proxy.url.href).replace(/\/$/, '')} (from ${proxy.variable})`

const TLS_TRUST = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_/

/** Why no answer arrived, in words, and whether another try may help. */
function failure(error: unknown, prefix: string, target: URL, proxy: Proxy | undefined, budgetMs: number): MeasurementError {
  const { code, message } = error as { code?: string; message?: string }
  const text = singleLine(String(message ?? error))
  const through = proxy ? ` (through ${shownProxy(proxy)})` : ''
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new MeasurementError(`${prefix}no answer within ${budgetMs / 1000}s`, { retryable: true })
  }
  if (/maxContentLength/.test(text)) {
    // Too big now is too big on the next try as well: no use spending the budget.
    return new MeasurementError(`${prefix}response larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB${through}`)
  }
  if (code === 'ECONNREFUSED') {
    return new MeasurementError(proxy ? `${prefix}${shownProxy(proxy)} refused the connection` : `${prefix}connection refused`, { retryable: true })
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    // Through a proxy only the proxy's own name is looked up: the proxy resolves the target's.
    return new MeasurementError(proxy ? `${prefix}${shownProxy(proxy)}: host not found (${proxy.url.hostname})` : `${prefix}host not found (${target.hostname})`, { retryable: true })
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || /stream has been aborted|socket hang up/.test(text)) {
    return new MeasurementError(`${prefix}connection reset before a complete answer${through}`, { retryable: true })
  }
  if (code !== undefined && TLS_TRUST.test(code)) {
    return new MeasurementError(
      `${prefix}TLS certificate not trusted (${excerpt(text, 120)})${through}: trust its CA with NODE_EXTRA_CA_CERTS, or set insecure: true on a prometheus or web metric`
    )
  }
  if (code !== undefined && /^ERR_INVALID_/.test(code)) {
    // An invalid header name or value: the plan's, so it can never succeed.
    return new MeasurementError(`${prefix}${excerpt(text, 200)}`, { permanent: true })
  }
  return new MeasurementError(`${prefix}${excerpt(text, 200)}${through}`, { retryable: true })
}

/** A non-2xx answer, read the common way. */
function statusFailure(answer: BackendAnswer, prefix: string, target: URL, proxy: Proxy | undefined, retryAfter: number | undefined): MeasurementError {
  const { status } = answer
  if (status === 407) {
    const message = proxy
      ? `${prefix}HTTP 407 from ${shownProxy(proxy)}: ${proxy.url.username ? 'it refused the user and password in the variable' : `it wants a login: put it in ${proxy.variable} (http://user:password@host:port)`}`
      : `${prefix}HTTP 407: a proxy between the runner and ${target.host} wants a login; name it with user and password in HTTPS_PROXY / HTTP_PROXY`
    return new HttpStatusError(message, status, { permanent: true })
  }
  if (status >= 300 && status < 400) {
    const location = answer.headers.location
    return new HttpStatusError(`${prefix}HTTP ${status}: redirected${location ? ` to ${displayUrl(location)}` : ''}; redirects are not followed (give the final address)`, status, {})
  }
  return new HttpStatusError(`${prefix}HTTP ${status}: ${excerpt(answer.body)}`, status, { retryable: retryableStatus(status), retryAfterMs: retryAfter })
}

function requestHeaders(request: BackendRequest): Record<string, string | false> {
  // Content-Type false keeps axios from adding one of its own to a body the plan sent as text.
  const headers: Record<string, string | false> = { 'user-agent': 'canary-gate', accept: request.accept ?? 'application/json', 'content-type': false }
  const body = request.body
  if (body && 'form' in body) headers['content-type'] = 'application/x-www-form-urlencoded'
  if (body && 'json' in body) headers['content-type'] = 'application/json'
  for (const header of request.headers ?? []) headers[header.key.toLowerCase()] = header.value
  return headers
}

function bodyText(body: BackendRequest['body']): string | undefined {
  if (!body) return undefined
  if ('text' in body) return body.text
  if ('form' in body) return body.form.toString()
  return JSON.stringify(body.json)
}

function flatHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return flat
}

export class HttpClient {
  private readonly tokens: TokenCache
  private readonly knownProxies = new Set<string>()

  constructor(
    private readonly clock: Clock,
    private readonly secrets?: Secrets
  ) {
    this.tokens = new TokenCache(clock, secrets)
  }

  /**
   * One measurement: `attempt` is tried until it succeeds, fails for good, or the budget ends.
   * Retryable failures (429, 5xx, 408, 425, 499, network errors) wait with backoff, or as long as
   * the server's Retry-After asks when that fits in the budget; a Retry-After past the budget ends
   * the measurement at once, saying so. Each retry is logged for the metric.
   */
  measure<T>(metric: MetricSpec, context: MeasureContext, what: string, budgetMs: number, attempt: (exchange: Exchange) => Promise<T>): Promise<T> {
    return withBudget(context, budgetMs, what, async (signal, deadline) => {
      const exchange: Exchange = { what, signal, send: (request) => this.send(exchange, request, budgetMs) }
      for (let n = 1; ; n++) {
        try {
          return await attempt(exchange)
        } catch (error) {
          if (signal.aborted || !(error instanceof MeasurementError) || !error.retryable) throw error
          const left = deadline - this.clock.now()
          if (error.retryAfterMs !== undefined && error.retryAfterMs > left) {
            throw new MeasurementError(
              `${error.message}; the server asks to retry after ${seconds(error.retryAfterMs)} (Retry-After), past the ${seconds(Math.max(0, left))} left of this measurement's ${budgetMs / 1000}s budget`
            )
          }
          const delay = Math.max(Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (n - 1)), error.retryAfterMs ?? 0)
          if (delay >= left) throw error
          context.log.info(`${metric.name}: ${error.message}; retry ${n} in ${Math.round(delay)}ms`)
          await this.clock.sleep(delay, signal)
        }
      }
    })
  }

  /**
   * One request on its own time budget whose answer the caller reads whatever its status (a Flagger
   * webhook: 200–202 pass, anything else fails). A failure to get an answer, or the budget ending, is
   * thrown as a MeasurementError; nothing is retried here (the caller has its own retry policy).
   */
  async exchange(request: BackendRequest, options: { what: string; budgetMs: number; signal: AbortSignal }): Promise<BackendAnswer> {
    const { what, budgetMs } = options
    const budget = this.clock.timeoutSignal(budgetMs)
    const signal = AbortSignal.any([options.signal, budget])
    const exchange: Exchange = { what, signal, send: (next) => this.send(exchange, next, budgetMs, true) }
    try {
      return await exchange.send(request)
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason
      if (budget.aborted) throw new MeasurementError(`${what}: no answer within ${budgetMs / 1000}s`, { retryable: true })
      throw error
    }
  }

  private async send(exchange: Exchange, request: BackendRequest, budgetMs: number, anyStatus = false): Promise<BackendAnswer> {
    const prefix = `${exchange.what}: ${request.label ? `${request.label}: ` : ''}`
    let target: URL
    try {
      target = new URL(request.url)
    } catch {
      throw new MeasurementError(`${prefix}invalid URL ${displayUrl(request.url)}`, { permanent: true })
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new MeasurementError(`${prefix}unsupported URL scheme ${target.protocol} in ${displayUrl(request.url)}`, { permanent: true })
    }
    const headers = requestHeaders(request)
    const auth = request.authentication
    if (auth?.basicAuth) {
      this.secrets?.addBasicAuth(auth.basicAuth.username, auth.basicAuth.password)
      headers.authorization = `Basic ${Buffer.from(`${auth.basicAuth.username}:${auth.basicAuth.password}`).toString('base64')}`
    }
    if (auth?.oauth2) headers.authorization = `Bearer ${await this.tokens.token(auth.oauth2, exchange, request.insecure)}`
    let proxy: Proxy | undefined
    try {
      proxy = proxyFor(target)
    } catch (error) {
      throw new MeasurementError(`${prefix}${(error as Error).message}`, { permanent: true })
    }
    if (proxy && !this.knownProxies.has(proxy.url.href)) {
      // A proxy's user and password are secrets wherever a server echoes them.
      this.knownProxies.add(proxy.url.href)
      this.secrets?.addUrlSecrets(proxy.url.href)
    }
    const client = await load().catch((error: unknown) => {
      throw new MeasurementError(`${prefix}the HTTP client could not be loaded: ${excerpt(String((error as Error)?.message ?? error), 200)}`)
    })
    if (exchange.signal.aborted) throw exchange.signal.reason
    let response: AxiosResponse<Buffer>
    try {
      response = await client.request<Buffer>({
        adapter: 'http',
        method: request.method ?? 'GET',
        url: target.href,
        headers,
        data: bodyText(request.body),
        // The budget is in the signal (withBudget), timed by the clock: an axios timeout computed
        // from the clock's milliseconds would be wrong whenever the clock is not real time.
        signal: exchange.signal,
        maxContentLength: MAX_ANSWER_BYTES,
        maxRedirects: 0,
        responseType: 'arraybuffer',
        // The body goes out as given and comes back as bytes: no JSON guessing either way, no BOM stripped.
        transformRequest: [(data: unknown) => data],
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        proxy: axiosProxy(proxy),
        ...(request.insecure && target.protocol === 'https:' ? { httpsAgent: client.insecureAgent } : {})
      })
    } catch (error) {
      if (exchange.signal.aborted) throw exchange.signal.reason
      throw failure(error, prefix, target, proxy, budgetMs)
    }
    const answer: BackendAnswer = {
      status: response.status,
      headers: flatHeaders(response.headers),
      body: Buffer.isBuffer(response.data) ? response.data.toString('utf8') : String(response.data ?? '')
    }
    if (anyStatus || (answer.status >= 200 && answer.status < 300)) return answer
    const retryAfter = retryAfterMs(answer.headers, Date.now())
    const explained = request.explain?.(answer)
    if (explained) {
      if (explained.retryAfterMs !== undefined || retryAfter === undefined) throw explained
      throw new MeasurementError(explained.message, { retryable: explained.retryable, permanent: explained.permanent, retryAfterMs: retryAfter })
    }
    throw statusFailure(answer, prefix, target, proxy, retryAfter)
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`
}
