// Web: any HTTP endpoint answering JSON (or plain text), read with a JSONPath. This is how the seed
// team's `/v1/metrics?app=…&metric=errorRate` endpoint is read — and where their curl fallback
// turned a 404 into "0% errors". Here a non-2xx answer is an Error, never a value.
import type { MetricSpec } from '../analysis/types.js'
import { displayUrl, type Secrets } from '../secrets.js'
import { excerpt, readJson } from './answers.js'
import type { BackendRequest, HttpClient } from './http-client.js'
import { isDefinite, parseJsonPath, selectAll, type PathStep } from './jsonpath.js'
import { MeasurementError, type MeasureContext, type Provider } from './provider.js'

/**
 * The answer body → result: JSON through the path, or the raw text when the body is not JSON. A
 * definite path (`{$.errorRate}`) hands over its one value; a path that can match several
 * (`{$.items[*].v}`, `{$..v}`) hands over the list of every match, so `all(result, {# < 5})` judges
 * them all and `result < 5` is an Error instead of a silent judgement of the first.
 */
export function resultFromBody(body: string, jsonPath: string | undefined, steps: PathStep[], what = 'web'): unknown {
  if (body.trim() === '') throw new MeasurementError(`${what}: the answer is empty`)
  const parsed = readJson(body)
  if (parsed.kind === 'rejected') throw new MeasurementError(`${what}: ${parsed.problem}: ${excerpt(body, 80)}`)
  if (parsed.kind === 'not-json') {
    if (steps.length > 0) throw new MeasurementError(`${what}: the answer is not JSON, so jsonPath ${jsonPath} cannot apply: ${excerpt(body)}`)
    return body.trim()
  }
  if (steps.length === 0) return parsed.value
  const matches = selectAll(steps, parsed.value)
  if (matches.length === 0) throw new MeasurementError(`${what}: jsonPath ${jsonPath} matched nothing in ${excerpt(body, 80)}`)
  return isDefinite(steps) ? matches[0] : matches
}

export class WebProvider implements Provider {
  private readonly paths = new Map<string, PathStep[]>()
  constructor(
    private readonly http: HttpClient,
    private readonly secrets?: Secrets
  ) {}

  private stepsFor(jsonPath: string | undefined): PathStep[] {
    const key = jsonPath ?? '{$}'
    let steps = this.paths.get(key)
    if (!steps) {
      steps = parseJsonPath(key)
      this.paths.set(key, steps)
    }
    return steps
  }

  async measure(metric: MetricSpec, context: MeasureContext): Promise<unknown> {
    if (metric.provider.kind !== 'web') throw new Error('not a web metric')
    const config = metric.provider.config
    const method = config.method ?? 'GET'
    const steps = this.stepsFor(config.jsonPath)
    const request: BackendRequest = {
      method,
      url: config.url,
      accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
      headers: config.headers,
      body: config.jsonBody !== undefined ? { json: config.jsonBody } : config.body !== undefined ? { text: config.body } : undefined,
      insecure: config.insecure,
      authentication: config.authentication
    }
    const timeoutSeconds = Number(config.timeoutSeconds ?? 10)
    // ?token= and the like in the URL are secrets wherever the server echoes them.
    this.secrets?.addUrlSecrets(config.url)
    const what = `web ${method} ${displayUrl(config.url)}`
    return this.http.measure(metric, context, what, timeoutSeconds * 1000, async (exchange) => {
      const answer = await exchange.send(request)
      return resultFromBody(answer.body, config.jsonPath, steps, what)
    })
  }
}
