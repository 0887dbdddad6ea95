// Prometheus: instant and range queries over the HTTP API; the answer becomes `result` as Argo hands
// it to conditions (vector → list of numbers, scalar → number, matrix → every sample, flattened).
import { evaluate, isTime, parseExpression, type Expr } from '../analysis/expr/index.js'
import { parseFloatText } from '../analysis/expr/values.js'
import type { MetricSpec } from '../analysis/types.js'
import { parseDuration } from '../plan/duration.js'
import type { PrometheusConfig } from '../plan/schema.js'
import { displayUrl, type Secrets } from '../secrets.js'
import { excerpt, isObject, readJson, showValue, typeOf } from './answers.js'
import { HttpStatusError, type BackendAnswer, type BackendRequest, type HttpClient } from './http-client.js'
import { MeasurementError, type MeasureContext, type Provider } from './provider.js'

export interface PrometheusSettings {
  /** The prometheus-url input. */
  defaultUrl?: string
  /** The prometheus-headers input: sent only to the prometheus-url origin. */
  defaultHeaders: Array<{ key: string; value: string }>
  http: HttpClient
  /** Wall time for range queries (Prometheus holds real timestamps whatever the run's clock). */
  wallNow: () => number
  /** Where the basic-auth credentials and the address's ?token= values are registered. */
  secrets?: Secrets
}

/**
 * Prometheus writes sample values with Go's strconv.FormatFloat, as strings: "0.02", "NaN", "+Inf",
 * "-Inf"; its Go client reads them back with strconv.ParseFloat. Anything ParseFloat refuses is an
 * Error here too, never a number JavaScript's Number() would have made of it ("0x0", " 0.01 ", "").
 */
export function sampleValue(raw: unknown): number {
  if (typeof raw !== 'string') throw new MeasurementError(`prometheus: sample value ${showValue(raw)} is not a quoted string`)
  const value = parseFloatText(raw)
  if (value === undefined) throw new MeasurementError(`prometheus: sample value ${showValue(raw)} is not a number`)
  if (!Number.isFinite(value) && !Number.isNaN(value) && !/inf/i.test(raw)) {
    throw new MeasurementError(`prometheus: sample value ${showValue(raw)} is out of range for a 64-bit float`)
  }
  return value
}

/** One `[timestamp, "value"]` pair. */
function sampleOf(pair: unknown, where: string): number {
  if (!Array.isArray(pair) || pair.length !== 2) throw new MeasurementError(`prometheus: malformed sample ${showValue(pair)} in ${where} (expected [time, "value"])`)
  if (typeof pair[0] !== 'number') throw new MeasurementError(`prometheus: sample time ${showValue(pair[0])} in ${where} is not a number`)
  return sampleValue(pair[1])
}


/** A vector or matrix series: an object with its samples in `field`, never a native histogram. */
function seriesOf(series: unknown, index: number, field: 'value' | 'values'): Record<string, unknown> {
  if (!isObject(series)) throw new MeasurementError(`prometheus: series ${index} is ${typeOf(series)}, not an object: ${showValue(series)}`)
  const histograms = field === 'value' ? series.histogram : series.histograms
  if (histograms !== undefined && histograms !== null && !(Array.isArray(histograms) && histograms.length === 0)) {
    throw new MeasurementError(`prometheus: series ${index} holds native histogram samples, not numbers (use histogram_quantile() or histogram_count() in the query)`)
  }
  if (!(field in series)) throw new MeasurementError(`prometheus: series ${index} has no "${field}": ${showValue(series)}`)
  return series
}

/**
 * The `data` of a successful answer → the value conditions see: vector → list of numbers, scalar → a
 * number, matrix → every sample flattened, string → the text. A range query must answer a matrix.
 * Any other shape is an Error naming what was found.
 */
export function resultFromData(data: unknown, endpoint: 'query' | 'query_range' = 'query'): unknown {
  if (!isObject(data)) {
    throw new MeasurementError(`prometheus: the answer has ${data === undefined ? 'no "data"' : `"data" that is ${typeOf(data)}`}, not an object with resultType and result`)
  }
  const { resultType, result } = data
  if (endpoint === 'query_range' && resultType !== 'matrix') {
    throw new MeasurementError(`prometheus: a range query answered resultType ${showValue(resultType)}, not "matrix"`)
  }
  const listOf = (what: string): unknown[] => {
    if (!Array.isArray(result)) throw new MeasurementError(`prometheus: the ${what} result is ${typeOf(result)}, not a list: ${showValue(result)}`)
    return result
  }
  switch (resultType) {
    case 'vector':
      return listOf('vector').map((series, i) => sampleOf(seriesOf(series, i, 'value').value, `series ${i}`))
    case 'scalar':
      return sampleOf(result, 'the scalar')
    case 'matrix':
      return listOf('matrix').flatMap((series, i) => {
        const values = seriesOf(series, i, 'values').values
        if (!Array.isArray(values)) throw new MeasurementError(`prometheus: the values of series ${i} are ${typeOf(values)}, not a list`)
        return values.map((pair) => sampleOf(pair, `series ${i}`))
      })
    case 'string':
      if (Array.isArray(result) && result.length === 2 && typeof result[0] === 'number' && typeof result[1] === 'string') return result[1]
      throw new MeasurementError(`prometheus: malformed string result ${showValue(result)}`)
  }
  throw new MeasurementError(`prometheus: unexpected answer shape (resultType ${showValue(resultType)})`)
}

/** `warnings` / `infos`: absent, null or a list of strings; anything else is a malformed answer. */
function notes(body: Record<string, unknown>, field: 'warnings' | 'infos'): string[] {
  const value = body[field]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new MeasurementError(`prometheus: the answer's ${field} is ${typeOf(value)}, not a list: ${showValue(value)}`)
  return value.map((note) => (typeof note === 'string' ? note : JSON.stringify(note) ?? String(note)))
}

/**
 * A 200 answer → the value conditions see. Warnings mean a partial answer (a shard, a remote store or
 * a limit left data out): an Error worth a retry, as NerdGraph errors beside data are. Infos are
 * informational (Prometheus 3) and only logged.
 */
export function resultFromAnswer(value: unknown, endpoint: 'query' | 'query_range' = 'query', onInfo?: (text: string) => void): unknown {
  if (!isObject(value)) throw new MeasurementError(`prometheus: the answer is ${typeOf(value)}, not a Prometheus API object: ${showValue(value)}`)
  const body = value
  if (body.status !== 'success') throw new MeasurementError(`prometheus: the answer's status is ${showValue(body.status)}, not "success" or "error"`)
  const warnings = notes(body, 'warnings')
  const infos = notes(body, 'infos')
  if (warnings.length > 0) {
    throw new MeasurementError(`prometheus: partial answer: warnings: ${excerpt(warnings.join('; '), 200)}`, { retryable: true })
  }
  if (infos.length > 0) onInfo?.(excerpt(infos.join('; '), 200))
  return resultFromData(body.data, endpoint)
}

/**
 * Prometheus' own error answer (`{"status":"error","errorType":…,"error":…}`, whatever the HTTP
 * status), and what a 401, 403 or 404 means in front of a Prometheus API; undefined for anything the
 * common reading says as well.
 */
function explainError(answer: BackendAnswer, url: string): MeasurementError | undefined {
  const parsed = readJson(answer.body)
  const body = parsed.kind === 'json' && isObject(parsed.value) ? parsed.value : undefined
  if (body && body.status === 'error') {
    const errorType = typeof body.errorType === 'string' ? body.errorType : 'error'
    // errorType and error are the server's text: shown as single-line excerpts.
    const message = `prometheus ${excerpt(errorType, 40)} (HTTP ${answer.status}): ${excerpt(typeof body.error === 'string' ? body.error : showValue(body.error), 300)}`
    // bad_data is an invalid query or parameter: it will never succeed as written.
    return new MeasurementError(message, {
      retryable: errorType === 'timeout' || errorType === 'canceled' || errorType === 'internal' || errorType === 'unavailable',
      permanent: errorType === 'bad_data'
    })
  }
  if (answer.status === 401 || answer.status === 403) {
    return new MeasurementError(`prometheus: HTTP ${answer.status} from ${displayUrl(url)}: not authorized (check prometheus-headers or the metric's authentication)`, { permanent: true })
  }
  if (answer.status === 404) {
    return new MeasurementError(`prometheus: HTTP 404 from ${displayUrl(url)}: no Prometheus API at this address`, { permanent: true })
  }
  return undefined
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

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'prometheus') throw new Error('not a prometheus metric')
    const config = metric.provider.config
    const address = config.address ?? this.settings.defaultUrl
    if (!address) throw new MeasurementError('prometheus: no address', { permanent: true })
    this.settings.secrets?.addUrlSecrets(address)
    const timeoutSeconds = Number(config.timeout ?? 30)
    const form = new URLSearchParams({ query: config.query, timeout: `${timeoutSeconds}s` })
    let endpoint: 'query' | 'query_range' = 'query'
    if (config.rangeQuery) {
      endpoint = 'query_range'
      const now = this.settings.wallNow()
      form.set('start', timeParam(config.rangeQuery.start, 'start', now))
      form.set('end', timeParam(config.rangeQuery.end, 'end', now))
      form.set('step', `${(parseDuration(config.rangeQuery.step) ?? 60_000) / 1000}s`)
    }
    const url = apiUrl(address, endpoint)
    const request: BackendRequest = {
      method: 'POST',
      url,
      // prometheus-headers go to the prometheus-url origin only; the metric's own headers always.
      headers: [...(sameOrigin(address, this.settings.defaultUrl) ? this.settings.defaultHeaders : []), ...(config.headers ?? [])],
      body: { form },
      insecure: config.insecure,
      authentication: config.authentication,
      explain: (answer) => explainError(answer, url)
    }
    return this.settings.http.measure(metric, context, 'prometheus', timeoutSeconds * 1000, async (exchange) => {
      let answer: BackendAnswer
      try {
        answer = await exchange.send(request)
      } catch (error) {
        // Some proxies only allow GET; Prometheus' own client falls back to it the same way.
        if (!(error instanceof HttpStatusError && error.status === 405)) throw error
        answer = await exchange.send({ ...request, method: 'GET', url: `${url}?${form.toString()}`, body: undefined })
      }
      const parsed = readJson(answer.body)
      if (parsed.kind === 'rejected') throw new MeasurementError(`prometheus: ${parsed.problem}: ${excerpt(answer.body, 80)}`)
      if (parsed.kind === 'not-json') throw new MeasurementError(`prometheus: the answer is not Prometheus JSON: ${excerpt(answer.body)}`)
      // A 2xx answer can still be Prometheus' error answer.
      const explained = isObject(parsed.value) && parsed.value.status === 'error' ? explainError(answer, url) : undefined
      if (explained) throw explained
      return resultFromAnswer(parsed.value, endpoint, (infos) => context.log.info(`${metric.name}: prometheus infos: ${infos}`))
    })
  }
}
