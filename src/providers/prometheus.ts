// Prometheus: instant and range queries over the HTTP API; the answer becomes `result` as Argo hands
// it to conditions (vector → list of numbers, scalar → number, matrix → every sample, flattened).
import { evaluate, isTime, parseExpression, type Expr } from '../analysis/expr/index.js'
import type { MetricSpec } from '../analysis/types.js'
import { parseDuration } from '../plan/duration.js'
import type { PrometheusConfig } from '../plan/schema.js'
import { displayUrl } from '../secrets.js'
import { excerpt, parseJson } from './answers.js'
import { httpRequest, retryAfterMs, type HttpResponse } from './http.js'
import type { TokenCache } from './oauth2.js'
import { MeasurementError, measureWithRetries, retryableStatus, type MeasureContext, type Provider } from './provider.js'

export interface PrometheusSettings {
  /** The prometheus-url input. */
  defaultUrl?: string
  /** The prometheus-headers input: sent only to the prometheus-url origin. */
  defaultHeaders: Array<{ key: string; value: string }>
  tokens: TokenCache
  /** Wall time for range queries (Prometheus holds real timestamps whatever the run's clock). */
  wallNow: () => number
}

/** Prometheus spells sample values as strings: "0.02", "NaN", "+Inf", "-Inf". */
export function sampleValue(raw: unknown): number {
  if (raw === 'NaN') return NaN
  if (raw === '+Inf' || raw === 'Inf') return Infinity
  if (raw === '-Inf') return -Infinity
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
  if (Number.isNaN(value)) throw new MeasurementError(`prometheus: sample value ${JSON.stringify(raw)} is not a number`)
  return value
}

function sampleOf(pair: unknown): number {
  if (!Array.isArray(pair) || pair.length !== 2) throw new MeasurementError(`prometheus: malformed sample ${excerpt(JSON.stringify(pair) ?? '', 60)}`)
  return sampleValue(pair[1])
}

/** The `data` of a successful answer → the value conditions see. */
export function resultFromData(data: unknown): unknown {
  const { resultType, result } = (data ?? {}) as { resultType?: unknown; result?: unknown }
  switch (resultType) {
    case 'vector':
      if (!Array.isArray(result)) break
      return result.map((series) => sampleOf((series as { value?: unknown }).value))
    case 'scalar':
      return sampleOf(result)
    case 'matrix':
      if (!Array.isArray(result)) break
      return result.flatMap((series) => {
        const values = (series as { values?: unknown }).values
        if (!Array.isArray(values)) throw new MeasurementError('prometheus: matrix series without values')
        return values.map(sampleOf)
      })
    case 'string':
      if (Array.isArray(result) && result.length === 2) return String(result[1])
      break
  }
  throw new MeasurementError(`prometheus: unexpected answer shape (resultType ${JSON.stringify(resultType)})`)
}

function errorFromAnswer(response: HttpResponse, url: string): MeasurementError {
  const parsed = parseJson(response.body)
  const body = parsed.ok ? (parsed.value as { status?: unknown; errorType?: unknown; error?: unknown }) : undefined
  const retryAfter = retryAfterMs(response.headers, Date.now())
  if (body && body.status === 'error') {
    const errorType = String(body.errorType ?? 'error')
    const message = `prometheus ${errorType} (HTTP ${response.status}): ${String(body.error ?? '')}`
    // bad_data is an invalid query or parameter: it will never succeed as written.
    return new MeasurementError(message, {
      retryable: errorType === 'timeout' || errorType === 'canceled' || errorType === 'internal' || errorType === 'unavailable',
      permanent: errorType === 'bad_data',
      retryAfterMs: retryAfter
    })
  }
  if (response.status === 401 || response.status === 403) {
    return new MeasurementError(`prometheus: HTTP ${response.status} from ${displayUrl(url)}: not authorized (check prometheus-headers or the metric's authentication)`, { permanent: true })
  }
  if (response.status === 404) {
    return new MeasurementError(`prometheus: HTTP 404 from ${displayUrl(url)}: no Prometheus API at this address`, { permanent: true })
  }
  if (response.status >= 200 && response.status < 300) {
    return new MeasurementError(`prometheus: the answer is not Prometheus JSON: ${excerpt(response.body)}`)
  }
  return new MeasurementError(`prometheus: HTTP ${response.status}: ${excerpt(response.body)}`, {
    retryable: retryableStatus(response.status),
    retryAfterMs: retryAfter
  })
}

function apiUrl(address: string, endpoint: string): string {
  const base = address.endsWith('/') ? address : `${address}/`
  return new URL(`api/v1/${endpoint}`, base).toString()
}

function sameOrigin(a: string, b: string | undefined): boolean {
  if (!b) return false
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

function timeParam(source: string, field: string, now: number): string {
  let value: unknown
  try {
    value = evaluate(parseExpressionCached(source), {}, { now: () => now })
  } catch (error) {
    throw new MeasurementError(`prometheus rangeQuery.${field} "${source}": ${(error as Error).message}`, { permanent: true })
  }
  if (!isTime(value)) throw new MeasurementError(`prometheus rangeQuery.${field} "${source}" is not a time (use now() - duration("5m"))`, { permanent: true })
  return (value.ms / 1000).toFixed(3)
}

// rangeQuery start/end are expressions (now() - duration("5m")); parse each text once.
const parsed = new Map<string, Expr>()
function parseExpressionCached(source: string): Expr {
  let expr = parsed.get(source)
  if (!expr) {
    expr = parseExpression(source)
    parsed.set(source, expr)
  }
  return expr
}

export class PrometheusProvider implements Provider {
  constructor(private readonly settings: PrometheusSettings) {}

  private async headersFor(config: PrometheusConfig, address: string, signal: AbortSignal): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (sameOrigin(address, this.settings.defaultUrl)) for (const h of this.settings.defaultHeaders) headers[h.key.toLowerCase()] = h.value
    for (const h of config.headers ?? []) headers[h.key.toLowerCase()] = h.value
    const auth = config.authentication
    if (auth?.basicAuth) {
      headers.authorization = `Basic ${Buffer.from(`${auth.basicAuth.username}:${auth.basicAuth.password}`).toString('base64')}`
    }
    if (auth?.oauth2) headers.authorization = `Bearer ${await this.settings.tokens.token(auth.oauth2, signal, config.insecure)}`
    return headers
  }

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'prometheus') throw new Error('not a prometheus metric')
    const config = metric.provider.config
    const address = config.address ?? this.settings.defaultUrl
    if (!address) throw new MeasurementError('prometheus: no address', { permanent: true })
    const timeoutSeconds = Number(config.timeout ?? 30)
    const form = new URLSearchParams({ query: config.query, timeout: `${timeoutSeconds}s` })
    let endpoint = 'query'
    if (config.rangeQuery) {
      endpoint = 'query_range'
      const now = this.settings.wallNow()
      form.set('start', timeParam(config.rangeQuery.start, 'start', now))
      form.set('end', timeParam(config.rangeQuery.end, 'end', now))
      form.set('step', `${(parseDuration(config.rangeQuery.step) ?? 60_000) / 1000}s`)
    }
    const url = apiUrl(address, endpoint)
    return measureWithRetries(metric, context, 'prometheus', timeoutSeconds * 1000, async (signal) => {
      const headers = await this.headersFor(config, address, signal)
      let response = await httpRequest({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        insecure: config.insecure,
        signal
      })
      // Some proxies only allow GET, as Prometheus' own client falls back.
      if (response.status === 405) {
        response = await httpRequest({ method: 'GET', url: `${url}?${form.toString()}`, headers, insecure: config.insecure, signal })
      }
      if (response.status !== 200) throw errorFromAnswer(response, url)
      const answer = parseJson(response.body)
      if (!answer.ok) throw errorFromAnswer(response, url)
      const body = answer.value as { status?: unknown; data?: unknown; warnings?: unknown }
      if (body.status !== 'success') throw errorFromAnswer(response, url)
      if (Array.isArray(body.warnings) && body.warnings.length > 0) {
        context.log.info(`${metric.name}: prometheus warnings: ${body.warnings.map(String).join('; ')}`)
      }
      return resultFromData(body.data)
    })
  }
}
