// New Relic: NRQL through NerdGraph. One row becomes a map (`result.errorRate`), several rows a list
// (`result[0].count`); zero rows, GraphQL errors inside a 200, a bad key and rate limits all end as
// an Error measurement with the reason — never as a number.
import type { MetricSpec } from '../analysis/types.js'
import { excerpt, parseJson } from './answers.js'
import { httpRequest, retryAfterMs, type HttpResponse } from './http.js'
import { MeasurementError, measureWithRetries, retryableStatus, type MeasureContext, type Provider } from './provider.js'

export const NERDGRAPH_URLS = {
  us: 'https://api.newrelic.com/graphql',
  eu: 'https://api.eu.newrelic.com/graphql'
} as const

export interface NewRelicSettings {
  apiKey?: string
  accountId?: number
  graphqlUrl: string
}

export const NRQL_QUERY =
  'query($accountId: Int!, $nrql: Nrql!, $timeout: Seconds) { actor { account(id: $accountId) { nrql(query: $nrql, timeout: $timeout) { results } } } }'

const RETRYABLE_CLASSES = new Set(['TIMEOUT', 'INTERNAL_SERVER_ERROR', 'SERVER_ERROR'])

interface GraphQLError {
  message?: unknown
  extensions?: { errorClass?: unknown; error_code?: unknown }
}

function errorsOf(body: unknown): GraphQLError[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors
  return Array.isArray(errors) ? (errors as GraphQLError[]) : []
}

function graphQLFailure(errors: GraphQLError[]): MeasurementError {
  const messages = errors.map((e) => {
    const cls = e.extensions?.errorClass ?? e.extensions?.error_code
    return `${String(e.message ?? 'unknown error')}${cls ? ` (${String(cls)})` : ''}`
  })
  const text = `newRelic: ${messages.join('; ')}`
  const retryable = errors.some((e) => RETRYABLE_CLASSES.has(String(e.extensions?.errorClass ?? '')))
  const permanent = !retryable && errors.some((e) => /NRQL Syntax Error/i.test(String(e.message ?? '')) || e.extensions?.errorClass === 'INVALID_INPUT')
  return new MeasurementError(text, { retryable, permanent })
}

function httpFailure(response: HttpResponse): MeasurementError {
  if (response.status === 401 || response.status === 403) {
    const errors = errorsOf(parseJson(response.body).ok ? JSON.parse(response.body) : undefined)
    const detail = errors.length ? `: ${errors.map((e) => String(e.message)).join('; ')}` : ''
    return new MeasurementError(`newRelic: HTTP ${response.status}${detail} (check newrelic-api-key: a User key, NRAK-…)`, { permanent: true })
  }
  if (response.status === 429) {
    return new MeasurementError('newRelic: HTTP 429 rate limited (more than 25 concurrent NerdGraph requests)', {
      retryable: true,
      retryAfterMs: retryAfterMs(response.headers, Date.now())
    })
  }
  return new MeasurementError(`newRelic: HTTP ${response.status}: ${excerpt(response.body)}`, {
    retryable: retryableStatus(response.status),
    retryAfterMs: retryAfterMs(response.headers, Date.now())
  })
}

/** The rows of a NerdGraph answer → the value conditions see. */
export function resultFromAnswer(body: unknown, accountId: number): unknown {
  const errors = errorsOf(body)
  const account = (body as { data?: { actor?: { account?: unknown } } } | undefined)?.data?.actor?.account
  const nrql = (account as { nrql?: { results?: unknown } } | null | undefined)?.nrql
  // Errors beside results mean a partial answer (some shards or accounts failed): not a measurement.
  if (errors.length > 0) throw graphQLFailure(errors)
  if (account === null || account === undefined) {
    throw new MeasurementError(`newRelic: account ${accountId} was not found or this key cannot read it (check newrelic-account-id)`, { permanent: true })
  }
  if (nrql === null || nrql === undefined) throw new MeasurementError('newRelic: the answer has no nrql result')
  const results = nrql.results
  if (!Array.isArray(results)) throw new MeasurementError(`newRelic: the answer's results are ${results === null ? 'null' : typeof results}, not a list of rows`)
  if (results.length === 0) throw new MeasurementError('newRelic: no results: the query returned no rows (no data for this window?)')
  return results.length === 1 ? results[0] : results
}

export class NewRelicProvider implements Provider {
  constructor(private readonly settings: NewRelicSettings) {}

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'newRelic') throw new Error('not a newRelic metric')
    const { apiKey, accountId, graphqlUrl } = this.settings
    if (!apiKey) throw new MeasurementError('newRelic: no newrelic-api-key given', { permanent: true })
    if (accountId === undefined) throw new MeasurementError('newRelic: no newrelic-account-id given', { permanent: true })
    const timeoutSeconds = Number(metric.provider.config.timeout ?? 5)
    const body = JSON.stringify({
      query: NRQL_QUERY,
      variables: { accountId, nrql: metric.provider.config.query, timeout: timeoutSeconds }
    })
    return measureWithRetries(metric, context, 'newRelic', timeoutSeconds * 1000, async (signal) => {
      const response = await httpRequest({
        method: 'POST',
        url: graphqlUrl,
        headers: { 'api-key': apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal
      })
      if (response.status !== 200) throw httpFailure(response)
      const answer = parseJson(response.body)
      if (!answer.ok) throw new MeasurementError(`newRelic: the answer is not JSON: ${excerpt(response.body)}`)
      return resultFromAnswer(answer.value, accountId)
    })
  }
}
