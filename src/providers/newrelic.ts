// New Relic: NRQL through NerdGraph. One row becomes a map (`result.errorRate`), several rows a list
// (`result[0].count`); zero rows, GraphQL errors inside a 200, a bad key and rate limits all end as
// an Error measurement with the reason — never as a number.
import type { MetricSpec } from '../analysis/types.js'
import { excerpt, isObject, readJson, showValue, typeOf } from './answers.js'
import type { BackendAnswer, HttpClient } from './http-client.js'
import { MeasurementError, type MeasureContext, type Provider } from './provider.js'

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


/**
 * The answer's GraphQL `errors`. Absent, null or [] mean none (as the Go client reads them); a list
 * of objects is the errors; anything else (an object, a string, a number, entries that are not
 * objects) is a malformed answer, and an Error too — never ignored.
 */
function errorsOf(body: unknown): GraphQLError[] {
  if (!isObject(body) || body.errors === undefined || body.errors === null) return []
  const errors = body.errors
  if (!Array.isArray(errors)) throw new MeasurementError(`newRelic: malformed answer: "errors" is ${typeOf(errors)}, not a list: ${showValue(errors, 120)}`)
  errors.forEach((entry, i) => {
    if (!isObject(entry)) throw new MeasurementError(`newRelic: malformed answer: errors[${i}] is ${typeOf(entry)}, not an object: ${showValue(entry, 120)}`)
  })
  return errors as GraphQLError[]
}

/** New Relic's text, one line and short: it must never start a line of the step log. */
const text = (value: unknown, max = 200): string => (typeof value === 'string' ? excerpt(value, max) : showValue(value, max))

function graphQLFailure(errors: GraphQLError[], partial: boolean): MeasurementError {
  const messages = errors.map((e) => {
    const cls = isObject(e.extensions) ? (e.extensions.errorClass ?? e.extensions.error_code) : undefined
    return `${e.message === undefined ? 'unknown error' : text(e.message)}${cls ? ` (${text(cls, 40)})` : ''}`
  })
  const what = partial ? 'partial answer (errors beside data)' : ''
  const message = `newRelic: ${what ? `${what}: ` : ''}${excerpt(messages.join('; '), 400)}`
  const retryable = errors.some((e) => RETRYABLE_CLASSES.has(String(e.extensions?.errorClass ?? '')))
  const permanent = !retryable && errors.some((e) => /NRQL Syntax Error/i.test(String(e.message ?? '')) || e.extensions?.errorClass === 'INVALID_INPUT')
  return new MeasurementError(message, { retryable, permanent })
}

/**
 * NerdGraph's own reading of a refused key and of its rate limit; other statuses are read the common
 * way (HTTP status and an excerpt of the body).
 */
function explainStatus(answer: BackendAnswer): MeasurementError | undefined {
  if (answer.status === 401 || answer.status === 403) {
    const parsed = readJson(answer.body)
    let detail = ''
    try {
      const errors = parsed.kind === 'json' ? errorsOf(parsed.value) : []
      detail = errors.length ? `: ${excerpt(errors.map((e) => text(e.message)).join('; '), 200)}` : ''
    } catch {
      // a malformed error body still means the key was refused
    }
    return new MeasurementError(`newRelic: HTTP ${answer.status}${detail} (check newrelic-api-key: a User key, NRAK-…)`, { permanent: true })
  }
  if (answer.status === 429) {
    return new MeasurementError('newRelic: HTTP 429 rate limited (more than 25 concurrent NerdGraph requests)', { retryable: true })
  }
  return undefined
}

/** data.actor.account.nrql.results, when the answer got that far. */
function rowsIn(data: unknown): unknown {
  const path = ['actor', 'account', 'nrql', 'results']
  return path.reduce<unknown>((level, key) => (isObject(level) ? level[key] : undefined), data)
}

/**
 * The rows of a NerdGraph answer → the value conditions see: one row → the row, several → the list.
 * Errors (beside data or not), a missing level of data.actor.account.nrql.results, rows that are not
 * objects and zero rows are Errors with the reason.
 */
export function resultFromAnswer(body: unknown, accountId: number): unknown {
  if (!isObject(body)) throw new MeasurementError(`newRelic: the answer is ${typeOf(body)}, not a GraphQL answer object: ${showValue(body)}`)
  const errors = errorsOf(body)
  const data = body.data
  // Errors beside data mean a partial answer (some shards or accounts failed): not a measurement.
  if (errors.length > 0) throw graphQLFailure(errors, Array.isArray(rowsIn(data)))
  if (!isObject(data)) throw new MeasurementError(`newRelic: the answer has ${data === undefined ? 'no data' : `data that is ${typeOf(data)}`} and no errors`)
  const actor = data.actor
  if (!isObject(actor)) throw new MeasurementError(`newRelic: the answer's data.actor is ${typeOf(actor)}, not an object`)
  const account = actor.account
  if (account === null || account === undefined) {
    throw new MeasurementError(`newRelic: account ${accountId} was not found or this key cannot read it (check newrelic-account-id)`, { permanent: true })
  }
  if (!isObject(account)) throw new MeasurementError(`newRelic: the answer's account is ${typeOf(account)}, not an object`)
  const nrql = account.nrql
  if (nrql === null || nrql === undefined) throw new MeasurementError('newRelic: the answer has no nrql result')
  if (!isObject(nrql)) throw new MeasurementError(`newRelic: the answer's nrql is ${typeOf(nrql)}, not an object`)
  const results = nrql.results
  if (!Array.isArray(results)) throw new MeasurementError(`newRelic: the answer's results are ${results === null ? 'null' : typeOf(results)}, not a list of rows`)
  if (results.length === 0) throw new MeasurementError('newRelic: no results: the query returned no rows (no data for this window?)')
  results.forEach((row, i) => {
    if (!isObject(row)) throw new MeasurementError(`newRelic: malformed answer: row ${i} is ${typeOf(row)}, not an object: ${showValue(row)}`)
  })
  return results.length === 1 ? results[0] : results
}

export class NewRelicProvider implements Provider {
  constructor(
    private readonly settings: NewRelicSettings,
    private readonly http: HttpClient
  ) {}

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'newRelic') throw new Error('not a newRelic metric')
    const { apiKey, accountId, graphqlUrl } = this.settings
    if (!apiKey) throw new MeasurementError('newRelic: no newrelic-api-key given', { permanent: true })
    if (accountId === undefined) throw new MeasurementError('newRelic: no newrelic-account-id given', { permanent: true })
    const timeoutSeconds = Number(metric.provider.config.timeout ?? 5)
    const variables = { accountId, nrql: metric.provider.config.query, timeout: timeoutSeconds }
    return this.http.measure(metric, context, 'newRelic', timeoutSeconds * 1000, async (exchange) => {
      const answer = await exchange.send({
        method: 'POST',
        url: graphqlUrl,
        headers: [{ key: 'api-key', value: apiKey }],
        body: { json: { query: NRQL_QUERY, variables } },
        explain: explainStatus
      })
      const parsed = readJson(answer.body)
      if (parsed.kind === 'not-json') throw new MeasurementError(`newRelic: the answer is not JSON: ${excerpt(answer.body)}`)
      if (parsed.kind === 'rejected') throw new MeasurementError(`newRelic: ${parsed.problem}: ${excerpt(answer.body, 80)}`)
      return resultFromAnswer(parsed.value, accountId)
    })
  }
}
