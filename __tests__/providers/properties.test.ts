// Property-based tests of the providers: generated backend answers — every JSON shape, numbers in
// odd spellings and out of range, NaN/Inf/null/missing/empty at any depth, duplicate keys, truncated,
// huge and deep bodies, errors and warnings fields, HTTP statuses, secrets in every form — served
// over loopback to the real providers and the real engine, under the condition idioms people write.
//
// The oracle: each answer is generated from a model that knows the one value the conditions read
// (`errorRate`, or the samples) and every way the answer was spoiled. A condition may pass only when
// the answer is clean (an HTTP 200 the real system's client would accept whole: no errors, warnings,
// out-of-range numbers, nesting beyond 64 levels, truncation) and the value it reads is a number
// that satisfies it; a pass on anything else rests on absent data. Conversely a clean answer whose
// value satisfies the condition must pass, so the property cannot hold by failing everything.
// Also: every measurement has a one-line message, and no secret — in any derived form, or a prefix of
// 8 characters or more — appears in any message, display or log line after the writers' redaction.
//
// Seeded: CANARY_GATE_PROPERTY_SEED (default below) and CANARY_GATE_PROPERTY_RUNS (runs per property).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { AnalysisOutcome, MetricSpec, ProviderSpec } from '../../src/analysis/types.js'
import { Secrets } from '../../src/secrets.js'
import { formsOf, leaks } from '../secrets/leaks.js'
import { startFaultServer, type FaultAnswer, type FaultServer } from '../support/fault-server.js'
import { analyse, type Settings } from '../support/measure.js'
import { metric } from '../support/metrics.js'

const DEFAULT_SEED = 20_261_201
const SEED = process.env.CANARY_GATE_PROPERTY_SEED ? Number(process.env.CANARY_GATE_PROPERTY_SEED) : DEFAULT_SEED
const RUNS = Number(process.env.CANARY_GATE_PROPERTY_RUNS ?? 40)
if (!Number.isInteger(SEED) || !Number.isInteger(RUNS) || RUNS < 1) {
  throw new Error(`CANARY_GATE_PROPERTY_SEED and CANARY_GATE_PROPERTY_RUNS must be integers (got ${process.env.CANARY_GATE_PROPERTY_SEED}, ${process.env.CANARY_GATE_PROPERTY_RUNS})`)
}

/** Runs a property with the seed, and names the seed that reproduces a failure. */
async function holds<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed: SEED, numRuns: RUNS, includeErrorInReport: true })
  } catch (error) {
    const message = `property "${name}" failed; reproduce with CANARY_GATE_PROPERTY_SEED=${SEED}\n${(error as Error).message}`
    console.error(message)
    throw new Error(message)
  }
}

// ---- the model of a value inside an answer ----

type Leaf =
  | { kind: 'number'; text: string; value: number }
  | { kind: 'out-of-range'; text: string }
  | { kind: 'null' }
  | { kind: 'missing' }
  | { kind: 'string'; text: string }
  /** The run's secret, in one of its derived forms (index into formsOf). */
  | { kind: 'secret'; form: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'empty-list' }
  | { kind: 'empty-object' }
  | { kind: 'list'; items: Leaf[] }
  | { kind: 'deep'; levels: number; inner: Leaf }

/** Valid JSON numerals, some in odd spellings, with the float64 Go reads from each. */
const NUMERALS: Array<[string, number]> = [
  ['0', 0],
  ['0.4', 0.4],
  ['4e-1', 0.4],
  ['0.40', 0.4],
  ['-0', -0],
  ['1E0', 1],
  ['1.99', 1.99],
  ['2.5', 2.5],
  ['5', 5],
  ['-1', -1],
  ['1e-400', 0],
  ['12345678901234567890', 12345678901234567890],
  ['1.7976931348623157e308', 1.7976931348623157e308]
]
const ODD_STRINGS = ['NaN', '+Inf', '-Inf', '0.4', '', ' 0.01 ', '0x0', '0b0', '1_000', 'null', '\n::set-output name=verdict::Successful\n', '<b>0.4</b>']

const baseLeaf: fc.Arbitrary<Leaf> = fc.oneof(
  { arbitrary: fc.constantFrom(...NUMERALS).map(([text, value]): Leaf => ({ kind: 'number', text, value })), weight: 8 },
  { arbitrary: fc.constantFrom('1e400', '-1e400', '1E999').map((text): Leaf => ({ kind: 'out-of-range', text })), weight: 1 },
  { arbitrary: fc.constantFrom<Leaf>({ kind: 'null' }, { kind: 'missing' }, { kind: 'empty-list' }, { kind: 'empty-object' }), weight: 3 },
  { arbitrary: fc.constantFrom(...ODD_STRINGS).map((text): Leaf => ({ kind: 'string', text })), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 3 }).map((form): Leaf => ({ kind: 'secret', form })), weight: 1 },
  { arbitrary: fc.boolean().map((value): Leaf => ({ kind: 'bool', value })), weight: 1 }
)
const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  { arbitrary: baseLeaf, weight: 10 },
  { arbitrary: fc.array(baseLeaf, { maxLength: 3 }).map((items): Leaf => ({ kind: 'list', items })), weight: 1 },
  {
    arbitrary: fc
      .record({ levels: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 70 }), weight: 4 }, { arbitrary: fc.constant(100_000), weight: 1 }), inner: baseLeaf })
      .map(({ levels, inner }): Leaf => ({ kind: 'deep', levels, inner })),
    weight: 1
  }
)

function secretForm(secret: string, form: number): string {
  const forms = formsOf(secret)
  return forms[form % forms.length]
}

/** The JSON text of a leaf, or undefined when it is missing. */
function render(value: Leaf, secret: string): string | undefined {
  switch (value.kind) {
    case 'number':
    case 'out-of-range':
      return value.text
    case 'null':
      return 'null'
    case 'missing':
      return undefined
    case 'string':
      return JSON.stringify(value.text)
    case 'secret':
      return JSON.stringify(secretForm(secret, value.form))
    case 'bool':
      return String(value.value)
    case 'empty-list':
      return '[]'
    case 'empty-object':
      return '{}'
    case 'list':
      return `[${value.items.map((item) => render(item, secret)).filter((text) => text !== undefined).join(',')}]`
    case 'deep':
      return `${'['.repeat(value.levels)}${render(value.inner, secret) ?? ''}${']'.repeat(value.levels)}`
  }
}

/** Nesting levels the leaf adds where it sits. */
function depth(value: Leaf): number {
  switch (value.kind) {
    case 'empty-list':
    case 'empty-object':
      return 1
    case 'list':
      return 1 + Math.max(0, ...value.items.map(depth))
    case 'deep':
      return value.levels + depth(value.inner)
    default:
      return 0
  }
}

function outOfRange(value: Leaf): boolean {
  if (value.kind === 'out-of-range') return true
  if (value.kind === 'list') return value.items.some(outOfRange)
  if (value.kind === 'deep') return outOfRange(value.inner)
  return false
}

/** Whether the leaves, rendered `envelope` levels deep, make an answer Go's encoding/json (and so the gate) accepts. */
const wellFormed = (envelope: number, leaves: Leaf[]): boolean => !leaves.some(outOfRange) && envelope + Math.max(0, ...leaves.map(depth)) <= 64

/** The number a condition reads, when there is one. */
const numberIn = (value: Leaf): number | undefined => (value.kind === 'number' ? value.value : undefined)

// ---- backends: an answer model, how it is served, the forms, and the oracle ----

interface Form {
  name: string
  success?: string
  failure?: string
  thresholdRange?: { min?: number; max?: number }
  jsonPath?: string
  /** May this form pass? (only on a clean answer, and only when its value satisfies it) */
  passes: (value: unknown) => boolean
}

interface Case<M> {
  model: M
  secret: string
  token: string
}

const secretArb = fc
  .string({ unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789 /+&=?#%<>"é'.split('')), minLength: 14, maxLength: 22 })
  .map((tail) => `Sk-${tail}`)
const tokenArb = fc.string({ unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyz0123456789'.split('')), minLength: 14, maxLength: 14 }).map((tail) => `tk${tail}`)
const caseOf = <M>(model: fc.Arbitrary<M>): fc.Arbitrary<Case<M>> => fc.record({ model, secret: secretArb, token: tokenArb })

/** A non-200 answer, sometimes with the secret or an injected command in its body. */
const failureBody = fc.constantFrom('<html><body>502 Bad Gateway</body></html>', '{"error":"internal"}', 'secret', 'injection', '')
function renderFailureBody(kind: string, secret: string): string {
  if (kind === 'secret') return `upstream refused ${encodeURIComponent(secret)} and ${secret}`
  if (kind === 'injection') return 'failed\n::set-output name=verdict::Successful\n::warning::ok'
  return kind
}

/** Truncation, a huge body, or none: how the transport can spoil a 200. */
type Transport = 'whole' | 'truncated' | 'huge'
// A huge body costs half a second to send: rare here (the fault matrix sends one to every backend).
const transport = fc.oneof(
  { arbitrary: fc.constant<Transport>('whole'), weight: 40 },
  { arbitrary: fc.constant<Transport>('truncated'), weight: 6 },
  { arbitrary: fc.constant<Transport>('huge'), weight: 1 }
)

function serve(status: number, body: string, how: Transport): FaultAnswer {
  if (status !== 200) return { kind: 'answer', status, body, contentType: body.startsWith('{') ? 'application/json' : 'text/html' }
  if (how === 'truncated') return { kind: 'truncated', body: body.slice(0, Math.max(1, Math.floor(body.length / 2))) }
  if (how === 'huge') return { kind: 'huge', bytes: 17 * 1024 * 1024, head: body.slice(0, -1) }
  return { kind: 'answer', status, body }
}

// The web endpoint: {"errorRate": …} with decoys, duplicate keys, and a secret-bearing note.
interface WebModel {
  status: number
  failure: string
  errorRate: Leaf
  /** An earlier errorRate key the last one overrides (Go and JSON.parse keep the last). */
  shadowed?: Leaf
  decoy: Leaf
  note: Leaf
  how: Transport
}
const webModel: fc.Arbitrary<WebModel> = fc.record(
  {
    status: fc.constantFrom(200, 200, 200, 200, 200, 400, 401, 404),
    failure: failureBody,
    errorRate: leaf,
    shadowed: leaf,
    decoy: leaf,
    note: leaf,
    how: transport
  },
  { requiredKeys: ['status', 'failure', 'errorRate', 'decoy', 'note', 'how'] }
)
function webBody(model: WebModel, secret: string): string {
  const fields: string[] = []
  const add = (key: string, value: Leaf | undefined) => {
    const text = value && render(value, secret)
    if (text !== undefined) fields.push(`${JSON.stringify(key)}:${text}`)
  }
  add('errorRate', model.shadowed)
  add('throughput', model.decoy)
  add('note', model.note)
  add('errorRate', model.errorRate)
  return `{${fields.join(',')}}`
}
function webClean(model: WebModel): boolean {
  const leaves = [model.errorRate, model.decoy, model.note, ...(model.shadowed ? [model.shadowed] : [])]
  // Missing errorRate with a shadowed one present: the shadowed is then the value read.
  return model.status === 200 && model.how === 'whole' && wellFormed(1, leaves)
}
/** The errorRate a condition reads: the last key written. */
const webValue = (model: WebModel): Leaf => (model.errorRate.kind === 'missing' && model.shadowed ? model.shadowed : model.errorRate)

const below = (limit: number) => (value: unknown) => typeof value === 'number' && !Number.isNaN(value) && value < limit
const WEB_FORMS: Form[] = [
  { name: 'success only', success: 'result.errorRate < 2', passes: below(2) },
  { name: 'lenient default', success: '(result.errorRate ?? 0) < 2', passes: below(2) },
  { name: 'nil idiom', success: 'result.errorRate == nil || result.errorRate < 2', passes: below(2) },
  { name: 'definite path', jsonPath: '{$.errorRate}', success: 'result < 2', passes: below(2) },
  { name: 'definite path + thresholdRange', jsonPath: '{$.errorRate}', thresholdRange: { max: 2 }, passes: below(2) },
  { name: 'all matches + all()', jsonPath: '{$..errorRate}', success: 'all(result, {# < 2})', passes: below(2) }
]

// NerdGraph: data.actor.account.nrql.results, errors fields of every shape.
interface NerdGraphModel {
  status: number
  failure: string
  errors: 'absent' | 'null' | 'empty' | 'list' | 'string' | 'object' | 'non-object-entry'
  data: 'rows' | 'null' | 'nrql-null'
  rows: 1 | 2
  errorRate: Leaf
  decoy: Leaf
  how: Transport
}
const nerdGraphModel: fc.Arbitrary<NerdGraphModel> = fc.record({
  status: fc.constantFrom(200, 200, 200, 200, 200, 400, 401, 403),
  failure: failureBody,
  errors: fc.constantFrom<NerdGraphModel['errors']>('absent', 'absent', 'absent', 'null', 'empty', 'list', 'string', 'object', 'non-object-entry'),
  data: fc.constantFrom<NerdGraphModel['data']>('rows', 'rows', 'rows', 'rows', 'null', 'nrql-null'),
  rows: fc.constantFrom<1 | 2>(1, 1, 1, 2),
  errorRate: leaf,
  decoy: leaf,
  how: transport
})
function nerdGraphBody(model: NerdGraphModel, secret: string): string {
  const fields = [render(model.errorRate, secret), render(model.decoy, secret)]
  const row = `{${[fields[0] === undefined ? undefined : `"errorRate":${fields[0]}`, fields[1] === undefined ? undefined : `"count":${fields[1]}`].filter(Boolean).join(',')}}`
  const rows = model.rows === 1 ? `[${row}]` : `[${row},{"errorRate":0.4,"count":10}]`
  const data = model.data === 'rows' ? `{"actor":{"account":{"nrql":{"results":${rows}}}}}` : model.data === 'null' ? 'null' : '{"actor":{"account":{"nrql":null}}}'
  const message = JSON.stringify(`shard failed for ${secret}\n::set-output name=verdict::Successful`)
  const errors = {
    absent: '',
    null: ',"errors":null',
    empty: ',"errors":[]',
    list: `,"errors":[{"message":${message},"extensions":{"errorClass":"TIMEOUT"}}]`,
    string: `,"errors":${message}`,
    object: `,"errors":{"message":${message}}`,
    'non-object-entry': `,"errors":[${message}]`
  }[model.errors]
  return `{"data":${data}${errors}}`
}
const nerdGraphClean = (model: NerdGraphModel): boolean =>
  model.status === 200 && model.how === 'whole' && ['absent', 'null', 'empty'].includes(model.errors) && model.data === 'rows' && model.rows === 1 && wellFormed(6, [model.errorRate, model.decoy])
const NERDGRAPH_FORMS: Form[] = WEB_FORMS.slice(0, 3)

// Prometheus: an instant vector of samples in Go's float spellings and worse, warnings, statuses.
type Sample = { valid: true; text: string; value: number } | { valid: false; json: string }
const VALID_SAMPLES: Array<[string, number]> = [
  ['0.001', 0.001],
  ['1e-3', 0.001],
  ['+0.005', 0.005],
  ['.005', 0.005],
  ['0', 0],
  ['0.02', 0.02],
  ['5', 5],
  ['NaN', NaN],
  ['+Inf', Infinity],
  ['-Inf', -Infinity],
  ['Inf', Infinity]
]
const INVALID_SAMPLES = ['"0x0"', '"0b0"', '" 0.01 "', '""', '"1_000"', '"1e400"', '"-1e400"', '"abc"', '"0.001x"', '"0x1p-3"', '0.001', 'null', 'true', 'MISSING']
const sample: fc.Arbitrary<Sample> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID_SAMPLES).map(([text, value]): Sample => ({ valid: true, text, value })), weight: 6 },
  { arbitrary: fc.constantFrom(...INVALID_SAMPLES).map((json): Sample => ({ valid: false, json })), weight: 1 }
)
interface PrometheusModel {
  status: number
  failure: string
  apiStatus: 'success' | 'error' | 'partial' | 'missing'
  warnings: 'absent' | 'null' | 'empty' | 'list' | 'string'
  samples: Sample[]
  decoy: Leaf
  how: Transport
}
const prometheusModel: fc.Arbitrary<PrometheusModel> = fc.record({
  status: fc.constantFrom(200, 200, 200, 200, 200, 400, 422, 401),
  failure: failureBody,
  apiStatus: fc.constantFrom<PrometheusModel['apiStatus']>('success', 'success', 'success', 'success', 'error', 'partial', 'missing'),
  warnings: fc.constantFrom<PrometheusModel['warnings']>('absent', 'absent', 'absent', 'null', 'empty', 'list', 'string'),
  samples: fc.array(sample, { maxLength: 3 }),
  decoy: leaf,
  how: transport
})
function prometheusBody(model: PrometheusModel, secret: string): string {
  const series = model.samples.map((s, i) =>
    !s.valid && s.json === 'MISSING' ? `{"metric":{"i":"${i}"}}` : `{"metric":{"i":"${i}"},"value":[1700000000.5,${s.valid ? JSON.stringify(s.text) : s.json}]}`
  )
  const note = JSON.stringify(`store ${secret} partial\n::warning::x`)
  const warnings = { absent: '', null: ',"warnings":null', empty: ',"warnings":[]', list: `,"warnings":[${note}]`, string: `,"warnings":${note}` }[model.warnings]
  const decoy = render(model.decoy, secret)
  const status = { success: '"status":"success",', error: '"status":"error","errorType":"execution","error":' + note + ',', partial: '"status":"partial",', missing: '' }[model.apiStatus]
  return `{${status}"data":{"resultType":"vector","result":[${series.join(',')}]}${warnings}${decoy === undefined ? '' : `,"stats":${decoy}`}}`
}
const prometheusClean = (model: PrometheusModel): boolean =>
  model.status === 200 &&
  model.how === 'whole' &&
  model.apiStatus === 'success' &&
  ['absent', 'null', 'empty'].includes(model.warnings) &&
  model.samples.every((s) => s.valid) &&
  wellFormed(1, [model.decoy])
const numbers = (value: unknown): number[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined)
const firstBelow = (value: unknown) => below(0.01)(numbers(value)?.[0])
const PROMETHEUS_FORMS: Form[] = [
  { name: 'success only', success: 'result[0] < 0.01', passes: firstBelow },
  { name: 'no-data idiom', success: 'len(result) == 0 || result[0] < 0.01', passes: firstBelow },
  { name: 'NaN idiom', success: 'isNaN(result[0]) || result[0] < 0.01', passes: firstBelow },
  { name: 'all', success: 'all(result, {# < 0.01})', passes: (value) => (numbers(value)?.length ?? 0) > 0 && numbers(value)!.every((v) => below(0.01)(v)) },
  { name: 'thresholdRange', thresholdRange: { max: 0.01 }, passes: (value) => numbers(value)?.length === 1 && firstBelow(value) }
]

// ---- running a case ----

// Shorter than the first retry's wait (500 ms), so a retryable failure ends the measurement at once:
// retries are the fault matrix's business, and the properties stay fast.
const BUDGET_S = 0.4

interface Backend<M> {
  name: string
  model: fc.Arbitrary<M>
  forms: Form[]
  answer(model: M, secret: string): FaultAnswer
  clean(model: M): boolean
  /** The value the conditions read, when the answer is clean. */
  value(model: M): unknown
  provider(server: string, form: Form, token: string): ProviderSpec
  settings(server: string): Settings
}

const web: Backend<WebModel> = {
  name: 'web',
  model: webModel,
  forms: WEB_FORMS,
  answer: (model, secret) => serve(model.status, model.status === 200 ? webBody(model, secret) : renderFailureBody(model.failure, secret), model.how),
  clean: webClean,
  value: (model) => numberIn(webValue(model)),
  provider: (server, form, token) => ({
    kind: 'web',
    config: { url: `${server}/v1/metrics?app=vote&api_key=${token}`, timeoutSeconds: BUDGET_S, ...(form.jsonPath ? { jsonPath: form.jsonPath } : {}) }
  }),
  settings: () => ({})
}

const nerdGraph: Backend<NerdGraphModel> = {
  name: 'newRelic',
  model: nerdGraphModel,
  forms: NERDGRAPH_FORMS,
  answer: (model, secret) => serve(model.status, model.status === 200 ? nerdGraphBody(model, secret) : renderFailureBody(model.failure, secret), model.how),
  clean: nerdGraphClean,
  value: (model) => numberIn(model.errorRate),
  provider: () => ({ kind: 'newRelic', config: { query: "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'vote'", timeout: BUDGET_S } }),
  settings: (server) => ({ newRelic: { apiKey: 'NRAK-PROPERTY00000000000000000000', accountId: 1, graphqlUrl: `${server}/graphql` } })
}

const prometheusBackend: Backend<PrometheusModel> = {
  name: 'prometheus',
  model: prometheusModel,
  forms: PROMETHEUS_FORMS,
  answer: (model, secret) => serve(model.status, model.status === 200 ? prometheusBody(model, secret) : renderFailureBody(model.failure, secret), model.how),
  clean: prometheusClean,
  value: (model) => model.samples.map((s) => (s.valid ? s.value : undefined)),
  provider: (server) => ({ kind: 'prometheus', config: { address: server, query: 'canary_error_ratio', timeout: BUDGET_S } }),
  settings: () => ({})
}

let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer({ kind: 'hang' })
})
afterAll(() => server.close())

interface Observed {
  form: string
  verdict: AnalysisOutcome['verdict']
  messages: string[]
  texts: string[]
}

async function observe<M>(backend: Backend<M>, test: Case<M>): Promise<{ secrets: Secrets; runs: Observed[] }> {
  const secrets = new Secrets()
  secrets.add(test.secret) // as the plan registers a secret arg or a credential header
  server.setAnswer(backend.answer(test.model, test.secret))
  const metrics: MetricSpec[] = backend.forms.map((form) =>
    metric({
      name: form.name,
      success: form.success,
      failure: form.failure,
      thresholdRange: form.thresholdRange,
      provider: backend.provider(server.url, form, test.token),
      count: 1,
      consecutiveErrorLimit: 0
    })
  )
  const outcomes = await Promise.all(metrics.map((m) => analyse([m], { ...backend.settings(server.url), secrets })))
  return {
    secrets,
    runs: outcomes.map((outcome, i) => {
      const measurements = outcome.metrics[0].tally.measurements
      return {
        form: backend.forms[i].name,
        verdict: outcome.verdict,
        messages: measurements.map((m) => m.message),
        texts: [...outcome.log, ...measurements.flatMap((m) => [m.message, m.display ?? ''])]
      }
    })
  }
}

async function checkCase<M>(backend: Backend<M>, test: Case<M>): Promise<void> {
  const { secrets, runs } = await observe(backend, test)
  const clean = backend.clean(test.model)
  const value = backend.value(test.model)
  runs.forEach((run, i) => {
    const form = backend.forms[i]
    const mayPass = clean && form.passes(value)
    const context = `${backend.name} / ${run.form}: ${run.verdict} (${run.messages.join(' | ')}) on ${JSON.stringify(backend.answer(test.model, test.secret)).slice(0, 400)}`
    // Every measurement says why, on one line.
    expect(run.messages.length).toBeGreaterThan(0)
    for (const message of run.messages) {
      if (!message || /[\r\n]/.test(message)) throw new Error(`a message that is empty or not one line: ${JSON.stringify(message)} — ${context}`)
    }
    // No Successful verdict rests on absent, spoiled or failing data...
    if (run.verdict === 'Successful' && !mayPass) throw new Error(`passed on data it may not pass: ${context}`)
    // ...and a clean answer whose value satisfies the condition passes (a timeout on a loaded machine excepted).
    if (mayPass && run.verdict !== 'Successful' && !run.messages.some((m) => /no answer within/.test(m))) {
      throw new Error(`did not pass a clean, satisfying answer: ${context}`)
    }
  })
  const written = secrets.redact(runs.flatMap((run) => run.texts).join('\n'))
  const found = leaks(written, [test.secret, test.token])
  if (found.length > 0) throw new Error(`secret forms in what is written: ${found.join(', ')}\n${written.slice(0, 2000)}`)
}

describe(`provider properties (seed ${SEED}, ${RUNS} runs each; CANARY_GATE_PROPERTY_SEED to change)`, () => {
  it('web: generated answers never pass on absent data, always say why, never leak a secret', async () => {
    await holds('web answers', caseOf(web.model), (test) => checkCase(web, test))
  })

  it('newRelic: generated NerdGraph answers never pass on absent data, always say why, never leak a secret', async () => {
    await holds('NerdGraph answers', caseOf(nerdGraph.model), (test) => checkCase(nerdGraph, test))
  })

  it('prometheus: generated answers never pass on absent data, always say why, never leak a secret', async () => {
    await holds('Prometheus answers', caseOf(prometheusBackend.model), (test) => checkCase(prometheusBackend, test))
  })
})
