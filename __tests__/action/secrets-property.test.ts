// The whole action, in process, against a backend that echoes back everything it was sent — raw,
// URL-encoded, JSON-escaped, base64 — in its answers, its errors and its warnings. Generated secrets
// go in every place a plan or an input can hold one. Properties: no secret, in any derived form or
// as a long prefix, appears in anything the action writes (log, outputs, job summary, JSON report);
// and every run ends with a verdict output that agrees with the exit code, and a summary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { closeServer, listen } from '../../emulators/http.js'
import { run } from '../../src/main.js'
import { memoryRunner } from '../support/memory-runner.js'
import { propertySeed } from '../support/property.js'

type Echo = 'json-field' | 'error-raw' | 'error-encoded' | 'error-json-escaped' | 'prometheus-warning' | 'prometheus-error' | 'nerdgraph-error' | 'text-body'

interface Echoed {
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

let echo: Echo = 'json-field'
let server: Server
let base = ''

function describeRequest(req: IncomingMessage, body: string): string {
  const seen: Echoed = { url: req.url ?? '', headers: req.headers, body }
  return `${seen.url} ${JSON.stringify(seen.headers)} ${seen.body}`
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const seen = describeRequest(req, body)
      const send = (status: number, value: string, type = 'application/json'): void => void res.writeHead(status, { 'content-type': type }).end(value)
      switch (echo) {
        case 'json-field':
          return send(200, JSON.stringify({ errorRate: 0.5, seen }))
        case 'error-raw':
          return send(500, seen, 'text/plain')
        case 'error-encoded':
          return send(400, encodeURIComponent(seen), 'text/plain')
        case 'error-json-escaped':
          return send(502, JSON.stringify({ message: seen }))
        case 'prometheus-warning':
          return send(200, JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.001'] }] }, warnings: [seen] }))
        case 'prometheus-error':
          return send(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: seen }))
        case 'nerdgraph-error':
          return send(200, JSON.stringify({ errors: [{ message: seen, extensions: { errorClass: 'INTERNAL_SERVER_ERROR' } }] }))
        case 'text-body':
          return send(200, seen, 'text/plain')
      }
    })
  })
  base = `http://127.0.0.1:${await listen(server)}`
})
afterAll(async () => {
  await closeServer(server)
})

/** Where a plan or the inputs hold the secret. */
type Place = 'web-bearer-header' | 'web-query-token' | 'web-secret-arg-in-url' | 'web-secret-arg-in-body' | 'prometheus-basic-auth' | 'prometheus-headers-input' | 'newrelic-api-key' | 'web-userinfo'

function planFor(place: Place, secret: string): { plan: string; inputs: Record<string, string>; provider: 'web' | 'prometheus' | 'newRelic' } {
  const metric = (provider: string, condition = 'result.errorRate < 2'): string => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: echo}
spec:
  args:
    - name: api-token
  metrics:
    - name: error-rate
      count: 1
      consecutiveErrorLimit: 0
      successCondition: ${JSON.stringify(condition)}
      provider:
${provider}
`
  const q = JSON.stringify
  const args = { args: `api-token=${secret}` }
  switch (place) {
    case 'web-bearer-header':
      return { provider: 'web', inputs: args, plan: metric(`        web:\n          url: ${q(`${base}/metrics`)}\n          headers: [{key: Authorization, value: ${q(`Bearer ${secret}`)}}]`) }
    case 'web-query-token':
      return { provider: 'web', inputs: args, plan: metric(`        web:\n          url: ${q(`${base}/metrics?app=vote&token=${encodeURIComponent(secret)}`)}`) }
    case 'web-userinfo':
      return { provider: 'web', inputs: args, plan: metric(`        web:\n          url: ${q(`http://reader:${encodeURIComponent(secret)}@${base.slice('http://'.length)}/metrics`)}`) }
    case 'web-secret-arg-in-url':
      return { provider: 'web', inputs: args, plan: metric(`        web:\n          url: ${q(`${base}/metrics?app=vote&key={{args.api-token}}`)}`) }
    case 'web-secret-arg-in-body':
      return { provider: 'web', inputs: args, plan: metric(`        web:\n          url: ${q(`${base}/metrics`)}\n          method: POST\n          jsonBody: {token: "{{args.api-token}}"}`) }
    case 'prometheus-basic-auth':
      return {
        provider: 'prometheus',
        inputs: args,
        plan: metric(`        prometheus:\n          address: ${q(base)}\n          query: up\n          authentication: {basicAuth: {username: reader, password: ${q(secret)}}}`, 'result[0] < 2')
      }
    case 'prometheus-headers-input':
      return {
        provider: 'prometheus',
        inputs: { ...args, 'prometheus-url': base, 'prometheus-headers': `Authorization: Bearer ${secret}` },
        plan: metric('        prometheus:\n          query: up', 'result[0] < 2')
      }
    case 'newrelic-api-key':
      return {
        provider: 'newRelic',
        inputs: { ...args, 'newrelic-api-key': secret, 'newrelic-account-id': '1', 'newrelic-graphql-url': `${base}/graphql` },
        plan: metric('        newRelic:\n          query: SELECT 1 FROM Transaction')
      }
  }
}

const ECHOES: Record<'web' | 'prometheus' | 'newRelic', Echo[]> = {
  web: ['json-field', 'error-raw', 'error-encoded', 'error-json-escaped', 'text-body'],
  prometheus: ['prometheus-warning', 'prometheus-error', 'error-raw', 'error-encoded'],
  newRelic: ['nerdgraph-error', 'error-raw', 'error-json-escaped']
}

/** Every form a secret takes on its way out: as sent, encoded, escaped, in basic credentials. */
function derivedForms(secret: string): string[] {
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ x: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    html,
    Buffer.from(`reader:${secret}`).toString('base64'),
    Buffer.from(secret).toString('base64')
  ]
}

interface Written {
  log: string
  outputs: Record<string, string>
  summary: string
  report: string
  exitCode: number
}

async function runGate(inputs: Record<string, string>): Promise<Written> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-secret-prop-'))
  process.env.RUNNER_TEMP = dir
  process.env.GITHUB_ACTION = 'gate'
  process.env.CANARY_GATE_TIME_SCALE = '1000'
  delete process.env.GITHUB_EVENT_PATH
  const runner = memoryRunner(inputs)
  process.exitCode = undefined
  await run(runner)
  const exitCode = runner.failed === undefined ? 0 : 1
  process.exitCode = undefined
  const report = runner.outputs.report ? await readFile(runner.outputs.report, 'utf8').catch(() => '') : ''
  return { log: runner.lines.join('\n'), outputs: runner.outputs, summary: runner.summary, report, exitCode }
}

const SECRET_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=&%?#:@ "\'<>-_.~'
const secretArb = fc
  .array(fc.constantFrom(...SECRET_CHARS.split('')), { minLength: 20, maxLength: 48 })
  .map((chars) => `s3cr${chars.join('')}`)
  // The runner trims inputs: a secret is what the runner would pass.
  .filter((s) => s.trim() === s)

const PLACES: Place[] = ['web-bearer-header', 'web-query-token', 'web-userinfo', 'web-secret-arg-in-url', 'web-secret-arg-in-body', 'prometheus-basic-auth', 'prometheus-headers-input', 'newrelic-api-key']

describe('secrets, against a backend that echoes everything back', () => {
  it(`no secret in any derived form or long prefix reaches anything written, and every run reports (${PLACES.length} places)`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-secret-plan-'))
    await fc.assert(
      fc.asyncProperty(secretArb, fc.constantFrom(...PLACES), fc.nat(), async (secret, place, pick) => {
        const { plan, inputs, provider } = planFor(place, secret)
        echo = ECHOES[provider][pick % ECHOES[provider].length]
        const file = path.join(dir, 'plan.yaml')
        await writeFile(file, plan)
        const written = await runGate({ command: 'analyze', plan: file, ...inputs })
        const everything = [written.log, JSON.stringify(written.outputs), written.summary, written.report].join('\n')
        const leaks = derivedForms(secret).filter((form) => form.length >= 8 && everything.includes(form))
        // A cut before redaction leaves a prefix: none of 12 characters or more may survive.
        for (let length = 12; length < secret.length; length++) if (everything.includes(secret.slice(0, length))) leaks.push(`prefix ${secret.slice(0, length)}`)
        expect({ place, echo, leaks }).toEqual({ place, echo, leaks: [] })
        expect(written.outputs.verdict).toMatch(/^(Successful|Failed|Error|Inconclusive)$/)
        expect(written.exitCode).toBe(written.outputs.verdict === 'Successful' ? 0 : 1)
        expect(written.summary.length).toBeGreaterThan(50)
      }),
      { seed: propertySeed(), numRuns: 120 }
    )
  }, 120_000)
})
