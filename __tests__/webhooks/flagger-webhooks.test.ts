// Flagger's webhooks from the runner against a loopback server: the JSON body byte for byte as
// Flagger's encoding/json writes it, the headers, the timeout, go-retryablehttp's retries, and how
// each answer maps (200–202 pass; anything else, timeouts and errors fail; a rollback hook that
// passes rolls back).
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { scaledClock, systemClock } from '../../src/clock.js'
import { IssueList } from '../../src/config-error.js'
import { memoryLogger } from '../../src/log.js'
import { parseFlaggerDocuments } from '../../src/plan/flagger/documents.js'
import { readFlaggerPlans, type FlaggerWebhook } from '../../src/plan/flagger/read.js'
import { eventPayloads, webhookPassed, type WebhookAnswer, type WebhookPayload } from '../../src/plan/flagger/semantics.js'
import { HttpClient } from '../../src/providers/http-client.js'
import { FlaggerWebhookCaller, payloadJson, retryableWebhookStatus, webhookBackoffMs } from '../../src/webhooks/flagger.js'

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

type Reply = (response: ServerResponse, seen: Seen) => void

let server: Server
let base: string
const seen: Seen[] = []
let replies: Reply[] = []
const status =
  (code: number, body = '', headers: Record<string, string> = {}): Reply =>
  (response) => {
    response.writeHead(code, { 'content-type': 'text/plain', ...headers })
    response.end(body)
  }
const hang: Reply = () => {}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }
      seen.push(entry)
      const reply = replies.length > 1 ? replies.shift()! : (replies[0] ?? status(200, 'ok'))
      reply(response, entry)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  seen.length = 0
  replies = []
})

function hook(overrides: Partial<FlaggerWebhook> = {}): FlaggerWebhook {
  return {
    name: 'load-test',
    type: 'rollout',
    url: `${base}/hook`,
    timeout: '2s',
    timeoutMs: 2000,
    metadata: {},
    retries: 0,
    disableTLS: false,
    muteAlert: false,
    location: 'plan.yaml:1',
    ...overrides
  }
}

const payload: WebhookPayload = { name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'rev-2' }

function caller(clock = systemClock) {
  const log = memoryLogger()
  return { caller: new FlaggerWebhookCaller(new HttpClient(clock), clock, log), log }
}

const never = new AbortController().signal

describe('the payload', () => {
  it('is CanaryWebhookPayload as encoding/json writes it: declared field order, metadata keys sorted, left out when empty', () => {
    expect(payloadJson(payload)).toBe('{"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"rev-2"}')
    expect(payloadJson({ ...payload, metadata: { type: 'bash', cmd: 'curl -sd test http://podinfo-canary/token | grep token' } })).toBe(
      '{"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"rev-2","metadata":{"cmd":"curl -sd test http://podinfo-canary/token | grep token","type":"bash"}}'
    )
    expect(payloadJson({ ...payload, metadata: {} })).toBe('{"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"rev-2"}')
  })

  it("escapes as Go does: <, >, &, U+2028, \\b and \\f as \\u escapes; quotes, backslashes and newlines as JSON's", () => {
    const json = payloadJson({ ...payload, metadata: { cmd: 'a && b > c < d\u2028\b\f"\\\n' } })
    expect(json).toContain('"cmd":"a \\u0026\\u0026 b \\u003e c \\u003c d\\u2028\\u0008\\u000c\\"\\\\\\n"')
    expect(JSON.parse(json).metadata.cmd).toBe('a && b > c < d\u2028\b\f"\\\n')
  })

  it("the event webhook's payload carries Flagger's eventMessage, eventType and timestamp over the hook's own metadata", () => {
    const issues = new IssueList()
    const [plan] = readFlaggerPlans(
      parseFlaggerDocuments(
        `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  ingressRef: {name: podinfo}
  service: {port: 80}
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
    webhooks:
      - name: slack
        type: event
        url: http://events.test/
        metadata: {channel: releases, eventType: mine}
`,
        'plan.yaml',
        issues
      ),
      issues
    )
    expect(issues.empty).toBe(true)
    const [event] = eventPayloads(plan, 'Progressing', { type: 'Normal', message: 'Advance podinfo.test canary weight 10' }, 1_770_000_000_123, { checksum: 'rev-2' })
    expect(payloadJson(event.payload)).toBe(
      '{"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"rev-2","metadata":{"channel":"releases","eventMessage":"Advance podinfo.test canary weight 10","eventType":"Normal","timestamp":"1770000000123"}}'
    )
  })
})

describe('a call', () => {
  it('POSTs the JSON with Content-Type application/json to the URL as written', async () => {
    const { caller: c } = caller()
    const answer = await c.call(hook({ url: `${base}/gate/approve?team=web` }), { ...payload, metadata: { cmd: 'hey -z 1m' } }, never)
    expect(answer).toEqual({ status: 200, body: 'ok' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/gate/approve?team=web' })
    expect(seen[0].headers['content-type']).toBe('application/json')
    expect(seen[0].body).toBe('{"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"rev-2","metadata":{"cmd":"hey -z 1m"}}')
  })

  it.each([
    [200, true],
    [201, true],
    [202, true],
    [203, false],
    [204, false],
    [302, false],
    [400, false],
    [403, false],
    [404, false],
    [501, false]
  ])('HTTP %i: passed %s, the body as the message', async (code, passed) => {
    replies = [status(code, `answer ${code}`, code === 302 ? { location: '/elsewhere' } : {})]
    const { caller: c } = caller()
    const answer = await c.call(hook(), payload, never)
    expect(answer).toEqual({ status: code, body: code === 204 ? '' : `answer ${code}` })
    expect(webhookPassed(answer)).toBe(passed)
    // No retry for these, whatever `retries` says.
    expect(seen).toHaveLength(1)
  })

  it('a 500 fails as go-retryablehttp fails it: the answer dropped, "giving up after 1 attempt(s)"', async () => {
    replies = [status(500, 'boom')]
    const { caller: c } = caller()
    const answer = await c.call(hook(), payload, never)
    expect(answer).toEqual({ error: `POST ${base}/hook giving up after 1 attempt(s)` })
    expect(webhookPassed(answer)).toBe(false)
  })

  it("the webhook's timeout bounds the call: no answer within it fails", async () => {
    replies = [hang]
    const { caller: c } = caller()
    const startedAt = Date.now()
    const answer = await c.call(hook({ timeout: '300ms', timeoutMs: 300 }), payload, never)
    const took = Date.now() - startedAt
    expect(answer).toEqual({ error: `POST ${base}/hook giving up after 1 attempt(s): Post "${base}/hook": no answer within 0.3s` })
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(1500)
  })

  it('a refused connection fails with the reason', async () => {
    const { caller: c } = caller()
    const answer = (await c.call(hook({ url: 'http://127.0.0.1:1/hook' }), payload, never)) as { error: string }
    expect(answer.error).toBe('POST http://127.0.0.1:1/hook giving up after 1 attempt(s): Post "http://127.0.0.1:1/hook": connection refused')
  })

  it('retries: 5xx and 429 are tried again with 1s, 2s … waits, up to `retries` more times; a later 200 passes', async () => {
    replies = [status(503, 'busy'), status(429, 'slow down'), status(200, 'fine')]
    const clock = scaledClock(1000)
    const { caller: c, log } = caller(clock)
    const answer = await c.call(hook({ retries: 2 }), payload, never)
    expect(answer).toEqual({ status: 200, body: 'fine' })
    expect(seen).toHaveLength(3)
    expect(log.lines.filter((line) => line.includes('retry'))).toEqual(['debug: webhook load-test: retry 1/2 in 1000ms', 'debug: webhook load-test: retry 2/2 in 2000ms'])
  })

  it('retries that run out fail with the count', async () => {
    replies = [status(502, 'bad gateway')]
    const { caller: c } = caller(scaledClock(1000))
    expect(await c.call(hook({ retries: 2 }), payload, never)).toEqual({ error: `POST ${base}/hook giving up after 3 attempt(s)` })
    expect(seen).toHaveLength(3)
  })

  it('a cancelled run stops the call', async () => {
    replies = [hang]
    const { caller: c } = caller()
    const stop = new AbortController()
    const call = c.call(hook({ timeoutMs: 10_000 }), payload, stop.signal)
    setTimeout(() => stop.abort(new Error('cancelled')), 50)
    await expect(call).rejects.toThrow('cancelled')
  })

  it("the rollback hook's mapping: a pass (2xx up to 202) means roll back now; anything else does not", () => {
    const rollBack = (answer: WebhookAnswer) => webhookPassed(answer)
    expect(rollBack({ status: 200 })).toBe(true)
    expect(rollBack({ status: 202 })).toBe(true)
    expect(rollBack({ status: 204 })).toBe(false)
    expect(rollBack({ status: 404 })).toBe(false)
    expect(rollBack({ error: 'giving up after 1 attempt(s)' })).toBe(false)
  })
})

describe("go-retryablehttp's policy", () => {
  it('retries 429, 5xx but 501; backoff doubles from 1s to at most 30s; Retry-After on 429 and 503', () => {
    expect([200, 202, 404, 429, 500, 501, 502, 503].map(retryableWebhookStatus)).toEqual([false, false, false, true, true, false, true, true])
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => webhookBackoffMs(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    expect(webhookBackoffMs(0, { status: 503, headers: { 'retry-after': '7' }, body: '' })).toBe(7000)
    expect(webhookBackoffMs(0, { status: 500, headers: { 'retry-after': '7' }, body: '' })).toBe(1000)
  })
})
