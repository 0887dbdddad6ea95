// The one HTTP client of the metric providers: node's http/https (so `insecure` can skip TLS checks
// per request), a hard cap on body size, and retries with backoff inside a measurement's budget.
import http from 'node:http'
import https from 'node:https'
import type { Clock } from '../clock.js'
import { displayUrl } from '../secrets.js'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  headers?: Record<string, string>
  body?: string
  insecure?: boolean
  signal: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: Record<string, string>
  body: string
}

const MAX_BODY_BYTES = 16 * 1024 * 1024

/** A failure to get any answer: refused, reset, DNS, TLS, timeout. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
    this.name = 'NetworkError'
  }
}

export function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      reject(new NetworkError(`invalid URL ${displayUrl(request.url)}`, 'EINVALIDURL'))
      return
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new NetworkError(`unsupported URL scheme ${url.protocol} in ${displayUrl(request.url)}`, 'EINVALIDURL'))
      return
    }
    if (request.signal.aborted) {
      reject(request.signal.reason)
      return
    }
    const headers: Record<string, string> = { 'user-agent': 'canary-gate', ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
    const transport = url.protocol === 'https:' ? https : http
    const req = transport.request(url, {
      method: request.method,
      headers,
      rejectUnauthorized: !request.insecure
    })
    const onAbort = (): void => {
      req.destroy(new NetworkError('aborted', 'ABORT'))
    }
    request.signal.addEventListener('abort', onAbort, { once: true })
    const done = (): void => request.signal.removeEventListener('abort', onAbort)

    req.on('error', (error: NodeJS.ErrnoException) => {
      done()
      if (request.signal.aborted) reject(request.signal.reason)
      else reject(error instanceof NetworkError ? error : new NetworkError(error.message, error.code ?? 'ENETWORK'))
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) {
          req.destroy(new NetworkError(`response larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, 'ETOOBIG'))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', (error: NodeJS.ErrnoException) => {
        done()
        reject(request.signal.aborted ? request.signal.reason : new NetworkError(error.message, error.code ?? 'ENETWORK'))
      })
      res.on('aborted', () => {
        done()
        reject(new NetworkError('the connection closed before the answer was complete', 'ECONNRESET'))
      })
      res.on('end', () => {
        done()
        if (!res.complete) {
          reject(new NetworkError('the connection closed before the answer was complete', 'ECONNRESET'))
          return
        }
        const flat: Record<string, string> = {}
        for (const [key, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') })
      })
    })
    req.end(request.body)
  })
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const value = headers['retry-after']
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export interface RetryPolicy {
  clock: Clock
  /** Aborts when the measurement's budget ends or the run stops. */
  signal: AbortSignal
  /** Clock time at which the budget ends. */
  deadline: number
  /** First wait; doubles each time up to maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Called before each retry (for the log). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

/** An error that says whether trying again might help, and how long to wait first. */
export interface RetryHint {
  retryable: boolean
  retryAfterMs?: number
}

export function isRetryable(error: unknown): error is RetryHint {
  return typeof error === 'object' && error !== null && (error as RetryHint).retryable === true
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the next wait would pass
 * the deadline; the last error is thrown.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const base = policy.baseDelayMs ?? 500
  const max = policy.maxDelayMs ?? 8000
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (error) {
      if (policy.signal.aborted || !isRetryable(error)) throw error
      const backoff = Math.min(max, base * 2 ** (n - 1))
      const delay = Math.max(backoff, error.retryAfterMs ?? 0)
      if (policy.clock.now() + delay >= policy.deadline) throw error
      policy.onRetry?.(error, n, delay)
      await policy.clock.sleep(delay, policy.signal)
    }
  }
}
