// A NerdGraph (New Relic GraphQL API) emulator for tests and the demo. It answers the one query the
// client sends — actor.account(id).nrql(query, timeout).results — with the exact shapes, status codes
// and error bodies of the real API (see /work/shared/reference/apis.md), and can be told to fail in
// the ways the real service and the network between fail.
import { createServer, STATUS_CODES, type IncomingHttpHeaders } from 'node:http'
import { closeServer, closingSignal, listen, readBody, wait } from '../http.js'

export interface RecordedRequest {
  method: string
  /** Path and query string as sent. */
  path: string
  /** Headers with node's lower-cased names; credentials are replaced by "[redacted]". */
  headers: IncomingHttpHeaders
  /** The JSON body parsed, or the raw text when it is not JSON ('' when there is none). */
  body: unknown
  /** Epoch ms when the request arrived. */
  time: number
}

/** Forces a failure on the next requests to POST /graphql: forever, or for `times` requests. */
export type NerdGraphFault = (
  | { kind: 'http'; status: number; body?: string; contentType?: string }
  | { kind: 'graphql-error'; errorClass: string; message: string; /** data.actor.account.nrql: null instead of data: null */ partial?: boolean }
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'non-json'; body?: string }
  | { kind: 'truncated' }
  | { kind: 'reset' }
  | { kind: 'null-results' }
) & { times?: number }

export interface NerdGraphEmulator {
  /** http://127.0.0.1:PORT/graphql */
  url: string
  requests: RecordedRequest[]
  setFault(f: NerdGraphFault | null): void
  /** The newest setting wins: it goes in front of the others, replacing one with the same match. */
  setResults(match: string | RegExp, rows: unknown[]): void
  close(): Promise<void>
}

export interface NerdGraphOptions {
  apiKey: string
  accountId: number
  /** Checked in order against the NRQL, first match wins: a string matches as a substring. */
  results?: Array<{ match: string | RegExp; rows: unknown[] }>
  /** Delays every answer of the API (not the rate limiter's), for benchmarks. */
  latencyMs?: number
}

/** NerdGraph allows 25 concurrent requests per user; the 26th gets HTTP 429. */
export const MAX_CONCURRENT = 25

const BAD_KEY = { errors: [{ message: 'Bad API Key or no API Key provided', extensions: { error_code: 'BAD_API_KEY' } }] }
const REDACTED_HEADERS = ['api-key', 'authorization', 'x-api-key', 'x-query-key']

type Answer = { status: number; body: string; headers?: Record<string, string> }

function json(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }
}

function graphqlErrors(...errors: object[]): Answer {
  return json(200, { errors })
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
}

function rateLimited(retryAfterSeconds = 1): Answer {
  return json(429, { errors: [{ message: 'Too many concurrent requests', extensions: { errorClass: 'TOO_MANY_REQUESTS' } }] }, {
    'retry-after': String(retryAfterSeconds),
  })
}

function sameMatch(a: string | RegExp, b: string | RegExp): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return a.source === b.source && a.flags === b.flags
}

function matches(match: string | RegExp, nrql: string): boolean {
  if (typeof match === 'string') return nrql.includes(match)
  match.lastIndex = 0 // a /g or /y RegExp keeps state between test() calls
  return match.test(nrql)
}

// The client's query, with each argument either a $variable or an inline literal. Anything else is
// outside what this emulator answers, and it says so as a GraphQL validation error.
const QUERY_SHAPE =
  /\bactor\s*\{\s*account\s*\(\s*id\s*:\s*(\$\w+|-?\d+)\s*\)\s*\{\s*nrql\s*\(\s*query\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*")[^)]*\)\s*\{\s*results\s*\}/

type Arg<T> = { value: T } | { error: object }

function intArg(raw: string, variables: Record<string, unknown>, typeName: string, required: boolean): Arg<number | undefined> {
  if (!raw.startsWith('$')) return { value: Number(raw) }
  const v = variables[raw.slice(1)]
  if (v === undefined || v === null) {
    return required ? { error: { message: `Variable "${raw}" of required type "${typeName}!" was not provided.` } } : { value: undefined }
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    const shown = JSON.stringify(v)
    return { error: { message: `Variable "${raw}" got invalid value ${shown}; ${typeName} cannot represent non-integer value: ${shown}` } }
  }
  return { value: v }
}

function stringArg(raw: string, variables: Record<string, unknown>, typeName: string): Arg<string> {
  if (!raw.startsWith('$')) return { value: JSON.parse(raw) as string } // GraphQL string escapes are JSON's
  const v = variables[raw.slice(1)]
  if (v === undefined || v === null) return { error: { message: `Variable "${raw}" of required type "${typeName}!" was not provided.` } }
  if (typeof v !== 'string') {
    const shown = JSON.stringify(v)
    return { error: { message: `Variable "${raw}" got invalid value ${shown}; ${typeName} cannot represent a non string value: ${shown}` } }
  }
  return { value: v }
}

/** null when the NRQL parses as far as this emulator cares; otherwise the syntax error message. */
function nrqlSyntaxError(nrql: string): string | null {
  const at = nrql.indexOf('SYNTAX_ERROR')
  if (at >= 0) return `NRQL Syntax Error: Error at line 1 position ${at + 1}, unexpected 'SYNTAX_ERROR'`
  const trimmed = nrql.trimStart()
  if (/^(SELECT|FROM)\b/i.test(trimmed)) return null
  const token = trimmed.split(/\s+/)[0] || '<EOF>'
  return `NRQL Syntax Error: Error at line 1 position ${nrql.length - trimmed.length + 1}, unexpected '${token}'`
}

export async function startNerdGraph(opts: NerdGraphOptions): Promise<NerdGraphEmulator> {
  const results = [...(opts.results ?? [])]
  const requests: RecordedRequest[] = []
  const closing = closingSignal()
  let fault: NerdGraphFault | null = null
  let inFlight = 0

  function takeFault(): NerdGraphFault | null {
    const f = fault
    if (f?.times !== undefined && --f.times <= 0) fault = null
    return f
  }

  function answerQuery(headers: IncomingHttpHeaders, raw: string): Answer {
    if (headers['api-key'] !== opts.apiKey) return json(401, BAD_KEY)
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return json(400, { errors: [{ message: 'Request body is not valid JSON', extensions: { errorClass: 'BAD_REQUEST' } }] })
    }
    if (typeof body !== 'object' || body === null || typeof (body as { query?: unknown }).query !== 'string') {
      return json(400, { errors: [{ message: 'Must provide query string.', extensions: { errorClass: 'BAD_REQUEST' } }] })
    }
    const { query, variables: vars } = body as { query: string; variables?: unknown }
    const variables = (typeof vars === 'object' && vars !== null ? vars : {}) as Record<string, unknown>
    const shape = QUERY_SHAPE.exec(query)
    if (shape === null) {
      return graphqlErrors({
        message: 'The NerdGraph emulator only answers { actor { account(id: …) { nrql(query: …) { results } } } }',
        extensions: { errorClass: 'INVALID_INPUT' },
      })
    }
    const accountId = intArg(shape[1], variables, 'Int', true)
    const nrql = stringArg(shape[2], variables, 'Nrql')
    const afterNrql = shape[0].slice(shape[0].indexOf(shape[2]) + shape[2].length) // an inline NRQL may say "timeout:"
    const timeoutRef = /\btimeout\s*:\s*(\$\w+|-?\d+)/.exec(afterNrql)
    const timeout = timeoutRef ? intArg(timeoutRef[1], variables, 'Seconds', false) : { value: undefined }
    const invalid = [accountId, nrql, timeout].flatMap((a) => ('error' in a ? [a.error] : []))
    if (invalid.length > 0 || !('value' in accountId) || !('value' in nrql)) return graphqlErrors(...invalid)

    if (accountId.value !== opts.accountId) {
      return json(200, {
        data: { actor: { account: null } },
        errors: [{ message: `Account ${accountId.value} not found or not authorized`, path: ['actor', 'account'], extensions: { errorClass: 'FORBIDDEN' } }],
      })
    }
    const syntaxError = nrqlSyntaxError(nrql.value)
    if (syntaxError !== null) {
      return json(200, {
        data: { actor: { account: { nrql: null } } },
        errors: [{ message: syntaxError, path: ['actor', 'account', 'nrql'], extensions: { errorClass: 'INVALID_INPUT' } }],
      })
    }
    // New Relic answers a query over no data with an empty list, not an error.
    const rows = results.find((r) => matches(r.match, nrql.value))?.rows ?? []
    return json(200, { data: { actor: { account: { nrql: { results: rows } } } } })
  }

  function answerFault(f: NerdGraphFault): Answer | 'hang' | 'reset' {
    switch (f.kind) {
      case 'http':
        return { status: f.status, body: f.body ?? htmlPage(f.status), headers: { 'content-type': f.contentType ?? 'text/html' } }
      case 'graphql-error': {
        const error = { message: f.message, extensions: { errorClass: f.errorClass } }
        // A failed field nulls itself and says where; a failure before execution has no data at all.
        if (f.partial) return json(200, { data: { actor: { account: { nrql: null } } }, errors: [{ ...error, path: ['actor', 'account', 'nrql'] }] })
        return json(200, { data: null, errors: [error] })
      }
      case 'rate-limit':
        return rateLimited(f.retryAfterSeconds)
      case 'non-json':
        return { status: 200, body: f.body ?? htmlPage(200), headers: { 'content-type': 'text/html' } }
      case 'truncated':
        return { status: 200, body: '{"data":{"actor":{"account":{"nrql":{"results":[{"errorRa', headers: { 'content-type': 'application/json; charset=utf-8' } }
      case 'null-results':
        return json(200, { data: { actor: { account: { nrql: { results: null } } } } })
      case 'hang':
      case 'reset':
        return f.kind
    }
  }

  const server = createServer(async (req, res) => {
    // Counted from arrival until the answer is written or the socket dies, as a gateway counts.
    const limited = inFlight >= MAX_CONCURRENT
    if (!limited) {
      inFlight++
      res.once('close', () => inFlight--)
    }
    const raw = await readBody(req).catch(() => '')
    const headers = { ...req.headers }
    for (const name of REDACTED_HEADERS) if (headers[name] !== undefined) headers[name] = '[redacted]'
    let body: unknown = raw
    try {
      body = JSON.parse(raw)
    } catch {
      // recorded as text
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body, time: Date.now() })

    const send = (a: Answer): void => {
      if (!res.destroyed) res.writeHead(a.status, a.headers).end(a.body)
    }
    if (limited) return send(rateLimited())
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return send(json(404, { errors: [{ message: 'Not Found' }] }))
    if (req.method !== 'POST') return send(json(405, { errors: [{ message: 'Method Not Allowed: use POST' }] }, { allow: 'POST' }))

    const f = takeFault()
    const answer = f ? answerFault(f) : answerQuery(req.headers, raw)
    if (answer === 'hang') return // close() destroys the socket
    if (!(await wait(opts.latencyMs ?? 0, closing.signal))) return
    if (answer === 'reset') return void req.socket.destroy()
    send(answer)
  })

  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    setFault(f) {
      fault = f === null ? null : { ...f }
    },
    setResults(match, rows) {
      const i = results.findIndex((r) => sameMatch(r.match, match))
      if (i >= 0) results.splice(i, 1)
      results.unshift({ match, rows })
    },
    async close() {
      closing.abort()
      await closeServer(server)
    },
  }
}
